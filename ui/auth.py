"""Admin sign-in: the organisation's single sign-on (OIDC through Streamlit's st.login), or one
shared password; failures throttled across sessions in the database; idle sessions signed out.

Password configuration, first match wins:
  POLICY_QA_ADMIN_PASSWORD_HASH   a hash made by `python -m ui.auth` (recommended)
  POLICY_QA_ADMIN_PASSWORD        the password itself
  st.secrets["admin_password_hash"] / st.secrets["admin_password"]   the same, in .streamlit/secrets.toml
With none of them set, admin is disabled.

Hash formats (retrieval/kdf.py, shared with the API key; fields after the scheme are unpadded base64, except numbers):
  scrypt$<n>$<r>$<p>$<salt>$<key>              hashlib.scrypt, 32-byte key
  pbkdf2_sha256$<iterations>$<salt>$<key>      hashlib.pbkdf2_hmac("sha256"), 32-byte key
Both are compared with hmac.compare_digest, as is a plain password. New scrypt hashes use
OWASP's current minimum (N=2^17, r=8, p=1: 128 MiB per check); older, cheaper hashes still
verify, and the admin page asks for a new one.

Single sign-on: an `[auth]` section in .streamlit/secrets.toml (Streamlit's own OIDC client,
Authlib underneath) plus who is an admin, by e-mail or by a group claim:
  POLICY_QA_ADMIN_EMAILS / st.secrets["admin_emails"]    comma-separated (or a TOML list)
  POLICY_QA_ADMIN_GROUPS / st.secrets["admin_groups"]    group names in the ID token
  POLICY_QA_ADMIN_GROUP_CLAIM / st.secrets["admin_group_claim"]   default "groups"
  POLICY_QA_SSO_PROVIDER / st.secrets["sso_provider"]    a named [auth.<name>] provider
Details and the trade-offs: docs/admin.md, docs/hosting.md.
"""

from __future__ import annotations

import hmac
import os
import time
import datetime as dt
from dataclasses import dataclass, field

# One hash format for the admin password and the API key: retrieval/kdf.py.
from retrieval.kdf import BadHash, hash_is_current, read_secret, verify_secret
from retrieval.kdf import hash_secret as hash_password

ENV_PASSWORD = "POLICY_QA_ADMIN_PASSWORD"
ENV_PASSWORD_HASH = "POLICY_QA_ADMIN_PASSWORD_HASH"
SECRET_PASSWORD = "admin_password"
SECRET_PASSWORD_HASH = "admin_password_hash"

ENV_IDLE_MINUTES = "POLICY_QA_ADMIN_IDLE_MINUTES"
ENV_ADMIN_EMAILS = "POLICY_QA_ADMIN_EMAILS"
ENV_ADMIN_GROUPS = "POLICY_QA_ADMIN_GROUPS"
ENV_GROUP_CLAIM = "POLICY_QA_ADMIN_GROUP_CLAIM"
ENV_SSO_PROVIDER = "POLICY_QA_SSO_PROVIDER"
DEFAULT_IDLE_MINUTES = 30.0
SESSION_KEY = "_policy_qa_admin"
# The shared password is one account: its failures are counted together, whoever tries.
PASSWORD_ACCOUNT = "admin"
# What a client address is when Streamlit reports none (loopback, or a proxy on this host).
LOCAL_ADDRESS = "loopback"


@dataclass(frozen=True)
class AdminConfig:
    """Where the admin password comes from; `kind` is "disabled", "plain" or "hash"."""

    kind: str
    secret: str = field(default="", repr=False)
    source: str = ""

    @property
    def enabled(self) -> bool:
        return self.kind != "disabled"


def verify_password(password: str, config: AdminConfig) -> bool:
    if not config.enabled or not password:
        return False
    if config.kind == "hash":
        return verify_secret(password, config.secret)
    return hmac.compare_digest(password.encode(), config.secret.encode())


def load_config(secrets_source=None, environ=None) -> AdminConfig:
    """Read the admin password setting; `secrets_source` is st.secrets (or any mapping)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_PASSWORD_HASH, "").strip():
        return AdminConfig("hash", env[ENV_PASSWORD_HASH].strip(), f"${ENV_PASSWORD_HASH}")
    if env.get(ENV_PASSWORD, ""):
        return AdminConfig("plain", env[ENV_PASSWORD], f"${ENV_PASSWORD}")
    if secrets_source is not None:
        try:
            hashed = secrets_source.get(SECRET_PASSWORD_HASH)
            plain = secrets_source.get(SECRET_PASSWORD)
        except Exception:  # no secrets.toml at all: st.secrets raises on first access
            hashed = plain = None
        if hashed:
            return AdminConfig("hash", str(hashed).strip(), f"st.secrets[{SECRET_PASSWORD_HASH!r}]")
        if plain:
            return AdminConfig("plain", str(plain), f"st.secrets[{SECRET_PASSWORD!r}]")
    return AdminConfig("disabled")


@dataclass(frozen=True)
class SsoConfig:
    """Who may administer after signing in with the organisation's OIDC provider."""

    emails: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    group_claim: str = "groups"
    provider: str | None = None  # None: the provider configured directly in [auth]

    @property
    def enabled(self) -> bool:
        return bool(self.emails or self.groups)


def _names(value, fold: bool = True) -> frozenset[str]:
    """A comma-separated string or a list; e-mail addresses compare case-insensitively."""
    if value is None:
        return frozenset()
    items = (str(v).strip() for v in (value.split(",") if isinstance(value, str) else list(value)))
    return frozenset((v.lower() if fold else v) for v in items if v)


def load_sso(secrets_source=None, environ=None) -> SsoConfig:
    """SSO admins; disabled unless secrets has an [auth] section and admins are named."""
    env = os.environ if environ is None else environ
    try:
        has_auth = secrets_source is not None and "auth" in secrets_source
        get = secrets_source.get if secrets_source is not None else (lambda _k, _d=None: None)
        emails = env.get(ENV_ADMIN_EMAILS) or get("admin_emails")
        groups = env.get(ENV_ADMIN_GROUPS) or get("admin_groups")
        claim = env.get(ENV_GROUP_CLAIM) or get("admin_group_claim") or "groups"
        provider = env.get(ENV_SSO_PROVIDER) or get("sso_provider") or None
    except Exception:  # no secrets.toml at all
        return SsoConfig()
    if not has_auth:
        return SsoConfig()
    return SsoConfig(_names(emails), _names(groups, fold=False), str(claim), provider)


def sso_admin(claims: dict, sso: SsoConfig) -> str | None:
    """The e-mail (or subject) that names this signed-in person as an admin, or None.

    An e-mail the provider says is not verified never counts; groups are compared exactly.
    """
    if not sso.enabled:
        return None
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified")
    if email and verified is not False and str(verified).lower() != "false" and email in sso.emails:
        return email
    groups = claims.get(sso.group_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if sso.groups.intersection(str(g) for g in groups):
        return email or str(claims.get("sub") or "")
    return None


def idle_timeout_s(environ=None) -> float:
    env = os.environ if environ is None else environ
    try:
        minutes = float(env.get(ENV_IDLE_MINUTES, "") or DEFAULT_IDLE_MINUTES)
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(0.05, minutes) * 60


@dataclass
class LoginState:
    """Kept in st.session_state: who is signed in, how, and when they last did anything.

    Failures are not counted here (a new session would reset them) but in the database.
    """

    authenticated: bool = False
    actor: str = ""
    method: str = ""
    last_seen: float = 0.0

    def sign_in(self, actor: str, method: str, now: float | None = None) -> None:
        self.authenticated, self.actor, self.method = True, actor, method
        self.last_seen = time.monotonic() if now is None else now

    def idle(self, timeout_s: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self.authenticated and now - self.last_seen > timeout_s

    def touch(self, now: float | None = None) -> None:
        self.last_seen = time.monotonic() if now is None else now

    def logout(self) -> None:
        self.authenticated, self.actor, self.method = False, "", ""


def password_attempt(
    password: str, config: AdminConfig, logins, address: str, now: dt.datetime | None = None
) -> tuple[str, float]:
    """Check a password against the cross-session throttle: ("ok"|"wrong"|"locked"|"disabled", wait s).

    A locked account or address is refused before the password is looked at, so guessing
    during a lockout learns nothing and costs the server no hashing.
    """
    if not config.enabled:
        return "disabled", 0.0
    wait = logins.wait_seconds(PASSWORD_ACCOUNT, address, now=now)
    if wait > 0:
        return "locked", wait
    ok = verify_password(password, config)
    logins.record(PASSWORD_ACCOUNT, address, ok, "password", now=now)
    if ok:
        return "ok", 0.0
    return "wrong", logins.wait_seconds(PASSWORD_ACCOUNT, address, now=now)


# ---- Streamlit ---------------------------------------------------------------------------


def _secrets():
    import streamlit as st

    return st.secrets


def security():
    """The process-wide sign-in throttle, audit log and rate limiter (store/shared.py)."""
    from retrieval.engine import Settings
    from store.feedback import default_url
    from store.shared import security_stores

    return security_stores(default_url(Settings.from_env().data_dir))


def client_address() -> str:
    """The visitor's address as Streamlit sees it; behind a proxy, the proxy's (docs/hosting.md)."""
    import streamlit as st

    try:
        address = st.context.ip_address
    except Exception:
        address = None
    # Only a real address string counts (the test harness has no client connection).
    return address if isinstance(address, str) and address else LOCAL_ADDRESS


def session_login() -> LoginState:
    import streamlit as st

    state = st.session_state.get(SESSION_KEY)
    if not isinstance(state, LoginState):
        state = st.session_state[SESSION_KEY] = LoginState()
    return state


def current_actor() -> str:
    """Who the audit log names for this session's admin actions."""
    state = session_login()
    return state.actor if state.authenticated else ""


def audit(action: str, target: str = "", **detail) -> None:
    """Append to the admin audit log; the client address is always part of the record."""
    security().audit.record(
        action, actor=current_actor(), target=target, detail={"address": client_address(), **detail}
    )


def _configs() -> tuple[AdminConfig, SsoConfig]:
    try:
        config = load_config(_secrets())
    except Exception:
        config = AdminConfig("disabled")
    try:
        sso = load_sso(_secrets())
    except Exception:
        sso = SsoConfig()
    return config, sso


def _check_idle(state: LoginState) -> bool:
    """Sign an idle admin out (and out of SSO); True if the session is still signed in."""
    import streamlit as st

    if not state.authenticated:
        return False
    if state.idle(idle_timeout_s()):
        actor, method = state.actor, state.method
        security().audit.record("logout_idle", actor=actor, detail={"address": client_address(), "method": method})
        state.logout()
        st.session_state["_policy_qa_idle_notice"] = True
        if method == "sso":
            st.logout()  # clears the identity cookie, so SSO must be passed again
        return False
    state.touch()
    return True


def is_admin() -> bool:
    """True only for a session signed in while admin is configured, and not idle too long."""
    config, sso = _configs()
    if not (config.enabled or sso.enabled):
        return False
    return _check_idle(session_login())


HOW_TO_ENABLE = f"""
管理功能未开启。要开启，请在启动应用前设置管理员密码或单点登录（任选其一）：

- 环境变量 `{ENV_PASSWORD_HASH}`：用 `python -m ui.auth` 生成的哈希（推荐），或
- 环境变量 `{ENV_PASSWORD}`：密码本身；
- 也可以写在 `.streamlit/secrets.toml` 中：`{SECRET_PASSWORD_HASH} = "scrypt$…"` 或 `{SECRET_PASSWORD} = "…"`；
- 单点登录：在 `.streamlit/secrets.toml` 中配置 `[auth]`，并用 `{ENV_ADMIN_EMAILS}` 或 `{ENV_ADMIN_GROUPS}` 指定管理员。

Admin is disabled. Set `{ENV_PASSWORD_HASH}` (from `python -m ui.auth`) or `{ENV_PASSWORD}`,
or put `{SECRET_PASSWORD_HASH}` / `{SECRET_PASSWORD}` in `.streamlit/secrets.toml`; or configure
single sign-on (`[auth]` in secrets.toml) and name admins with `{ENV_ADMIN_EMAILS}` / `{ENV_ADMIN_GROUPS}`.
Then restart the app. See docs/admin.md.
"""


def _sso_section(state: LoginState, sso: SsoConfig) -> bool:
    import streamlit as st

    user = st.user
    if not user.is_logged_in:
        if st.button("单点登录 Sign in with single sign-on", key="sso_login", type="primary", icon=":material/login:"):
            st.login(sso.provider) if sso.provider else st.login()
        return False
    claims = user.to_dict()
    who = sso_admin(claims, sso)
    logins = security().logins
    address = client_address()
    if who:
        state.sign_in(who, "sso")
        logins.record(who, address, True, "sso")
        security().audit.record("login", actor=who, detail={"address": address, "method": "sso", "ok": True})
        return True
    name = str(claims.get("email") or claims.get("sub") or "")
    st.error("此账号没有管理权限 (this account is not an admin):")
    st.text(name)
    if not st.session_state.get("_policy_qa_sso_refused") == name:
        # Recorded once per session and account, not on every rerun.
        st.session_state["_policy_qa_sso_refused"] = name
        logins.record(name or "?", address, False, "sso")
        security().audit.record("login", actor=name, detail={"address": address, "method": "sso", "ok": False})
    if st.button("退出单点登录 Sign out", key="sso_logout"):
        st.logout()
    return False


def require_admin() -> bool:
    """Draw the sign-in choices unless this session is signed in; True when admin controls may be shown."""
    import streamlit as st

    config, sso = _configs()
    if not (config.enabled or sso.enabled):
        st.info(HOW_TO_ENABLE)
        return False
    state = session_login()
    if _check_idle(state):
        return True
    if st.session_state.pop("_policy_qa_idle_notice", False):
        st.warning(
            f"长时间未操作，已自动退出登录 (signed out after {idle_timeout_s() / 60:.0f} minutes without activity)"
        )
    if sso.enabled and _sso_section(state, sso):
        st.rerun()
    if not config.enabled:
        return False
    logins = security().logins
    address = client_address()
    wait = logins.wait_seconds(PASSWORD_ACCOUNT, address)
    with st.form("admin_login", clear_on_submit=True):
        password = st.text_input("管理员密码 Admin password", type="password")
        submitted = st.form_submit_button("登录 Log in", key="login_submit")
    if submitted:
        try:
            outcome, wait = password_attempt(password, config, logins, address)
        except BadHash as exc:
            st.error(f"管理员密码哈希配置有误 ({exc})")
            return False
        if outcome != "locked":
            security().audit.record(
                "login",
                actor=PASSWORD_ACCOUNT,
                detail={"address": address, "method": "password", "ok": outcome == "ok"},
            )
        if outcome == "ok":
            state.sign_in(PASSWORD_ACCOUNT, "password")
            st.rerun()
        elif outcome == "wrong":
            st.error("密码错误 (wrong password)")
    if wait > 0:
        st.error(f"尝试次数过多，请 {wait:.0f} 秒后再试 (too many attempts; try again in {wait:.0f} s)")
    return False


FEEDBACK_PER_SESSION = 10  # per minute
FEEDBACK_PER_ADDRESS = 30  # per minute


def allow_feedback(session_id: str) -> bool:
    """Whether this session (and its client address) may write feedback now; counts the write.

    Ten a minute per session and thirty per address is far above what a reader clicks, and
    far below a flood (one script reached about 200 rows a minute from four clients).
    """
    limiter = security().limiter
    return limiter.allow("feedback_session", [session_id], FEEDBACK_PER_SESSION, 60) and limiter.allow(
        "feedback_address", [client_address()], FEEDBACK_PER_ADDRESS, 60
    )


def main() -> None:
    """Print a hash for POLICY_QA_ADMIN_PASSWORD_HASH: `python -m ui.auth [--pbkdf2]`."""
    import sys

    scheme = "pbkdf2_sha256" if "--pbkdf2" in sys.argv else "scrypt"
    print(hash_password(read_secret("admin password: "), scheme))


if __name__ == "__main__":
    main()
