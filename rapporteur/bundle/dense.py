"""Dense retrieval over passage vectors: exact inner product up to `DENSE.exact_max_vectors`
passages, an approximate FAISS index above (its kind chosen by measurement, see DENSE).

The vectors themselves (`passage_vectors.npy`, unit norm) stay in the bundle and are memory-mapped:
the approximate index finds candidates, and any passage's exact score is one row away
(`scores_of`), so that fusion never works with approximate scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rapporteur.bundle.arrays import mapped_array
from rapporteur.parameters import DENSE

VECTORS = "passage_vectors.npy"
ANN = "dense.faiss"


def _faiss():
    import faiss  # imported when an approximate index is built or loaded: small bundles never need it

    return faiss


class DenseIndex:
    """The passage vectors of a bundle (row i = chunk i), and their approximate index if any."""

    def __init__(self, vectors: np.ndarray, ann: object | None = None) -> None:
        self.vectors = vectors
        self.ann = ann
        # Below the threshold the exact search reads every vector at each query: keep them in RAM.
        self._exact = np.ascontiguousarray(vectors, dtype=np.float32) if ann is None else None

    @property
    def kind(self) -> str:
        return "exact" if self.ann is None else str(DENSE.ann_factory)

    @property
    def size(self) -> int:
        return len(self.vectors)

    @classmethod
    def load(cls, bundle_dir: Path) -> DenseIndex:
        vectors = mapped_array(bundle_dir / VECTORS)
        ann = None
        if (bundle_dir / ANN).exists():
            faiss = _faiss()
            ann = faiss.read_index(str(bundle_dir / ANN))
            if hasattr(ann, "nprobe"):
                ann.nprobe = DENSE.ivf_probes
            if hasattr(ann, "hnsw"):
                ann.hnsw.efSearch = DENSE.hnsw_ef_search
        return cls(vectors, ann)

    @staticmethod
    def needs_ann(size: int) -> bool:
        return size > DENSE.exact_max_vectors

    @staticmethod
    def build_ann(vectors: np.ndarray, path: Path, progress: object | None = None, batch: int = 65536) -> None:
        """Train the approximate index on a sample of `vectors`, add them all in batches, save it."""
        faiss = _faiss()
        n, dimension = vectors.shape
        factory = DENSE.ann_factory.format(lists=ivf_lists(n))
        index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        if hasattr(index, "hnsw"):
            index.hnsw.efConstruction = DENSE.hnsw_ef_construction
        if not index.is_trained:
            rng = np.random.default_rng(0)
            sample = np.sort(rng.choice(n, size=min(n, DENSE.train_sample), replace=False))
            index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        for start in range(0, n, batch):
            index.add(np.ascontiguousarray(vectors[start : start + batch], dtype=np.float32))
            if progress is not None:
                progress.update(min(batch, n - start))  # type: ignore[attr-defined]
        faiss.write_index(index, str(path))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the `k` nearest passages (exact scores), restricted to the `allowed` ids."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if self._exact is not None or (allowed is not None and len(allowed) <= DENSE.exact_max_filtered):
            ids = np.arange(self.size) if allowed is None else np.asarray(allowed, dtype=np.int64)
            scores = self.scores_of(ids, q)
            top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
            return ids[top], scores[top]
        faiss = _faiss()
        params = None
        if allowed is not None:
            bitmap = np.zeros(self.size, dtype=bool)
            bitmap[allowed] = True
            selector = faiss.IDSelectorBitmap(np.packbits(bitmap, bitorder="little"))
            if hasattr(self.ann, "nprobe"):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.ann.nprobe)  # type: ignore[attr-defined]
            elif hasattr(self.ann, "hnsw"):
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(DENSE.hnsw_ef_search, k))
            else:
                params = faiss.SearchParameters(sel=selector)
        _, ids = self.ann.search(q.reshape(1, -1), k, params=params)  # type: ignore[attr-defined]
        ids = ids[0][ids[0] >= 0].astype(np.int64)
        return ids, self.scores_of(ids, q)

    def scores_of(self, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Exact inner products of the passages `ids` with `query`."""
        if self._exact is not None:
            rows = self._exact if len(ids) == self.size else self._exact[ids]
        else:
            rows = np.asarray(self.vectors[np.sort(ids)], dtype=np.float32)
            order = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
            rows = rows[order]
        return rows @ np.asarray(query, dtype=np.float32)


def ivf_lists(n: int) -> int:
    """Inverted lists of an IVF index over `n` vectors (about 4 √n, the usual choice)."""
    return max(16, int(DENSE.ivf_lists_per_sqrt * np.sqrt(n)))
