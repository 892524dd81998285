"""Hard negatives mined by the project's own retrievers: BM25 (the bundle's `LexicalIndex` over the
project's French analyzer) and the dense embedder, fused by reciprocal rank as hybrid search does.

For each example, its pool is every text of the same source and task (all the sentences of the
PIAF training articles, all the fiches' lead paragraphs, all the corpus's passages…). The
negatives are the pool's best-ranked texts that are neither the positive, nor another text that
answers too (a sentence holding the same answer), nor, for a question of the corpus, a text that
holds its evidence.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rapporteur.bundle.lexical import LexicalIndex, LexicalIndexWriter
from rapporteur.embedders.base import Embedder
from rapporteur.text.analyzer import analyze
from training.data import Example

RRF_K = 10.0
CANDIDATES = 50  # per retriever


class Pool:
    """The texts one group of examples may draw negatives from, indexed by both retrievers."""

    def __init__(self, texts: Sequence[str], embedder: Embedder, work_dir: Path) -> None:
        self.texts = list(texts)
        self._position = {t: i for i, t in enumerate(self.texts)}
        writer = LexicalIndexWriter(work_dir)
        for text in self.texts:
            writer.add(analyze(text))
        writer.finish()
        self._lexical = LexicalIndex.load(work_dir)
        self._vectors = embedder.embed(self.texts, "passage")
        self._embedder = embedder

    def ranked(self, queries: Sequence[str], k: int = CANDIDATES) -> list[list[int]]:
        """For each query, the pool's texts by fused rank (reciprocal rank fusion of BM25 and dense)."""
        vectors = self._embedder.embed(list(queries), "query")
        out = []
        for query, vector in zip(queries, vectors, strict=True):
            fused: dict[int, float] = defaultdict(float)
            lexical = self._lexical.scores(analyze(query))
            dense = self._vectors @ vector
            for scores in (lexical, dense):
                top = np.argsort(-scores, kind="stable")[:k]
                for rank, i in enumerate(top.tolist(), start=1):
                    if scores is dense or scores[i] > 0:
                        fused[i] += 1.0 / (RRF_K + rank)
            out.append([i for i, _ in sorted(fused.items(), key=lambda item: -item[1])])
        return out


def mine(
    examples: Sequence[Example],
    embedder: Embedder,
    extra_pool: dict[tuple[str, str], Sequence[str]] | None = None,
    per_example: int = 8,
    is_right: Callable[[Example, str], bool] | None = None,
) -> list[Example]:
    """`examples` with up to `per_example` hard negatives each, best first.

    Pools are formed per (source, task) from the examples' positives plus `extra_pool` texts;
    `is_right(example, text)` says whether a pool text answers the example too (then it is skipped)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[(e.source, e.task)].append(i)
    out = list(examples)
    with tempfile.TemporaryDirectory(prefix="mining-") as tmp:
        for n, (key, members) in enumerate(sorted(groups.items())):
            texts = dict.fromkeys([examples[i].positive for i in members])
            texts.update(dict.fromkeys((extra_pool or {}).get(key, ())))
            pool = Pool(list(texts), embedder, Path(tmp) / str(n))
            ranked = pool.ranked([examples[i].query for i in members])
            for i, order in zip(members, ranked, strict=True):
                e = examples[i]
                skip = {e.positive, *e.also_right}
                negatives = []
                for j in order:
                    text = pool.texts[j]
                    if text in skip or (is_right is not None and is_right(e, text)):
                        continue
                    negatives.append(text)
                    if len(negatives) == per_example:
                        break
                out[i] = dataclasses.replace(e, negatives=tuple(negatives))
    return out


def with_sibling_negatives(
    examples: Sequence[Example],
    siblings: dict[str, tuple[str, ...]],
    per_example: int = 8,
    is_right: Callable[[Example, str], bool] | None = None,
) -> list[Example]:
    """Sentence examples whose negatives begin with the other sentences of the positive's passage
    (mined ones first, in their order), then the other mined negatives; `per_example` at most.

    The answer line chooses among the sentences of a few passages: the sentence beside the answer,
    on the same topic, is the mistake to learn away."""
    out = []
    for e in examples:
        near = siblings.get(e.positive, ()) if e.task == "sentence" else ()
        if not near:
            out.append(e)
            continue
        skip = {e.positive, *e.also_right}
        near_set = set(near)
        first = [t for t in e.negatives if t in near_set]
        first += [t for t in near if t not in first and t not in skip and not (is_right and is_right(e, t))]
        rest = [t for t in e.negatives if t not in near_set]
        out.append(dataclasses.replace(e, negatives=tuple((first + rest)[:per_example])))
    return out
