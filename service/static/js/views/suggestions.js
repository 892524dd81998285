/* Rapporteur: suggestions under the search box from GET v1/suggest, as an ARIA 1.2 combobox with a
 * listbox popup (arrows to move, Enter to choose, Escape to close, the typed part highlighted).
 *
 * Suggestions are a comfort: a failure or a slow answer never blocks the search.
 */

import { fetchJson } from "../api.js";
import { els, state } from "../page.js";
import { appendHighlighted, cleanQuery, clear, h, oneLine, plural } from "../text.js";
import { MAX_QUERY } from "../url-state.js";

const SUGGEST_DELAY_MS = 180;
const SUGGEST_MIN_CHARS = 2;

const suggest = { timer: null, seq: 0, controller: null, items: [], active: -1, lastQuery: "" };
// Set by initSuggestions: run the search once a suggestion is in the box; ArrowDown without suggestions.
let submit = function () {};
let toResults = function () {};

function suggestionText(item) {
  if (typeof item === "string") return item;
  if (item && typeof item === "object") {
    return String(item.text || item.label || item.value || item.suggestion || item.completion || "");
  }
  return "";
}

export function closeSuggestions() {
  suggest.active = -1;
  els.listbox.hidden = true;
  els.input.setAttribute("aria-expanded", "false");
  els.input.removeAttribute("aria-activedescendant");
}

/** Close the popup and forget its suggestions, with any request on the way. */
export function cancelSuggestions() {
  window.clearTimeout(suggest.timer);
  suggest.seq += 1;
  if (suggest.controller) suggest.controller.abort();
  suggest.controller = null;
  suggest.items = [];
  closeSuggestions();
}

function openSuggestions() {
  if (!suggest.items.length) return;
  els.listbox.hidden = false;
  els.input.setAttribute("aria-expanded", "true");
}

function setActiveSuggestion(index) {
  var options = els.listbox.querySelectorAll('[role="option"]');
  suggest.active = index;
  options.forEach(function (opt, i) {
    var on = i === index;
    opt.setAttribute("aria-selected", on ? "true" : "false");
    opt.classList.toggle("is-active", on);
    if (on) {
      els.input.setAttribute("aria-activedescendant", opt.id);
      opt.scrollIntoView({ block: "nearest" });
    }
  });
  if (index < 0) els.input.removeAttribute("aria-activedescendant");
}

function renderSuggestions(items, typed) {
  suggest.items = items;
  clear(els.listbox);
  items.forEach(function (text, i) {
    var option = h("li", { id: "suggestion-" + i, role: "option", "aria-selected": "false", class: "suggestion" });
    var lower = text.toLocaleLowerCase("fr");
    var at = typed ? lower.indexOf(typed.toLocaleLowerCase("fr")) : -1;
    if (at >= 0) appendHighlighted(option, text, [[at, at + typed.length]]);
    else option.textContent = text;
    option.addEventListener("mousedown", function (e) {
      e.preventDefault(); // keep the focus in the box
    });
    option.addEventListener("click", function () {
      chooseSuggestion(i);
    });
    els.listbox.appendChild(option);
  });
  if (items.length) {
    openSuggestions();
    setActiveSuggestion(-1);
    els.suggestStatus.textContent =
      plural(items.length, "suggestion", "suggestions") + " : flèches haut et bas pour les parcourir.";
  } else {
    closeSuggestions();
    els.suggestStatus.textContent = "";
  }
}

function requestSuggestions() {
  var typed = cleanQuery(els.input.value);
  window.clearTimeout(suggest.timer);
  if (typed.length < SUGGEST_MIN_CHARS || typed.length > MAX_QUERY) {
    cancelSuggestions();
    return;
  }
  suggest.timer = window.setTimeout(function () {
    var seq = ++suggest.seq;
    if (suggest.controller) suggest.controller.abort();
    suggest.controller = new AbortController();
    fetchJson("v1/suggest?" + new URLSearchParams({ q: typed }).toString(), null, suggest.controller.signal)
      .then(function (data) {
        if (seq !== suggest.seq || document.activeElement !== els.input) return;
        var raw = Array.isArray(data) ? data : data.suggestions || data.results || data.items || [];
        var seen = new Set();
        var items = raw
          .map(suggestionText)
          .map(oneLine)
          .filter(function (t) {
            var key = t.toLocaleLowerCase("fr");
            if (!t || seen.has(key)) return false;
            seen.add(key);
            return true;
          })
          .slice(0, 8);
        renderSuggestions(items, typed);
      })
      .catch(function () {
        // Suggestions are a comfort: a failure never blocks the search.
        if (seq === suggest.seq) renderSuggestions([], typed);
      });
  }, SUGGEST_DELAY_MS);
}

function chooseSuggestion(index) {
  var text = suggest.items[index];
  if (text === undefined) return;
  els.input.value = text;
  cancelSuggestions();
  submit();
}

function onInputKeydown(e) {
  var open = !els.listbox.hidden && suggest.items.length > 0;
  switch (e.key) {
    case "ArrowDown":
      e.preventDefault();
      if (open) setActiveSuggestion((suggest.active + 1) % suggest.items.length);
      else if (suggest.items.length) {
        openSuggestions();
        setActiveSuggestion(0);
      } else {
        toResults();
      }
      break;
    case "ArrowUp":
      if (open) {
        e.preventDefault();
        setActiveSuggestion(suggest.active <= 0 ? suggest.items.length - 1 : suggest.active - 1);
      }
      break;
    case "Enter":
      if (open && suggest.active >= 0) {
        e.preventDefault();
        chooseSuggestion(suggest.active);
      }
      break;
    case "Escape":
      if (open) {
        e.preventDefault();
        closeSuggestions();
      }
      break;
    case "Tab":
      closeSuggestions();
      break;
    default:
      break;
  }
}

/**
 * Wire the search box: `options.submit()` runs the search once a suggestion is chosen;
 * `options.toResults()` handles ArrowDown in the box when there is no suggestion to move to.
 */
export function initSuggestions(options) {
  submit = options.submit;
  toResults = options.toResults;
  els.input.addEventListener("input", requestSuggestions);
  els.input.addEventListener("keydown", onInputKeydown);
  els.input.addEventListener("blur", function () {
    closeSuggestions();
  });
  els.input.addEventListener("focus", function () {
    if (suggest.items.length && cleanQuery(els.input.value) !== state.current.q) openSuggestions();
  });
}
