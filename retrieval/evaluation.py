"""Retrieval evaluation, scored exactly as ../shared/eval/README.md describes."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .engine import Answer
from .text import match_key


@dataclass(frozen=True)
class EvalItem:
    id: str
    category: str
    q: str
    evidence: list[str]
    answer_has: list[str]
    answerable: bool


def load_dataset(path: str | Path) -> list[EvalItem]:
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON: {exc}") from exc
        items.append(
            EvalItem(
                id=row.get("id", f"line{n}"),
                category=row.get("category") or row.get("kind", ""),  # our users' sets say "kind"
                q=row["q"],
                evidence=row.get("evidence", []),
                answer_has=row.get("answer_has", []),
                answerable=row.get("answerable", True) is not False,
            )
        )
    return items


@dataclass
class ItemResult:
    item: EvalItem
    answer: Answer
    hit_rank: int | None  # 1-based rank of the first citation holding evidence
    answer_ok: bool | None


@dataclass
class EvalReport:
    k: int
    results: list[ItemResult] = field(default_factory=list)

    def _answerable(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.answerable]

    @property
    def recall_at_k(self) -> float:
        rows = self._answerable()
        return sum(r.hit_rank is not None and r.hit_rank <= self.k for r in rows) / max(len(rows), 1)

    @property
    def top1(self) -> float:
        rows = self._answerable()
        return sum(r.hit_rank == 1 for r in rows) / max(len(rows), 1)

    @property
    def oos_acc(self) -> float:
        rows = [r for r in self.results if not r.item.answerable]
        return sum(not r.answer.answerable for r in rows) / max(len(rows), 1)

    @property
    def false_abstain(self) -> int:
        return sum(not r.answer.answerable for r in self._answerable())

    @property
    def answer_acc(self) -> float:
        rows = [r for r in self.results if r.answer_ok is not None]
        return sum(bool(r.answer_ok) for r in rows) / max(len(rows), 1)

    @property
    def median_citation_chars(self) -> float:
        lengths = [len(c.text) for r in self.results for c in r.answer.citations[: self.k]]
        return statistics.median(lengths) if lengths else 0.0

    def per_category(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[ItemResult]] = defaultdict(list)
        for r in self.results:
            groups[r.item.category].append(r)
        table = {}
        for cat, rows in sorted(groups.items()):
            ans = [r for r in rows if r.item.answerable]
            table[cat] = {
                "n": len(rows),
                "recall@k": sum(r.hit_rank is not None for r in ans) / len(ans) if ans else float("nan"),
                "top1": sum(r.hit_rank == 1 for r in ans) / len(ans) if ans else float("nan"),
                "declined": sum(not r.answer.answerable for r in rows),
            }
        return table

    def misses(self) -> list[ItemResult]:
        out = []
        for r in self.results:
            if r.item.answerable and r.hit_rank != 1 or (not r.item.answerable and r.answer.answerable):
                out.append(r)
            elif r.answer_ok is False:
                out.append(r)
        return out

    def summary(self) -> dict[str, float]:
        return {
            f"recall@{self.k}": round(self.recall_at_k, 4),
            "top1": round(self.top1, 4),
            "oos_acc": round(self.oos_acc, 4),
            "false_abstain": self.false_abstain,
            "answer_acc": round(self.answer_acc, 4),
            "median_citation_chars": self.median_citation_chars,
            "n": len(self.results),
        }


TUNED_ON = "tuned on"
HELD_OUT = "held out"


def result_record(report: EvalReport, dataset: str | Path, role: str, model: str | None, dense: bool) -> dict:
    """What `eval --json-out` writes and README's quality table is generated from.

    `role` says whether the set was looked at while choosing rules and thresholds
    ("tuned on") or kept aside ("held out"): the table must not mix them up.
    """
    if role not in (TUNED_ON, HELD_OUT):
        raise ValueError(f"role must be {TUNED_ON!r} or {HELD_OUT!r}")
    answerable = sum(r.item.answerable for r in report.results)
    return {
        "dataset": str(dataset),
        "role": role,
        "model": model,
        "dense": dense,
        "k": report.k,
        "answerable": answerable,
        "out_of_scope": len(report.results) - answerable,
        "summary": report.summary(),
        "per_category": report.per_category(),
        # A held-out set's misses are not written down: reading them is the first step of tuning on it.
        "misses": [r.item.id for r in report.misses()] if role == TUNED_ON else [],
    }


def score_item(item: EvalItem, answer: Answer, k: int) -> ItemResult:
    hit_rank = None
    if answer.answerable and item.evidence:
        keys = [match_key(e) for e in item.evidence]
        for c in answer.citations[:k]:
            text = match_key(c.text)
            if any(key in text for key in keys):
                hit_rank = c.rank
                break
    answer_ok = None
    if item.answer_has:
        got = match_key(answer.answer)
        answer_ok = any(match_key(x) in got for x in item.answer_has)
    return ItemResult(item, answer, hit_rank, answer_ok)


def evaluate(ask: Callable[[str], Answer], items: Iterable[EvalItem], k: int = 5) -> EvalReport:
    report = EvalReport(k=k)
    for item in items:
        report.results.append(score_item(item, ask(item.q), k))
    return report
