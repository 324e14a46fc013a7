"""The hashing test embedder: deterministic, normalised, selected like any model, and enough to run the engine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from retrieval.embedders import HashEmbedder, configured_model, load_embedder
from retrieval.engine import Settings


def test_selected_by_name_and_by_environment(monkeypatch):
    e = load_embedder("hash")
    assert isinstance(e, HashEmbedder)
    assert (e.model_id, e.dim) == ("hash-ngram-v1:384", 384)
    monkeypatch.setenv("POLICY_QA_EMBED_MODEL", "hash")
    assert configured_model() == "hash" and Settings.from_env().model == "hash"


def test_rows_are_unit_float32_and_similar_texts_are_closer():
    e = HashEmbedder()
    q = e.embed_queries(["试点城市的实施方案什么时候印发"])
    p = e.embed_passages(["试点城市应于2025年12月底前印发实施方案", "全国共有7.4万家人力资源服务机构"])
    assert q.dtype == np.float32 and q.shape == (1, 384) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    scores = (p @ q.T).ravel()
    assert scores[0] > scores[1]


def test_nfkc_lowercase_and_whitespace_do_not_change_the_vector():
    e = HashEmbedder()
    a, b = e.embed_queries(["ＡＢＣ 试点？", "abc试点?"])
    assert np.allclose(a, b)


def test_passages_report_progress_and_empty_input_is_empty():
    e = HashEmbedder()
    seen = []
    rows = e.embed_passages([f"第{i}条" for i in range(5)], progress=lambda d, t: seen.append((d, t)), batch_size=2)
    assert rows.shape == (5, 384) and seen == [(2, 5), (4, 5), (5, 5)]
    assert e.embed_passages([]).shape == (0, 384)


def test_same_vectors_in_another_process():
    # blake2b, not Python's per-process salted hash(): an index built by one process loads in another.
    code = "from retrieval.embedders import HashEmbedder; print(HashEmbedder().embed_queries(['跨企业培训中心']).tobytes().hex())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == HashEmbedder().embed_queries(["跨企业培训中心"]).tobytes().hex()


def test_fast_engine_builds_and_answers_with_citations(fast_engine):
    assert fast_engine.dense and fast_engine.status().model == "hash-ngram-v1:384"
    a = fast_engine.ask("试点城市的实施方案要在什么时候之前印发？")
    assert a.citations and all(c.text for c in a.citations)
