"""Adding and removing documents: validate, refuse duplicates, write, re-index.

Added documents live in `Settings.added_dir` (a CorpusDir beside the index, never in
the shipped corpus/). Every change happens under the index's file lock, together
with the rebuild that follows it, so two admins, or the CLI and the app, cannot
lose each other's changes or leave an index that disagrees with the corpus.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, replace

from .chunking import chunk_document
from .documents import CorpusDir, Document, DocumentMeta
from .engine import Engine, Settings, load_documents
from .index_store import BuildProgress, IndexStore
from .limits import max_chunks
from .readers import DocumentRejected, normalize_text
from .sandbox import read_document_isolated

_WS_RE = re.compile(r"\s+")

ID_PREFIX = "u-"


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    authority: str
    date: str
    source: str
    chars: int
    pages: int
    # None when the live index was built before this document was added or changed.
    chunks: int | None
    removable: bool  # added after installation (the shipped corpus is edited in git, not here)
    superseded_by: str = ""  # the newer version that replaced this one
    replaces: str = ""
    ocr_pages: tuple[tuple[int, float], ...] = ()  # (page, confidence) of pages read by OCR


@dataclass(frozen=True)
class AddResult:
    document: Document
    chunks: int
    pages: int
    seconds: float


@dataclass(frozen=True)
class RemoveResult:
    document: Document
    seconds: float


def new_doc_id(doc: Document) -> str:
    """Derived from the content, so ids are stable and the same text cannot get two ids."""
    return ID_PREFIX + doc.content_hash[:12]


def fingerprint(text: str) -> str:
    """The content hash used to spot duplicates: normalised text without whitespace, so the
    same document as PDF and as TXT, or with other line breaks, counts as the same."""
    return hashlib.sha256(_WS_RE.sub("", normalize_text(text)).encode("utf-8")).hexdigest()


def _duplicate_of(doc: Document, existing: list[Document]) -> Document | None:
    digest = fingerprint(doc.text)
    return next((d for d in existing if fingerprint(d.text) == digest), None)


def _duplicate_error(doc: Document, other: Document) -> DocumentRejected:
    return DocumentRejected(
        "duplicate",
        f"该文件与已有文档《{other.title.strip('《》')}》（{other.doc_id}）内容相同，未重复添加",
        f"this file has the same content as the existing document {other.doc_id!r}; it was not added again",
    )


def check_upload(
    settings: Settings,
    data: bytes,
    filename: str,
    meta: DocumentMeta = DocumentMeta(),
    *,
    progress: BuildProgress | None = None,
) -> Document:
    """The Document a file would become, if it is acceptable and new; raises DocumentRejected.

    Needs no model or index, so a bad file is refused before anything slow is loaded.
    """
    # Parsed in a child process with memory and time limits: see retrieval/sandbox.py.
    doc = read_document_isolated(data, filename, meta, progress, doc_id="pending")
    doc = replace(doc, doc_id=new_doc_id(doc))
    other = _duplicate_of(doc, load_documents(settings))
    if other is not None:
        raise _duplicate_error(doc, other)
    chunks = chunk_document(doc)
    if not chunks:
        raise DocumentRejected("empty", "文件中没有可检索的内容", "the file has nothing that can be searched")
    if len(chunks) > max_chunks():
        raise DocumentRejected(
            "too_many_chunks",
            f"文件切分后片段过多：{len(chunks)} 个，上限为 {max_chunks()} 个",
            f"the file would make {len(chunks)} chunks; the limit is {max_chunks()}",
        )
    return doc


def check_replaceable(settings: Settings, doc_id: str) -> None:
    """Raises DocumentRejected unless doc_id is an added document that is still current."""
    for d in CorpusDir(settings.added_dir).load():
        if d.doc_id == doc_id:
            if d.superseded_by:
                raise DocumentRejected(
                    "superseded",
                    f"{doc_id} 已被 {d.superseded_by} 取代，请替换当前版本",
                    f"{doc_id!r} was already replaced by {d.superseded_by!r}; replace the current version",
                )
            return
    raise _not_added(settings, doc_id, "not_replaceable", "替换", "replaced")


def check_removable(settings: Settings, doc_id: str) -> None:
    """Raises DocumentRejected unless doc_id is an added document."""
    if any(d.doc_id == doc_id for d in CorpusDir(settings.added_dir).load()):
        return
    raise _not_added(settings, doc_id, "not_removable", "删除", "removed")


def _not_added(settings: Settings, doc_id: str, code: str, verb_zh: str, verb_en: str) -> DocumentRejected:
    """Why a document that is not an added one cannot be changed: it is shipped, or there is none."""
    if any(d.doc_id == doc_id for d in CorpusDir(settings.corpus_dir).load()):
        return DocumentRejected(
            code,
            f"{doc_id} 是系统自带文档，不能在这里{verb_zh}",
            f"{doc_id!r} is part of the shipped corpus and cannot be {verb_en} here",
        )
    return DocumentRejected("not_found", f"没有编号为 {doc_id!r} 的文档", f"no document with id {doc_id!r}")


class Library:
    """The documents an engine answers from, and the only way to change them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings: Settings = engine.settings

    @property
    def added(self) -> CorpusDir:
        return CorpusDir(self.settings.added_dir)

    # ---- reading --------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        index = self.engine.index
        counts = Counter(c.doc_id for c in index.chunks)
        indexed = {d.doc_id: d.content_hash for d in index.documents}
        added_ids = {d.doc_id for d in self.added.load()}
        out = []
        for d in load_documents(self.settings):
            fresh = indexed.get(d.doc_id) == d.content_hash
            out.append(
                DocumentInfo(
                    doc_id=d.doc_id,
                    title=d.title,
                    authority=d.authority,
                    date=d.date,
                    source=d.source,
                    chars=len(d.text),
                    pages=len(d.page_starts),
                    chunks=counts.get(d.doc_id, 0) if fresh else None,
                    removable=d.doc_id in added_ids,
                    superseded_by=d.superseded_by,
                    replaces=d.replaces,
                    ocr_pages=d.ocr_pages,
                )
            )
        return out

    def index_is_current(self) -> bool:
        """False when another process changed the documents since this engine's index was built."""
        from .documents import corpus_hash

        return corpus_hash(load_documents(self.settings)) == self.engine.index.manifest.corpus_hash

    # ---- writing --------------------------------------------------------------------

    def prepare(
        self, data: bytes, filename: str, meta: DocumentMeta = DocumentMeta(), progress: BuildProgress | None = None
    ) -> Document:
        """Read and check a file without changing anything; raises DocumentRejected."""
        return check_upload(self.settings, data, filename, meta, progress=progress)

    def add(
        self,
        data: bytes,
        filename: str,
        meta: DocumentMeta = DocumentMeta(),
        *,
        progress: BuildProgress | None = None,
        replaces: str = "",
    ) -> AddResult:
        """Add a file; with `replaces`, as the newer version of that added document, which stays
        readable but is marked superseded (and ranked below the current version)."""
        started = time.perf_counter()
        if replaces:
            check_replaceable(self.settings, replaces)
        doc = self.prepare(data, filename, meta, progress)
        if replaces:
            doc = replace(doc, replaces=replaces)

        def change() -> None:
            # Checked again under the lock: another admin may have added the same file meanwhile.
            other = _duplicate_of(doc, load_documents(self.settings))
            if other is not None:
                raise _duplicate_error(doc, other)
            if replaces:
                check_replaceable(self.settings, replaces)
                old = next(d for d in self.added.load() if d.doc_id == replaces)
                self.added.add(replace(old, superseded_by=doc.doc_id))
            self.added.add(doc)

        self._rebuild_with(change, undo=lambda: self._discard(doc.doc_id), progress=progress)
        chunks = sum(1 for c in self.engine.index.chunks if c.doc_id == doc.doc_id)
        return AddResult(doc, chunks, len(doc.page_starts), round(time.perf_counter() - started, 3))

    def remove(self, doc_id: str, progress: BuildProgress | None = None) -> RemoveResult:
        started = time.perf_counter()
        removed: list[Document] = []

        def change() -> None:
            check_removable(self.settings, doc_id)
            removed.append(self.added.remove(doc_id))
            self._reinstate_replaced(removed[-1])

        self._rebuild_with(change, undo=lambda: self._restore(removed), progress=progress)
        return RemoveResult(removed[0], round(time.perf_counter() - started, 3))

    def rebuild(self, progress: BuildProgress | None = None) -> None:
        self.engine.rebuild(progress=progress)

    # ---- internals ------------------------------------------------------------------

    def _rebuild_with(self, change, undo, progress) -> None:
        applied = []

        def tracked() -> None:
            change()
            applied.append(True)

        try:
            self.engine.rebuild(progress=progress, change=tracked)
        except BaseException:
            # The old index is still live (CURRENT only moves after a complete save);
            # put the corpus back so that both agree again. A killed process cannot get
            # here: its corpus edit is then picked up by the next Engine.open, which
            # sees the mismatch and rebuilds.
            if applied:
                with IndexStore(self.settings.index_dir).lock():
                    undo()
            raise

    def _discard(self, doc_id: str) -> None:
        try:
            removed = self.added.remove(doc_id)
        except KeyError:
            return
        self._reinstate_replaced(removed)

    def _reinstate_replaced(self, removed: Document) -> None:
        """Once a newer version is gone, the version it replaced is current again."""
        for old in self.added.load():
            if removed.replaces and old.doc_id == removed.replaces and old.superseded_by == removed.doc_id:
                self.added.add(replace(old, superseded_by=""))

    def _restore(self, removed: list[Document]) -> None:
        for doc in removed:
            self.added.add(doc)
            for old in self.added.load():
                if doc.replaces and old.doc_id == doc.replaces and not old.superseded_by:
                    self.added.add(replace(old, superseded_by=doc.doc_id))


__all__ = ["AddResult", "DocumentInfo", "Library", "RemoveResult", "check_removable", "check_upload", "new_doc_id"]
