"""BM25 lexical index (bm25s) over analysed chunk text, saved as .npy + JSON."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import bm25s
import numpy as np

from rapporteur.parameters import LEXICAL

# bm25s logs at DEBUG through its own handler; keep build output clean.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores of analysed queries against analysed chunks (row i = chunk i)."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model
        self.vocabulary: frozenset[str] = frozenset(model.vocab_dict)

    @classmethod
    def build(cls, documents_terms: list[list[str]]) -> LexicalIndex:
        model = bm25s.BM25(k1=LEXICAL.k1, b=LEXICAL.b, method=LEXICAL.method)
        # An empty chunk would break bm25s' vocabulary; give it a placeholder term.
        model.index([terms or ["\u2205"] for terms in documents_terms], show_progress=False)
        return cls(model)

    def save(self, directory: Path) -> None:
        self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(directory), mmap=False, load_corpus=False))

    @property
    def size(self) -> int:
        """Chunks indexed."""
        return int(self._model.scores["num_docs"])

    def idf(self) -> dict[str, float]:
        """Smoothed inverse document frequency of every indexed term (from the index, no re-analysis)."""
        counts = np.diff(np.asarray(self._model.scores["indptr"]))
        n = self.size
        return {
            term: math.log(1 + (n - int(counts[i]) + 0.5) / (int(counts[i]) + 0.5))
            for term, i in self._model.vocab_dict.items()
            if term and i < len(counts)
        }

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk for `terms` (unknown terms are ignored)."""
        known = [t for t in terms if t in self.vocabulary]
        if not known:
            return np.zeros(self._model.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
