"""Memory back to the operating system once the server's visitors have gone: a background watcher.

Measured with `bench/crowd.py`: after its visitors close their tabs, a Streamlit server keeps
(1) each closed session's state, for `server.disconnectedSessionTTL` so that a dropped connection
can resume it, and afterwards until the next visitor disconnects (Streamlit drops expired sessions
only then, so on an idle server never); (2) the first visitor's session, frozen with the model by
`ui/resources.py`; (3) freed memory that glibc keeps in its heaps. Everything else it holds is
shared and loaded once (Streamlit's and the app's modules, the libraries, the models' probes).

`watch_server_memory()` starts, once per server process, a thread that looks at the number of
active sessions every few seconds. When it has fallen and the TTL (plus a margin) has passed, it
releases: glibc's free pages (`model.hosting.memory`), and when no session is left at all also the expired
sessions and the frozen garbage. Nothing runs per stroke, and nothing runs while the count stays up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import streamlit as st
from streamlit import runtime

from model.hosting import memory

POLL_SECONDS = 5.0
SETTLE_MARGIN_SECONDS = 10.0  # Past the TTL, so that Streamlit has let the closed sessions expire.
ACTIVE_SESSIONS_FAMILY = "active_sessions"  # Streamlit's own metric (also served at /_stcore/metrics).

_LOGGER = logging.getLogger(__name__)
_start_lock = threading.Lock()
_watcher: IdleMemoryWatcher | None = None


class IdleMemoryWatcher:
    """Calls `release(everyone_gone)` once the session count has stayed below its high mark for `settle_seconds`.

    `check()` is one look; `start()` looks every `poll_seconds` in a daemon thread. After a release
    the high mark is the count at that moment, so an idle server releases once, not every poll.
    """

    def __init__(
        self,
        active_sessions: Callable[[], int],
        release: Callable[[bool], None],
        settle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        serving: Callable[[], bool] = lambda: True,
    ):
        if settle_seconds < 0:
            raise ValueError(f"The settle time cannot be negative, got {settle_seconds}")
        self.active_sessions, self.release, self.settle_seconds, self.clock = active_sessions, release, settle_seconds, clock
        self.serving = serving  # False once the server is gone: the watching thread ends.
        self.releases = 0
        self._most_sessions = 0  # Since the last release.
        self._fell_at: float | None = None  # When the count fell below that mark.
        self._stopped = threading.Event()

    def check(self) -> bool:
        """Look at the session count once; release if sessions went long enough ago. Returns whether it released."""
        sessions, now = self.active_sessions(), self.clock()
        if sessions >= self._most_sessions:
            self._most_sessions, self._fell_at = sessions, None
            return False
        if self._fell_at is None:
            self._fell_at = now
        if now - self._fell_at < self.settle_seconds:
            return False
        self.release(sessions == 0)
        self.releases += 1
        self._most_sessions, self._fell_at = sessions, None
        return True

    def _watch(self, poll_seconds: float) -> None:
        while not self._stopped.wait(poll_seconds):
            if not self.serving():
                return
            try:
                self.check()
            except Exception:  # The watcher must outlive a failed look; the server's log says why.
                _LOGGER.exception("The server-memory watcher's check failed")

    def start(self, poll_seconds: float = POLL_SECONDS) -> threading.Thread:
        thread = threading.Thread(target=self._watch, args=(poll_seconds,), name="server-memory-watcher", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopped.set()


def active_session_count() -> int:
    """The number of sessions with an open connection, from Streamlit's own metrics."""
    stats = runtime.get_instance().stats_mgr.get_stats([ACTIVE_SESSIONS_FAMILY])
    return int(sum(stat.value for stat in stats.get(ACTIVE_SESSIONS_FAMILY, [])))


def drop_expired_sessions(server_runtime: object) -> bool:
    """Drop the closed sessions whose TTL has passed from Streamlit's in-memory store; False if it cannot.

    Streamlit no longer hands them out but keeps them until the next write to the store (a
    disconnect). This reaches into that store as Streamlit 1.67 builds it (`tests/ui/test_server_memory.py`
    checks it does); a store of another shape is left alone.
    """
    manager = getattr(server_runtime, "_session_mgr", None)
    store = getattr(getattr(manager, "_session_storage", None), "_cache", None)
    expire, lock = getattr(store, "expire", None), getattr(manager, "_storage_lock", None)
    if not callable(expire) or lock is None:
        return False
    with lock:  # The lock Streamlit holds when it saves a disconnected session there.
        expire()
    return True


def release_server_memory(everyone_gone: bool) -> None:
    """Free what the closed sessions held and return it to the OS; the expensive part only when no one is connected."""
    if everyone_gone:
        if runtime.exists():
            drop_expired_sessions(runtime.get_instance())
        memory.collect_garbage()
    memory.release_freed_memory()


def watch_server_memory() -> IdleMemoryWatcher | None:
    """Start the watcher once per server process (later calls return it); None outside a Streamlit server."""
    global _watcher
    with _start_lock:
        if _watcher is None and runtime.exists():
            ttl_seconds = st.get_option("server.disconnectedSessionTTL") or 0
            settle_seconds = ttl_seconds + SETTLE_MARGIN_SECONDS
            _watcher = IdleMemoryWatcher(active_session_count, release_server_memory, settle_seconds, serving=runtime.exists)
            _watcher.start()
        return _watcher
