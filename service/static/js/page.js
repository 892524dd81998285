/* Rapporteur: the search page's skeleton: its elements (looked up once; module scripts run after the
 * document is parsed), the state the views share, and which of its sections (intro, results, document)
 * shows.
 */

import { buildUrl, readUrl, searchPart } from "./url-state.js";

function $(id) {
  return document.getElementById(id);
}

export const els = {
  form: $("search-form"),
  input: $("q"),
  listbox: $("suggestions"),
  status: $("status"),
  suggestStatus: $("suggest-status"),
  error: $("error"),
  intro: $("intro"),
  results: $("resultats"),
  resultsHeading: $("results-heading"),
  activeFilters: $("active-filters"),
  answer: $("answer"),
  passagesHeading: $("passages-heading"),
  passages: $("passages"),
  clearFilters: $("clear-filters"),
  filtersPanel: $("filters-panel"),
  filtersCount: $("filters-count"),
  docView: $("document-view"),
  docTitle: $("doc-title"),
  docMeta: $("doc-meta"),
  docSpanMeta: $("doc-span-meta"),
  docBody: $("doc-body"),
  docToggle: $("doc-toggle"),
  docCopy: $("doc-copy"),
  backLink: $("back-link"),
  homeLink: $("home-link"),
  selects: {
    organisation: $("f-organisation"),
    year: $("f-year"),
    kind: $("f-kind"),
  },
};

/**
 * What the page shows now: `current` is the URL state it rendered last (url-state.js `readUrl`);
 * `items` the navigable results, answer first ({el, href, copy, citation}); `lastOpened` the index of the
 * result whose source was opened (focused again on the way back).
 */
export const state = { current: readUrl(), items: [], lastOpened: -1 };

export function showIntro() {
  els.intro.hidden = false;
  els.results.hidden = true;
  els.docView.hidden = true;
  document.title = "Rapporteur — recherche dans les rapports des collectivités";
}

export function showResults() {
  els.intro.hidden = true;
  els.results.hidden = false;
  els.docView.hidden = true;
}

export function showDocumentView(s) {
  els.intro.hidden = true;
  els.results.hidden = true;
  els.docView.hidden = false;
  var back = searchPart(s);
  els.backLink.href = buildUrl(back);
  els.backLink.textContent = back.q ? "← Retour aux résultats" : "← Nouvelle recherche";
}
