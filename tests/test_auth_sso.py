"""Single sign-on end to end: a real OpenID Connect provider (oidc-provider-mock) on loopback,
`streamlit run app.py` with an [auth] section, Chromium clicking through the provider's page.

An admin named by e-mail reaches the Admin page and the audit log names that person; a
signed-in person who is not an admin is refused, and the refusal is recorded.
"""

from __future__ import annotations

import oidc_provider_mock
import pytest

from benchmarks.app_server import chrome, free_port, running_streamlit
from store.audit import AuditLog
from store.feedback import default_url
from store.logins import LoginGuard
from tests._cli import settings_env
from tests._files import indexed_copy
from tests.test_browser import _settle, _wait_text

pytestmark = pytest.mark.browser

ADMIN = "li.ming@example.org"
VISITOR = "wang.fang@example.org"


@pytest.fixture(scope="module")
def provider():
    users = [
        oidc_provider_mock.User(sub="li.ming", claims={"email": ADMIN, "email_verified": True, "groups": ["staff"]}),
        oidc_provider_mock.User(sub="wang.fang", claims={"email": VISITOR, "email_verified": True, "groups": ["staff"]}),
    ]
    with oidc_provider_mock.run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def app(provider, fast_engine, tmp_path_factory):
    root = tmp_path_factory.mktemp("sso")
    settings = indexed_copy(fast_engine.settings, root)
    port = free_port()
    secrets = root / "secrets.toml"
    secrets.write_text(
        f'admin_emails = ["{ADMIN}"]\n\n'
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
        'client_id = "policy-qa"\n'
        'client_secret = "policy-qa-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {
        **settings_env(settings),
        "OMP_NUM_THREADS": "1",
        # None: not inherited from the environment the tests run in.
        "POLICY_QA_ADMIN_PASSWORD": None,
        "POLICY_QA_ADMIN_PASSWORD_HASH": None,
        "POLICY_QA_DATABASE_URL": None,
    }
    with running_streamlit(env, root / "streamlit.log", port=port, args=["--secrets.files", str(secrets)]) as url:
        yield url, settings


def _browser():
    return chrome(1280)


def _sign_in_as(driver, url: str, sub: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/admin")
    _wait_text(driver, "单点登录")
    _settle(driver)
    driver.find_element(By.XPATH, "//button[contains(., '单点登录')]").click()
    # The provider's own authorization page: pick the user, as a person would.
    WebDriverWait(driver, 60).until(lambda d: "authorize" in d.current_url)
    driver.find_element(By.XPATH, f"//button[@name='sub' and @value='{sub}']").click()
    WebDriverWait(driver, 60).until(lambda d: d.current_url.startswith(url) and "oauth2callback" not in d.current_url)
    driver.get(url + "/admin")


def _admin_page_text(url: str, sub: str, wait_for: str) -> str:
    """The admin page's text once `sub` has signed in through the provider and `wait_for` shows."""
    driver = _browser()
    try:
        _sign_in_as(driver, url, sub)
        _wait_text(driver, wait_for)
        _settle(driver)
        return driver.find_element("tag name", "body").text
    finally:
        driver.quit()


def test_sso_admin_signs_in_and_is_named_in_the_audit_log(app):
    url, settings = app
    assert ADMIN in _admin_page_text(url, "li.ming", "文档列表 Documents")
    entries = AuditLog.for_url(default_url(settings.data_dir)).entries(action="login")
    assert entries and entries[0].actor == ADMIN
    assert entries[0].detail["method"] == "sso" and entries[0].detail["ok"] is True
    assert any(a.account == ADMIN and a.method == "sso" and a.ok for a in LoginGuard.for_url(default_url(settings.data_dir)).recent())


def test_sso_user_who_is_not_an_admin_is_refused(app):
    url, settings = app
    body = _admin_page_text(url, "wang.fang", "没有管理权限")
    assert VISITOR in body and "文档列表 Documents" not in body
    refused = [e for e in AuditLog.for_url(default_url(settings.data_dir)).entries(action="login") if e.actor == VISITOR]
    assert refused and refused[0].detail["ok"] is False
