/* Rapporteur: the search page's entry point (index.html loads it as a module, deferred by default).
 *
 * Plain JavaScript modules, no build step; imports are relative ("./…"), so the page works wherever the
 * service is mounted. Every piece of text that comes from the corpus or the API is inserted with
 * textContent / createTextNode (never innerHTML), so a document holding "<script>" shows the characters
 * and runs nothing. The page is served with a CSP forbidding inline scripts and styles.
 *
 * This module wires the listeners, normalises the address, then shows what it says.
 */

import { copyToClipboard } from "./clipboard.js";
import { focusFirstResult, onDocumentKeydown } from "./keyboard.js";
import { onLinkClick, render } from "./navigation.js";
import { els, state } from "./page.js";
import { initSearchForm, submitSearch } from "./search-form.js";
import { buildUrl } from "./url-state.js";
import { loadFacets } from "./views/filters.js";
import { initSuggestions } from "./views/suggestions.js";

initSearchForm();
initSuggestions({ submit: submitSearch, toResults: focusFirstResult });
els.docCopy.addEventListener("click", function () {
  copyToClipboard(els.docCopy.dataset.copy, els.docCopy);
});
document.addEventListener("keydown", onDocumentKeydown);
document.addEventListener("click", onLinkClick);
window.addEventListener("popstate", render);

// Normalise the URL (drops empty or invalid parameters) without adding a history entry.
window.history.replaceState({ rapporteur: true, fromApp: false }, "", buildUrl(state.current));
document.documentElement.classList.add("js");
// On a phone (or at a large zoom) the filters start folded, so the answer shows without scrolling.
if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) els.filtersPanel.open = false;
render();
loadFacets();
if (!state.current.q && !state.current.doc) els.input.focus();
