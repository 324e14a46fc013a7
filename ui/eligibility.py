"""The self-check rules: which curated items apply to a profile, and why the others do not."""

from __future__ import annotations

from dataclasses import dataclass, field

from .knowledge import Item, Knowledge

PILOT_ANSWERS = ("yes", "no", "unsure")


@dataclass(frozen=True)
class Profile:
    role: str
    pilot_city: str = "unsure"  # yes | no | unsure
    park: bool = False
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    item: Item
    caveat: str = ""  # applies, but only if …
    reason: str = ""  # does not apply, because …


@dataclass
class Result:
    profile: Profile
    applies: list[Outcome] = field(default_factory=list)
    not_applicable: list[Outcome] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Outcome]:
        return [o for o in self.applies if o.item.kind == kind]

    @property
    def excluded_by_facts(self) -> list[Outcome]:
        """Items for this role that the stated facts rule out (the interesting exclusions)."""
        return [o for o in self.not_applicable if self.profile.role in o.item.roles]

    @property
    def for_other_roles(self) -> list[Outcome]:
        return [o for o in self.not_applicable if self.profile.role not in o.item.roles]


def evaluate(knowledge: Knowledge, profile: Profile) -> Result:
    if profile.pilot_city not in PILOT_ANSWERS:
        raise ValueError(f"pilot_city must be one of {PILOT_ANSWERS}")
    result = Result(profile)
    role_labels = {r.id: r.label for r in knowledge.roles}
    need_labels = {n.id: n.label for n in knowledge.needs}
    for item in knowledge.items:
        reason, caveat = _judge(item, profile, role_labels, need_labels)
        if reason:
            result.not_applicable.append(Outcome(item, reason=reason))
        else:
            result.applies.append(Outcome(item, caveat=caveat))
    return result


def _judge(item: Item, p: Profile, role_labels: dict, need_labels: dict) -> tuple[str, str]:
    if p.role not in item.roles:
        return "面向" + "、".join(role_labels.get(r, r) for r in item.roles), ""
    caveats = []
    if item.pilot_city is True:
        if p.pilot_city == "no":
            return "仅在试点城市实施，而你所在城市不是试点城市", ""
        if p.pilot_city == "unsure":
            caveats.append("仅限试点城市")
    elif item.pilot_city is False:
        if p.pilot_city == "yes":
            return "针对尚未入选试点的城市，你所在城市已是试点城市", ""
        if p.pilot_city == "unsure":
            caveats.append("仅限非试点城市")
    if item.park and not p.park:
        return "仅适用于有国家级产业园区（自贸区、经开区、高新区等）的城市或园区内主体", ""
    if p.needs and item.needs and not set(item.needs) & set(p.needs):
        return "与所选需求无关（属于：" + "、".join(need_labels.get(n, n) for n in item.needs) + "）", ""
    return "", "；".join(caveats)
