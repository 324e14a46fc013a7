"""Search backends behind one interface, chosen by configuration.

The default is the in-process HybridSearcher (FAISS + bm25s). Setting
POLICY_QA_QDRANT_URL (a server, e.g. http://qdrant:6333) or POLICY_QA_QDRANT_PATH
(a local folder, or ":memory:") moves dense and BM25-style sparse search, and their
fusion, into Qdrant; see docs/scaling.md.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

import numpy as np

from ..embedders import Embedder
from ..index_store import SearchIndex
from ..lexical import ChineseTokenizer, Glossary
from ..search import HybridSearcher, PreparedQuery, SearchResult

ENV_QDRANT_URL = "POLICY_QA_QDRANT_URL"
ENV_QDRANT_PATH = "POLICY_QA_QDRANT_PATH"
ENV_QDRANT_API_KEY = "POLICY_QA_QDRANT_API_KEY"
ENV_FAISS_THREADS = "POLICY_QA_FAISS_THREADS"


@runtime_checkable
class SearchBackend(Protocol):
    """What the engine needs from a searcher (HybridSearcher satisfies it as it is)."""

    @property
    def dense_enabled(self) -> bool: ...

    def prepare(self, question: str) -> PreparedQuery: ...

    def search(self, question: str, top_k: int = 5, scope=None) -> SearchResult: ...

    def embed(self, text: str) -> np.ndarray: ...


def qdrant_location(settings=None) -> tuple[str | None, str | None]:
    """(url, path) for Qdrant from settings attributes or the environment; both None means off."""
    url = getattr(settings, "qdrant_url", None) or os.environ.get(ENV_QDRANT_URL, "").strip() or None
    path = getattr(settings, "qdrant_path", None) or os.environ.get(ENV_QDRANT_PATH, "").strip() or None
    if url and not url.startswith(("http://", "https://")):
        # A bare folder in the URL variable means local mode, so one variable is enough to configure it.
        url, path = None, url
    return url, (str(path) if path else None)


def tune_query_threads() -> None:
    """One OpenMP thread for FAISS queries (POLICY_QA_FAISS_THREADS overrides).

    A single query vector gains nothing from FAISS's thread pool, and that pool's
    spinning workers fight the embedding model's own OpenMP pool for the two cores:
    on a 10k-chunk library the query embedding took 2.7 s instead of 20 ms
    (docs/benchmarks.md). Concurrency comes from serving requests in parallel instead.
    """
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss is a hard requirement of the default backend
        return
    faiss.omp_set_num_threads(max(1, int(os.environ.get(ENV_FAISS_THREADS, "1") or 1)))


def make_searcher(
    index: SearchIndex,
    tokenizer: ChineseTokenizer,
    glossary: Glossary,
    embedder: Embedder | None,
    settings=None,
) -> SearchBackend:
    tune_query_threads()
    url, path = qdrant_location(settings)
    if url or path:
        from .qdrant_backend import connect

        return connect(index, tokenizer, glossary, embedder, url=url, path=path)
    return HybridSearcher(index, tokenizer, glossary, embedder)


__all__ = ["SearchBackend", "make_searcher", "qdrant_location", "ENV_QDRANT_URL", "ENV_QDRANT_PATH"]
