/* Rapporteur: the page's state in its address, so that any view can be shared and reloaded.
 *
 *   ?q=…&organisation=…&year=…&kind=…         a search and its filters
 *   ?doc=ID&start=…&end=…(&full=1)             a document with its cited span (the search kept beside it)
 *
 * Reading cleans what it finds (invalid values are dropped); building gives a path relative to the page.
 */

import { cleanQuery } from "./text.js";

export const MAX_QUERY = 500;
export const FILTERS = ["organisation", "year", "kind"];

function intOrNull(value) {
  if (value === null || value === undefined || value === "") return null;
  var n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** The state in the current address: {q, organisation, year, kind, doc, start, end, full}. */
export function readUrl() {
  var p = new URLSearchParams(window.location.search);
  var year = (p.get("year") || "").trim();
  return {
    q: cleanQuery(p.get("q")).slice(0, MAX_QUERY),
    organisation: (p.get("organisation") || "").trim(),
    year: /^\d{1,4}$/.test(year) ? year : "",
    kind: (p.get("kind") || "").trim(),
    doc: (p.get("doc") || "").trim(),
    start: intOrNull(p.get("start")),
    end: intOrNull(p.get("end")),
    full: p.get("full") === "1",
  };
}

/** The address (path and query string) of state `s`. */
export function buildUrl(s) {
  var p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  FILTERS.forEach(function (f) {
    if (s[f]) p.set(f, s[f]);
  });
  if (s.doc) {
    p.set("doc", s.doc);
    if (s.start !== null && s.start !== undefined && s.end !== null && s.end !== undefined) {
      p.set("start", String(s.start));
      p.set("end", String(s.end));
    }
    if (s.full) p.set("full", "1");
  }
  var query = p.toString();
  return window.location.pathname + (query ? "?" + query : "");
}

/** The search part of a state (question and filters), without the document. */
export function searchPart(s) {
  return { q: s.q, organisation: s.organisation, year: s.year, kind: s.kind };
}

/** The address of the cited span of `citation`, keeping the search of state `s`. */
export function docUrl(citation, s) {
  var target = searchPart(s);
  target.doc = citation.document_id;
  target.start = citation.start;
  target.end = citation.end;
  return buildUrl(target);
}
