"""BM25 (Lucene's variant, as bm25s computes it) over analysed passages, as plain arrays.

The index is a term-major sparse matrix of precomputed scores, written by `LexicalIndexWriter`
while the build streams passages (postings spill to disk, so memory does not grow with the
corpus), and memory-mapped by `LexicalIndex.load`:

    lexical/terms.json          terms, in id order
    lexical/term_offsets.npy    postings of term t are rows term_offsets[t]:term_offsets[t + 1]
    lexical/postings_chunks.npy chunk of each posting (int32, ascending within a term)
    lexical/postings_scores.npy BM25 score of the term in that chunk (float32)
    lexical/params.json         k1, b, number of chunks, average length

A query's scores cost the length of its terms' postings, plus one pass over a score per chunk.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

from rapporteur.bundle.arrays import mapped_array
from rapporteur.parameters import LEXICAL

EMPTY_TERM = "\u2205"  # stands for the terms of an empty passage, as bm25s does
_POSTING = np.dtype([("term", np.int32), ("chunk", np.int32), ("tf", np.int32)])


def idf(df: np.ndarray, n: int) -> np.ndarray:
    """Lucene's smoothed inverse document frequency."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


class LexicalIndexWriter:
    """Collects the analysed terms of each chunk, in chunk order, and writes the index."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self._spill_path = directory / ".postings.tmp"
        self._spill = self._spill_path.open("wb")
        self._ids: dict[str, int] = {}
        self._lengths: list[int] = []

    def add(self, terms: list[str]) -> None:
        """The terms of the next chunk."""
        terms = terms or [EMPTY_TERM]
        counts = Counter(self._ids.setdefault(t, len(self._ids)) for t in terms)
        rows = np.empty(len(counts), dtype=_POSTING)
        rows["term"] = np.fromiter(counts.keys(), np.int32, len(counts))
        rows["chunk"] = len(self._lengths)
        rows["tf"] = np.fromiter(counts.values(), np.int32, len(counts))
        self._spill.write(rows.tobytes())
        self._lengths.append(len(terms))

    def finish(self, block: int = 1 << 24) -> None:
        """Sort the postings by term, score them, write the files, remove the spill."""
        self._spill.close()
        postings = np.memmap(self._spill_path, dtype=_POSTING, mode="r") if self._spill_path.stat().st_size else None
        n, vocabulary = len(self._lengths), len(self._ids)
        lengths = np.asarray(self._lengths, dtype=np.float64)
        average = float(lengths.mean()) if n else 1.0
        terms_column = postings["term"] if postings is not None else np.zeros(0, np.int32)
        df = np.bincount(terms_column, minlength=vocabulary)
        offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        term_idf = idf(df.astype(np.float64), n).astype(np.float32)
        order = np.argsort(terms_column, kind="stable")  # chunks stay ascending within a term
        chunks_out = np.lib.format.open_memmap(
            self.dir / "postings_chunks.npy", mode="w+", dtype=np.int32, shape=(len(order),)
        )
        scores_out = np.lib.format.open_memmap(
            self.dir / "postings_scores.npy", mode="w+", dtype=np.float32, shape=(len(order),)
        )
        k1, b = np.float32(LEXICAL.k1), np.float32(LEXICAL.b)
        for start in range(0, len(order), block):
            picked = order[start : start + block]
            rows = postings[picked]  # type: ignore[index]
            tf = rows["tf"].astype(np.float32)
            norm = (lengths[rows["chunk"]] / average).astype(np.float32)
            chunks_out[start : start + len(picked)] = rows["chunk"]
            scores_out[start : start + len(picked)] = term_idf[rows["term"]] * (tf / (k1 * ((1 - b) + b * norm) + tf))
        chunks_out.flush()
        scores_out.flush()
        del chunks_out, scores_out, postings
        self._spill_path.unlink()
        np.save(self.dir / "term_offsets.npy", offsets, allow_pickle=False)
        terms = [""] * vocabulary
        for term, i in self._ids.items():
            terms[i] = term
        (self.dir / "terms.json").write_text(json.dumps(terms, ensure_ascii=False))
        params = {"engine": "bm25", "method": LEXICAL.method, "k1": LEXICAL.k1, "b": LEXICAL.b}
        (self.dir / "params.json").write_text(json.dumps({**params, "chunks": n, "average_length": average}))

    def abort(self) -> None:
        self._spill.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class LexicalIndex:
    """BM25 scores of analysed queries against the chunks (row i = chunk i), memory-mapped."""

    def __init__(self, terms: list[str], offsets: np.ndarray, chunks: np.ndarray, scores: np.ndarray, size: int):
        self._ids = {t: i for i, t in enumerate(terms)}
        self.vocabulary: frozenset[str] = frozenset(self._ids)
        self._offsets = offsets
        self._chunks = chunks
        self._scores = scores
        self._size = size

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        params = json.loads((directory / "params.json").read_text())
        return cls(
            json.loads((directory / "terms.json").read_text(encoding="utf-8")),
            np.load(directory / "term_offsets.npy", allow_pickle=False),
            mapped_array(directory / "postings_chunks.npy"),
            mapped_array(directory / "postings_scores.npy"),
            int(params["chunks"]),
        )

    @property
    def size(self) -> int:
        """Chunks indexed."""
        return self._size

    @property
    def postings(self) -> int:
        return len(self._chunks)

    def document_frequency(self, term: str) -> int:
        i = self._ids.get(term)
        return 0 if i is None else int(self._offsets[i + 1] - self._offsets[i])

    def idf(self) -> dict[str, float]:
        """Smoothed inverse document frequency of every indexed term."""
        df = np.diff(self._offsets).astype(np.float64)
        values = idf(df, self._size)
        return {term: float(values[i]) for term, i in self._ids.items() if term and term != EMPTY_TERM}

    def check(self) -> str | None:
        """What is wrong with the arrays' shapes, or None."""
        if len(self._offsets) != len(self._ids) + 1 or int(self._offsets[-1]) != len(self._chunks):
            return "term offsets do not match the postings"
        if len(self._scores) != len(self._chunks):
            return "posting scores do not match the postings"
        return None

    def accumulate(self, out: np.ndarray, terms: list[str], weight: float = 1.0) -> None:
        """Add the BM25 score of `terms` (times `weight`) to `out`, one value per chunk.

        A term repeated in the query counts each time, as in bm25s; unknown terms add nothing.
        Within one term the chunks are distinct, so a plain indexed add is exact."""
        for term in terms:
            i = self._ids.get(term)
            if i is None:
                continue
            lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
            if weight == 1.0:
                out[self._chunks[lo:hi]] += self._scores[lo:hi]
            else:
                out[self._chunks[lo:hi]] += np.float32(weight) * self._scores[lo:hi]

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every chunk for `terms`."""
        out = np.zeros(self._size, dtype=np.float32)
        self.accumulate(out, terms)
        return out


def top_ids(scores: np.ndarray, k: int, max_block: int = 1024) -> np.ndarray:
    """Ids of the `k` highest of `scores`, ascending, ties going to the lower id (as a stable sort
    would), without sorting them all: among at least 4k blocks, the k-th highest block maximum
    bounds the k-th score from below, so only the scores at or above it are compared."""
    n = len(scores)
    if k <= 0 or n == 0:
        return np.zeros(0, np.int64)
    if n <= k:
        return np.arange(n)
    block = max(1, min(max_block, n // (4 * k)))
    whole = n - n % block
    maxima = scores[:whole].reshape(-1, block).max(axis=1)
    if whole < n:
        maxima = np.append(maxima, scores[whole:].max())
    bound = np.partition(maxima, len(maxima) - k)[len(maxima) - k]
    above = np.flatnonzero(scores > bound)
    if len(above) >= k:
        values = scores[above]
        kth = np.partition(values, len(above) - k)[len(above) - k]
        greater = above[values > kth]
        return np.sort(np.concatenate([greater, above[values == kth][: k - len(greater)]]))
    # Fewer than k above the bound: the k-th score is the bound itself (often 0, shared by most
    # chunks), and the rest are the lowest ids holding it, found without comparing every score.
    ties: list[np.ndarray] = []
    need = k - len(above)
    for start in range(0, n, 1 << 16):
        hits = np.flatnonzero(scores[start : start + (1 << 16)] == bound)[:need] + start
        ties.append(hits)
        need -= len(hits)
        if need == 0:
            break
    return np.sort(np.concatenate([above, *ties]))
