"""Read-only lookups over the engine's index for the pages (no searching here)."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.documents import AUTHORITY_LABELS_ZH
from retrieval.engine import Engine


@dataclass(frozen=True)
class ClauseRef:
    """What a page needs to cite a clause: where it is and how authoritative it is."""

    chunk_id: str
    doc_id: str
    doc_title: str
    authority: str
    section: str
    text: str
    start: int
    end: int

    @property
    def authority_label(self) -> str:
        return AUTHORITY_LABELS_ZH.get(self.authority, self.authority)


def clause(engine: Engine, chunk_id: str) -> ClauseRef | None:
    c = engine.index.chunk(chunk_id)
    if c is None:
        return None
    doc = engine.index.document(c.doc_id)
    return ClauseRef(c.chunk_id, c.doc_id, doc.title, doc.authority, c.section, c.text, c.start, c.end)


def chunk_texts(engine: Engine) -> dict[str, str]:
    return {c.chunk_id: c.text for c in engine.index.chunks}


def clauses_of(engine: Engine, doc_id: str) -> list[ClauseRef]:
    doc = engine.index.document(doc_id)
    return [
        ClauseRef(c.chunk_id, c.doc_id, doc.title, doc.authority, c.section, c.text, c.start, c.end)
        for c in engine.index.chunks
        if c.doc_id == doc_id
    ]
