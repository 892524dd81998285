/* Rapporteur: one passage card of the results: its citation, its text with the query words marked (and,
 * when there is no answer, its best sentence set apart), a link to the passage in its document and a
 * copy button.
 */

import { makeCopyButton } from "../clipboard.js";
import { state } from "../page.js";
import { appendHighlighted, citationLine, copyLine, displayText, h } from "../text.js";
import { docUrl } from "../url-state.js";

/** Passage text with the query words marked and, when given, its best sentence set apart. */
function appendPassageText(parent, text, spans, best) {
  text = displayText(text);
  if (!Array.isArray(best) || !(best[1] > best[0])) return appendHighlighted(parent, text, spans);
  var points = Array.from(text);
  var cut = [0, Math.max(0, Math.min(points.length, best[0])), Math.max(0, Math.min(points.length, best[1])), points.length];
  for (var i = 0; i < 3; i++) {
    var from = cut[i];
    var to = cut[i + 1];
    if (to <= from) continue;
    var shifted = (Array.isArray(spans) ? spans : [])
      .map(function (span) {
        return [Math.max(span[0], from) - from, Math.min(span[1], to) - from];
      })
      .filter(function (span) {
        return span[1] > span[0];
      });
    var target = i === 1 ? parent.appendChild(h("span", { class: "best-sentence" })) : parent;
    appendHighlighted(target, points.slice(from, to).join(""), shifted);
  }
  return parent;
}

/** The <li> of passage `p` (number `i`) and its navigable result item. */
export function renderPassage(p, i, withBest) {
  var citation = p.citation || {};
  var href = docUrl(citation, state.current);
  var copy = copyLine(p.text, citation);
  var id = "passage-" + i;
  var li = h("li", { class: "passage" });
  var article = h("article", {
    class: "result-item passage-card",
    tabindex: "-1",
    "aria-labelledby": id + "-cite",
    "aria-describedby": id + "-text",
    "data-result": "passage",
  });
  article.appendChild(h("p", { id: id + "-cite", class: "citation passage-citation", text: citationLine(citation) }));
  article.appendChild(
    appendPassageText(h("p", { id: id + "-text", class: "passage-text" }), p.text || "", p.highlights, withBest ? p.best_sentence : null)
  );
  article.appendChild(
    h("div", { class: "result-actions" }, [
      h("a", { class: "open-citation", href: href, text: "Voir le passage dans le document" }),
      makeCopyButton(
        "Copier le passage",
        function () {
          return copy;
        },
        "copy-passage"
      ),
    ])
  );
  li.appendChild(article);
  return { li: li, item: { el: article, href: href, copy: copy, citation: citation } };
}
