"""Which curated items and facts apply to whom: the one place the stated conditions are applied.

The Self-check calls `evaluate` with the reader's answers; the Overview calls `verdict` with no
answers, so both pages show the same conditions in the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .knowledge import Condition, Item, Knowledge, Requires

ANSWERS = ("yes", "no", "unsure")
PILOT_ANSWERS = ANSWERS


@dataclass(frozen=True)
class Profile:
    role: str
    pilot_city: str = "unsure"  # yes | no | unsure
    needs: tuple[str, ...] = ()
    other: tuple[tuple[str, str], ...] = ()  # (condition id, answer) for the other conditions

    def answer(self, condition_id: str) -> str:
        if condition_id == "pilot_city":
            return self.pilot_city
        return dict(self.other).get(condition_id, "unsure")


@dataclass(frozen=True)
class Caveat:
    """A stated condition the reader has not confirmed: shown next to the item."""

    label: str
    label_en: str
    term: str = ""
    role_label: str = ""  # set when the condition concerns only some roles and no role is known

    @property
    def text(self) -> str:
        who = f"{self.role_label}：" if self.role_label else ""
        term = f"（原文：{self.term}）" if self.term else ""
        return f"{who}{self.label}{term}"


@dataclass(frozen=True)
class Verdict:
    reason: str = ""  # does not apply, because …
    reason_en: str = ""
    caveats: tuple[Caveat, ...] = ()

    @property
    def applies(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class Outcome:
    item: Item
    caveats: tuple[Caveat, ...] = ()
    reason: str = ""
    reason_en: str = ""

    @property
    def caveat(self) -> str:
        return "；".join(c.text for c in self.caveats)


@dataclass
class Result:
    profile: Profile
    applies: list[Outcome] = field(default_factory=list)
    closed: list[Outcome] = field(default_factory=list)  # applied, but the round has ended
    not_applicable: list[Outcome] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Outcome]:
        return [o for o in self.applies if o.item.kind == kind]

    @property
    def excluded_by_facts(self) -> list[Outcome]:
        """Items for this role that the stated facts rule out (the interesting exclusions)."""
        return [o for o in self.not_applicable if self.profile.role in o.item.roles]

    def excluded_by_reason(self) -> list[tuple[str, list[Outcome]]]:
        """The exclusions grouped by reason, in order: one reason is said once, not per item."""
        groups: dict[str, list[Outcome]] = {}
        for o in self.excluded_by_facts:
            groups.setdefault(o.reason, []).append(o)
        return list(groups.items())

    @property
    def for_other_roles(self) -> list[Outcome]:
        return [o for o in self.not_applicable if self.profile.role not in o.item.roles]


def _label(condition: Condition, expect: str) -> tuple[str, str]:
    if expect == "no":
        return condition.label_no or f"不适用于：{condition.label}", condition.label_no_en or f"Not for: {condition.label_en}"
    return condition.label, condition.label_en


def verdict(knowledge: Knowledge, requires: tuple[Requires, ...], role: str | None, answer=lambda _cid: "unsure") -> Verdict:
    """Apply the stated conditions to a reader (role None: anyone, as on the Overview)."""
    role_labels = {r.id: r.label for r in knowledge.roles}
    caveats = []
    for req in requires:
        if not req.concerns(role):
            continue
        cond = knowledge.condition(req.id)
        given = answer(req.id) if role is not None else "unsure"
        if given == "unsure":
            label, label_en = _label(cond, req.expect)
            only = "、".join(role_labels.get(r, r) for r in req.roles) if role is None and req.roles else ""
            caveats.append(Caveat(label, label_en, req.term, only))
        elif given != req.expect:
            if req.expect == "yes":
                term = f"（本条原文：{req.term}）" if req.term else ""
                return Verdict(cond.reason_no + term, cond.reason_no_en)
            return Verdict(cond.reason_yes, cond.reason_yes_en)
    return Verdict(caveats=tuple(caveats))


def questions(knowledge: Knowledge, role: str, today: dt.date | None = None) -> list[Condition]:
    """The conditions worth asking this reader: those some current item for their role depends on."""
    current = [i for i in knowledge.items_for(role) if today is None or i.closed is None or i.closed >= today]
    wanted = {r.id for i in current for r in i.conditions if r.concerns(role)}
    return [c for c in knowledge.conditions if c.id in wanted]


def evaluate(knowledge: Knowledge, profile: Profile, today: dt.date | None = None) -> Result:
    if profile.pilot_city not in ANSWERS or any(a not in ANSWERS for _, a in profile.other):
        raise ValueError(f"answers must be one of {ANSWERS}")
    result = Result(profile)
    role_labels = {r.id: r.label for r in knowledge.roles}
    need_labels = {n.id: n.label for n in knowledge.needs}
    for item in knowledge.items:
        if profile.role not in item.roles:
            reason = "面向" + "、".join(role_labels.get(r, r) for r in item.roles)
            result.not_applicable.append(Outcome(item, reason=reason))
            continue
        v = verdict(knowledge, item.conditions, profile.role, profile.answer)
        if not v.applies:
            result.not_applicable.append(Outcome(item, reason=v.reason, reason_en=v.reason_en))
        elif profile.needs and item.needs and not set(item.needs) & set(profile.needs):
            reason = "与所选需求无关（属于：" + "、".join(need_labels.get(n, n) for n in item.needs) + "）"
            result.not_applicable.append(Outcome(item, reason=reason))
        elif today is not None and item.closed is not None and item.closed < today:
            result.closed.append(Outcome(item, caveats=v.caveats))
        else:
            result.applies.append(Outcome(item, caveats=v.caveats))
    return result
