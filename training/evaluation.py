"""Dev figures computed after every epoch, with the model's own embeddings only (no BM25, no fusion):

- `piaf_sentence_acc`: PIAF dev questions whose gold sentence ranks first among its paragraph's;
- `piaf_passage_mrr`: MRR@10 of the gold paragraph among every PIAF dev paragraph;
- `corpus_passage_hit5`: the project's dev questions whose evidence passage is in the top 5 of
  the corpus's passages;
- `corpus_sentence_acc`: the same questions whose best sentence, among the sentences of the
  passages holding the evidence, holds it.

`score` is their mean: the number the training keeps its best epoch by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evals.dataset import load_questions
from evals.matching import evidence_coverage
from rapporteur.bundle.store import Bundle
from rapporteur.parameters import TRAINING
from training.base_model import E5Encoder
from training.data import piaf_paragraphs


@dataclass(frozen=True)
class _CorpusQuestion:
    question: str
    gold_chunks: frozenset[int]
    sentences: tuple[int, ...]
    right: frozenset[int]  # sentences holding the evidence


class DevEvaluator:
    """Holds the dev texts; `__call__(encoder)` embeds them and returns the figures."""

    def __init__(self, bundle: Bundle, split: str = "dev") -> None:
        self.paragraphs = piaf_paragraphs("dev")
        self.bundle = bundle
        self.passages = [bundle.embedded_passage(i) for i in range(len(bundle.chunks))]
        self.corpus: list[_CorpusQuestion] = []
        for q in load_questions(split=split):
            if not q.answerable:
                continue
            doc = bundle.doc_index.get(q.document_id)
            if doc is None:
                continue
            chunks = [int(c) for c in np.flatnonzero(bundle.chunk_doc == doc)]
            gold = frozenset(
                c for c in chunks if any(evidence_coverage(ev, bundle.chunk_text(c)) >= 0.6 for ev in q.evidence)
            )
            if not gold:
                continue
            sentences = tuple(int(s) for c in sorted(gold) for s in bundle.sentences_of(c))
            right = frozenset(
                s for s in sentences if any(evidence_coverage(ev, bundle.sentence_text(s)) >= 0.6 for ev in q.evidence)
            )
            if right:
                self.corpus.append(_CorpusQuestion(q.question, gold, sentences, right))

    def __call__(self, encoder: E5Encoder) -> dict[str, float]:
        figures = {**self._piaf(encoder), **self._corpus(encoder)}
        figures["score"] = float(np.mean(list(figures.values())))
        return {k: round(v, 4) for k, v in figures.items()}

    def _piaf(self, encoder: E5Encoder) -> dict[str, float]:
        questions, golds, owners = [], [], []
        sentences: list[str] = []
        starts = []
        for p, paragraph in enumerate(self.paragraphs):
            starts.append(len(sentences))
            sentences.extend(paragraph.sentence_text(i) for i in range(len(paragraph.sentences)))
            for question, offset, _ in paragraph.questions:
                gold = paragraph.sentence_of(offset)
                if gold is not None:
                    questions.append(question)
                    golds.append(gold)
                    owners.append(p)
        if not questions:
            return {}
        q = encoder.embed(questions, "query", max_length=TRAINING.max_query_tokens)
        s = encoder.embed(sentences, "passage", max_length=TRAINING.max_sentence_tokens)
        paras = encoder.embed([p.text for p in self.paragraphs], "passage", max_length=TRAINING.max_passage_tokens)
        right, reciprocal = 0, 0.0
        for i, (gold, p) in enumerate(zip(golds, owners, strict=True)):
            lo = starts[p]
            hi = lo + len(self.paragraphs[p].sentences)
            right += int(np.argmax(s[lo:hi] @ q[i]) == gold)
            rank = int(np.sum(paras @ q[i] > paras[p] @ q[i])) + 1
            reciprocal += 1.0 / rank if rank <= 10 else 0.0
        return {"piaf_sentence_acc": right / len(questions), "piaf_passage_mrr": reciprocal / len(questions)}

    def _corpus(self, encoder: E5Encoder) -> dict[str, float]:
        if not self.corpus:
            return {}
        q = encoder.embed([c.question for c in self.corpus], "query", max_length=TRAINING.max_query_tokens)
        passages = encoder.embed(self.passages, "passage", max_length=512)
        wanted = sorted({s for c in self.corpus for s in c.sentences})
        vectors = dict(
            zip(wanted, encoder.embed([self.bundle.sentence_text(s) for s in wanted], "passage"), strict=True)
        )
        hits, right = 0, 0
        for i, c in enumerate(self.corpus):
            top = np.argsort(-(passages @ q[i]))[:5]
            hits += int(bool(set(top.tolist()) & c.gold_chunks))
            best = max(c.sentences, key=lambda s: float(vectors[s] @ q[i]))
            right += int(best in c.right)
        n = len(self.corpus)
        return {"corpus_passage_hit5": hits / n, "corpus_sentence_acc": right / n}
