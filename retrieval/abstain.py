"""Deciding when the documents do not answer a question.

Two signals, both cheap: how much of the question's wording the corpus contains at all
(`coverage`, from jieba's precise cut against the BM25 vocabulary) and how close the best
clause is in meaning (`dense_top`, cosine similarity). An off-topic question either uses
words the policy never uses (工伤, 最低工资, 个人所得税 …) or, when its words are common,
lands far from every clause. The thresholds were calibrated on the dev set and the
project's own calibration set (eval/calibration.jsonl); README explains how.
"""

from __future__ import annotations

from dataclasses import dataclass

from .search import SearchResult


@dataclass(frozen=True)
class Decision:
    answerable: bool
    reason: str


@dataclass(frozen=True)
class AbstentionPolicy:
    # Below this share of known wording a question is out of scope whatever else holds.
    min_coverage: float = 0.34
    # A question whose wording is only partly known must also be close in meaning.
    full_coverage: float = 0.75
    min_dense: float = 0.87
    # Lexical-only mode (no dense model): demand more of the wording.
    min_coverage_lexical: float = 0.6

    def decide(self, result: SearchResult) -> Decision:
        if not result.hits:
            return Decision(False, "no clause matched")
        cov = result.coverage
        if not result.dense_used:
            ok = cov >= self.min_coverage_lexical and result.hits[0].lexical_score > 0
            return Decision(ok, f"coverage={cov:.2f} (lexical only)")
        if cov < self.min_coverage:
            return Decision(False, f"coverage={cov:.2f} < {self.min_coverage}")
        if cov < self.full_coverage and result.dense_top < self.min_dense:
            return Decision(False, f"coverage={cov:.2f} and similarity={result.dense_top:.3f} both low")
        return Decision(True, f"coverage={cov:.2f} similarity={result.dense_top:.3f}")
