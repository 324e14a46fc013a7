"""AppTest helpers: the real app over the temp corpus, index and data folders of `engine_settings`."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.engine import REPO_ROOT

APP = str(REPO_ROOT / "app.py")
# A cold start loads the model (and may build the index): far longer than AppTest's 3 s default.
TIMEOUT = 180


@pytest.fixture
def app_env(engine, engine_settings, monkeypatch):
    """Point the app at the test folders; `engine` has built the index there already."""
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(engine_settings.corpus_dir))
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(engine_settings.data_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(engine_settings.index_dir))
    monkeypatch.setenv("POLICY_QA_TODAY", "2026-11-25")
    return engine_settings


@pytest.fixture
def fast_app_env(fast_engine, fast_settings, monkeypatch):
    """The app over the fast tier's folders, with the hashing test embedder (set for this test only)."""
    monkeypatch.setenv("POLICY_QA_EMBED_MODEL", fast_settings.model)
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(fast_settings.corpus_dir))
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(fast_settings.data_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(fast_settings.index_dir))
    monkeypatch.setenv("POLICY_QA_TODAY", "2026-11-25")
    return fast_settings


def open_app(page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        if query:
            at.query_params.update(query)
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_text(at) -> str:
    """Everything shown as Markdown/caption/text on the page, including collapsed expanders."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [h.value for h in at.title] + [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [w.body for w in at.warning] + [e.body for e in at.error] + [i.body for i in at.info]
    return "\n".join(parts)
