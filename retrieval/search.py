"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused by weighted reciprocal rank."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk
from .documents import AUTHORITY_RANK
from .embedders import Embedder
from .index_store import SearchIndex
from .lexical import ChineseTokenizer, Glossary
from .text import has_cjk, normalize_query

CANDIDATES = 100
QUERY_CACHE = 1024
_LATIN_RE = re.compile(r"[A-Za-z]{2,}")
_DEADLINE_Q = re.compile(r"什么时候|何时|截止|期限|日期|哪天|几月|哪一天|之前|多久|时间节点|deadline|\bwhen\b|\bby when\b|\bdue\b|\bdate\b", re.I)
_DATE_TEXT = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|月底")


@dataclass(frozen=True)
class FusionConfig:
    """How the two rankings are combined. Defaults measured on the dev set (see README)."""

    rrf_k: int = 10
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    # Added to the fused score; one rank step near the top is worth about 0.007.
    authority_prior: dict[str, float] = field(
        default_factory=lambda: {
            "official notice": 0.004,
            "official interpretation": 0.0,
            "user-added": 0.0,
            "commentary": -0.01,
        }
    )
    # A deadline question prefers clauses that carry a date.
    date_boost: float = 0.02


@dataclass(frozen=True)
class PreparedQuery:
    """A question in the forms the two retrievers need."""

    original: str
    normalized: str
    lexical_text: str  # Chinese text for BM25 (English phrases translated by the glossary)
    tokens: tuple[str, ...]
    english: bool


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
    dense_top: float  # best cosine similarity, 0 when dense search is off
    coverage: float  # share of the question's content words that the corpus contains
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridSearcher:
    """Search one immutable SearchIndex. Safe to share between threads."""

    def __init__(
        self,
        index: SearchIndex,
        tokenizer: ChineseTokenizer,
        glossary: Glossary,
        embedder: Embedder | None,
        fusion: FusionConfig | None = None,
    ) -> None:
        self.fusion = fusion or FusionConfig()
        self.index = index
        self.tokenizer = tokenizer
        self.glossary = glossary
        self.embedder = embedder if index.dense is not None else None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._authority_rank = np.array([AUTHORITY_RANK[c.authority] for c in index.chunks])
        self._has_date = np.array([bool(_DATE_TEXT.search(c.text)) for c in index.chunks])

    @property
    def dense_enabled(self) -> bool:
        return self.embedder is not None

    def prepare(self, question: str) -> PreparedQuery:
        normalized = normalize_query(question)
        english = bool(_LATIN_RE.search(normalized)) and not has_cjk(normalized)
        lexical_text = normalized
        if _LATIN_RE.search(normalized):
            lexical_text = f"{normalized} {self.glossary.translate(normalized)}"
        tokens = tuple(self.tokenizer.tokenize(lexical_text))
        return PreparedQuery(question, normalized, lexical_text, tokens, english)

    def _embed(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        vec = self.embedder.embed_queries([text])[0]
        self._cache[text] = vec
        if len(self._cache) > QUERY_CACHE:
            self._cache.popitem(last=False)
        return vec

    def coverage(self, query: PreparedQuery) -> float:
        """Share (by characters) of the question's words that occur anywhere in the corpus.

        Words are cut in jieba's precise mode, so a compound like 个人所得税 counts as one
        unknown word, not as the known parts 个人 and 所得.
        """
        vocab = self.index.lexical.vocabulary
        words = [
            w
            for w in self.tokenizer._jieba.lcut(query.lexical_text.lower())
            if w.strip() and w not in self.tokenizer.stopwords and re.search(r"[\w]", w)
        ]
        if query.english:
            words = [w for w in words if has_cjk(w)]
        if not words:
            return 0.0
        known = sum(len(w) for w in words if w in vocab or all(p in vocab for p in self.tokenizer.tokenize(w)))
        return known / sum(len(w) for w in words)

    def search(self, question: str, top_k: int = 5) -> SearchResult:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.prepare(question)
        n = len(self.index.chunks)
        timings["prepare"] = _ms(t0)

        t = time.perf_counter()
        lex = self.index.lexical.scores(list(query.tokens)) if query.tokens else np.zeros(n, np.float32)
        lex_order = np.argsort(-lex, kind="stable")[:CANDIDATES]
        lex_order = lex_order[lex[lex_order] > 0]
        timings["bm25"] = _ms(t)

        dense_scores: dict[int, float] = {}
        dense_order: list[int] = []
        dense_top = 0.0
        if self.embedder is not None:
            t = time.perf_counter()
            qvec = self._embed(query.normalized)
            timings["embed"] = _ms(t)
            t = time.perf_counter()
            scores, rows = self.index.dense.search(qvec, CANDIDATES)
            dense_order = [int(r) for r in rows]
            dense_scores = {int(r): float(s) for r, s in zip(rows, scores)}
            dense_top = float(scores[0]) if len(scores) else 0.0
            timings["faiss"] = _ms(t)

        t = time.perf_counter()
        cfg = self.fusion
        fused: dict[int, float] = {}
        dense_rank = {row: r for r, row in enumerate(dense_order)}
        lex_rank = {int(row): r for r, row in enumerate(lex_order)}
        for row, r in dense_rank.items():
            fused[row] = fused.get(row, 0.0) + cfg.dense_weight / (cfg.rrf_k + r + 1)
        for row, r in lex_rank.items():
            fused[row] = fused.get(row, 0.0) + cfg.lexical_weight / (cfg.rrf_k + r + 1)
        wants_date = bool(_DEADLINE_Q.search(query.normalized))
        for row in fused:
            fused[row] += cfg.authority_prior.get(self.index.chunks[row].authority, 0.0)
            if wants_date and self._has_date[row]:
                fused[row] += cfg.date_boost
        # Ties go to the more authoritative source, then to document order.
        ordered = sorted(fused, key=lambda row: (-round(fused[row], 9), self._authority_rank[row], row))
        hits = [
            Hit(
                chunk=self.index.chunks[row],
                row=row,
                score=fused[row],
                dense_score=dense_scores.get(row),
                lexical_score=float(lex[row]),
                dense_rank=dense_rank.get(row),
                lexical_rank=lex_rank.get(row),
            )
            for row in ordered[: max(top_k, 1)]
        ]
        timings["fusion"] = _ms(t)
        coverage = self.coverage(query)
        timings["search_total"] = _ms(t0)
        return SearchResult(query, hits, self.embedder is not None, dense_top, coverage, timings)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
