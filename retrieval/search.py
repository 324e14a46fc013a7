"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused by weighted reciprocal rank."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from functools import cached_property
from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk
from .documents import AUTHORITY_RANK
from .embedders import Embedder
from .index_store import SearchIndex
from .lexical import ChineseTokenizer, Glossary, Synonyms
from .text import has_cjk, normalize_query

CANDIDATES = 100
NOUN_WEIGHT = 3.0
QUERY_CACHE = 1024
_LATIN_RE = re.compile(r"[A-Za-z]{2,}")
_DEADLINE_Q = re.compile(r"什么时候|何时|截止|期限|日期|哪天|几月|哪一天|之前|多久|时间节点|deadline|\bwhen\b|\bby when\b|\bdue\b|\bdate\b", re.I)
_DATE_TEXT = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|月底")


@dataclass(frozen=True)
class FusionConfig:
    """How the two rankings are combined. Defaults measured on the dev and calibration sets (README).

    method "score" (default): dense_weight × min-max-normalised dense similarity
    + (1 − dense_weight) × BM25 / best BM25. It keeps how far ahead the best clause
    is, which reciprocal rank fusion ("rrf") throws away; on a corpus this small
    that margin is most of the signal.
    """

    method: str = "score"
    dense_weight: float = 0.5
    rrf_k: int = 10
    # Added to the fused score (0–1 scale): ties go to the notice itself, and the media
    # commentary ranks below an official text that says the same thing.
    authority_prior: dict[str, float] = field(
        default_factory=lambda: {
            "official notice": 0.10,
            "official interpretation": 0.0,
            "user-added": 0.0,
            "commentary": -0.15,
        }
    )
    # English questions lean on the glossary-translated lexical side.
    english_dense_factor: float = 0.5
    # Weight of the best sentence's similarity in a chunk's dense score.
    sentence_weight: float = 0.3
    # A deadline question prefers clauses that carry a date.
    date_boost: float = 0.0


@dataclass(frozen=True)
class PreparedQuery:
    """A question in the forms the two retrievers need."""

    original: str
    normalized: str
    lexical_text: str  # Chinese text for BM25 (English phrases translated by the glossary)
    tokens: tuple[str, ...]
    english: bool

    @property
    def dense_text(self) -> str:
        """What is embedded: an English question travels with its glossary terms, since
        the small multilingual model matches English to Chinese clauses only loosely."""
        return self.lexical_text if self.english else self.normalized


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
        self.synonyms = Synonyms.default()
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
        extra = [t for t in self.synonyms.expand(normalized) if t not in tokens]
        tokens = tokens + tuple(dict.fromkeys(extra))
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

    def _dense_scores(self, qvec: np.ndarray) -> dict[int, float]:
        """Per chunk: the mean of its own similarity and its best sentence's similarity.

        A chunk's vector blurs the several measures a clause lists; its best sentence
        is sharp but loses the clause's context. Their mean ranks clauses best (README).
        A chunk missing from one candidate list gets that list's lowest score.
        """
        index = self.index
        scores, rows = index.dense.search(qvec, CANDIDATES)
        chunk_sim = {int(r): float(v) for r, v in zip(rows, scores)}
        if index.sentence_dense is None or index.sentence_dense.size == 0:
            return chunk_sim
        s_scores, s_ids = index.sentence_dense.search(qvec, CANDIDATES * 4)
        sent_sim: dict[int, float] = {}
        for sid, v in zip(s_ids, s_scores):
            row = int(index.sentence_rows[sid])
            if row not in sent_sim:  # results come best first
                sent_sim[row] = float(v)
        floor_c = min(chunk_sim.values()) if chunk_sim else 0.0
        floor_s = min(sent_sim.values()) if sent_sim else floor_c
        w = self.fusion.sentence_weight
        return {
            row: (1 - w) * chunk_sim.get(row, floor_c) + w * sent_sim.get(row, floor_s)
            for row in set(chunk_sim) | set(sent_sim)
        }

    @cached_property
    def _corpus_text(self) -> str:
        return "\n".join(c.search_text.lower() for c in self.index.chunks)

    def coverage(self, query: PreparedQuery, rows: Iterable[int] | None = None) -> float:
        """Share of the question's meaning-bearing wording that the corpus contains.

        Words are weighted by length, and nouns (the topic: 工伤, 公积金, 最低工资 …)
        count three times as much as verbs and particles, whose colloquial forms
        (报上去, 拿到) a policy text never uses even when it answers the question.
        For English, the share of content words the policy glossary knows.

        A word the tokenizer never emitted whole (a four-character term inside a clause)
        is looked up in the text of `rows`, the clauses either retriever proposed, when
        given: at 100k chunks a scan of the whole corpus costs ~15 ms a word.
        """
        if query.english:
            words = [w for w in re.findall(r"[a-z][a-z\-]+", query.normalized.lower()) if w not in self.tokenizer.stopwords]
            if not words:
                return 0.0
            known_text = self.glossary.matched_text(query.normalized)
            return sum(len(w) for w in words if w in known_text) / sum(len(w) for w in words)
        words = self.tokenizer.content_words(query.lexical_text)
        if not words:
            return 0.0
        vocab = self.index.lexical.vocabulary
        text: str | None = None
        total = known = 0.0
        for word, pos in words:
            weight = len(word) * (NOUN_WEIGHT if pos[:1] in "nljiv" and pos not in ("v", "vd") else 1.0)
            total += weight
            if word in vocab:
                known += weight
            elif has_cjk(word):
                if text is None:
                    text = (
                        self._corpus_text
                        if rows is None
                        else "\n".join(self.index.chunks[r].search_text.lower() for r in rows)
                    )
                if word in text:
                    known += weight
        return known / total

    def _fuse(
        self,
        query: PreparedQuery,
        lex: np.ndarray,
        lex_order: np.ndarray,
        dense_scores: dict[int, float],
        dense_order: list[int],
    ) -> dict[int, float]:
        cfg = self.fusion
        w_dense = cfg.dense_weight * (cfg.english_dense_factor if query.english else 1.0) if dense_scores else 0.0
        w_lex = 1.0 - cfg.dense_weight if dense_scores else 1.0
        fused: dict[int, float] = {}
        if cfg.method == "rrf":
            for r, row in enumerate(dense_order):
                fused[row] = fused.get(row, 0.0) + w_dense / (cfg.rrf_k + r + 1)
            for r, row in enumerate(lex_order):
                fused[int(row)] = fused.get(int(row), 0.0) + w_lex / (cfg.rrf_k + r + 1)
        else:
            if dense_scores:
                lo, hi = min(dense_scores.values()), max(dense_scores.values())
                span = (hi - lo) or 1.0
                for row, v in dense_scores.items():
                    fused[row] = w_dense * (v - lo) / span
            best = float(lex[lex_order[0]]) if len(lex_order) else 0.0
            for row in lex_order:
                row = int(row)
                fused[row] = fused.get(row, 0.0) + w_lex * float(lex[row]) / best
        return self._with_priors(query, fused)

    def _with_priors(self, query: PreparedQuery, fused: dict[int, float]) -> dict[int, float]:
        """Add the authority prior (and the date boost for a deadline question) to fused scores."""
        cfg = self.fusion
        wants_date = cfg.date_boost and bool(_DEADLINE_Q.search(query.normalized))
        for row in fused:
            fused[row] += cfg.authority_prior.get(self.index.chunks[row].authority, 0.0)
            if wants_date and self._has_date[row]:
                fused[row] += cfg.date_boost
        return fused

    def _hits(
        self,
        fused: dict[int, float],
        dense_scores: dict[int, float],
        lexical_scores: dict[int, float],
        dense_order: list[int],
        lex_order: list[int],
        top_k: int,
    ) -> list[Hit]:
        """The top_k hits, best first; ties go to the more authoritative source, then document order."""
        dense_rank = {row: r for r, row in enumerate(dense_order)}
        lex_rank = {row: r for r, row in enumerate(lex_order)}
        ordered = sorted(fused, key=lambda row: (-round(fused[row], 9), self._authority_rank[row], row))
        return [
            Hit(
                chunk=self.index.chunks[row],
                row=row,
                score=fused[row],
                dense_score=dense_scores.get(row),
                lexical_score=lexical_scores.get(row, 0.0),
                dense_rank=dense_rank.get(row),
                lexical_rank=lex_rank.get(row),
            )
            for row in ordered[: max(top_k, 1)]
        ]

    def search(self, question: str, top_k: int = 5) -> SearchResult:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.prepare(question)
        n = len(self.index.chunks)
        timings["prepare"] = _ms(t0)

        t = time.perf_counter()
        lex = self.index.lexical.scores(list(query.tokens)) if query.tokens else np.zeros(n, np.float32)
        # Partition first: a full sort of 100k scores costs ~20 ms, the top 100 well under 1.
        top = np.argpartition(-lex, min(CANDIDATES, n) - 1)[:CANDIDATES] if n else np.zeros(0, np.int64)
        lex_order = top[np.lexsort((top, -lex[top]))]
        lex_order = lex_order[lex[lex_order] > 0]
        timings["bm25"] = _ms(t)

        dense_scores: dict[int, float] = {}
        dense_order: list[int] = []
        dense_top = 0.0
        if self.embedder is not None:
            t = time.perf_counter()
            qvec = self._embed(query.dense_text)
            timings["embed"] = _ms(t)
            t = time.perf_counter()
            dense_scores = self._dense_scores(qvec)
            dense_order = sorted(dense_scores, key=lambda r: -dense_scores[r])
            dense_top = dense_scores[dense_order[0]] if dense_order else 0.0
            timings["faiss"] = _ms(t)

        t = time.perf_counter()
        fused = self._fuse(query, lex, lex_order, dense_scores, dense_order)
        lex_rows = [int(r) for r in lex_order]
        hits = self._hits(fused, dense_scores, {r: float(lex[r]) for r in lex_rows}, dense_order, lex_rows, top_k)
        timings["fusion"] = _ms(t)
        coverage = self.coverage(query, set(int(r) for r in lex_order) | set(dense_scores))
        timings["search_total"] = _ms(t0)
        return SearchResult(query, hits, self.embedder is not None, dense_top, coverage, timings)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
