/* Rapporteur: a search (POST v1/ask) and the results section: heading with the active filters, the answer
 * (answer.js) then the ranked passages (passages.js), the loading state and what the status line says.
 *
 * The last search is kept: going back to it from a document shows it again without asking the service.
 */

import { LatestRequest, fetchJson, isAbort } from "../api.js";
import { els, showResults, state } from "../page.js";
import { clear, h, plural } from "../text.js";
import { FILTERS, readUrl } from "../url-state.js";
import { NO_ANSWER_TITLES, renderAnswer } from "./answer.js";
import { loadFacets } from "./filters.js";
import { renderPassage } from "./passages.js";
import { clearError, setStatus, showError } from "./status.js";

const PASSAGES = 10;
const FILTER_NAMES = { organisation: "organisation", year: "année", kind: "type" };

const search = new LatestRequest();

function searchKey(s) {
  return JSON.stringify([s.q, s.organisation, s.year, s.kind]);
}

/** Whether the results of the search of state `s` are here (shown again without asking the service). */
export function hasResultsFor(s) {
  return !!search.cached(searchKey(s));
}

/** Whether the search of state `s` is the last one run (its results here or on the way). */
export function isLastSearch(s) {
  return searchKey(s) === search.key;
}

/** The next search runs even when it is the same as the last one. */
export function forgetSearch() {
  search.forget();
}

/** Show the results of the search of state `s`, asking the service unless they are here. */
export function runSearch(s) {
  var key = searchKey(s);
  if (search.cached(key)) {
    showResults();
    return;
  }
  var request = search.start(key);
  clearError();
  showResults();
  renderEmpty(s);
  els.answer.appendChild(h("p", { class: "loading-note", text: "Recherche dans les rapports en cours…" }));
  els.results.setAttribute("aria-busy", "true");
  els.results.classList.add("is-loading");
  setStatus("Recherche en cours…", true);
  var body = { question: s.q, k: PASSAGES };
  if (s.organisation) body.organisation = s.organisation;
  if (s.year) body.year = Number(s.year);
  if (s.kind) body.kind = s.kind;
  fetchJson(
    "v1/ask",
    { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) },
    request.signal
  )
    .then(function (data) {
      if (!request.isLatest()) return;
      search.data = data;
      renderResults(s, data);
      loadFacets(); // when they failed, e.g. the service was unreachable when the page loaded
    })
    .catch(function (err) {
      if (isAbort(err) || !request.isLatest()) return;
      search.forget();
      renderEmpty(s);
      els.results.hidden = true;
      setStatus("La recherche n'a pas abouti.");
      showError(err, "search", function () {
        runSearch(readUrl());
      });
    })
    .finally(function () {
      if (!request.isLatest()) return;
      els.results.removeAttribute("aria-busy");
      els.results.classList.remove("is-loading");
    });
}

function filterSummary(s) {
  return FILTERS.filter(function (f) {
    return !!s[f];
  }).map(function (f) {
    return FILTER_NAMES[f] + " : " + s[f];
  });
}

function renderHeading(s) {
  els.resultsHeading.textContent = "Résultats pour « " + s.q + " »";
  var active = filterSummary(s);
  els.activeFilters.hidden = !active.length;
  els.activeFilters.textContent = active.length ? "Filtres actifs — " + active.join(" ; ") : "";
}

function renderEmpty(s) {
  state.items = [];
  renderHeading(s);
  clear(els.answer);
  clear(els.passages);
  els.passagesHeading.hidden = true;
}

function renderResults(s, data) {
  renderHeading(s);
  var items = [];
  state.items = items;
  state.lastOpened = -1;
  var answerItem = renderAnswer(data);
  items.push(answerItem);
  clear(els.passages);
  var passages = (data && (data.passages || data.results)) || [];
  passages.forEach(function (p, i) {
    var rendered = renderPassage(p, i, !data.answer);
    els.passages.appendChild(rendered.li);
    items.push(rendered.item);
  });
  var asksNothing = !!(data.no_answer && data.no_answer.reason === "no_question");
  els.passagesHeading.hidden = asksNothing;
  if (asksNothing) {
    setStatus(NO_ANSWER_TITLES.no_question + ".");
    document.title = s.q + " — Rapporteur";
    return;
  }
  els.passagesHeading.textContent = passages.length
    ? (data.answer ? "Passages des rapports" : "Passages les plus proches")
    : "Aucun passage";
  if (!passages.length) {
    var tips = ["Aucun passage ne correspond. Essayez d'autres mots"];
    if (filterSummary(s).length) tips.push(" ou retirez des filtres");
    els.passages.appendChild(h("li", { class: "passage passage-empty", text: tips.join("") + "." }));
  }
  var reasonTitle = data.no_answer && NO_ANSWER_TITLES[data.no_answer.reason];
  var said = data.answer
    ? "Réponse trouvée. " + plural(passages.length, "passage", "passages") + "."
    : (reasonTitle || NO_ANSWER_TITLES.no_clear_answer) +
      ". " +
      plural(passages.length, "passage proche", "passages proches") +
      ".";
  setStatus(said);
  document.title = s.q + " — Rapporteur";
}
