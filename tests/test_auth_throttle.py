"""Password guessing is throttled across sessions (per account and per client address, in the
database), the KDF meets OWASP's minimum, idle admins are signed out, and sign-ins are audited."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.engine import REPO_ROOT
from store.audit import AuditLog
from store.feedback import default_url
from store.logins import BackoffPolicy, LoginGuard
from tests._files import copy_index
from tests.test_database import pg_url  # noqa: F401  (fixture)
from ui.auth import (
    PASSWORD_ACCOUNT,
    AdminConfig,
    SsoConfig,
    hash_is_current,
    hash_password,
    load_config,
    load_sso,
    password_attempt,
    sso_admin,
    verify_password,
)

PAGE = str(REPO_ROOT / "ui" / "pages" / "admin.py")
PASSWORD = "correct horse 电池"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def admin_env(fresh_fast_settings, fast_engine, monkeypatch):
    settings = fresh_fast_settings
    for name, value in (
        ("POLICY_QA_CORPUS_DIR", settings.corpus_dir),
        ("POLICY_QA_DATA_DIR", settings.data_dir),
        ("POLICY_QA_INDEX_DIR", settings.index_dir),
        ("POLICY_QA_EMBED_MODEL", settings.model),
        ("POLICY_QA_ADMIN_PASSWORD", PASSWORD),
    ):
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("POLICY_QA_ADMIN_PASSWORD_HASH", raising=False)
    monkeypatch.delenv("POLICY_QA_DATABASE_URL", raising=False)
    copy_index(fast_engine.settings, settings)
    return settings


def _fresh_session_login(password: str) -> AppTest:
    """A brand-new browser session (new session state) that submits one password."""
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    at.text_input[0].set_value(password)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def test_guessing_burst_over_fresh_sessions_is_locked_out(admin_env):
    # Each guess in a new session, as a script opening new websockets would do. Before the
    # counters moved to the database, every session started with a clean slate.
    sessions = [_fresh_session_login(f"guess-{i}") for i in range(6)]
    assert "密码错误" in _errors(sessions[0])
    assert "尝试次数过多" in _errors(sessions[-1])
    # Even the right password, in yet another fresh session, is refused without being checked.
    at = _fresh_session_login(PASSWORD)
    assert "尝试次数过多" in _errors(at) and not at.dataframe
    logins = LoginGuard.for_url(default_url(admin_env.data_dir))
    rows = logins.recent()
    assert [r.ok for r in rows] == [False] * BackoffPolicy().free_per_address  # only the free guesses were checked
    assert {r.account for r in rows} == {PASSWORD_ACCOUNT}
    audit = AuditLog.for_url(default_url(admin_env.data_dir)).entries()
    assert [e.action for e in audit] == ["login"] * 3 and not any(e.detail["ok"] for e in audit)


def test_account_and_address_backoff_across_sessions(tmp_path):
    logins = LoginGuard.for_url(f"sqlite:///{tmp_path / 'x.db'}")
    config = AdminConfig("plain", "right")
    policy = logins.policy
    # One address: locked after its free failures, the wait doubling with each further one.
    for _ in range(policy.free_per_address):
        assert password_attempt("no", config, logins, "198.51.100.7", now=_at(0))[0] == "wrong"
    assert logins.wait_seconds(PASSWORD_ACCOUNT, "198.51.100.7", now=_at(0)) == pytest.approx(30)
    assert password_attempt("no", config, logins, "198.51.100.7", now=_at(31))[0] == "wrong"
    assert logins.wait_seconds(PASSWORD_ACCOUNT, "198.51.100.7", now=_at(31)) == pytest.approx(60)
    # Other addresses are not slowed by that one ...
    assert logins.wait_seconds(PASSWORD_ACCOUNT, "198.51.100.8", now=_at(31)) == 0
    # ... but the account is, once failures from many addresses add up.
    for i in range(policy.free_per_account):
        password_attempt("no", config, logins, f"203.0.113.{i}", now=_at(40))
    assert password_attempt("right", config, logins, "192.0.2.1", now=_at(41))[0] == "locked"
    wait = logins.wait_seconds(PASSWORD_ACCOUNT, "192.0.2.1", now=_at(41))
    assert 0 < wait <= policy.max_s
    # After the wait the right password works, and success clears the account's count.
    assert password_attempt("right", config, logins, "192.0.2.1", now=_at(41 + policy.max_s))[0] == "ok"
    assert logins.wait_seconds(PASSWORD_ACCOUNT, "192.0.2.2", now=_at(42 + policy.max_s)) == 0
    # Old failures are forgiven after the window.
    assert logins.wait_seconds(PASSWORD_ACCOUNT, "198.51.100.7", now=_at(policy.window_s + 100)) == 0


@pytest.mark.database
def test_replicas_share_the_failure_count(pg_url):  # noqa: F811
    a, b = LoginGuard.for_url(pg_url), LoginGuard.for_url(pg_url)  # two servers, one database
    try:
        config = AdminConfig("plain", "right")
        for _ in range(a.policy.free_per_address):
            password_attempt("no", config, a, "198.51.100.9")
        assert password_attempt("right", config, b, "198.51.100.9")[0] == "locked"
        assert len(b.recent()) == a.policy.free_per_address
    finally:
        a.close()
        b.close()


def test_kdf_meets_owasp_minimum_and_old_hashes_still_verify():
    stored = hash_password(PASSWORD)
    scheme, n, r, p = stored.split("$")[:4]
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**17, 8, 1) and hash_is_current(stored)
    assert verify_password(PASSWORD, load_config(environ={"POLICY_QA_ADMIN_PASSWORD_HASH": stored}))
    # A hash made by the previous version (N = 2^14) still signs in, and is flagged as weak.
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = lambda x: base64.b64encode(x).decode().rstrip("=")  # noqa: E731
    old = f"scrypt$16384$8$1${b64(salt)}${b64(key)}"
    assert verify_password(PASSWORD, AdminConfig("hash", old)) and not hash_is_current(old)


def test_idle_admin_session_is_signed_out(admin_env, monkeypatch):
    monkeypatch.setenv("POLICY_QA_ADMIN_IDLE_MINUTES", "0.05")  # 3 s
    at = _fresh_session_login(PASSWORD)
    assert at.dataframe, _errors(at)  # signed in: the document table shows
    at.run()
    assert at.dataframe  # activity keeps the session alive
    time.sleep(3.3)
    at.run()
    assert not at.dataframe and any("未操作" in w.value for w in at.warning)
    assert at.text_input  # the sign-in form again
    actions = [e.action for e in AuditLog.for_url(default_url(admin_env.data_dir)).entries()]
    assert actions[:2] == ["logout_idle", "login"]


def test_admin_actions_are_audited_with_who_and_when(admin_env):
    at = _fresh_session_login(PASSWORD)
    at.button(key="rebuild").click().run()
    assert not at.exception, at.exception
    entries = AuditLog.for_url(default_url(admin_env.data_dir)).entries()
    assert [e.action for e in entries][:2] == ["rebuild", "login"]
    assert all(e.actor == PASSWORD_ACCOUNT for e in entries[:2])
    assert entries[0].detail["address"] == "loopback"
    assert abs((entries[0].created_at.replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 120
    # The page shows the record to the admin.
    shown = [df.value for df in at.dataframe]
    assert any("操作 Action" in df.columns and "rebuild" in set(df["操作 Action"]) for df in shown)
    assert any("账号 Account" in df.columns for df in shown)


def test_sso_admins_by_email_or_group():
    secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback"}, "admin_emails": ["Li.Ming@example.org"]}
    sso = load_sso(secrets, environ={"POLICY_QA_ADMIN_GROUPS": "policy-admins"})
    assert sso.enabled and sso.emails == {"li.ming@example.org"} and sso.groups == {"policy-admins"}
    assert sso_admin({"sub": "1", "email": "li.ming@example.org"}, sso) == "li.ming@example.org"
    assert sso_admin({"sub": "1", "email": "li.ming@example.org", "email_verified": False}, sso) is None
    assert sso_admin({"sub": "2", "email": "wang@example.org", "groups": ["staff", "policy-admins"]}, sso) == "wang@example.org"
    assert sso_admin({"sub": "3", "email": "zhao@example.org", "groups": ["staff"]}, sso) is None
    # Without an [auth] section there is no SSO, whatever admins are named.
    assert not load_sso({"admin_emails": "a@example.org"}, environ={}).enabled
    assert not SsoConfig().enabled
