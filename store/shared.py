"""One set of security stores per database URL for the whole server process.

Kept in a module-level table rather than st.cache_resource: any browser can ask Streamlit
to clear its resource cache, and sign-in counters and the audit log must not be dropped
(or their connection pools leaked) by a visitor's message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .audit import AuditLog
from .feedback import make_engine
from .logins import LoginGuard
from .ratelimit import RateLimiter


@dataclass(frozen=True)
class SecurityStores:
    logins: LoginGuard
    audit: AuditLog
    limiter: RateLimiter


_stores: dict[str, SecurityStores] = {}
_lock = threading.Lock()


def security_stores(url: str) -> SecurityStores:
    with _lock:
        stores = _stores.get(url)
        if stores is None:
            engine = make_engine(url)  # one pool for the three tables
            stores = _stores[url] = SecurityStores(LoginGuard(engine), AuditLog(engine), RateLimiter(engine))
        return stores


__all__ = ["SecurityStores", "security_stores"]
