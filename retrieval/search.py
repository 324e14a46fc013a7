"""Hybrid search: a dense and a lexical retriever, their lists fused by score (retrieval/fusion.py).

One HybridSearcher serves one immutable SearchIndex and is safe to share between threads.
Backends differ only in the stores behind the retrievers (retrieval/backends/).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk
from .documents import AUTHORITY_RANK, USER_ADDED
from .embedders import Embedder
from .fusion import FusionConfig, diversify, fuse, rank
from .index_store import SearchIndex
from .lexical import ChineseTokenizer, Glossary
from .query import PreparedQuery, QueryPreparer
from .retrievers import CANDIDATES, Candidates, DenseRetriever, LexicalRetriever
from .scope import Scope
from .terms import TermBridge, english_stem

QUERY_CACHE = 1024

__all__ = ["CANDIDATES", "HybridSearcher", "Hit", "PreparedQuery", "SearchResult"]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row: int
    score: float
    dense_score: float | None
    lexical_score: float
    dense_rank: int | None
    lexical_rank: int | None


@dataclass(frozen=True)
class SearchResult:
    query: PreparedQuery
    hits: list[Hit]
    dense_used: bool
    dense_top: float  # best fused-dense similarity among candidates, 0 when dense search is off
    candidate_rows: frozenset[int] = frozenset()  # every row either retriever proposed
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None
    named_documents: frozenset[str] = frozenset()  # doc_ids the question names ("导读里说…")


class HybridSearcher:
    def __init__(
        self,
        index: SearchIndex,
        tokenizer: ChineseTokenizer,
        glossary: Glossary,
        embedder: Embedder | None,
        fusion: FusionConfig | None = None,
        bridge: TermBridge | None = None,
        dense: DenseRetriever | None = None,
        lexical: LexicalRetriever | None = None,
        server_fusion=None,
    ) -> None:
        self.fusion = fusion or FusionConfig()
        self.index = index
        self.tokenizer = tokenizer
        self.glossary = glossary
        self.bridge = bridge if bridge is not None else TermBridge.for_vocabulary(index.lexical.vocabulary)
        self.preparer = QueryPreparer(tokenizer, glossary, self.bridge, index.lexical.vocabulary)
        self.embedder = embedder if index.dense is not None else None
        self.dense = (
            dense
            if dense is not None
            else DenseRetriever(index.dense, index.sentence_dense, index.sentence_rows, self.fusion.sentence_weight)
            if self.embedder is not None
            else None
        )
        self.lexical = lexical or LexicalRetriever(index.lexical)
        # A backend that fuses the lists itself (Qdrant's server mode) replaces both retrievers and fuse().
        self.server_fusion = server_fusion
        self.backend = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        doc_index = {d.doc_id: i for i, d in enumerate(index.documents)}
        self._doc_of_row = np.array([doc_index.get(c.doc_id, -1) for c in index.chunks], dtype=np.int64)
        self._title_tokens = [frozenset(tokenizer.tokenize(d.title)) for d in index.documents]
        # The English name of a document's kind ("the commentary", "the interpretation") names it as
        # its title's words do in Chinese (导读, 解读).
        self._kind_words = [
            frozenset(english_stem(w) for w in re.findall(r"[a-z]+", d.authority)) if d.authority != USER_ADDED else frozenset()
            for d in index.documents
        ]
        self._authority_rank = [AUTHORITY_RANK.get(c.authority, 9) for c in index.chunks]
        prior = self.fusion.authority_prior
        self._priors = {
            row: prior.get(c.authority, 0.0) + (self.fusion.superseded_prior if getattr(c, "superseded", False) else 0.0)
            for row, c in enumerate(index.chunks)
        }

    @property
    def dense_enabled(self) -> bool:
        return self.embedder is not None

    def prepare(self, question: str) -> PreparedQuery:
        return self.preparer.prepare(question)

    def embed(self, text: str) -> np.ndarray:
        """The query vector, from a small LRU cache (a repeated question costs no model call)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        vec = self.embedder.embed_queries([text])[0]
        self._cache[text] = vec
        if len(self._cache) > QUERY_CACHE:
            self._cache.popitem(last=False)
        return vec

    def search(self, question: str, top_k: int = 5, scope: Scope | None = None) -> SearchResult:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.prepare(question)
        timings["prepare"] = _ms(t0)

        qvec = None
        if self.embedder is not None:
            t = time.perf_counter()
            qvec = self.embed(query.dense_text)
            timings["embed"] = _ms(t)
        server_fused: Candidates | None = None
        dense: Candidates | None = None
        if self.server_fusion is not None:
            t = time.perf_counter()
            server_fused, dense, lexical = self.server_fusion.run(query.tokens, qvec)
            timings["qdrant"] = _ms(t)
        else:
            t = time.perf_counter()
            lexical = self.lexical.run(query.tokens, CANDIDATES, query.token_groups)
            timings["bm25"] = _ms(t)
            if self.dense is not None:
                t = time.perf_counter()
                dense = self.dense.run(qvec, CANDIDATES)
                timings["faiss"] = _ms(t)

        t = time.perf_counter()
        if scope is not None and not scope.unrestricted:
            lexical, dense = self._scoped(lexical, scope), (self._scoped(dense, scope) if dense else None)
            server_fused = self._scoped(server_fused, scope) if server_fused is not None else None
        named = self._named_documents(query)
        priors = self._priors_for(named)
        if server_fused is not None:
            fused = {r: s + priors.get(r, 0.0) for r, s in server_fused.scores.items()}
        else:
            fused = fuse(dense, lexical, priors, self.fusion)
        hits = self._hits(fused, dense, lexical, top_k)
        timings["fusion"] = _ms(t)
        timings["search_total"] = _ms(t0)
        return SearchResult(
            query=query,
            hits=hits,
            dense_used=dense is not None,
            dense_top=dense.top if dense is not None else 0.0,
            candidate_rows=frozenset(lexical.order) | frozenset(dense.order if dense else ()),
            timings_ms=timings,
            query_vector=qvec,
            named_documents=frozenset(self.index.documents[d].doc_id for d in named),
        )

    def _priors_for(self, named: set[int]) -> dict[int, float]:
        """The fixed priors, plus a boost for the documents the question names (`_named_documents`).

        A question names a document when it uses a word of that document's title that few
        documents use at all ("某省…的文号" among the notice and a province's plan): without
        it the notice's authority prior wins every question the two documents share words on.
        """
        if not named:
            return self._priors
        boost = self.fusion.named_document_prior
        return {row: p + (boost if self._doc_of_row[row] in named else 0.0) for row, p in self._priors.items()}

    def _named_documents(self, query: PreparedQuery) -> set[int]:
        if len(self._title_tokens) < 2:
            return set()
        named: set[int] = set()
        share = len(self._title_tokens) * self.fusion.naming_share
        if query.english:
            for word in {english_stem(w) for w in re.findall(r"[a-z]+", query.normalized.lower())}:
                kinds = {d for d, words in enumerate(self._kind_words) if word in words}
                if kinds and len(kinds) <= share:
                    named |= kinds
        for token in set(query.tokens) | {t for _, terms in query.senses for t in terms}:
            titled = {d for d, tokens in enumerate(self._title_tokens) if token in tokens}
            if not titled:
                continue
            using = set(self._doc_of_row[self.index.lexical.rows_with(token)].tolist())
            if len(using) <= share:
                named |= titled & using
        return named

    def _scoped(self, candidates: Candidates, scope: Scope) -> Candidates:
        chunks = self.index.chunks
        return Candidates.of(
            {r: s for r, s in candidates.scores.items() if scope.admits(chunks[r].doc_id, chunks[r].authority)}
        )

    def _hits(self, fused: dict[int, float], dense: Candidates | None, lexical: Candidates, top_k: int) -> list[Hit]:
        dense_rank = {row: r for r, row in enumerate(dense.order)} if dense else {}
        lex_rank = {row: r for r, row in enumerate(lexical.order)}
        return [
            Hit(
                chunk=self.index.chunks[row],
                row=row,
                score=fused[row],
                dense_score=dense.scores.get(row) if dense else None,
                lexical_score=lexical.scores.get(row, 0.0),
                dense_rank=dense_rank.get(row),
                lexical_rank=lex_rank.get(row),
            )
            for row in self._cited(rank(fused, self._authority_rank), fused, max(top_k, 1))
        ]

    def _cited(self, order: list[int], fused: dict[int, float], k: int) -> list[int]:
        """The first k rows, near-duplicates of earlier ones moved down (fusion.diversify)."""
        vectors = self.index.dense
        if vectors is None or self.fusion.diversity_weight <= 0 or k <= 1:
            return order[:k]
        head = order[: max(self.fusion.diversity_depth, k)]
        return diversify(head, fused, vectors.vectors(head), k, self.fusion)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
