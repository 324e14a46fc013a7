"""Admin login: one shared password from the environment or st.secrets, per-session rate limit.

Configuration, first match wins:
  POLICY_QA_ADMIN_PASSWORD_HASH   a hash made by `python -m ui.auth` (recommended)
  POLICY_QA_ADMIN_PASSWORD        the password itself
  st.secrets["admin_password_hash"] / st.secrets["admin_password"]   the same, in .streamlit/secrets.toml
With none of them set, admin is disabled.

Hash formats (all fields after the scheme are base64 without padding, except numbers):
  scrypt$<n>$<r>$<p>$<salt>$<key>              hashlib.scrypt, 32-byte key
  pbkdf2_sha256$<iterations>$<salt>$<key>      hashlib.pbkdf2_hmac("sha256"), 32-byte key
Both are compared with hmac.compare_digest, as is a plain password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field

ENV_PASSWORD = "POLICY_QA_ADMIN_PASSWORD"
ENV_PASSWORD_HASH = "POLICY_QA_ADMIN_PASSWORD_HASH"
SECRET_PASSWORD = "admin_password"
SECRET_PASSWORD_HASH = "admin_password_hash"

FREE_ATTEMPTS = 3
BASE_LOCKOUT_S = 30.0
MAX_LOCKOUT_S = 15 * 60.0
SESSION_KEY = "_policy_qa_admin"


@dataclass(frozen=True)
class AdminConfig:
    """Where the admin password comes from; `kind` is "disabled", "plain" or "hash"."""

    kind: str
    secret: str = field(default="", repr=False)
    source: str = ""

    @property
    def enabled(self) -> bool:
        return self.kind != "disabled"


class BadHash(ValueError):
    """A configured password hash that is not in a known format."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, scheme: str = "scrypt") -> str:
    salt = secrets.token_bytes(16)
    if scheme == "scrypt":
        n, r, p = 2**14, 8, 1
        key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
        return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"
    if scheme == "pbkdf2_sha256":
        iterations = 600_000
        key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, dklen=32)
        return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(key)}"
    raise ValueError(f"unknown scheme {scheme!r}")


def _check_hash(password: str, stored: str) -> bool:
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, key = _unb64(parts[4]), _unb64(parts[5])
            got = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(key), maxmem=256 * 1024 * 1024)
            return hmac.compare_digest(got, key)
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            salt, key = _unb64(parts[2]), _unb64(parts[3])
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, dklen=len(key))
            return hmac.compare_digest(got, key)
    except (ValueError, TypeError) as exc:
        raise BadHash(f"the admin password hash is malformed: {exc}") from exc
    raise BadHash("the admin password hash is not in a known format (scrypt$… or pbkdf2_sha256$…)")


def verify_password(password: str, config: AdminConfig) -> bool:
    if not config.enabled or not password:
        return False
    if config.kind == "hash":
        return _check_hash(password, config.secret)
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


@dataclass
class LoginState:
    """Kept in st.session_state: who is logged in, and how many times this session has failed."""

    authenticated: bool = False
    failures: int = 0
    locked_until: float = 0.0

    def wait_seconds(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return max(0.0, self.locked_until - now)

    def attempt(self, password: str, config: AdminConfig, now: float | None = None) -> str:
        """Try a password: returns "ok", "wrong", "locked" or "disabled"."""
        now = time.monotonic() if now is None else now
        if not config.enabled:
            return "disabled"
        if self.wait_seconds(now) > 0:
            return "locked"
        if verify_password(password, config):
            self.authenticated = True
            self.failures = 0
            self.locked_until = 0.0
            return "ok"
        self.failures += 1
        if self.failures >= FREE_ATTEMPTS:
            # 30 s, 60 s, 120 s … after each further failure, so guessing costs hours, not seconds.
            delay = min(MAX_LOCKOUT_S, BASE_LOCKOUT_S * 2 ** (self.failures - FREE_ATTEMPTS))
            self.locked_until = now + delay
        return "wrong"

    def logout(self) -> None:
        self.authenticated = False


# ---- Streamlit ---------------------------------------------------------------------------


def _secrets():
    import streamlit as st

    return st.secrets


def session_login() -> LoginState:
    import streamlit as st

    state = st.session_state.get(SESSION_KEY)
    if not isinstance(state, LoginState):
        state = st.session_state[SESSION_KEY] = LoginState()
    return state


def is_admin() -> bool:
    """True only for a session that logged in while admin is configured (config read each run)."""
    return load_config(_secrets()).enabled and session_login().authenticated


HOW_TO_ENABLE = f"""
管理功能未开启。要开启，请在启动应用前设置管理员密码（二选一）：

- 环境变量 `{ENV_PASSWORD_HASH}`：用 `python -m ui.auth` 生成的哈希（推荐），或
- 环境变量 `{ENV_PASSWORD}`：密码本身；
- 也可以写在 `.streamlit/secrets.toml` 中：`{SECRET_PASSWORD_HASH} = "scrypt$…"` 或 `{SECRET_PASSWORD} = "…"`。

Admin is disabled. Set `{ENV_PASSWORD_HASH}` (from `python -m ui.auth`) or `{ENV_PASSWORD}`,
or put `{SECRET_PASSWORD_HASH}` / `{SECRET_PASSWORD}` in `.streamlit/secrets.toml`, then restart the app.
"""


def require_admin() -> bool:
    """Draw the login form unless this session is logged in; True when admin controls may be shown."""
    import streamlit as st

    try:
        config = load_config(_secrets())
    except Exception:
        config = AdminConfig("disabled")
    if not config.enabled:
        st.info(HOW_TO_ENABLE)
        return False
    state = session_login()
    if state.authenticated:
        return True
    wait = state.wait_seconds()
    with st.form("admin_login", clear_on_submit=True):
        password = st.text_input("管理员密码 Admin password", type="password")
        submitted = st.form_submit_button("登录 Log in", disabled=wait > 0, key="login_submit")
    if wait > 0:
        st.error(f"尝试次数过多，请 {wait:.0f} 秒后再试 (too many attempts; try again in {wait:.0f} s)")
        return False
    if submitted:
        try:
            outcome = state.attempt(password, config)
        except BadHash as exc:
            st.error(f"管理员密码哈希配置有误 ({exc})")
            return False
        if outcome == "ok":
            st.rerun()
        elif outcome == "locked":
            st.error(f"尝试次数过多，请 {state.wait_seconds():.0f} 秒后再试 (too many attempts)")
        else:
            st.error("密码错误 (wrong password)")
    return False


def main() -> None:
    """Print a hash for POLICY_QA_ADMIN_PASSWORD_HASH: `python -m ui.auth [--pbkdf2]`."""
    import getpass
    import sys

    scheme = "pbkdf2_sha256" if "--pbkdf2" in sys.argv else "scrypt"
    password = getpass.getpass("admin password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise SystemExit("error: empty password")
    print(hash_password(password, scheme))


if __name__ == "__main__":
    main()
