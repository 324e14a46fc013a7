"""Shared fixtures: the real default model, a real FAISS index built in a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval.engine import REPO_ROOT, Engine, Settings

SHARED = REPO_ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "dev.jsonl"
SEED_DIR = SHARED / "seed"


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory) -> Settings:
    """Settings over a copy of the shipped corpus, with the index and data in temp folders."""
    root = tmp_path_factory.mktemp("engine")
    corpus = root / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    return Settings(corpus_dir=corpus, data_dir=root / "data", index_dir=root / "index")


@pytest.fixture(scope="session")
def engine(engine_settings) -> Engine:
    """One engine for the read-only tests (the model loads once per test session)."""
    return Engine.open(engine_settings)


@pytest.fixture
def fresh_settings(tmp_path) -> Settings:
    """Settings for a test that changes the corpus or the index: its own folders."""
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    return Settings(corpus_dir=corpus, data_dir=tmp_path / "data", index_dir=tmp_path / "index")
