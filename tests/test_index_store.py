"""Persistence: manifest checks, stale-index rebuilds, atomic switching."""

from __future__ import annotations

import json

from retrieval.documents import CorpusDir
from retrieval.embedders import HashEmbedder
from retrieval.engine import Engine
from retrieval.index_store import CURRENT, IndexStore


def test_index_is_persisted_and_reused(fresh_fast_settings):
    messages: list[str] = []
    Engine.open(fresh_fast_settings, say=messages.append)
    assert any("no index yet" in m for m in messages)
    store = IndexStore(fresh_fast_settings.index_dir)
    manifest = store.read_manifest()
    assert manifest.n_chunks > 30 and manifest.dim == 384
    assert manifest.model_id == HashEmbedder().model_id
    messages.clear()
    again = Engine.open(fresh_fast_settings, say=messages.append)
    assert messages == []  # loaded, not rebuilt
    assert again.status().built_at == manifest.created
    assert again.ask("试点周期是几年？").answerable


def test_changed_corpus_triggers_rebuild(fresh_fast_settings):
    Engine.open(fresh_fast_settings)
    corpus = CorpusDir(fresh_fast_settings.corpus_dir)
    docs = corpus.load()
    notice = next(d for d in docs if d.doc_id == "notice")
    from dataclasses import replace

    corpus.write_all([replace(notice, text=notice.text + "附：本通知自印发之日起施行。\n")] + [d for d in docs if d.doc_id != "notice"])
    messages: list[str] = []
    engine = Engine.open(fresh_fast_settings, say=messages.append)
    assert any("corpus changed" in m for m in messages), messages
    a = engine.ask("本通知自什么时候起施行？")
    assert any("自印发之日起施行" in c.text for c in a.citations)


def test_other_model_in_manifest_triggers_rebuild(fresh_fast_settings):
    Engine.open(fresh_fast_settings)
    store = IndexStore(fresh_fast_settings.index_dir)
    folder = store.current_dir()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model_id"] = "sentence-transformers:some/other-model"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    messages: list[str] = []
    Engine.open(fresh_fast_settings, say=messages.append)
    assert any("embedding model changed" in m for m in messages), messages
    assert store.read_manifest().model_id == HashEmbedder().model_id


def test_damaged_index_is_rebuilt_not_a_crash(fresh_fast_settings):
    Engine.open(fresh_fast_settings)
    store = IndexStore(fresh_fast_settings.index_dir)
    (store.current_dir() / "vectors.faiss").write_bytes(b"not a faiss index")
    messages: list[str] = []
    engine = Engine.open(fresh_fast_settings, say=messages.append)
    assert any("damaged" in m for m in messages), messages
    assert engine.ask("试点周期是几年？").answerable


def test_save_switches_current_and_removes_old_builds(fresh_fast_settings):
    engine = Engine.open(fresh_fast_settings)
    store = IndexStore(fresh_fast_settings.index_dir)
    first = store.current_dir()
    engine.rebuild()
    second = store.current_dir()
    assert first != second and not first.exists()
    assert (fresh_fast_settings.index_dir / CURRENT).read_text().strip() == second.name
    assert not [p for p in fresh_fast_settings.index_dir.iterdir() if p.name.startswith(".build-")]
