"""Deciding when the documents do not answer a question.

Two signals, both cheap: how much of the question's meaning-bearing wording the corpus
contains (`coverage`: jieba's precise cut with parts of speech, nouns weighted up, against
the corpus; for English, the share of content words the policy glossary knows) and how
close the best clause is in meaning (`dense_top`, cosine similarity). An off-topic
question names a topic the policy never names (工伤, 公积金, 最低工资 …); a colloquial
on-topic question may use unknown verbs, but its nouns are the policy's. The thresholds
were calibrated on the dev set and the project's own calibration set
(eval/calibration.jsonl); README explains how.
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
    # At or above this coverage the question is on the policy's topic.
    min_coverage: float = 0.5
    # Between these two, a Chinese question must also be close in meaning to a clause.
    grey_coverage: float = 0.4
    grey_min_dense: float = 0.88

    def decide(self, result: SearchResult) -> Decision:
        if not result.hits or result.hits[0].score <= 0:
            return Decision(False, "no clause matched")
        cov = result.coverage
        if cov >= self.min_coverage:
            return Decision(True, f"coverage={cov:.2f}")
        if (
            cov >= self.grey_coverage
            and result.dense_used
            and not result.query.english
            and result.dense_top >= self.grey_min_dense
        ):
            return Decision(True, f"coverage={cov:.2f}, similarity={result.dense_top:.3f}")
        return Decision(False, f"coverage={cov:.2f}, similarity={result.dense_top:.3f}")
