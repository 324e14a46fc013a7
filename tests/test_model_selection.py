"""Model selection: the lexical fallback and the sentence-transformers backend.

No machine here reaches a model hub, so the sentence-transformers path is exercised on
a tiny, randomly initialised BERT that this test writes to a temp folder (config and a
vocabulary built from the corpus's own characters). It proves the loading, prefixing,
indexing and manifest code; its vectors are noise, so no quality figure comes from it.
"""

from __future__ import annotations

import json

import pytest

from retrieval.engine import REPO_ROOT, Engine, Settings
from retrieval.embedders import EmbedderUnavailable, SentenceTransformerEmbedder, load_embedder, prefixes_for
from retrieval.index_store import IndexStore
from tests._cli import run_cli_over


def test_missing_model_falls_back_to_lexical_search(fresh_fast_settings):
    settings = Settings(**{**fresh_fast_settings.__dict__, "model": str(fresh_fast_settings.data_dir / "no-such-model")})
    messages: list[str] = []
    engine = Engine.open(settings, say=messages.append)
    assert not engine.dense
    assert "仅使用关键词检索" in engine.notice and any("dense search off" in m for m in messages)
    a = engine.ask("试点城市的实施方案要在什么时候之前印发？")
    assert a.answerable and not a.to_json()["dense"]
    assert any("9月底前印发" in c.text for c in a.citations)
    assert not engine.ask("工伤认定需要提交哪些材料？").answerable
    assert IndexStore(settings.index_dir).read_manifest().model_id is None


def test_cli_reports_a_model_that_cannot_load(tmp_path, fresh_fast_settings):
    missing = {"POLICY_QA_EMBED_MODEL": str(tmp_path / "missing-model"), "HF_HUB_OFFLINE": "1"}
    r = run_cli_over(fresh_fast_settings, "ask", "试点周期是几年？", "--json", **missing)
    assert r.returncode != 0
    assert "cannot load embedding model" in r.stderr + r.stdout
    r = run_cli_over(fresh_fast_settings, "ask", "试点周期是几年？", "--json", "--lexical-only", **missing)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout.splitlines()[0])
    assert data["dense"] is False and data["answerable"] is True


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderUnavailable, match="cannot load embedding model"):
        load_embedder(str(tmp_path / "nothing-here"))


def test_known_model_families_get_their_query_prefix():
    assert prefixes_for("BAAI/bge-small-zh-v1.5")[0].startswith("为这个句子生成表示")
    assert prefixes_for("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert prefixes_for("some/other-model") == ("", "")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 1-layer BERT with random weights, saved as a sentence-transformers model."""
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizer

    root = tmp_path_factory.mktemp("tiny-bert")
    corpus = "".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "corpus").glob("*.txt"))
    chars = sorted({ch for ch in corpus if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *"abcdefghijklmnopqrstuvwxyz0123456789"]
    hf = root / "hf"
    hf.mkdir()
    (hf / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(str(hf / "vocab.txt"), do_lower_case=True, tokenize_chinese_chars=True)
    tokenizer.save_pretrained(str(hf))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(str(hf))
    word = models.Transformer(str(hf), max_seq_length=256)
    pooling = models.Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    out = root / "tiny-st-bge-zh"  # the name selects the bge-zh query prefix
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(out))
    return out


def test_sentence_transformers_backend_builds_and_searches(tiny_model, fresh_settings, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = SentenceTransformerEmbedder(str(tiny_model))
    assert emb.dim == 32 and emb.query_prefix.startswith("为这个句子")
    vecs = emb.embed_passages(["试点城市", "制造业"])
    assert vecs.shape == (2, 32) and abs(float((vecs[0] ** 2).sum()) - 1) < 1e-5

    settings = Settings(**{**fresh_settings.__dict__, "model": str(tiny_model)})
    engine = Engine.open(settings)
    assert engine.dense
    manifest = IndexStore(settings.index_dir).read_manifest()
    assert manifest.model_id == f"sentence-transformers:{tiny_model}" and manifest.dim == 32
    a = engine.ask("试点城市的实施方案要在什么时候之前印发？")
    assert a.dense and a.citations  # random vectors: only the plumbing is asserted

    # Back to the default model: the manifest no longer matches, so the index is rebuilt.
    messages: list[str] = []
    Engine.open(fresh_settings, say=messages.append)
    assert any("embedding model changed" in m for m in messages), messages
