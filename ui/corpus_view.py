"""Read-only lookups over the engine's index for the pages (no searching here).

A clause is the index's own `Chunk`: it carries its document's title and authority, so
the pages cite it as it is.
"""

from __future__ import annotations

from retrieval.chunking import Chunk
from retrieval.engine import Engine


def clause(engine: Engine, chunk_id: str) -> Chunk | None:
    return engine.index.chunk(chunk_id)


def chunk_texts(engine: Engine) -> dict[str, str]:
    return {c.chunk_id: c.text for c in engine.index.chunks}


def clauses_of(engine: Engine, doc_id: str) -> list[Chunk]:
    return [c for c in engine.index.chunks if c.doc_id == doc_id]
