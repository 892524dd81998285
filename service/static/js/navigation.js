/* Rapporteur: moving between the page's views through the browser history: `render` shows what the
 * address says (intro, results or document), `navigate` and `pushView` change the address, `goBack`
 * returns to the results, and same-page links are followed without reloading.
 */

import { els, showIntro, state } from "./page.js";
import { cleanQuery } from "./text.js";
import { buildUrl, readUrl, searchPart } from "./url-state.js";
import { openDocument } from "./views/document.js";
import { renderFilters } from "./views/filters.js";
import { hasResultsFor, isLastSearch, runSearch } from "./views/results.js";
import { clearError, setStatus } from "./views/status.js";

function syncForm(s) {
  if (cleanQuery(els.input.value) !== s.q) els.input.value = s.q;
  renderFilters();
}

/** Show what the address says. */
export function render() {
  var previous = state.current;
  var current = readUrl();
  state.current = current;
  syncForm(current);
  if (current.doc) {
    openDocument(current);
    return;
  }
  clearError();
  if (!current.q) {
    showIntro();
    setStatus("");
    return;
  }
  var same = hasResultsFor(current);
  runSearch(current);
  if (same && previous.doc) {
    // Back from a document: focus the result that opened it.
    var item = state.items[state.lastOpened];
    if (item) item.el.focus();
    setStatus("Retour aux résultats pour « " + current.q + " ».");
  }
}

/** Go to state `next` (a new history entry, or in place with `opts.replace`). */
export function navigate(next, opts) {
  var url = buildUrl(next);
  var data = { rapporteur: true, fromApp: true };
  if (opts && opts.replace) window.history.replaceState(data, "", url);
  else if (url !== window.location.pathname + window.location.search) window.history.pushState(data, "", url);
  render();
}

/** History entry for a page of the app; `fromResults` when it was opened from the results list. */
export function pushView(url) {
  var current = state.current;
  var fromResults = !current.doc && !!current.q && !els.results.hidden;
  window.history.pushState({ rapporteur: true, fromApp: true, fromResults: fromResults }, "", url);
  render();
}

/** Back to the results: one step back in history when the results are the previous entry. */
export function goBack() {
  var history = window.history.state;
  var back = searchPart(state.current);
  if (history && history.fromResults && back.q && isLastSearch(back)) window.history.back();
  else navigate(back);
}

/** Links to this page (results, back link, toggle) change the view without reloading it. */
export function onLinkClick(e) {
  var link = e.target.closest && e.target.closest("a");
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  var url = new URL(link.href, document.baseURI);
  if (url.origin !== window.location.origin || url.pathname !== window.location.pathname) return;
  e.preventDefault();
  if (link === els.backLink) {
    goBack();
    return;
  }
  var items = state.items;
  var index = -1;
  for (var i = 0; i < items.length; i++) if (items[i].el.contains(link)) index = i;
  if (index >= 0) state.lastOpened = index;
  pushView(url.pathname + url.search);
}
