"""Concurrency: 20 threads asking one engine while a document is added; two writers at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from retrieval.documents import CorpusDir, corpus_hash
from retrieval.engine import REPO_ROOT, Engine, load_documents
from retrieval.index_store import IndexStore
from retrieval.library import Library
from tests._files import GBK_TEXT, copy_index

QUESTIONS = [
    "试点城市的实施方案要在什么时候之前印发？",
    "试点周期是几年？",
    "某区人力资源服务产业园什么时候挂牌？",
    "How many cities are in the pilot?",
    "区人社局多久召开一次推进会？",
]


def test_twenty_readers_during_an_add_get_complete_consistent_answers(fresh_fast_settings, fast_engine):
    copy_index(fast_engine.settings, fresh_fast_settings)
    shared = Engine.open(fresh_fast_settings)
    old_chunks = {c.chunk_id: c for c in shared.index.chunks}
    library = Library(shared)
    errors: list[BaseException] = []
    answers = []
    lock = threading.Lock()
    adding = threading.Event()
    added = threading.Event()

    def reader(n: int) -> None:
        try:
            adding.wait(60)
            rounds = after = 0
            # Keep asking while the add runs, then a full round of questions after it.
            while after < len(QUESTIONS):
                if added.is_set():
                    after += 1
                q = QUESTIONS[(n + rounds) % len(QUESTIONS)]
                a = shared.ask(q)
                with lock:
                    answers.append(a)
                rounds += 1
        except BaseException as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()

    def progress(stage, done, total):
        adding.set()

    result = library.add(GBK_TEXT.encode("gbk"), "区方案.txt", progress=progress)
    adding.set()
    added.set()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    new_chunks = {c.chunk_id: c for c in shared.index.chunks}
    assert any(c.doc_id == result.document.doc_id for c in new_chunks.values())

    saw_new = False
    for a in answers:
        assert a.answer and a.timings_ms["total"] > 0
        if not a.answerable:
            continue
        # Every citation comes whole from one index: the old one or the new one, never a mix.
        ids = [c.chunk_id for c in a.citations]
        in_old = all(i in old_chunks and old_chunks[i].text == c.text for i, c in zip(ids, a.citations))
        in_new = all(i in new_chunks and new_chunks[i].text == c.text for i, c in zip(ids, a.citations))
        assert in_old or in_new, ids
        assert [c.rank for c in a.citations] == list(range(1, len(a.citations) + 1))
        saw_new |= any(c.doc_id == result.document.doc_id for c in a.citations)
    assert len(answers) >= 20 * len(QUESTIONS) and saw_new


@pytest.mark.slow  # the command line in another process
def test_cli_and_app_writers_are_serialised(fresh_fast_settings, fast_engine, tmp_path):
    """An add from the CLI (another process) and one from the app at the same time: both land."""
    fresh_settings = fresh_fast_settings
    copy_index(fast_engine.settings, fresh_settings)
    app = Library(Engine.open(fresh_settings))
    upload = tmp_path / "another.md"
    upload.write_text("# 一、零工市场\n\n某县将在2025年12月前建成县级零工市场一个，提供岗位发布和技能培训服务。\n", encoding="utf-8")
    env = {
        **os.environ,
        "POLICY_QA_EMBED_MODEL": fresh_settings.model,
        "POLICY_QA_CORPUS_DIR": str(fresh_settings.corpus_dir),
        "POLICY_QA_DATA_DIR": str(fresh_settings.data_dir),
        "POLICY_QA_INDEX_DIR": str(fresh_settings.index_dir),
    }
    cli = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "add", str(upload)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    app.add(GBK_TEXT.encode("gbk"), "区方案.txt")
    out, err = cli.communicate(timeout=600)
    assert cli.returncode == 0, err.decode()[-2000:]

    docs = load_documents(fresh_settings)
    assert len(CorpusDir(fresh_settings.added_dir).load()) == 2 and len(docs) == 5
    # Whoever finished last built the index from both changes.
    assert IndexStore(fresh_settings.index_dir).read_manifest().corpus_hash == corpus_hash(docs)
