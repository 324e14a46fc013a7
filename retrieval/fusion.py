"""Combining the two candidate lists into one ranking: a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .retrievers import Candidates


@dataclass(frozen=True)
class FusionConfig:
    """How the two rankings are combined. Defaults measured on the dev and tuning sets (README).

    method "score" (default): dense_weight × min-max-normalised dense similarity
    + (1 − dense_weight) × BM25 / best BM25. It keeps how far ahead the best clause
    is, which reciprocal rank fusion ("rrf") throws away; on a corpus this small
    that margin is most of the signal.
    """

    method: str = "score"
    dense_weight: float = 0.5
    rrf_k: int = 10
    # Added to the fused score (0–1 scale): ties go to the notice itself, and the media
    # commentary ranks below an official text that says the same thing; a document an
    # administrator marked as replaced ranks below its successor.
    authority_prior: dict[str, float] = field(
        default_factory=lambda: {
            "official notice": 0.10,
            "official interpretation": 0.0,
            "user-added": 0.0,
            "commentary": -0.15,
        }
    )
    superseded_prior: float = -0.3
    # A question that uses a title word few documents use is about those documents (search.py).
    named_document_prior: float = 0.15
    naming_share: float = 0.5
    # Weight of the best sentence's similarity in a chunk's dense score.
    sentence_weight: float = 0.3
    # Citations after the first: a clause whose vector is closer than `duplicate_similarity` to
    # one already cited (the interpretation restating the notice) pays up to `diversity_weight`,
    # so the five citations hold five facts (maximal marginal relevance over the first
    # `diversity_depth` candidates; the first citation never changes).
    diversity_weight: float = 0.3
    duplicate_similarity: float = 0.93
    diversity_depth: int = 20


def fuse(
    dense: Candidates | None,
    lexical: Candidates,
    priors: dict[int, float] | None = None,
    config: FusionConfig = FusionConfig(),
) -> dict[int, float]:
    """Row → fused score over the union of both lists, plus each row's prior."""
    use_dense = dense is not None and bool(dense.order)
    # English questions are embedded with their translated terms, so both languages weigh the same
    # (discounting the English dense side cost recall on the tuning sets' English questions).
    w_dense = config.dense_weight if use_dense else 0.0
    w_lex = 1.0 - config.dense_weight if use_dense else 1.0
    fused: dict[int, float] = {}
    if config.method == "rrf":
        if use_dense:
            for r, row in enumerate(dense.order):
                fused[row] = fused.get(row, 0.0) + w_dense / (config.rrf_k + r + 1)
        for r, row in enumerate(lexical.order):
            fused[row] = fused.get(row, 0.0) + w_lex / (config.rrf_k + r + 1)
    else:
        if use_dense:
            lo, hi = min(dense.scores.values()), max(dense.scores.values())
            span = (hi - lo) or 1.0
            for row, v in dense.scores.items():
                fused[row] = w_dense * (v - lo) / span
        best = lexical.top
        for row in lexical.order:
            fused[row] = fused.get(row, 0.0) + w_lex * lexical.scores[row] / best
    if priors:
        for row in fused:
            fused[row] += priors.get(row, 0.0)
    return fused


def rank(fused: dict[int, float], tie_break: list[int] | None = None) -> list[int]:
    """Rows best first; ties go to the lower tie_break value (the more authoritative source), then row order."""
    key = (lambda r: (-round(fused[r], 9), tie_break[r], r)) if tie_break is not None else (lambda r: (-round(fused[r], 9), r))
    return sorted(fused, key=key)


def diversify(
    order: list[int], fused: dict[int, float], vectors: np.ndarray, k: int, config: FusionConfig = FusionConfig()
) -> list[int]:
    """The first k of `order` re-chosen one at a time: each pays for its closeness to those chosen before.

    `vectors[i]` is the unit vector of `order[i]`. Closeness below `duplicate_similarity` is
    free: clauses on one topic are expected to be alike; restatements of one sentence are not needed twice.
    """
    if k <= 1 or len(order) <= 1 or config.diversity_weight <= 0:
        return order[:k]
    span = 1.0 - config.duplicate_similarity
    chosen = [0]
    # Closest similarity of each candidate to any chosen one, updated as the list grows.
    closest = vectors @ vectors[0]
    left = list(range(1, len(order)))
    while len(chosen) < k and left:
        def value(i: int) -> float:
            excess = max(0.0, float(closest[i]) - config.duplicate_similarity) / span
            return fused[order[i]] - config.diversity_weight * excess

        best = max(left, key=lambda i: (value(i), -i))
        chosen.append(best)
        left.remove(best)
        closest = np.maximum(closest, vectors @ vectors[best])
    return [order[i] for i in chosen]
