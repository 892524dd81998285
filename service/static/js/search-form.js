/* Rapporteur: the search form: submitting a question (checked as the API checks it), changing a filter
 * (which keeps the question typed) and clearing the filters, each one a new address.
 */

import { navigate } from "./navigation.js";
import { els, state } from "./page.js";
import { cleanQuery } from "./text.js";
import { FILTERS, MAX_QUERY, searchPart } from "./url-state.js";
import { forgetSearch } from "./views/results.js";
import { clearError, setStatus } from "./views/status.js";
import { cancelSuggestions } from "./views/suggestions.js";

/** Search for what the box holds with the filters selected; a submitted search always runs again. */
export function submitSearch() {
  var q = cleanQuery(els.input.value);
  cancelSuggestions();
  if (!q) {
    clearError();
    setStatus("Saisissez une question ou quelques mots.");
    els.input.focus();
    return;
  }
  if (q.length > MAX_QUERY) {
    setStatus("La question est trop longue : 500 caractères au plus.");
    els.input.focus();
    return;
  }
  var next = searchPart(state.current);
  next.q = q;
  FILTERS.forEach(function (f) {
    next[f] = els.selects[f].value;
  });
  forgetSearch(); // a submitted search always runs again, even when it is the same
  navigate(next);
}

/** Wire the form's submit, its filter selects and its "clear the filters" button. */
export function initSearchForm() {
  els.form.addEventListener("submit", function (e) {
    e.preventDefault();
    submitSearch();
  });
  FILTERS.forEach(function (f) {
    els.selects[f].addEventListener("change", function () {
      var next = searchPart(state.current);
      next[f] = els.selects[f].value;
      var typed = cleanQuery(els.input.value);
      if (typed && typed.length <= MAX_QUERY) next.q = typed;
      navigate(next, { replace: !next.q });
    });
  });
  els.clearFilters.addEventListener("click", function () {
    var next = searchPart(state.current);
    FILTERS.forEach(function (f) {
      next[f] = "";
    });
    navigate(next);
    els.input.focus();
  });
}
