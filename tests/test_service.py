"""One engine per process, kept current: Engine.refresh and the watcher in retrieval.service."""

from __future__ import annotations

import gc
import threading
import time
import weakref

from retrieval.embedders import HashEmbedder
from retrieval.engine import Engine, load_documents
from retrieval.index_store import IndexStore, build_index
from retrieval.library import Library
from retrieval.service import EngineService, shared_service
from tests._files import copy_index

PLAN = (
    "青藤市人才驿站建设方案\n"
    "一、建设目标\n"
    "青藤市在每个工业园区设立一个人才驿站，每个驿站每年为不少于二百家制造业企业提供招聘对接服务。\n"
    "二、保障措施\n"
    "青藤市人社局负责人才驿站的日常考核，考核结果每年向社会公布。\n"
)
QUESTION = "青藤市人才驿站每年为多少家制造业企业提供招聘对接服务？"


def _engines(fast_engine, settings) -> tuple[Engine, Engine]:
    """Two engines over one index folder: what two processes (app and CLI, two replicas) hold."""
    copy_index(fast_engine.settings, settings)
    return Engine.open(settings), Engine.open(settings)


def test_refresh_switches_whole_state_to_a_build_written_elsewhere(fast_engine, fresh_fast_settings):
    reader, writer = _engines(fast_engine, fresh_fast_settings)
    assert reader.refresh() is False  # nothing changed: nothing reloaded
    old = reader._state
    added = Library(writer).add(PLAN.encode("utf-8"), "青藤市方案.txt").document

    assert reader.refresh() is True
    new = reader._state
    assert reader.search(QUESTION).hits[0].chunk.doc_id == added.doc_id
    assert reader.index.document(added.doc_id) is not None
    assert reader.status().documents == old.index.manifest.n_documents + 1
    # Nothing that a query reads is carried over from the old state.
    assert new.index is not old.index and new.searcher is not old.searcher
    assert new.index.lexical is not old.index.lexical and new.index.dense is not old.index.dense
    assert reader.refresh() is False

    # The removal is picked up the same way.
    Library(writer).remove(added.doc_id)
    assert reader.refresh() is True
    assert reader.index.document(added.doc_id) is None


def test_old_states_are_freed_over_many_reloads(fast_engine, fresh_fast_settings):
    reader, writer = _engines(fast_engine, fresh_fast_settings)
    dropped = []
    for _ in range(6):
        dropped.append(weakref.ref(reader._state))
        writer.rebuild()
        assert reader.refresh() is True
    gc.collect()
    assert [r for r in dropped if r() is not None] == []
    assert reader.search(QUESTION).hits


def test_refresh_leaves_a_build_of_another_model_alone(fast_engine, fresh_fast_settings):
    reader, _ = _engines(fast_engine, fresh_fast_settings)
    before = reader._state
    store = IndexStore(fresh_fast_settings.index_dir)
    with store.lock():
        other = build_index(load_documents(fresh_fast_settings), HashEmbedder(dim=64), reader.tokenizer)
        store.save(other)
    assert other.manifest.model_id != reader.embedder.model_id
    assert reader.refresh() is False and reader._state is before


def test_service_opens_once_and_its_watcher_picks_up_new_builds(fast_engine, fresh_fast_settings):
    copy_index(fast_engine.settings, fresh_fast_settings)
    service = EngineService(fresh_fast_settings, poll_s=0.2)
    try:
        got: list[Engine] = []
        threads = [threading.Thread(target=lambda: got.append(service.get())) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(e) for e in got}) == 1 and service.opens == 1
        engine = got[0]

        added = Library(Engine.open(fresh_fast_settings)).add(PLAN.encode("utf-8"), "青藤市方案.txt").document
        deadline = time.monotonic() + 5
        # The switch is visible to readers a moment before the watcher counts it.
        while (engine.index.document(added.doc_id) is None or service.reloads < 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.index.document(added.doc_id) is not None, "the watcher did not switch within 5 s"
        assert service.reloads == 1 and service.get() is engine and service.opens == 1
    finally:
        service.stop()


def test_shared_service_is_one_per_settings(fast_settings, fresh_fast_settings):
    assert shared_service(fast_settings) is shared_service(fast_settings)
    assert shared_service(fast_settings) is not shared_service(fresh_fast_settings)
