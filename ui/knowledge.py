"""The curated facts file (corpus/knowledge.yaml): loading, and checking it against the corpus.

Pure Python (no Streamlit) so tests and reports can use it directly.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from retrieval.engine import REPO_ROOT

KNOWLEDGE_FILE = REPO_ROOT / "corpus" / "knowledge.yaml"
KINDS = ("measure", "obligation", "contact")
STEP_KINDS = ("deadline", "event", "period")


@dataclass(frozen=True)
class Fact:
    text: str
    chunk: str
    quote: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    title_en: str
    facts: list[Fact]
    groups: list[tuple[str, str, list[Fact]]]  # (actor, actor_en, facts)


@dataclass(frozen=True)
class Step:
    id: str
    kind: str  # deadline | event | period
    title: str
    title_en: str
    start: dt.date
    end: dt.date
    actor: str
    chunk: str
    quote: str

    def status(self, today: dt.date) -> str:
        if self.end < today:
            return "past"
        if self.start <= today:
            return "current"
        return "upcoming"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Item:
    """One measure, obligation or contact of the self-check, with the conditions under which it applies."""

    id: str
    kind: str
    title: str
    title_en: str
    roles: tuple[str, ...]
    chunk: str
    quote: str
    needs: tuple[str, ...] = ()
    pilot_city: bool | None = None
    park: bool | None = None
    deadline: dt.date | None = None


@dataclass(frozen=True)
class Knowledge:
    overview: list[Section]
    timeline: list[Step]
    roles: list[Choice]
    needs: list[Choice]
    items: list[Item]
    _all_facts: list[tuple[str, str, str]] = field(default_factory=list, repr=False)

    def citations(self) -> list[tuple[str, str, str]]:
        """(where, chunk id, quote) for every quoted fact in the file."""
        return list(self._all_facts)

    def role(self, role_id: str) -> Choice:
        return next(r for r in self.roles if r.id == role_id)

    def need(self, need_id: str) -> Choice:
        return next(n for n in self.needs if n.id == need_id)


def _fact(raw: dict) -> Fact:
    return Fact(text=str(raw["text"]), chunk=str(raw["chunk"]), quote=str(raw["quote"]))


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def parse(data: dict) -> Knowledge:
    every: list[tuple[str, str, str]] = []
    overview = []
    for sec in data.get("overview", []):
        facts = [_fact(f) for f in sec.get("facts", [])]
        groups = [
            (g["actor"], g.get("actor_en", ""), [_fact(f) for f in g.get("facts", [])])
            for g in sec.get("groups", [])
        ]
        overview.append(Section(sec["id"], sec["title"], sec.get("title_en", ""), facts, groups))
        every += [(f"overview/{sec['id']}", f.chunk, f.quote) for f in facts]
        every += [(f"overview/{sec['id']}/{a}", f.chunk, f.quote) for a, _, fs in groups for f in fs]
    timeline = [
        Step(
            s["id"], s.get("kind", "period"), s["title"], s.get("title_en", ""),
            _date(s.get("start", s.get("date"))), _date(s.get("end", s.get("date"))),
            s.get("actor", ""), s["chunk"], s["quote"],
        )
        for s in data.get("timeline", [])
    ]
    every += [(f"timeline/{s.id}", s.chunk, s.quote) for s in timeline]
    sc = data.get("selfcheck", {})
    roles = [Choice(r["id"], r["label"], r.get("label_en", "")) for r in sc.get("roles", [])]
    needs = [Choice(n["id"], n["label"], n.get("label_en", "")) for n in sc.get("needs", [])]
    items = [
        Item(
            id=i["id"], kind=i["kind"], title=i["title"], title_en=i.get("title_en", ""),
            roles=tuple(i["roles"]), chunk=i["chunk"], quote=i["quote"],
            needs=tuple(i.get("needs", ())), pilot_city=i.get("pilot_city"), park=i.get("park"),
            deadline=_date(i["deadline"]) if i.get("deadline") else None,
        )
        for i in sc.get("items", [])
    ]
    every += [(f"selfcheck/{i.id}", i.chunk, i.quote) for i in items]
    return Knowledge(overview, timeline, roles, needs, items, every)


def load(path: str | Path | None = None) -> Knowledge:
    path = Path(path or os.environ.get("POLICY_QA_KNOWLEDGE", KNOWLEDGE_FILE))
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


def problems(knowledge: Knowledge, chunk_texts: dict[str, str]) -> list[str]:
    """Everything in the file that the corpus does not back up (empty when all is well)."""
    found = []
    for where, chunk_id, quote in knowledge.citations():
        text = chunk_texts.get(chunk_id)
        if text is None:
            found.append(f"{where}: no chunk {chunk_id!r}")
        elif not quote.strip() or quote not in text:
            found.append(f"{where}: quote not in {chunk_id}: {quote[:40]}…")
    role_ids = {r.id for r in knowledge.roles}
    need_ids = {n.id for n in knowledge.needs}
    for item in knowledge.items:
        if item.kind not in KINDS:
            found.append(f"selfcheck/{item.id}: unknown kind {item.kind!r}")
        for r in item.roles:
            if r not in role_ids:
                found.append(f"selfcheck/{item.id}: unknown role {r!r}")
        for n in item.needs:
            if n not in need_ids:
                found.append(f"selfcheck/{item.id}: unknown need {n!r}")
    for step in knowledge.timeline:
        if step.kind not in STEP_KINDS:
            found.append(f"timeline/{step.id}: unknown kind {step.kind!r}")
        if step.end < step.start:
            found.append(f"timeline/{step.id}: ends before it starts")
    return found
