"""One engine per process, opened once, kept for the life of the process, kept current.

The Streamlit app and the HTTP API both take their engine from here. It lives in a
module-level registry, not in a UI cache, so nothing a client sends (Streamlit's
"clear cache" message, for one) can drop it and make the next visitor load a second
copy. The only way the engine's data changes is the index-change mechanism: a
watcher thread calls `Engine.refresh()` every `poll_s` seconds, so a build written by
the command line, another replica's Admin page or a rebuild is served within a few
seconds, switched atomically between questions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .engine import Engine, Settings
from .index_store import BuildProgress

log = logging.getLogger("policy_qa")

POLL_SECONDS = 1.0  # two small file reads a second: cheap, and leaves most of the 5 s bound to loading


class EngineService:
    """Holds one Engine for a Settings: opened on first use, refreshed by a daemon thread."""

    def __init__(
        self,
        settings: Settings,
        poll_s: float = POLL_SECONDS,
        opener: Callable[..., Engine] = Engine.open,
    ) -> None:
        self.settings = settings
        self.poll_s = poll_s
        self._opener = opener
        self._open_lock = threading.Lock()
        self._engine: Engine | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.opens = 0  # how many times an engine was opened: 1 for the life of a process
        self.reloads = 0
        self.last_error: str = ""

    @property
    def engine(self) -> Engine | None:
        """The engine if it is open, without opening it."""
        return self._engine

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def get(self, progress: BuildProgress | None = None, say: Callable[[str], None] | None = None) -> Engine:
        """The engine, opening it on first call; concurrent first callers wait for one open."""
        engine = self._engine
        if engine is not None:
            return engine
        with self._open_lock:
            if self._engine is None:
                try:
                    self._engine = self._opener(self.settings, progress=progress, say=say)
                except BaseException as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    raise
                self.opens += 1
                self.last_error = ""
                self._start_watcher()
            return self._engine

    def refresh(self) -> bool:
        """Check the index once (the watcher does this every poll_s seconds)."""
        engine = self._engine
        if engine is None:
            return False
        if engine.refresh():
            self.reloads += 1
            log.info("switched to index build of %s", engine.index.manifest.created)
            return True
        return False

    def _start_watcher(self) -> None:
        if self.poll_s <= 0 or self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._watch, name="policy-qa-index-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.refresh()
            except Exception:  # a bad moment on disk must not end the watcher
                log.exception("index refresh failed; retrying in %.0f s", self.poll_s)

    def stop(self) -> None:
        """Stop the watcher (tests; a server process simply exits)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=self.poll_s + 5)
            self._watcher = None


_registry: dict[Settings, EngineService] = {}
_registry_lock = threading.Lock()


def shared_service(settings: Settings | None = None) -> EngineService:
    """The process-wide service for these settings (by default, the environment's)."""
    settings = settings or Settings.from_env()
    with _registry_lock:
        service = _registry.get(settings)
        if service is None:
            service = _registry[settings] = EngineService(settings)
        return service


def shared_engine(settings: Settings | None = None, progress: BuildProgress | None = None) -> Engine:
    return shared_service(settings).get(progress=progress)
