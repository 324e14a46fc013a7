"""Added documents that cannot be indexed are moved aside, not left to block every start.

Uploads are checked before they are saved, but a document may already sit in the data
folder from before a limit existed, or be copied there by hand. Such a document would
make every start rebuild the index and fail (or run for hours). Instead it is moved to
`<data>/quarantine/` together with a `<doc_id>.reason.json` that says why and when, and a
warning is logged; the admin page lists it. Moving it back by hand is the way to retry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from . import limits
from .chunking import chunk_document
from .documents import CorpusDir, Document

log = logging.getLogger(__name__)

QUARANTINE_DIR = "quarantine"

_verdicts: dict[tuple[str, int, int], str | None] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Quarantined:
    doc_id: str
    title: str
    reason: str
    at: str


def document_problem(doc: Document) -> str | None:
    """Why `doc` cannot be indexed within the limits, or None. Remembered per content and limits."""
    key = (doc.content_hash, limits.max_doc_chars(), limits.max_chunks())
    with _lock:
        if key in _verdicts:
            return _verdicts[key]
    problem = None
    if len(doc.text) > limits.max_doc_chars():
        problem = f"{len(doc.text):,} characters; the limit is {limits.max_doc_chars():,}"
    else:
        n = len(chunk_document(doc))
        if n > limits.max_chunks():
            problem = f"{n:,} chunks; the limit is {limits.max_chunks():,}"
        elif n == 0:
            problem = "nothing that can be searched"
    with _lock:
        _verdicts[key] = problem
    return problem


def quarantine_dir(data_dir: Path) -> Path:
    return Path(data_dir) / QUARANTINE_DIR


def move_to_quarantine(added_dir: Path, data_dir: Path, doc: Document, reason: str) -> Quarantined:
    """Copy the text and a reason file into quarantine, then drop the document from `added_dir`."""
    folder = quarantine_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    note = Quarantined(doc.doc_id, doc.title, reason, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    (folder / f"{doc.doc_id}.txt").write_text(doc.text, encoding="utf-8")
    (folder / f"{doc.doc_id}.reason.json").write_text(
        json.dumps({**doc.metadata(), "reason": reason, "quarantined_at": note.at}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    try:
        CorpusDir(added_dir).remove(doc.doc_id)
    except KeyError:  # another process moved it first
        pass
    log.warning("Document %s (%r) moved to %s: %s", doc.doc_id, doc.title, folder, reason)
    return note


def screen_added(added_dir: Path, data_dir: Path) -> list[Document]:
    """The added documents that can be indexed; the others are quarantined on the way."""
    kept = []
    for doc in CorpusDir(added_dir).load():
        problem = document_problem(doc)
        if problem is None:
            kept.append(doc)
        else:
            move_to_quarantine(added_dir, data_dir, doc, f"cannot be indexed: {problem}")
    return kept


def quarantined(data_dir: Path) -> list[Quarantined]:
    """What is in quarantine, newest first."""
    out = []
    for file in quarantine_dir(data_dir).glob("*.reason.json"):
        try:
            meta = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out.append(
            Quarantined(
                str(meta.get("doc_id", file.name.removesuffix(".reason.json"))),
                str(meta.get("title", "")),
                str(meta.get("reason", "")),
                str(meta.get("quarantined_at", "")),
            )
        )
    return sorted(out, key=lambda q: q.at, reverse=True)


__all__ = ["Quarantined", "document_problem", "move_to_quarantine", "quarantined", "screen_added"]
