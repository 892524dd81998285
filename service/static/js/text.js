/* Rapporteur: text and element helpers shared by the search page and the website widget.
 *
 * `h` builds elements whose children are nodes or strings, and strings always become text nodes: every
 * piece of text that comes from the corpus or the API goes through here (or textContent), never innerHTML.
 * Also: query and text clean-up, French number formatting, highlight spans (the API counts offsets in
 * Unicode code points) and the one-line citation "organisation — title (year) · section · p. N" ("p. N–M"
 * for a passage over several pages).
 */

/** Build an element; children are nodes or strings (strings become text nodes, never HTML). */
export function h(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

/** Remove every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Trim, drop control characters and collapse blanks, as the API does. */
export function cleanQuery(value) {
  return String(value || "")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Single line breaks (hard-wrapped text) shown as spaces; same length, so offsets still hold. */
export function displayText(text) {
  return String(text || "").replace(/(^|[^\n])\n(?!\n)/g, "$1 ");
}

/** Blanks (line breaks included) collapsed to single spaces, trimmed. */
export function oneLine(text) {
  return String(text || "").replace(/\s+/g, " ").trim();
}

export function formatNumber(n) {
  try {
    return new Intl.NumberFormat("fr-FR").format(n);
  } catch (e) {
    return String(n);
  }
}

/** "1 passage", "3 passages" (numbers formatted the French way). */
export function plural(n, one, many) {
  return formatNumber(n) + " " + (n > 1 ? many : one);
}

/** The API counts offsets in Unicode code points (Python); JavaScript strings count UTF-16 units. */
export function codePointMapper(text) {
  if (!/[\ud800-\udfff]/.test(text)) {
    return function (i) {
      return i;
    };
  }
  var units = [0];
  var offset = 0;
  for (var ch of text) {
    offset += ch.length;
    units.push(offset);
  }
  return function (i) {
    if (i <= 0) return 0;
    return i < units.length ? units[i] : text.length;
  };
}

/** Sorted, clamped, merged [start, end) spans in UTF-16 units. */
export function normaliseSpans(text, spans) {
  var toUnits = codePointMapper(text);
  var list = (Array.isArray(spans) ? spans : [])
    .map(function (span) {
      var s = Array.isArray(span) ? span[0] : span && span.start;
      var e = Array.isArray(span) ? span[1] : span && span.end;
      s = toUnits(Math.max(0, Math.floor(Number(s))));
      e = toUnits(Math.max(0, Math.floor(Number(e))));
      return [Math.min(s, text.length), Math.min(e, text.length)];
    })
    .filter(function (span) {
      return isFinite(span[0]) && isFinite(span[1]) && span[1] > span[0];
    })
    .sort(function (a, b) {
      return a[0] - b[0];
    });
  var merged = [];
  list.forEach(function (span) {
    var last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  });
  return merged;
}

/** Append `text` to `parent`, wrapping the `spans` (code points) in <mark> elements (text nodes only). */
export function appendHighlighted(parent, text, spans, markClass) {
  text = displayText(text);
  var pos = 0;
  normaliseSpans(text, spans).forEach(function (span) {
    if (span[0] > pos) parent.appendChild(document.createTextNode(text.slice(pos, span[0])));
    parent.appendChild(h("mark", { class: markClass || null, text: text.slice(span[0], span[1]) }));
    pos = span[1];
  });
  if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  return parent;
}

/** "p. 3", or "p. 1–2" for a span that runs from page 1 to page 2; "" for a document without pages. */
export function pagesLabel(page, pageEnd) {
  if (page === null || page === undefined || page === "") return "";
  var last = pageEnd === null || pageEnd === undefined || pageEnd === "" ? page : pageEnd;
  return "p. " + page + (Number(last) > Number(page) ? "–" + last : "");
}

/** "organisation — title (year) · section · p. N" (or "p. N–M" over several pages) */
export function citationLine(c) {
  if (!c) return "";
  var head = [c.organisation, c.title]
    .filter(function (v) {
      return v !== null && v !== undefined && String(v).trim() !== "";
    })
    .map(oneLine)
    .join(" — ");
  if (c.year !== null && c.year !== undefined && c.year !== "") head += " (" + c.year + ")";
  var parts = [head];
  if (c.section && oneLine(c.section)) parts.push(oneLine(c.section));
  parts.push(pagesLabel(c.page, c.page_end));
  return parts
    .filter(function (p) {
      return p && p.trim();
    })
    .join(" · ");
}

/** The text on one line followed by its citation: what the copy buttons put in the clipboard. */
export function copyLine(text, citation) {
  return oneLine(text) + " — " + citationLine(citation);
}
