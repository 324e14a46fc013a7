"""The FAISS inner-product index over L2-normalised vectors (cosine similarity)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Exact search is fast enough up to this many vectors; past it, HNSW keeps queries fast.
FLAT_MAX = 200_000
HNSW_M = 32


class DenseIndex:
    def __init__(self, index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if kind == "auto":
            kind = "flat" if len(vectors) <= FLAT_MAX else "hnsw"
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
        else:
            raise ValueError(f"unknown FAISS index kind {kind!r}")
        index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, row ids) for one query vector; ids are -1 past the end."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    @property
    def kind(self) -> str:
        """The FAISS index type (IndexFlatIP, IndexHNSWFlat)."""
        return type(self._index).__name__

    def all_vectors(self) -> np.ndarray:
        """Every stored vector, in row order."""
        return self._index.reconstruct_n(0, self.size)

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of some rows (flat and HNSW indexes both keep them)."""
        if not ids:
            return np.zeros((0, self.dim), np.float32)
        return np.vstack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        import faiss

        return cls(faiss.read_index(str(path)))
