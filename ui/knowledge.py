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
# Seen from the reader: a measure aimed at them (they act, the policy supports), what a
# government body will do (or supports others to do), what they must do, whom to turn to.
KINDS = ("support", "government", "obligation", "contact")
KIND_LABELS = {
    "support": ("你可以利用的支持措施", "What you can use"),
    "government": ("政府部门将推动的事项", "What government bodies will do"),
    "obligation": ("你需要履行的职责", "What you must do"),
    "contact": ("联系谁", "Whom to contact"),
}
STEP_KINDS = ("deadline", "event", "period")
DATE_BASES = ("day", "month_end", "year")
UNNAMED_ACTOR = "未点名"

# The policy's verbs and how the English wording must render them (lower-case stems).
# A verb missing here is an error: add its rendering rather than drop the verb.
VERB_EN: dict[str, tuple[str, ...]] = {
    "支持": ("support",),
    "优先支持": ("priority",),
    "推动": ("promot",),
    "鼓励": ("encourag",),
    "引导": ("guide",),
    "可纳入": ("may be included",),
    "可按规定": ("may", "under the rules"),
    "可参加": ("may",),
    "有意愿": ("willing",),
    "探索": ("explor",),
    "培育": ("foster",),
    "培育发展": ("foster",),
    "发展": ("develop",),
    "建设": ("build",),
    "严厉打击": ("crack down",),
    "实施": ("appl",),
    "维护": ("protect",),
    "重点维护": ("protect",),
    "参与": ("take part",),
    "发挥": ("play",),
    "充分发挥": ("make full use",),
    "遴选": ("select",),
    "负责": ("responsible",),
    "要": ("must",),
    "健全": ("build",),
    "统筹": ("combine",),
    "加强": ("strengthen",),
    "加大": ("step up",),
    "定期梳理": ("review",),
    "总结": ("summar",),
    "推荐": ("recommend",),
    "备案": ("fil",),
    "报送": ("submit",),
}
# Verbs that make a clause a policy intention rather than a right; a quote holding one
# must carry its verb so the page cannot state it as a grant.
HEDGE_VERBS = ("优先支持", "支持", "推动", "鼓励", "引导", "可纳入", "探索")
# Wording that presents something as a benefit the reader can claim.
GRANT_WORDS_ZH = ("可享受", "享受", "可获得", "可获", "能获得", "可领取")
GRANT_WORDS_EN = ("can receive", "can get", "eligible for", "entitled to", "will receive", "you get", "you receive")


@dataclass(frozen=True)
class Citation:
    chunk: str
    quote: str


class _Sourced:
    """An entry with its own clause (`chunk`, `quote`) and further sources (`also`)."""

    @property
    def sources(self) -> tuple[Citation, ...]:
        return (Citation(self.chunk, self.quote), *self.also)


@dataclass(frozen=True)
class Condition:
    """A condition a clause states (pilot city, 龙头企业, national park), as the self-check asks it."""

    id: str
    label: str
    label_en: str
    question: str
    question_en: str
    reason_no: str
    reason_no_en: str
    reason_yes: str
    reason_yes_en: str
    chunk: str
    quote: str
    label_no: str = ""  # the label when an item applies only where the answer is "no"
    label_no_en: str = ""


@dataclass(frozen=True)
class Requires:
    """One condition on a fact or item: for which reader roles, the clause's own wording, the answer needed."""

    id: str
    roles: tuple[str, ...] = ()  # empty: every role
    term: str = ""
    expect: str = "yes"  # yes | no

    def concerns(self, role: str | None) -> bool:
        return not self.roles or role is None or role in self.roles


@dataclass(frozen=True)
class Fact(_Sourced):
    text: str
    chunk: str
    quote: str
    text_en: str = ""
    verb: str = ""
    conditions: tuple[Requires, ...] = ()
    also: tuple[Citation, ...] = ()
    disputed: bool = False


@dataclass(frozen=True)
class Group:
    actor: str
    actor_en: str
    role: str = ""  # built from the self-check items of this role
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    title_en: str
    facts: list[Fact]
    groups: list[Group]


@dataclass(frozen=True)
class Step(_Sourced):
    id: str
    kind: str  # deadline | event | period
    title: str
    title_en: str
    start: dt.date | None  # None: no document gives a date
    end: dt.date | None
    actor: str
    chunk: str
    quote: str
    basis: str = "day"
    also: tuple[Citation, ...] = ()
    disputed: bool = False
    note: str = ""
    note_en: str = ""

    @property
    def undated(self) -> bool:
        return self.start is None

    def status(self, today: dt.date) -> str:
        if self.start is None or self.end is None:
            return "undated"
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
class Item(_Sourced):
    """One self-check entry: what it is for the reader (kind), who acts, and when it applies."""

    id: str
    kind: str
    title: str
    title_en: str
    roles: tuple[str, ...]
    chunk: str
    quote: str
    verb: str = ""
    actor: str = ""
    actor_en: str = ""
    actor_chunk: str = ""
    actor_quote: str = ""
    needs: tuple[str, ...] = ()
    conditions: tuple[Requires, ...] = ()
    deadline: dt.date | None = None
    closed: dt.date | None = None  # a round that ended on this day
    also: tuple[Citation, ...] = ()
    disputed: bool = False
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Knowledge:
    overview: list[Section]
    timeline: list[Step]
    roles: list[Choice]
    needs: list[Choice]
    items: list[Item]
    conditions: list[Condition] = field(default_factory=list)
    pilot_status: Fact | None = None
    _all_facts: list[tuple[str, str, str]] = field(default_factory=list, repr=False)

    def citations(self) -> list[tuple[str, str, str]]:
        """(where, chunk id, quote) for every quoted source in the file."""
        return list(self._all_facts)

    def role(self, role_id: str) -> Choice:
        return next(r for r in self.roles if r.id == role_id)

    def need(self, need_id: str) -> Choice:
        return next(n for n in self.needs if n.id == need_id)

    def condition(self, condition_id: str) -> Condition:
        return next(c for c in self.conditions if c.id == condition_id)

    def items_for(self, role: str) -> list[Item]:
        return [i for i in self.items if role in i.roles]


def _citations(raw) -> tuple[Citation, ...]:
    return tuple(Citation(str(c["chunk"]), str(c["quote"])) for c in raw or ())


def _requires(raw) -> tuple[Requires, ...]:
    out = []
    for r in raw or ():
        if isinstance(r, str):
            out.append(Requires(r))
        else:
            out.append(
                Requires(r["id"], tuple(r.get("roles", ())), str(r.get("term", "")), str(r.get("expect", "yes")))
            )
    return tuple(out)


def _fact(raw: dict) -> Fact:
    return Fact(
        text=str(raw["text"]), chunk=str(raw["chunk"]), quote=str(raw["quote"]),
        text_en=str(raw.get("text_en", "")), verb=str(raw.get("verb", "")),
        conditions=_requires(raw.get("conditions")), also=_citations(raw.get("also")),
        disputed=bool(raw.get("disputed", False)),
    )


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _step(s: dict) -> Step:
    undated = bool(s.get("undated"))
    return Step(
        s["id"], s.get("kind", "period"), s["title"], s.get("title_en", ""),
        None if undated else _date(s.get("start", s.get("date"))),
        None if undated else _date(s.get("end", s.get("date"))),
        s.get("actor", ""), s["chunk"], s["quote"], basis=s.get("basis", "day"),
        also=_citations(s.get("also")), disputed=bool(s.get("disputed", False)),
        note=s.get("note", ""), note_en=s.get("note_en", ""),
    )


def _item(i: dict) -> Item:
    return Item(
        id=i["id"], kind=i["kind"], title=i["title"], title_en=i.get("title_en", ""),
        roles=tuple(i["roles"]), chunk=i["chunk"], quote=i["quote"], verb=str(i.get("verb", "")),
        actor=i.get("actor", ""), actor_en=i.get("actor_en", ""),
        actor_chunk=i.get("actor_chunk", ""), actor_quote=i.get("actor_quote", ""),
        needs=tuple(i.get("needs", ())), conditions=_requires(i.get("conditions")),
        deadline=_date(i.get("deadline")), closed=_date(i.get("closed")),
        also=_citations(i.get("also")), disputed=bool(i.get("disputed", False)),
        note=i.get("note", ""), note_en=i.get("note_en", ""),
    )


def parse(data: dict) -> Knowledge:
    every: list[tuple[str, str, str]] = []
    conditions = [
        Condition(
            c["id"], c["label"], c.get("label_en", ""), c.get("question", ""), c.get("question_en", ""),
            c.get("reason_no", ""), c.get("reason_no_en", ""), c.get("reason_yes", ""), c.get("reason_yes_en", ""),
            c["chunk"], c["quote"], c.get("label_no", ""), c.get("label_no_en", ""),
        )
        for c in data.get("conditions", [])
    ]
    every += [(f"conditions/{c.id}", c.chunk, c.quote) for c in conditions]
    overview = []
    for sec in data.get("overview", []):
        facts = [_fact(f) for f in sec.get("facts", [])]
        groups = [
            Group(g["actor"], g.get("actor_en", ""), g.get("role", ""), tuple(_fact(f) for f in g.get("facts", [])))
            for g in sec.get("groups", [])
        ]
        overview.append(Section(sec["id"], sec["title"], sec.get("title_en", ""), facts, groups))
        every += [(f"overview/{sec['id']}", c.chunk, c.quote) for f in facts for c in f.sources]
        every += [(f"overview/{sec['id']}/{g.actor}", c.chunk, c.quote) for g in groups for f in g.facts for c in f.sources]
    timeline = [_step(s) for s in data.get("timeline", [])]
    every += [(f"timeline/{s.id}", c.chunk, c.quote) for s in timeline for c in s.sources]
    sc = data.get("selfcheck", {})
    roles = [Choice(r["id"], r["label"], r.get("label_en", "")) for r in sc.get("roles", [])]
    needs = [Choice(n["id"], n["label"], n.get("label_en", "")) for n in sc.get("needs", [])]
    items = [_item(i) for i in sc.get("items", [])]
    for i in items:
        every += [(f"selfcheck/{i.id}", c.chunk, c.quote) for c in i.sources]
        if i.actor_chunk:
            every.append((f"selfcheck/{i.id}/actor", i.actor_chunk, i.actor_quote))
    pilot_status = _fact(sc["pilot_status"]) if sc.get("pilot_status") else None
    if pilot_status:
        every += [("selfcheck/pilot_status", c.chunk, c.quote) for c in pilot_status.sources]
    return Knowledge(overview, timeline, roles, needs, items, conditions, pilot_status, every)


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
    condition_ids = {c.id for c in knowledge.conditions}
    for item in knowledge.items:
        if item.kind not in KINDS:
            found.append(f"selfcheck/{item.id}: unknown kind {item.kind!r}")
        for r in item.roles:
            if r not in role_ids:
                found.append(f"selfcheck/{item.id}: unknown role {r!r}")
        for n in item.needs:
            if n not in need_ids:
                found.append(f"selfcheck/{item.id}: unknown need {n!r}")
    requirements = [(f"selfcheck/{i.id}", r) for i in knowledge.items for r in i.conditions]
    requirements += [
        (f"overview/{s.id}", r) for s in knowledge.overview for f in s.facts for r in f.conditions
    ]
    for where, r in requirements:
        if r.id not in condition_ids:
            found.append(f"{where}: unknown condition {r.id!r}")
        if r.expect not in ("yes", "no"):
            found.append(f"{where}: condition {r.id!r} expects {r.expect!r}")
    for step in knowledge.timeline:
        if step.kind not in STEP_KINDS:
            found.append(f"timeline/{step.id}: unknown kind {step.kind!r}")
        if step.basis not in DATE_BASES:
            found.append(f"timeline/{step.id}: unknown date basis {step.basis!r}")
        if (step.start is None) != (step.end is None):
            found.append(f"timeline/{step.id}: half a date")
        elif step.start and step.end < step.start:
            found.append(f"timeline/{step.id}: ends before it starts")
    return found
