"""Shared fixtures.

Two tiers over temp copies of the shipped corpus:
- fast: the deterministic hashing test embedder (model "hash"), an index built in
  about a second, for every test that does not judge retrieval quality;
- slow: the real default model, starting from a copy of the shipped `index/` so that
  no test rebuilds it. Tests using these fixtures are marked `slow` automatically.
"""

from __future__ import annotations

import shutil

import pytest

from retrieval.embedders import HASH_MODEL
from retrieval.engine import REPO_ROOT, Engine, Settings

SHARED = REPO_ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "dev.jsonl"
SEED_DIR = SHARED / "seed"

# Fixtures that load the real model: any test using one (directly or through another
# fixture) is slow, whether or not its author remembered the marker.
REAL_MODEL_FIXTURES = {"engine", "engine_settings", "fresh_settings"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if REAL_MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("browser") or item.get_closest_marker("database"):
            # The inner loop is `-m "not slow"`: browser and server tests take seconds to minutes.
            item.add_marker(pytest.mark.slow)


def _settings_over_corpus_copy(root, **kw) -> Settings:
    corpus = root / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    return Settings(corpus_dir=corpus, data_dir=root / "data", index_dir=root / "index", **kw)


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory) -> Settings:
    """Real default model; a copy of the shipped corpus and of the shipped index (no rebuild)."""
    settings = _settings_over_corpus_copy(tmp_path_factory.mktemp("engine"))
    shutil.copytree(REPO_ROOT / "index", settings.index_dir, ignore=shutil.ignore_patterns(".lock"))
    return settings


@pytest.fixture(scope="session")
def engine(engine_settings) -> Engine:
    """One engine for the read-only tests (the model loads once per test session)."""
    return Engine.open(engine_settings)


@pytest.fixture
def fresh_settings(tmp_path) -> Settings:
    """Real model, for a test that changes the corpus or the index: its own folders, no index yet."""
    return _settings_over_corpus_copy(tmp_path)


@pytest.fixture(scope="session")
def fast_settings(tmp_path_factory) -> Settings:
    """The hashing test embedder over a copy of the corpus; read-only tests share it."""
    return _settings_over_corpus_copy(tmp_path_factory.mktemp("fast"), model=HASH_MODEL)


@pytest.fixture(scope="session")
def fast_engine(fast_settings) -> Engine:
    """An engine with the hashing test embedder: the real index, search and answer code, no model."""
    return Engine.open(fast_settings)


@pytest.fixture
def fresh_fast_settings(tmp_path) -> Settings:
    """The hashing test embedder, own folders, no index yet (`copy_index(fast_engine.settings, ...)` gives one)."""
    return _settings_over_corpus_copy(tmp_path, model=HASH_MODEL)
