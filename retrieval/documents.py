"""Documents and the corpus folder that holds them (texts plus a small manifest)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

OFFICIAL_NOTICE = "official notice"
OFFICIAL_INTERPRETATION = "official interpretation"
COMMENTARY = "commentary"
USER_ADDED = "user-added"
# Kinds a city adds beside the notice: its province's and its own implementation plans and
# application guides, and the laws and regulations the pilot sits under.
LOCAL_PLAN = "local plan"
LAW = "law"

AUTHORITIES = (OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION, COMMENTARY, USER_ADDED, LOCAL_PLAN, LAW)
AUTHORITY_LABELS_ZH = {
    OFFICIAL_NOTICE: "通知原文",
    OFFICIAL_INTERPRETATION: "政策解读",  # the page names no issuer: the label says only what it is
    COMMENTARY: "媒体解读",
    USER_ADDED: "用户添加",
    LOCAL_PLAN: "地方方案",
    LAW: "法律法规",
}
# The kinds a question can be scoped to (ask --authority, the Ask page): name → authorities.
AUTHORITY_GROUPS = {
    "notice": (OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION),
    "local-plans": (LOCAL_PLAN,),
    "laws": (LAW,),
    "commentary": (COMMENTARY,),
    "user-added": (USER_ADDED,),
}
AUTHORITY_GROUP_LABELS = {
    "notice": "通知及解读 Notice & interpretation",
    "local-plans": "地方方案 Local plans",
    "laws": "法律法规 Laws & regulations",
    "commentary": "媒体解读 Commentary",
    "user-added": "用户添加 User-added",
}


def authorities_of(kind: str) -> tuple[str, ...]:
    """A group name (notice, local-plans, laws …) or an authority value → authority values."""
    if kind in AUTHORITY_GROUPS:
        return AUTHORITY_GROUPS[kind]
    if kind in AUTHORITIES:
        return (kind,)
    raise ValueError(f"unknown kind {kind!r}; use one of {', '.join([*AUTHORITY_GROUPS, *AUTHORITIES])}")


# Ties between sources go to the more authoritative one.
AUTHORITY_RANK = {OFFICIAL_NOTICE: 0, OFFICIAL_INTERPRETATION: 1, LAW: 2, LOCAL_PLAN: 2, USER_ADDED: 2, COMMENTARY: 3}
# The three documents the project ships (its curated corpus), as opposed to ones an administrator adds.
SHIPPED_AUTHORITIES = frozenset({OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION, COMMENTARY})

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DocumentMeta:
    """What whoever adds a file says about it; an empty title is read from the file's name."""

    title: str | None = None
    authority: str = USER_ADDED
    date: str = ""  # YYYY-MM-DD
    issuer: str = ""
    number: str = ""  # the document's reference number (文号)


@dataclass(frozen=True)
class Document:
    """One source document: its clean text and what is known about it."""

    doc_id: str
    title: str
    text: str
    authority: str
    issuer: str = ""
    number: str = ""
    date: str = ""
    source: str = ""
    # For paged sources (PDF): the character offset at which each page starts.
    page_starts: tuple[int, ...] = field(default_factory=tuple)
    # Pages read by OCR (no text layer): (page number, mean recognition confidence 0–1).
    ocr_pages: tuple[tuple[int, float], ...] = field(default_factory=tuple)
    # The document this one replaces, and the one that replaced it (it then stays readable,
    # marked superseded, and ranks below the current version).
    replaces: str = ""
    superseded_by: str = ""

    def __post_init__(self) -> None:
        if self.authority not in AUTHORITIES:
            raise ValueError(f"unknown authority {self.authority!r}; use one of {AUTHORITIES}")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """1-based page number of a character offset, for paged sources."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1

    @property
    def superseded(self) -> bool:
        return bool(self.superseded_by)

    def is_ocr_page(self, page: int | None) -> bool:
        return page is not None and any(p == page for p, _ in self.ocr_pages)

    def metadata(self) -> dict:
        meta = asdict(self)
        meta.pop("text")
        meta["page_starts"] = list(self.page_starts)
        meta["ocr_pages"] = [list(p) for p in self.ocr_pages]
        # Fields added later are left out while unset, so a corpus that does not use them
        # keeps its hash (and its index).
        for key in _OPTIONAL_FIELDS:
            if not meta[key]:
                meta.pop(key)
        return meta


_OPTIONAL_FIELDS = ("ocr_pages", "replaces", "superseded_by")


def corpus_hash(documents: list[Document]) -> str:
    """Identity of a corpus: every document's id, metadata and text."""
    h = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        h.update(json.dumps(doc.metadata(), ensure_ascii=False, sort_keys=True).encode())
        h.update(doc.content_hash.encode())
    return h.hexdigest()[:16]


def _atomic_write(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CorpusDir:
    """A folder of `<doc_id>.txt` files described by `manifest.json`.

    Texts are written before the manifest, and each file is replaced atomically,
    so a reader never sees a manifest entry whose text is missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _manifest(self) -> list[dict]:
        file = self.path / MANIFEST
        if not file.exists():
            return []
        return json.loads(file.read_text(encoding="utf-8"))["documents"]

    def load(self) -> list[Document]:
        docs = []
        for meta in self._manifest():
            meta = dict(meta)
            text = (self.path / meta.pop("file")).read_text(encoding="utf-8")
            meta["page_starts"] = tuple(meta.get("page_starts", ()))
            meta["ocr_pages"] = tuple((int(p), float(c)) for p, c in meta.get("ocr_pages", ()))
            docs.append(Document(text=text, **meta))
        return docs

    def write_all(self, documents: list[Document]) -> None:
        for doc in documents:
            _atomic_write(self.path / f"{doc.doc_id}.txt", doc.text)
        entries = [{**doc.metadata(), "file": f"{doc.doc_id}.txt"} for doc in documents]
        for entry in entries:
            if not entry["page_starts"]:
                entry.pop("page_starts")
        _atomic_write(
            self.path / MANIFEST,
            json.dumps({"documents": entries}, ensure_ascii=False, indent=2) + "\n",
        )
        wanted = {f"{d.doc_id}.txt" for d in documents}
        for stale in self.path.glob("*.txt"):
            if stale.name not in wanted:
                stale.unlink()

    def add(self, doc: Document) -> None:
        docs = [d for d in self.load() if d.doc_id != doc.doc_id]
        self.write_all([*docs, doc])

    def remove(self, doc_id: str) -> Document:
        docs = self.load()
        found = [d for d in docs if d.doc_id == doc_id]
        if not found:
            raise KeyError(doc_id)
        self.write_all([d for d in docs if d.doc_id != doc_id])
        return found[0]


__all__ = [
    "AUTHORITIES",
    "AUTHORITY_GROUPS",
    "AUTHORITY_GROUP_LABELS",
    "authorities_of",
    "AUTHORITY_LABELS_ZH",
    "AUTHORITY_RANK",
    "SHIPPED_AUTHORITIES",
    "COMMENTARY",
    "CorpusDir",
    "Document",
    "LAW",
    "LOCAL_PLAN",
    "OFFICIAL_INTERPRETATION",
    "OFFICIAL_NOTICE",
    "USER_ADDED",
    "corpus_hash",
]
