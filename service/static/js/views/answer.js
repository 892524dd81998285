/* Rapporteur: the answer card (the sentence that answers, its source, copy and open buttons, confidence)
 * or, when the reports do not answer, the no-answer box titled by the API's reason.
 */

import { makeCopyButton } from "../clipboard.js";
import { els, state } from "../page.js";
import { appendHighlighted, citationLine, clear, copyLine, h } from "../text.js";
import { docUrl } from "../url-state.js";

export const NO_CLEAR_ANSWER_MESSAGE = "Aucune phrase ne répond clairement ; voici les passages les plus proches.";
// Titles of the no-answer box, by the reason the API gives (`no_answer.reason`).
export const NO_ANSWER_TITLES = {
  no_question: "Pas de question à rechercher",
  territory_not_covered: "Territoire non couvert par les rapports",
  period_not_covered: "Période non couverte par les rapports",
  no_clear_answer: "Les rapports ne répondent pas clairement",
};

/** Render the answer of `data` (POST v1/ask) in #answer; returns its navigable result item. */
export function renderAnswer(data) {
  clear(els.answer);
  var answer = data && data.answer;
  if (answer && answer.text) {
    var citation = answer.citation || {};
    var href = docUrl(citation, state.current);
    var copy = copyLine(answer.text, citation);
    var card = h("article", {
      class: "answer-card result-item",
      tabindex: "-1",
      "aria-labelledby": "answer-title",
      "aria-describedby": "answer-text",
      "data-result": "answer",
    });
    card.appendChild(h("h3", { id: "answer-title", class: "answer-title", text: "Réponse des rapports" }));
    card.appendChild(appendHighlighted(h("p", { id: "answer-text", class: "answer-text" }), answer.text, []));
    card.appendChild(
      h("p", { class: "citation" }, [h("span", { class: "citation-label", text: "Source : " }), citationLine(citation)])
    );
    var actions = h("div", { class: "result-actions" }, [
      h("a", { class: "btn btn-primary open-citation", href: href, text: "Voir la source" }),
      makeCopyButton(
        "Copier la réponse et la citation",
        function () {
          return copy;
        },
        "copy-answer"
      ),
    ]);
    card.appendChild(actions);
    if (typeof answer.confidence === "number") {
      card.appendChild(
        h("p", { class: "confidence", text: "Confiance : " + Math.round(answer.confidence * 100) + " %" })
      );
    }
    els.answer.appendChild(card);
    return { el: card, href: href, copy: copy, citation: citation };
  }
  var reason = (data && data.no_answer) || {};
  var title = NO_ANSWER_TITLES[reason.reason] || NO_ANSWER_TITLES.no_clear_answer;
  var none = h(
    "article",
    {
      class: "no-answer result-item",
      tabindex: "-1",
      "aria-labelledby": "no-answer-title",
      "data-result": "no-answer",
      "data-reason": reason.reason || "no_clear_answer",
    },
    [
      h("h3", { id: "no-answer-title", class: "no-answer-title", text: title }),
      h("p", { class: "no-answer-message", text: reason.message || NO_CLEAR_ANSWER_MESSAGE }),
    ]
  );
  if (reason.reason !== "no_question") {
    none.appendChild(
      h("p", {
        class: "no-answer-advice",
        text: "Vérifiez les passages avant de vous en servir, ou orientez la demande vers le service compétent.",
      })
    );
  }
  els.answer.appendChild(none);
  return { el: none, href: null, copy: null, citation: null };
}
