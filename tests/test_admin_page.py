"""The admin page in Streamlit's AppTest: disabled without a password, login with rate limit, add/remove."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests._files import copy_index
from retrieval.engine import REPO_ROOT
from store.logins import LoginGuard
from ui.auth import AdminConfig, hash_password, load_config, password_attempt, verify_password

PAGE = str(REPO_ROOT / "ui" / "pages" / "admin.py")
PASSWORD = "correct horse 电池"


@pytest.fixture
def app_env(fresh_fast_settings, fast_engine, monkeypatch):
    fresh_settings = fresh_fast_settings
    monkeypatch.setenv("POLICY_QA_EMBED_MODEL", fresh_settings.model)
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(fresh_settings.corpus_dir))
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(fresh_settings.data_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(fresh_settings.index_dir))
    monkeypatch.delenv("POLICY_QA_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("POLICY_QA_ADMIN_PASSWORD_HASH", raising=False)
    copy_index(fast_engine.settings, fresh_settings)
    return fresh_settings


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "error", "success", "warning", "markdown", "caption") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_password_config_and_hashes():
    assert load_config(environ={}).kind == "disabled"
    plain = load_config(environ={"POLICY_QA_ADMIN_PASSWORD": "pw"})
    assert verify_password("pw", plain) and not verify_password("pW", plain) and not verify_password("", plain)
    for scheme in ("scrypt", "pbkdf2_sha256"):
        stored = hash_password(PASSWORD, scheme)
        assert PASSWORD not in stored
        config = load_config(environ={"POLICY_QA_ADMIN_PASSWORD_HASH": stored, "POLICY_QA_ADMIN_PASSWORD": "ignored"})
        assert config.kind == "hash"
        assert verify_password(PASSWORD, config) and not verify_password("ignored", config)
    assert load_config({"admin_password": "s"}, environ={}).kind == "plain"


def test_failed_logins_are_rate_limited(tmp_path):
    import datetime as dt

    config = AdminConfig("plain", "right")
    logins = LoginGuard.for_url(f"sqlite:///{tmp_path / 'db.sqlite'}")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for _ in range(logins.policy.free_per_address):
        assert password_attempt("wrong", config, logins, "10.0.0.9", now=t0)[0] == "wrong"
    # Locked now: even the right password is not checked until the wait is over.
    assert password_attempt("right", config, logins, "10.0.0.9", now=t0 + dt.timedelta(seconds=1))[0] == "locked"
    assert password_attempt("right", config, logins, "10.0.0.9", now=t0 + dt.timedelta(seconds=31))[0] == "ok"


def test_admin_disabled_without_password(app_env):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert "POLICY_QA_ADMIN_PASSWORD" in texts(at)
    assert not at.text_input and not at.button and not at.dataframe


def test_login_add_remove(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_QA_ADMIN_PASSWORD_HASH", hash_password(PASSWORD, "pbkdf2_sha256"))
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception
    assert not at.dataframe and not at.get("file_uploader")  # readers see the login form only

    at.text_input[0].set_value("not it")
    at.button(key="login_submit").click().run()
    assert "密码错误" in texts(at) and not at.dataframe

    at.text_input[0].set_value(PASSWORD)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["编号 ID"]) == ["notice", "interpretation", "commentary"]

    # A Markdown/HTML payload in the file name and text must come back as text.
    body = "一、园区建设\n某区人力资源服务产业园将于2025年10月挂牌运营。[点我](javascript:alert(1)) <script>alert(1)</script>\n"
    at.get("file_uploader")[0].set_value(("区_方案.txt", body.encode("gbk"), "text/plain"))
    at.text_input(key="title").set_value("[链接](javascript:alert(1))")
    at.button(key="add_submit").click().run()
    assert not at.exception, at.exception
    message = at.success[0].value
    assert "已添加" in message and "](javascript" not in message
    table = at.dataframe[0].value
    assert len(table) == 4 and table["片段 Chunks"].iloc[3] >= 1
    assert table["来源 Source label"].iloc[3] == "用户添加"

    # The same file again is refused, nothing changes.
    at.get("file_uploader")[0].set_value(("copy.txt", body.encode("utf-8"), "text/plain"))
    at.button(key="add_submit").click().run()
    assert "内容相同" in at.error[0].value and len(at.dataframe[0].value) == 4

    # Removing needs the confirmation tick.
    at.button(key="remove_submit").click().run()
    assert "确认删除" in at.error[0].value and len(at.dataframe[0].value) == 4
    at.checkbox(key="remove_confirm").check()
    at.button(key="remove_submit").click().run()
    assert not at.exception, at.exception
    assert "已删除" in at.success[0].value
    assert len(at.dataframe[0].value) == 3

    at.button(key="logout").click().run()
    assert not at.dataframe
