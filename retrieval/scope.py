"""Which documents a question is asked of: all of them, some by id, or some kinds (authorities)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Empty sets mean "no restriction"; both set means a chunk must satisfy both."""

    doc_ids: frozenset[str] = frozenset()
    authorities: frozenset[str] = frozenset()

    @classmethod
    def of(cls, doc_ids=(), authorities=()) -> Scope:
        return cls(frozenset(d for d in doc_ids if d), frozenset(a for a in authorities if a))

    @property
    def unrestricted(self) -> bool:
        return not self.doc_ids and not self.authorities

    def admits(self, doc_id: str, authority: str) -> bool:
        return (not self.doc_ids or doc_id in self.doc_ids) and (
            not self.authorities or authority in self.authorities
        )


EVERYTHING = Scope()
