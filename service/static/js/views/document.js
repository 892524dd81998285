/* Rapporteur: the document view: GET v1/documents/{id}?start=&end= shows the cited span highlighted in its
 * context (or the whole document with the span in place, `full=1`), scrolled into view and focused, with
 * the toggle between the two and the "copy the extract and its citation" button.
 */

import { LatestRequest, fetchJson, isAbort } from "../api.js";
import { els, showDocumentView } from "../page.js";
import { clear, codePointMapper, copyLine, displayText, h, oneLine, pagesLabel } from "../text.js";
import { buildUrl, readUrl, searchPart } from "../url-state.js";
import { loadFacets } from "./filters.js";
import { clearError, setStatus, showError } from "./status.js";

const docReq = new LatestRequest();

function present(v) {
  return v !== undefined && v !== null && String(v).trim() !== "";
}

/**
 * GET /v1/documents/{id} answers {document, text, span}: `text` is the whole document (null when a
 * span is asked for); `span` is {start, end, text, context_before, context_after, context_start,
 * context_end, section, page}. Normalised to {meta, before, span, after, truncated*, section, page}.
 */
function normaliseDocument(data, s) {
  var meta = (data && data.document) || {};
  var out = {
    meta: {
      id: meta.document_id || s.doc,
      title: meta.title || s.doc,
      organisation: meta.organisation,
      year: meta.year,
      kind: meta.kind,
      length: meta.characters,
    },
    section: null,
    page: null,
    pageEnd: null,
    before: "",
    span: "",
    after: "",
    truncatedBefore: false,
    truncatedAfter: false,
  };
  var span = data && data.span;
  if (span && typeof span === "object") {
    out.before = span.context_before || "";
    out.span = span.text || "";
    out.after = span.context_after || "";
    out.section = span.section;
    out.page = span.page;
    out.pageEnd = span.page_end;
    out.truncatedBefore = Number(span.context_start) > 0;
    out.truncatedAfter = present(meta.characters) && Number(span.context_end) < Number(meta.characters);
    return out;
  }
  var text = typeof data.text === "string" ? data.text : "";
  if (s.start === null || s.end === null) {
    out.before = text;
    return out;
  }
  // Whole document with the cited span (code-point offsets) highlighted in place.
  var toUnits = codePointMapper(text);
  var a = Math.max(0, Math.min(text.length, toUnits(s.start)));
  var b = Math.max(a, Math.min(text.length, toUnits(s.end)));
  out.before = text.slice(0, a);
  out.span = text.slice(a, b);
  out.after = text.slice(b);
  return out;
}

/** Show the document of state `s` (doc, start, end, full), asking the service unless it is here. */
export function openDocument(s) {
  var key = JSON.stringify([s.doc, s.start, s.end, s.full]);
  showDocumentView(s);
  var cached = docReq.cached(key);
  if (cached) {
    renderDocument(s, cached);
    return;
  }
  var request = docReq.start(key);
  clearError();
  clear(els.docBody);
  els.docTitle.textContent = "Chargement du document…";
  els.docMeta.textContent = "";
  els.docSpanMeta.textContent = "";
  els.docView.setAttribute("aria-busy", "true");
  setStatus("Chargement du document…", true);
  var path = "v1/documents/" + encodeURIComponent(s.doc);
  var hasSpan = s.start !== null && s.end !== null;
  if (hasSpan && !s.full) path += "?" + new URLSearchParams({ start: String(s.start), end: String(s.end) }).toString();
  fetchJson(path, null, request.signal)
    .then(function (data) {
      if (!request.isLatest()) return;
      docReq.data = data;
      renderDocument(s, data);
      loadFacets(); // when they failed, e.g. the service was unreachable when the page loaded
    })
    .catch(function (err) {
      if (isAbort(err) || !request.isLatest()) return;
      docReq.forget();
      els.docTitle.textContent = "Document indisponible";
      setStatus("Le document n'a pas pu être chargé.");
      showError(err, "document", function () {
        openDocument(readUrl());
      });
    })
    .finally(function () {
      if (request.isLatest()) els.docView.removeAttribute("aria-busy");
    });
}

function renderDocument(s, data) {
  var doc = normaliseDocument(data, s);
  var m = doc.meta;
  els.docTitle.textContent = oneLine(m.title);
  var metaParts = [m.organisation, m.year, m.kind].filter(present);
  els.docMeta.textContent = metaParts.map(String).join(" · ");
  clear(els.docBody);
  var hasSpan = s.start !== null && s.end !== null && doc.span !== "";
  var citation = {
    document_id: m.id,
    title: m.title,
    organisation: m.organisation,
    year: m.year,
    section: doc.section,
    page: doc.page,
    page_end: doc.pageEnd,
  };
  var where = [present(doc.section) ? oneLine(doc.section) : null, pagesLabel(doc.page, doc.pageEnd) || null]
    .filter(Boolean)
    .join(" · ");
  els.docSpanMeta.textContent = hasSpan ? "Extrait cité" + (where ? " : " + where : "") : "";
  var body = h("div", { class: "doc-text-inner" });
  if (doc.truncatedBefore) body.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true", text: "[…] " }));
  body.appendChild(document.createTextNode(displayText(doc.before)));
  var mark = null;
  if (hasSpan) {
    mark = h("mark", { id: "cited-span", class: "cited-span", tabindex: "-1" }, [
      h("span", { class: "visually-hidden", text: "Début de l'extrait cité. " }),
      displayText(doc.span),
      h("span", { class: "visually-hidden", text: " Fin de l'extrait cité." }),
    ]);
    body.appendChild(mark);
    body.appendChild(document.createTextNode(displayText(doc.after)));
  }
  if (doc.truncatedAfter) body.appendChild(h("span", { class: "ellipsis", "aria-hidden": "true", text: " […]" }));
  els.docBody.appendChild(body);

  els.docCopy.hidden = !hasSpan;
  var copy = hasSpan ? copyLine(doc.span, citation) : "";
  els.docCopy.dataset.copy = copy;

  var toggle = Object.assign(searchPart(s), { doc: s.doc, start: s.start, end: s.end, full: !s.full });
  els.docToggle.hidden = !(s.start !== null && s.end !== null);
  els.docToggle.href = buildUrl(toggle);
  els.docToggle.textContent = s.full ? "Afficher seulement l'extrait" : "Afficher le document entier";

  document.title = oneLine(m.title) + " — Rapporteur";
  if (mark) {
    setStatus("Document ouvert, extrait cité surligné.");
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  } else {
    setStatus("Document ouvert.");
    els.docTitle.focus();
  }
}
