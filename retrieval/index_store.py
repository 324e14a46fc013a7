"""Build the search index from documents and persist it atomically in index/.

Layout: `index/CURRENT` names the live build folder `index/<build>/`, which holds
`manifest.json`, `chunks.jsonl`, `vectors.faiss` (when a dense model built it) and
`bm25/`. A build is written to a hidden temporary folder, renamed into place and
only then named in CURRENT (itself replaced atomically), so a process killed at any
moment leaves the previous index loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

import numpy as np

from .chunking import CHUNKER_VERSION, Chunk, chunk_corpus, embedded_spans
from .dense import DenseIndex
from .documents import Document, corpus_hash
from .embedders import Embedder
from .lexical import ChineseTokenizer, LexicalIndex, tokenizer_version

FORMAT_VERSION = 2
# Sentences shorter than this carry too little meaning to embed on their own.
MIN_SENTENCE_CHARS = 8
TOKENIZER_VERSION = tokenizer_version()
CURRENT = "CURRENT"
LOCK = ".lock"

# (stage, done, total): stages are "chunk", "embed", "lexical" (ui.components.BUILD_STAGES labels them).
BuildProgress = Callable[[str, int, int], None]


class IndexUnavailable(RuntimeError):
    """The index on disk is missing, unreadable or does not match."""


@dataclass(frozen=True)
class IndexManifest:
    format_version: int
    model_id: str | None
    dim: int
    corpus_hash: str
    chunker_version: str
    tokenizer_version: str
    n_documents: int
    n_chunks: int
    dense_kind: str | None
    created: str
    build_seconds: float

    def mismatch(self, corpus: str, model_id: str | None) -> str | None:
        """Why this index cannot serve the given corpus and model, or None if it can."""
        if self.format_version != FORMAT_VERSION:
            return f"index format {self.format_version} != {FORMAT_VERSION}"
        if self.corpus_hash != corpus:
            return f"corpus changed (index {self.corpus_hash}, corpus {corpus})"
        if self.chunker_version != CHUNKER_VERSION:
            return f"chunker changed ({self.chunker_version} → {CHUNKER_VERSION})"
        if self.tokenizer_version != TOKENIZER_VERSION:
            return f"tokenizer changed ({self.tokenizer_version} → {TOKENIZER_VERSION})"
        if model_id is not None and self.model_id != model_id:
            return f"embedding model changed ({self.model_id} → {model_id})"
        return None


@dataclass(frozen=True)
class SearchIndex:
    """Everything a query needs, immutable once built: swap the whole object to update."""

    manifest: IndexManifest
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    lexical: LexicalIndex
    dense: DenseIndex | None
    # Each sentence embedded on its own: a clause that lists five measures is found by
    # the one it is asked about. sentence_rows[i] is the chunk row of sentence vector i.
    sentence_dense: DenseIndex | None = None
    sentence_rows: np.ndarray | None = None

    @cached_property
    def _documents_by_id(self) -> dict[str, Document]:
        return {d.doc_id: d for d in self.documents}

    @cached_property
    def _chunks_by_id(self) -> dict[str, Chunk]:
        return {c.chunk_id: c for c in self.chunks}

    @cached_property
    def sentence_ids(self) -> dict[int, dict[tuple[int, int], int]]:
        """Chunk row → {sentence span: sentence vector id}, in the order sentence_units() embedded them."""
        out: dict[int, dict[tuple[int, int], int]] = {}
        sid = 0
        for row, chunk in enumerate(self.chunks):
            for a, b in embedded_spans(chunk):
                if len(chunk.text[a - chunk.start : b - chunk.start]) >= MIN_SENTENCE_CHARS:
                    out.setdefault(row, {})[(a, b)] = sid
                    sid += 1
        return out

    def document(self, doc_id: str) -> Document | None:
        return self._documents_by_id.get(doc_id)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._chunks_by_id.get(chunk_id)


def build_index(
    documents: list[Document],
    embedder: Embedder | None,
    tokenizer: ChineseTokenizer,
    progress: BuildProgress | None = None,
    dense_kind: str = "auto",
) -> SearchIndex:
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    chunks = chunk_corpus(documents)
    report("chunk", len(chunks), len(chunks))
    texts = [c.search_text for c in chunks]
    dense = sentence_dense = sentence_rows = None
    if embedder is not None and chunks:
        rows, sent_texts = sentence_units(chunks)
        vectors = embedder.embed_passages(
            texts + sent_texts, progress=lambda d, t: report("embed", d, t)
        )
        dense = DenseIndex.build(vectors[: len(texts)], kind=dense_kind)
        sentence_dense = DenseIndex.build(vectors[len(texts) :], kind=dense_kind)
        sentence_rows = np.asarray(rows, dtype=np.int64)
    tokens = tokenizer.tokenize_many(texts)
    lexical = LexicalIndex.build(tokens)
    report("lexical", len(chunks), len(chunks))
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        model_id=embedder.model_id if dense else None,
        dim=dense.dim if dense else 0,
        corpus_hash=corpus_hash(documents),
        chunker_version=CHUNKER_VERSION,
        tokenizer_version=TOKENIZER_VERSION,
        n_documents=len(documents),
        n_chunks=len(chunks),
        dense_kind=(dense.kind if dense else None),
        # Milliseconds: two builds within one second must still differ, since replicas compare manifests.
        created=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    return SearchIndex(manifest, tuple(documents), tuple(chunks), lexical, dense, sentence_dense, sentence_rows)


def sentence_units(chunks: list[Chunk]) -> tuple[list[int], list[str]]:
    """(chunk row, text to embed) for every sentence worth embedding, headed by its section."""
    rows, texts = [], []
    for row, chunk in enumerate(chunks):
        heading = chunk.heading
        for a, b in embedded_spans(chunk):
            sentence = chunk.text[a - chunk.start : b - chunk.start]
            if len(sentence) >= MIN_SENTENCE_CHARS:
                rows.append(row)
                texts.append(f"{heading}\n{sentence}" if heading else sentence)
    return rows, texts


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """The index folder: atomic saves, validated loads, a lock for writers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def lock(self, timeout: float = 600) -> FileLock:
        self.path.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path / LOCK), timeout=timeout)

    def current_dir(self) -> Path | None:
        pointer = self.path / CURRENT
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        folder = self.path / name
        return folder if name and folder.is_dir() else None

    def read_manifest(self) -> IndexManifest | None:
        folder = self.current_dir()
        if folder is None:
            return None
        try:
            return IndexManifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, index: SearchIndex) -> Path:
        """Write a build next to the live one, then switch CURRENT to it. Caller holds the lock."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.path, prefix=".build-"))
        try:
            (tmp / "manifest.json").write_text(
                json.dumps(asdict(index.manifest), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for c in index.chunks:
                    fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            with open(tmp / "documents.jsonl", "w", encoding="utf-8") as fh:
                for d in index.documents:
                    fh.write(json.dumps({**d.metadata(), "text": d.text}, ensure_ascii=False) + "\n")
            index.lexical.save(tmp / "bm25")
            if index.dense is not None:
                index.dense.save(tmp / "vectors.faiss")
            if index.sentence_dense is not None:
                index.sentence_dense.save(tmp / "sentences.faiss")
                np.save(tmp / "sentence_rows.npy", index.sentence_rows)
            for f in tmp.rglob("*"):
                if f.is_file():
                    with open(f, "rb") as fh:
                        os.fsync(fh.fileno())
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            final = self.path / f"build-{stamp}-{uuid.uuid4().hex[:6]}"
            os.rename(tmp, final)
            _fsync_dir(self.path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        pointer_tmp = self.path / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        with open(pointer_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, self.path / CURRENT)
        _fsync_dir(self.path)
        self._remove_stale(keep=final.name)
        return final

    def _remove_stale(self, keep: str) -> None:
        """Drop superseded builds and leftovers of interrupted ones (writers hold the lock)."""
        for entry in self.path.iterdir():
            if entry.name == keep:
                continue
            if entry.is_dir() and entry.name.startswith(("build-", ".build-")):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file() and entry.name.startswith(f".{CURRENT}."):
                entry.unlink(missing_ok=True)

    def load(self, want_dense: bool = True) -> SearchIndex:
        """Load the live build; raises IndexUnavailable if it is missing or damaged."""
        folder = self.current_dir()
        if folder is None:
            raise IndexUnavailable(f"no index in {self.path}")
        manifest = self.read_manifest()
        if manifest is None:
            raise IndexUnavailable(f"unreadable manifest in {folder}")
        try:
            chunks = tuple(
                Chunk(**json.loads(line))
                for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
            )
            docs = []
            for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
                meta = json.loads(line)
                meta["page_starts"] = tuple(meta.get("page_starts", ()))
                docs.append(Document(**meta))
            if len(chunks) != manifest.n_chunks or len(docs) != manifest.n_documents:
                raise IndexUnavailable("chunk or document count differs from the manifest")
            lexical = LexicalIndex.load(folder / "bm25", len(chunks))
            dense = sentence_dense = sentence_rows = None
            if want_dense and manifest.model_id is not None:
                dense = DenseIndex.load(folder / "vectors.faiss")
                if dense.size != len(chunks) or dense.dim != manifest.dim:
                    raise IndexUnavailable("vector count or dimension differs from the manifest")
                sentence_dense = DenseIndex.load(folder / "sentences.faiss")
                sentence_rows = np.load(folder / "sentence_rows.npy")
                if sentence_dense.size != len(sentence_rows) or (
                    len(sentence_rows) and int(sentence_rows.max()) >= len(chunks)
                ):
                    raise IndexUnavailable("sentence vectors do not match the chunks")
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"damaged index in {folder}: {exc}") from exc
        return SearchIndex(manifest, tuple(docs), chunks, lexical, dense, sentence_dense, sentence_rows)
