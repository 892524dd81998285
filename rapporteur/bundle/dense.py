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
from rapporteur.bundle.lexical import top_ids
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
        self._exact = np.array(vectors, dtype=np.float32, copy=True) if ann is None else None

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
        index = trained_ann(vectors, DENSE.ann_factory)
        add_in_batches(index, vectors, progress, batch)
        _faiss().write_index(index, str(path))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ids (ascending) and exact scores of the `k` nearest passages, ties going to the lower id,
        restricted to the `allowed` ids."""
        if allowed is not None:
            allowed = np.unique(np.asarray(allowed, dtype=np.int64))
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if self._exact is not None or (allowed is not None and len(allowed) <= DENSE.exact_max_filtered):
            if allowed is None:
                ids, scores = np.arange(self.size), self._exact @ q  # type: ignore[operator]
            else:
                ids, scores = allowed, self.scores_of(allowed, q)
            top = top_ids(scores, k)
            return ids[top], scores[top]
        ids = self._approximate(q, k, allowed)
        order = np.argsort(ids)
        return ids[order], self.scores_of(ids[order], q)

    def _approximate(self, q: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
        """Ids found by the approximate index. With a filter, the lists probed may hold fewer than
        `k` allowed passages: probe four times as many until they do, or every list has been read."""
        faiss = _faiss()
        if allowed is None:
            _, found = self.ann.search(q.reshape(1, -1), k)  # type: ignore[attr-defined]
            return found[0][found[0] >= 0].astype(np.int64)
        bitmap = np.zeros(self.size, dtype=bool)
        bitmap[allowed] = True
        selector = faiss.IDSelectorBitmap(np.packbits(bitmap, bitorder="little"))
        if not hasattr(self.ann, "nprobe"):
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(DENSE.hnsw_ef_search, k))
                if hasattr(self.ann, "hnsw")
                else faiss.SearchParameters(sel=selector)
            )
            _, found = self.ann.search(q.reshape(1, -1), k, params=params)  # type: ignore[attr-defined]
            return found[0][found[0] >= 0].astype(np.int64)
        lists = int(self.ann.nlist)  # type: ignore[attr-defined]
        probes = int(self.ann.nprobe)  # type: ignore[attr-defined]
        while True:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=min(probes, lists))
            _, found = self.ann.search(q.reshape(1, -1), k, params=params)  # type: ignore[attr-defined]
            ids = found[0][found[0] >= 0].astype(np.int64)
            if len(ids) >= k or probes >= lists:
                return ids
            probes *= 4

    def scores_of(self, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Exact inner products of the passages `ids` with `query`, in the order of `ids`."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._exact is not None:
            rows = self._exact[ids]
        else:
            rows = np.asarray(self.vectors[np.sort(ids)], dtype=np.float32)
            order = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
            rows = rows[order]
        return rows @ np.asarray(query, dtype=np.float32)


def trained_ann(vectors: np.ndarray, factory: str) -> object:
    """An empty FAISS index of kind `factory` (`{lists}` becomes ivf_lists(n)) for `vectors`, trained
    on a sample of them when its kind needs training."""
    faiss = _faiss()
    n, dimension = vectors.shape
    index = faiss.index_factory(dimension, factory.format(lists=ivf_lists(n)), faiss.METRIC_INNER_PRODUCT)
    if hasattr(index, "hnsw"):
        index.hnsw.efConstruction = DENSE.hnsw_ef_construction
    if not index.is_trained:
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=min(n, DENSE.train_sample), replace=False))
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
    return index


def add_in_batches(index: object, vectors: np.ndarray, progress: object | None = None, batch: int = 65536) -> None:
    """Add every row of `vectors` to `index`, `batch` rows at a time (they may be read from disk)."""
    n = len(vectors)
    for start in range(0, n, batch):
        index.add(np.ascontiguousarray(vectors[start : start + batch], dtype=np.float32))  # type: ignore[attr-defined]
        if progress is not None:
            progress.update(min(batch, n - start))  # type: ignore[attr-defined]


def ivf_lists(n: int) -> int:
    """Inverted lists of an IVF index over `n` vectors (about 4 √n, the usual choice)."""
    return max(16, int(DENSE.ivf_lists_per_sqrt * np.sqrt(n)))
