/* Rapporteur: the page's keyboard shortcuts: "/" back to the search box, arrows (and Home, End) through
 * the answer and the passages, Enter to open the selected result's source, "c" to copy it with its
 * citation, Escape from a document back to the results.
 */

import { copyToClipboard } from "./clipboard.js";
import { goBack, pushView } from "./navigation.js";
import { els, state } from "./page.js";
import { setStatus } from "./views/status.js";

function isTyping(target) {
  if (!target || !target.tagName) return false;
  var tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

function currentItemIndex() {
  var items = state.items;
  var active = document.activeElement;
  for (var i = 0; i < items.length; i++) {
    if (items[i].el === active || items[i].el.contains(active)) return i;
  }
  return -1;
}

function focusItem(index) {
  var items = state.items;
  if (!items.length) return;
  index = Math.max(0, Math.min(items.length - 1, index));
  var el = items[index].el;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "nearest" });
}

/** From the search box down to the first result, when results show. */
export function focusFirstResult() {
  if (!els.results.hidden && state.items.length) focusItem(0);
}

function openItem(index) {
  var item = state.items[index];
  if (!item || !item.href) return false;
  state.lastOpened = index;
  pushView(item.href);
  return true;
}

function copyShortcut() {
  if (!els.docView.hidden) {
    if (els.docCopy.dataset.copy) copyToClipboard(els.docCopy.dataset.copy, els.docCopy);
    return;
  }
  var items = state.items;
  if (els.results.hidden || !items.length) return;
  var focusedItem = currentItemIndex();
  var item = focusedItem >= 0 ? items[focusedItem] : items[0];
  if (item && item.copy) {
    var button = item.el.querySelector(".copy-button");
    copyToClipboard(item.copy, button);
  } else {
    setStatus("Rien à copier : les rapports ne répondent pas à cette question. Sélectionnez un passage avec les flèches.");
  }
}

/** The document's keydown listener. */
export function onDocumentKeydown(e) {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  var target = e.target;
  if (e.key === "/" && !isTyping(target)) {
    e.preventDefault();
    els.input.focus();
    els.input.select();
    return;
  }
  if (isTyping(target)) return;
  if (e.key === "Escape" && !els.docView.hidden) {
    e.preventDefault();
    goBack();
    return;
  }
  if ((e.key === "c" || e.key === "C") && !e.shiftKey) {
    e.preventDefault();
    copyShortcut();
    return;
  }
  var items = state.items;
  if (els.results.hidden || !items.length) return;
  var index = currentItemIndex();
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    if (index < 0) focusItem(e.key === "ArrowDown" ? 0 : items.length - 1);
    else focusItem(index + (e.key === "ArrowDown" ? 1 : -1));
  } else if ((e.key === "Home" || e.key === "End") && index >= 0) {
    e.preventDefault();
    focusItem(e.key === "Home" ? 0 : items.length - 1);
  } else if (e.key === "Enter" && index >= 0 && target === items[index].el) {
    if (openItem(index)) e.preventDefault();
  }
}
