"""Faults: SIGKILL in the middle of an add (during the build, while saving, while writing the
corpus) leaves the previous index loadable and the corpus consistent; damaged index files
are detected at load (the rebuild that follows, with its message, is in test_index_store.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from retrieval.documents import CorpusDir
from retrieval.engine import REPO_ROOT, Engine, load_documents
from retrieval.documents import corpus_hash
from retrieval.index_store import CURRENT, IndexStore, IndexUnavailable
from tests._files import GBK_TEXT, copy_index

# Runs in a child process: open the engine, then add a document with a trap set at the
# chosen point; the trap signals the test through a marker file and waits to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from retrieval.engine import Engine, Settings
    from retrieval.library import Library

    corpus, data, index, marker, point, upload, model = sys.argv[1:8]
    settings = Settings(corpus_dir=Path(corpus), data_dir=Path(data), index_dir=Path(index), model=model)
    engine = Engine.open(settings)

    def trap():
        Path(marker).write_text(point)
        time.sleep(600)

    progress = None
    if point == "build":
        progress = lambda stage, done, total: trap() if stage == "embed" else None
    elif point == "save":
        import retrieval.lexical as lexical
        save = lexical.LexicalIndex.save
        def slow_save(self, path):
            save(self, path)
            trap()  # half a build folder on disk, CURRENT not yet switched
        lexical.LexicalIndex.save = slow_save
    elif point == "corpus":
        import os, retrieval.documents as documents
        replace = os.replace
        def slow_replace(src, dst):
            if str(dst).endswith("manifest.json"):
                trap()  # document text written, manifest not yet replaced
            replace(src, dst)
        documents.os.replace = slow_replace
    Library(engine).add(Path(upload).read_bytes(), "区方案.txt", progress=progress)
    print("finished without being killed")
    """
)


def _run_and_kill(settings, point: str, tmp_path: Path) -> None:
    marker = tmp_path / f"marker-{point}"
    upload = tmp_path / "upload.txt"
    upload.write_bytes(GBK_TEXT.encode("gbk"))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(settings.corpus_dir), str(settings.data_dir), str(settings.index_dir), str(marker), point, str(upload), settings.model],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while not marker.exists():
        if child.poll() is not None:
            raise AssertionError(f"child ended early: {child.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError("child never reached the trap")
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow  # a child process per case, killed mid-write
@pytest.mark.parametrize("point", ["build", "save", "corpus"])
def test_sigkill_mid_add_leaves_previous_index_and_consistent_corpus(fresh_fast_settings, fast_engine, tmp_path, point):
    fresh_settings = fresh_fast_settings
    copy_index(fast_engine.settings, fresh_settings)
    store = IndexStore(fresh_settings.index_dir)
    before = store.read_manifest()
    live = store.current_dir()

    _run_and_kill(fresh_settings, point, tmp_path)

    # The previous index is still the live one and loads completely.
    assert store.current_dir() == live
    index = store.load()
    assert index.manifest == before and len(index.chunks) == before.n_chunks
    # The added-documents folder is readable: every manifest entry has its text.
    added = CorpusDir(fresh_settings.added_dir).load()
    assert len(added) == (0 if point == "corpus" else 1)
    # The next start notices any difference and rebuilds; leftovers of the killed build go.
    messages: list[str] = []
    reopened = Engine.open(fresh_settings, say=messages.append)
    assert reopened.index.manifest.corpus_hash == corpus_hash(load_documents(fresh_settings))
    if point != "corpus":
        assert any("corpus changed" in m for m in messages), messages
        assert reopened.ask("某区人力资源服务产业园什么时候挂牌？").citations[0].doc_id == added[0].doc_id
    leftovers = [p.name for p in fresh_settings.index_dir.iterdir() if p.name.startswith((".build-", f".{CURRENT}."))]
    assert leftovers == []


def _damage(folder: Path, how: str) -> None:
    if how == "truncated chunks":
        data = (folder / "chunks.jsonl").read_bytes()
        (folder / "chunks.jsonl").write_bytes(data[: len(data) // 2])
    elif how == "garbage manifest":
        (folder / "manifest.json").write_text("{not json")
    elif how == "truncated vectors":
        data = (folder / "vectors.faiss").read_bytes()
        (folder / "vectors.faiss").write_bytes(data[: len(data) // 3])
    elif how == "missing bm25":
        for f in (folder / "bm25").iterdir():
            f.unlink()
            break
    elif how == "dangling CURRENT":
        (folder.parent / CURRENT).write_text("build-that-never-was\n")
    elif how == "documents changed count":
        lines = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
        (folder / "documents.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "how",
    ["truncated chunks", "garbage manifest", "truncated vectors", "missing bm25", "dangling CURRENT", "documents changed count"],
)
def test_damaged_index_files_are_detected(fresh_fast_settings, fast_engine, how):
    copy_index(fast_engine.settings, fresh_fast_settings)
    store = IndexStore(fresh_fast_settings.index_dir)
    _damage(store.current_dir(), how)
    with pytest.raises(IndexUnavailable):
        store.load()
