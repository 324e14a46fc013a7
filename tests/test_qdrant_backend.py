"""The Qdrant backend (qdrant-client local mode) on the real corpus and the real model."""

from __future__ import annotations

import pytest

pytest.importorskip("qdrant_client")

from retrieval.backends import SearchBackend, make_searcher, qdrant_location  # noqa: E402
from retrieval.backends.qdrant_backend import QdrantDense, QdrantLexical, bm25_doc_vectors, qdrant_searcher, token_id  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.evaluation import evaluate, load_dataset  # noqa: E402
from retrieval.search import HybridSearcher  # noqa: E402

from .conftest import DEV_SET  # noqa: E402


@pytest.fixture(scope="module")
def dev_items():
    return load_dataset(DEV_SET)


@pytest.fixture(scope="module")
def qdrant_engine(engine, tmp_path_factory):
    """A second engine over the same index, searching through Qdrant stored in a temp folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("POLICY_QA_QDRANT_PATH", str(tmp_path_factory.mktemp("qdrant")))
    mp.delenv("POLICY_QA_QDRANT_URL", raising=False)
    mp.delenv("POLICY_QA_QDRANT_FUSION", raising=False)
    try:
        yield Engine.open(engine.settings)
    finally:
        mp.undo()


def test_default_backend_is_in_process(engine, monkeypatch):
    monkeypatch.delenv("POLICY_QA_QDRANT_URL", raising=False)
    monkeypatch.delenv("POLICY_QA_QDRANT_PATH", raising=False)
    assert qdrant_location(engine.settings) == (None, None)
    searcher = make_searcher(engine.index, engine.tokenizer, engine.glossary, engine.embedder, engine.settings)
    assert type(searcher) is HybridSearcher
    assert isinstance(searcher, SearchBackend)


def test_configuration_selects_qdrant(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_QA_QDRANT_URL", "http://qdrant.internal:6333")
    assert qdrant_location() == ("http://qdrant.internal:6333", None)
    # A folder in the URL variable means local mode.
    monkeypatch.setenv("POLICY_QA_QDRANT_URL", str(tmp_path))
    assert qdrant_location() == (None, str(tmp_path))


def test_qdrant_engine_uses_qdrant(qdrant_engine):
    searcher = qdrant_engine._state.searcher
    # The same searcher class: Qdrant supplies the stores behind its two retrievers.
    assert type(searcher) is HybridSearcher
    assert isinstance(searcher, SearchBackend)
    assert isinstance(searcher.lexical.store, QdrantLexical) and isinstance(searcher.dense.chunks, QdrantDense)
    assert searcher.backend.mode == "client"
    info = searcher.backend.client.get_collection(searcher.backend.collections.chunks)
    assert info.points_count == len(qdrant_engine.index.chunks)


def test_sparse_vectors_score_like_bm25s(engine):
    """A sparse dot product over the stored weights is bm25s's score, for every chunk."""
    import numpy as np

    vectors = bm25_doc_vectors(engine.index.lexical.retriever)
    tokens = engine.tokenizer.tokenize("试点城市的实施方案要在什么时候之前印发")
    known = [t for t in tokens if t in engine.index.lexical.vocabulary]
    q = {}
    for t in known:
        q[token_id(t)] = q.get(token_id(t), 0) + 1
    ours = np.array([sum(v * q.get(i, 0) for i, v in zip(ids, vals)) for ids, vals in vectors])
    expected = engine.index.lexical.scores(tokens)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_same_citations_and_metrics_as_default(engine, qdrant_engine, dev_items):
    for item in dev_items:
        a = engine.ask(item.q)
        b = qdrant_engine.ask(item.q)
        assert a.answerable == b.answerable, item.id
        assert [c.chunk_id for c in a.citations] == [c.chunk_id for c in b.citations], item.id
        assert a.answer == b.answer, item.id
    ours = evaluate(engine.ask, dev_items).summary()
    theirs = evaluate(qdrant_engine.ask, dev_items).summary()
    assert theirs == ours


def test_server_side_fusion_mode(engine, qdrant_engine, dev_items):
    """RRF computed inside Qdrant: same candidates, its own ranking; it must still find the evidence."""
    base = qdrant_engine._state.searcher.backend
    server = qdrant_searcher(
        engine.index, engine.tokenizer, engine.glossary, engine.embedder, base.client, base.collections, "server"
    )
    result = server.search("试点城市的实施方案要在什么时候之前印发？", 5)
    assert result.hits and result.dense_used and "qdrant" in result.timings_ms
    assert all(h.dense_rank is not None or h.lexical_rank is not None for h in result.hits)
    ours = evaluate(engine.ask, dev_items).summary()

    def ask(q):
        # The engine's own answer path, with the server-fused searcher swapped in.
        state = qdrant_engine._state
        qdrant_engine._state = type(state)(state.index, server, state.abstainer, state.questions)
        try:
            return qdrant_engine.ask(q)
        finally:
            qdrant_engine._state = state

    theirs = evaluate(ask, dev_items).summary()
    assert theirs["recall@5"] >= ours["recall@5"] - 0.07
    assert theirs["oos_acc"] >= ours["oos_acc"] - 0.34


def test_collection_is_reused(engine, qdrant_engine):
    """A replica over the same index finds the collection complete and does not refill it."""
    import time

    from retrieval.backends.qdrant_backend import DEFAULT_PREFIX, sync_collections

    backend = qdrant_engine._state.searcher.backend
    started = time.perf_counter()
    again = sync_collections(backend.client, engine.index, DEFAULT_PREFIX)
    assert again == backend.collections
    assert time.perf_counter() - started < 2.0
