"""The two retrievers: each turns a prepared query into a candidate list of chunk rows.

Backends supply the stores behind them (FAISS and bm25s in process, or Qdrant): any
object with DenseIndex's `search(vector, k)` or LexicalIndex's `scores(tokens)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

CANDIDATES = 100


class VectorStore(Protocol):
    size: int

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...


class TermStore(Protocol):
    n_docs: int

    def scores(self, query_tokens: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Candidates:
    """Chunk rows with their scores, best first."""

    scores: dict[int, float]
    order: tuple[int, ...]

    @property
    def top(self) -> float:
        return self.scores[self.order[0]] if self.order else 0.0

    @classmethod
    def of(cls, scores: dict[int, float]) -> Candidates:
        return cls(scores, tuple(sorted(scores, key=lambda r: (-scores[r], r))))


EMPTY = Candidates({}, ())


class DenseRetriever:
    """Chunk vectors and sentence vectors: a chunk scores (1 − w) × its own similarity + w × its best sentence's.

    A chunk's vector blurs the several measures a clause lists; its best sentence is
    sharp but loses the clause's context (README, "What moved top1").
    """

    def __init__(
        self,
        chunks: VectorStore,
        sentences: VectorStore | None,
        sentence_rows: np.ndarray | None,
        sentence_weight: float = 0.3,
    ) -> None:
        self.chunks = chunks
        self.sentences = sentences if sentences is not None and sentences.size else None
        self.sentence_rows = sentence_rows
        self.sentence_weight = sentence_weight

    def run(self, qvec: np.ndarray, k: int = CANDIDATES) -> Candidates:
        scores, rows = self.chunks.search(qvec, k)
        chunk_sim = {int(r): float(v) for r, v in zip(rows, scores)}
        if self.sentences is None:
            return Candidates.of(chunk_sim)
        s_scores, s_ids = self.sentences.search(qvec, k * 4)
        sent_sim: dict[int, float] = {}
        for sid, v in zip(s_ids, s_scores):
            row = int(self.sentence_rows[sid])
            if row not in sent_sim:  # results come best first
                sent_sim[row] = float(v)
        # A chunk missing from one list gets that list's lowest score.
        floor_c = min(chunk_sim.values()) if chunk_sim else 0.0
        floor_s = min(sent_sim.values()) if sent_sim else floor_c
        w = self.sentence_weight
        return Candidates.of(
            {
                row: (1 - w) * chunk_sim.get(row, floor_c) + w * sent_sim.get(row, floor_s)
                for row in set(chunk_sim) | set(sent_sim)
            }
        )


class LexicalRetriever:
    """BM25 over the query's tokens; only chunks that share a token are candidates."""

    def __init__(self, store: TermStore) -> None:
        self.store = store

    def run(
        self, tokens: tuple[str, ...], k: int = CANDIDATES, groups: tuple[tuple[str, ...], ...] = ()
    ) -> Candidates:
        """BM25 of `tokens`; each group (the translations of one English word) adds its members' mean.

        A dictionary gives one English word several translations ("land" → 土地, 用地, 落地):
        summed, a word with many senses outweighs the rest of the question and its wrong
        senses pull in clauses about something else. Scored as one word, it counts once
        (the structured query of dictionary-based cross-language retrieval).
        """
        n = self.store.n_docs
        if not (tokens or groups) or not n:
            return EMPTY
        grouped = {t for g in groups for t in g}
        plain = [t for t in tokens if t not in grouped]
        lex = self.store.scores(plain) if plain else np.zeros(n, dtype=np.float32)
        for group in groups:
            if group:
                lex = lex + sum(self.store.scores([t]) for t in group) / len(group)
        # Partition first: a full sort of 100k scores costs ~20 ms, the top 100 well under 1.
        top = np.argpartition(-lex, min(k, n) - 1)[:k]
        top = top[lex[top] > 0]
        return Candidates.of({int(r): float(lex[r]) for r in top})
