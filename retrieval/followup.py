"""Follow-up questions: complete a question that leans on earlier turns, by readable rules.

Interface used by the CLI (`ask --after`), the HTTP API (`history`) and the Ask page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Completion:
    original: str  # what the user typed
    question: str  # what is searched: the original, or the original completed from history
    rewritten: bool
    rule: str = ""  # which rule completed it, shown to the user


def complete(question: str, history: Sequence[str] = ()) -> Completion:
    """The question as it stands; rules for completing follow-ups are added here."""
    return Completion(question, question, False)
