"""What a Chinese official document says about itself: its number (文号), issuer and effective date.

An added document often comes without metadata; its head (title, 文号 line), its
signature block (issuing bodies over a date) or a law's adoption note and last
article (本条例自…起施行) say it. Read with a few patterns, each returning the span
it was read from, so whatever shows it can cite it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号")
_DATE_LINE_RE = re.compile(r"^[ \t]*(\d{4})年(\d{1,2})月(\d{1,2})日[ \t]*$", re.M)
_EFFECTIVE_RE = re.compile(r"自(\d{4}年\d{1,2}月\d{1,2}日|印发之日|公布之日|发布之日)起(?:施行|执行|实施)")
_ADOPTED_RE = re.compile(r"（(\d{4}年\d{1,2}月\d{1,2}日)([^（）]{2,60}?)(通过|公布|发布|印发)）")
_BODY_RE = re.compile(r"(?:部|厅|局|委员会|委|办公室|办|政府|联合会|工商联|人大常委会|常务委员会|院|署|会)$")
_MAX_SIGN_LINES = 8


@dataclass(frozen=True)
class HeaderFact:
    kind: str  # "number", "issuer", "date", "effective"
    value: str
    start: int
    end: int


def header_facts(text: str) -> list[HeaderFact]:
    """The document's number, issuer(s), issue date and effective date, as found in its text."""
    facts: list[HeaderFact] = []
    head = text[:600]
    # The 文号 stands on a line of its own under the title; one inside a sentence is another
    # document's, cited ("根据《…通知》（人社部发〔2025〕27号）").
    if m := re.search(rf"^[ \t]*({_NUMBER_RE.pattern})[ \t]*$", head, re.M):
        facts.append(HeaderFact("number", m.group(1), m.start(1), m.end(1)))
    if m := _ADOPTED_RE.search(head):
        facts.append(HeaderFact("issuer", m.group(2).strip(), m.start(2), m.end(2)))
        facts.append(HeaderFact("date", m.group(1), m.start(1), m.end(1)))
    for m in _DATE_LINE_RE.finditer(text):
        # The signature block: short lines naming bodies right above a date line.
        lines, end = [], m.start()
        before = text[:end].rstrip("\n").split("\n")
        for line in reversed(before[-_MAX_SIGN_LINES:]):
            if not line.strip() or not _BODY_RE.search(line.strip()) or len(line.strip()) > 30:
                break
            lines.insert(0, line.strip())
        if lines:
            first = text.rindex(lines[0], 0, end)
            facts.append(HeaderFact("issuer", "、".join(lines), first, end - 1))
            facts.append(HeaderFact("date", m.group(0).strip(), m.start(), m.end()))
            break
    if m := _EFFECTIVE_RE.search(text):
        facts.append(HeaderFact("effective", m.group(0), m.start(), m.end()))
    return facts


def first_fact(facts: list[HeaderFact], kind: str) -> HeaderFact | None:
    return next((f for f in facts if f.kind == kind), None)


__all__ = ["HeaderFact", "first_fact", "header_facts"]
