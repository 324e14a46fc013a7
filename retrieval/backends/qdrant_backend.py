"""Qdrant as the search backend: dense and BM25-style sparse vectors served by Qdrant.

Two fusion modes:

- "client" (default): Qdrant serves the stores behind the two retrievers (chunk
  vectors, sentence vectors, BM25 sparse vectors) and the engine's own fusion ranks
  them, so the answers and eval metrics are the default backend's exactly. Qdrant
  replaces FAISS and bm25s; the ranking logic stays in one place (fusion.py).
- "server": one query whose prefetches (chunk dense + sparse) Qdrant fuses on the
  server (distribution-based score fusion for search.py's "score" method, RRF for
  "rrf"); the client only adds the authority prior and the date boost. Fewer round
  trips, but no sentence-level similarity, so its ranking is close to, not equal
  to, the default's (docs/benchmarks.md has both).

Sparse vectors carry each chunk's BM25 weights as bm25s computed them, and a query is
its token counts, so a sparse search scores exactly like bm25s. (Qdrant's IDF
modifier would let documents be added without re-weighting the others, but its
scores would drift from bm25s's as the tokenisation evolves; exact parity was
preferred.) Token ids are hashed, not taken from a vocabulary, so any replica
computes the same query vector without shared state.

Collections are named after the index's identity (corpus hash, model, chunker,
tokenizer), filled once (idempotent upserts, so replicas starting together are safe)
and reused while the index is unchanged.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..embedders import Embedder
from ..index_store import SearchIndex
from ..lexical import ChineseTokenizer, Glossary
from ..fusion import FusionConfig
from ..retrievers import CANDIDATES, EMPTY, Candidates, DenseRetriever, LexicalRetriever
from ..search import HybridSearcher

log = logging.getLogger("policy_qa")

ENV_FUSION = "POLICY_QA_QDRANT_FUSION"
ENV_PREFIX = "POLICY_QA_QDRANT_COLLECTION"
DEFAULT_PREFIX = "policy_qa"
CHUNK_VEC = "chunk"
SENT_VEC = "sentence"
SPARSE_VEC = "bm25"
UPLOAD_BATCH = 256

# Local mode locks its folder: one client per location per process, shared by every engine.
_CLIENTS: dict[tuple[str | None, str | None], object] = {}
_CLIENTS_LOCK = threading.Lock()


def token_id(token: str) -> int:
    """A stable 31-bit id for a token (sparse indices are uint32; collisions are negligible)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little") & 0x7FFFFFFF


def bm25_doc_vectors(bm25) -> list[tuple[list[int], list[float]]]:
    """Per chunk: (hashed token ids, full BM25 weights) read from the bm25s index itself.

    Taking the weights bm25s computed (rather than recomputing them from a fresh
    tokenisation) makes a sparse dot product with query-token counts equal bm25s's
    score exactly, so the two backends rank identically.
    """
    from scipy.sparse import csc_matrix

    sc = bm25.scores
    n_docs = int(sc["num_docs"])
    vocab = {i: t for t, i in bm25.vocab_dict.items()}
    matrix = csc_matrix((sc["data"], sc["indices"], sc["indptr"]), shape=(n_docs, len(sc["indptr"]) - 1)).tocsr()
    out = []
    for row in range(n_docs):
        a, b = matrix.indptr[row], matrix.indptr[row + 1]
        merged: dict[int, float] = {}
        for col, w in zip(matrix.indices[a:b], matrix.data[a:b]):
            tok = vocab.get(int(col), "")
            if tok and w:
                merged[token_id(tok)] = merged.get(token_id(tok), 0.0) + float(w)
        ids = sorted(merged)
        out.append((ids, [merged[i] for i in ids]))
    return out


def client_for(url: str | None, path: str | None):
    from qdrant_client import QdrantClient

    key = (url, path)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            if url:
                client = QdrantClient(url=url, api_key=os.environ.get("POLICY_QA_QDRANT_API_KEY") or None, timeout=30)
            elif path == ":memory:":
                client = QdrantClient(location=":memory:")
            else:
                os.makedirs(path, exist_ok=True)
                client = QdrantClient(path=path)
            _CLIENTS[key] = client
        return client


@atexit.register
def _close_clients() -> None:
    # Local mode flushes and unlocks its folder on close; at interpreter teardown it is too late.
    with _CLIENTS_LOCK:
        for client in _CLIENTS.values():
            try:
                client.close()
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
        _CLIENTS.clear()


@dataclass(frozen=True)
class Collections:
    chunks: str
    sentences: str | None


def collection_key(index: SearchIndex) -> str:
    m = index.manifest
    ident = "|".join(
        str(x)
        for x in (m.format_version, m.corpus_hash, m.model_id, m.chunker_version, m.tokenizer_version, m.n_chunks)
    )
    return hashlib.blake2b(ident.encode("utf-8"), digest_size=6).hexdigest()


def sync_collections(client, index: SearchIndex, prefix: str) -> Collections:
    """Create and fill this index's collections unless a complete copy is already there."""
    from qdrant_client import models

    key = collection_key(index)
    chunks_name = f"{prefix}_{key}"
    n = len(index.chunks)
    dense = index.dense
    sent = getattr(index, "sentence_dense", None)
    sent_rows = getattr(index, "sentence_rows", None)
    sentences_name = f"{prefix}_{key}_sent" if sent is not None and sent_rows is not None else None

    if not _complete(client, chunks_name, n):
        started = time.perf_counter()
        if not client.collection_exists(chunks_name):
            client.create_collection(
                chunks_name,
                vectors_config=(
                    {CHUNK_VEC: models.VectorParams(size=dense.dim, distance=models.Distance.DOT)} if dense else {}
                ),
                sparse_vectors_config={SPARSE_VEC: models.SparseVectorParams()},
            )
        sparse = bm25_doc_vectors(index.lexical.retriever)
        vectors = dense.all_vectors() if dense is not None else None
        for at in range(0, n, UPLOAD_BATCH):
            points = []
            for row in range(at, min(at + UPLOAD_BATCH, n)):
                ids, values = sparse[row]
                vec: dict = {SPARSE_VEC: models.SparseVector(indices=ids, values=values)}
                if vectors is not None:
                    vec[CHUNK_VEC] = vectors[row].tolist()
                points.append(models.PointStruct(id=row, vector=vec, payload={"row": row}))
            client.upsert(chunks_name, points=points, wait=True)
        log.info("qdrant: filled %s with %d chunks in %.1fs", chunks_name, n, time.perf_counter() - started)

    if sentences_name and not _complete(client, sentences_name, sent.size):
        if not client.collection_exists(sentences_name):
            client.create_collection(
                sentences_name,
                vectors_config={SENT_VEC: models.VectorParams(size=sent.dim, distance=models.Distance.DOT)},
            )
        vectors = sent.all_vectors()
        for at in range(0, sent.size, UPLOAD_BATCH):
            client.upsert(
                sentences_name,
                points=[
                    models.PointStruct(id=i, vector={SENT_VEC: vectors[i].tolist()}, payload={"row": int(sent_rows[i])})
                    for i in range(at, min(at + UPLOAD_BATCH, sent.size))
                ],
                wait=True,
            )
    return Collections(chunks_name, sentences_name)


def _complete(client, name: str, n: int) -> bool:
    if not client.collection_exists(name):
        return False
    return client.count(name, exact=True).count == n


class QdrantDense:
    """DenseIndex's search() served by a Qdrant named vector."""

    def __init__(self, client, collection: str, using: str, size: int, dim: int) -> None:
        self._client, self._collection, self._using = client, collection, using
        self.size, self.dim = size, dim

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        points = self._client.query_points(
            self._collection, query=np.asarray(query, np.float32).tolist(), using=self._using, limit=k, with_payload=False
        ).points
        return (
            np.array([p.score for p in points], dtype=np.float32),
            np.array([int(p.id) for p in points], dtype=np.int64),
        )


class QdrantLexical:
    """LexicalIndex's scores() served by Qdrant's sparse vectors (vocabulary stays local, for coverage)."""

    def __init__(self, local, client, collection: str) -> None:
        self._local = local
        self._client, self._collection = client, collection
        self.n_docs = local.n_docs
        # Only the candidates enter fusion; a bound keeps the reply small on a large corpus.
        self._limit = min(self.n_docs, max(CANDIDATES * 10, 1000))

    @property
    def vocabulary(self) -> dict[str, int]:
        return self._local.vocabulary

    def sparse_query(self, tokens: list[str]):
        from qdrant_client import models

        counts = Counter(token_id(t) for t in tokens if t in self.vocabulary)
        if not counts:
            return None
        ids = sorted(counts)
        return models.SparseVector(indices=ids, values=[float(counts[i]) for i in ids])

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        q = self.sparse_query(query_tokens)
        if q is None:
            return out
        points = self._client.query_points(
            self._collection, query=q, using=SPARSE_VEC, limit=self._limit, with_payload=False
        ).points
        for p in points:
            out[int(p.id)] = p.score
        return out


class QdrantServerFusion:
    """One round trip whose dense and sparse prefetches Qdrant fuses itself (the "server" mode).

    Mirrors fusion.py's method: "score" (normalised scores, summed with equal weights) maps
    to Qdrant's distribution-based score fusion, halved to stay on a 0–1 scale for the
    priors; "rrf" maps to Qdrant's RRF, whose 1/(rank + k) counts ranks from 1 where ours
    counts from 0, hence k + 1.
    """

    def __init__(self, client, collections: Collections, lexical: QdrantLexical, fusion: FusionConfig) -> None:
        self.client, self.collections, self.lexical, self.fusion = client, collections, lexical, fusion

    def run(self, tokens: tuple[str, ...], qvec: np.ndarray | None) -> tuple[Candidates, Candidates | None, Candidates]:
        """(fused, dense, lexical) candidate lists."""
        from qdrant_client import models

        sparse = self.lexical.sparse_query(list(tokens)) if tokens else None
        requests, prefetch = [], []
        if qvec is not None:
            requests.append(models.QueryRequest(query=qvec.tolist(), using=CHUNK_VEC, limit=CANDIDATES, with_payload=False))
            prefetch.append(models.Prefetch(query=qvec.tolist(), using=CHUNK_VEC, limit=CANDIDATES))
        if sparse is not None:
            requests.append(models.QueryRequest(query=sparse, using=SPARSE_VEC, limit=CANDIDATES, with_payload=False))
            prefetch.append(models.Prefetch(query=sparse, using=SPARSE_VEC, limit=CANDIDATES))
        if not prefetch:
            return EMPTY, (EMPTY if qvec is not None else None), EMPTY
        method = self.fusion.method
        scale = 0.5 if method == "score" and len(prefetch) == 2 else 1.0
        fusion_query = (
            models.FusionQuery(fusion=models.Fusion.DBSF)
            if method == "score"
            else models.RrfQuery(rrf=models.Rrf(k=self.fusion.rrf_k + 1))
        )
        requests.append(models.QueryRequest(prefetch=prefetch, query=fusion_query, limit=2 * CANDIDATES, with_payload=False))
        lists = [r.points for r in self.client.query_batch_points(self.collections.chunks, requests=requests)]
        dense_pts = lists[0] if qvec is not None else []
        lex_pts = lists[1 if qvec is not None else 0] if sparse is not None else []
        return (
            Candidates.of({int(p.id): scale * float(p.score) for p in lists[-1]}),
            Candidates.of({int(p.id): float(p.score) for p in dense_pts}) if qvec is not None else None,
            Candidates.of({int(p.id): float(p.score) for p in lex_pts}),
        )


def connect(
    index: SearchIndex,
    tokenizer: ChineseTokenizer,
    glossary: Glossary,
    embedder: Embedder | None,
    url: str | None = None,
    path: str | None = None,
    fusion_mode: str | None = None,
    prefix: str | None = None,
) -> HybridSearcher:
    """A HybridSearcher whose retrievers (and, in "server" mode, fusion) run in Qdrant."""
    client = client_for(url, path)
    collections = sync_collections(client, index, prefix or os.environ.get(ENV_PREFIX) or DEFAULT_PREFIX)
    mode = fusion_mode or os.environ.get(ENV_FUSION, "").strip() or "client"
    return qdrant_searcher(index, tokenizer, glossary, embedder, client, collections, mode)


def qdrant_searcher(index, tokenizer, glossary, embedder, client, collections: Collections, mode: str = "client") -> HybridSearcher:
    if mode not in ("client", "server"):
        raise ValueError(f"unknown Qdrant fusion mode {mode!r} (client or server)")
    fusion = FusionConfig()
    lexical = QdrantLexical(index.lexical, client, collections.chunks)
    dense = None
    if index.dense is not None and embedder is not None:
        sentences = None
        if collections.sentences is not None:
            sent = index.sentence_dense
            sentences = QdrantDense(client, collections.sentences, SENT_VEC, sent.size, sent.dim)
        dense = DenseRetriever(
            QdrantDense(client, collections.chunks, CHUNK_VEC, index.dense.size, index.dense.dim),
            sentences,
            index.sentence_rows,
            fusion.sentence_weight,
        )
    server = QdrantServerFusion(client, collections, lexical, fusion) if mode == "server" else None
    searcher = HybridSearcher(
        index, tokenizer, glossary, embedder, fusion, dense=dense, lexical=LexicalRetriever(lexical), server_fusion=server
    )
    searcher.backend = BackendInfo("qdrant", mode, client, collections)
    return searcher


@dataclass(frozen=True)
class BackendInfo:
    name: str
    mode: str
    client: object
    collections: Collections


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
