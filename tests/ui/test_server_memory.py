"""ui.server_memory: the release comes once sessions have gone and the TTL has passed, never while they stay."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.memory_session_storage import MemorySessionStorage

from ui import server_memory

SETTLE = 70.0


class Server:
    """A fake session count, a fake clock and a record of releases."""

    def __init__(self, sessions: int = 0):
        self.sessions, self.now, self.released = sessions, 0.0, []
        self.watcher = server_memory.IdleMemoryWatcher(lambda: self.sessions, self.released.append, SETTLE, clock=lambda: self.now)

    def at(self, now: float, sessions: int | None = None) -> bool:
        self.now = now
        if sessions is not None:
            self.sessions = sessions
        return self.watcher.check()


def test_nothing_is_released_while_sessions_stay_active():
    server = Server()
    for minute in range(0, 600, 5):
        assert not server.at(minute * 60.0, sessions=4)
    assert server.released == []


def test_the_release_comes_after_the_ttl_once_everyone_has_gone_and_only_once():
    server = Server()
    server.at(0.0, sessions=4)
    assert not server.at(100.0, sessions=0)
    assert not server.at(100.0 + SETTLE - 1)  # Streamlit still keeps the closed sessions for a reconnect.
    assert server.at(100.0 + SETTLE)
    assert server.released == [True]
    for later in range(1, 50):
        assert not server.at(100.0 + SETTLE + later * 60.0)
    assert server.released == [True]


def test_some_sessions_gone_releases_only_the_freed_heap_pages():
    server = Server()
    server.at(0.0, sessions=4)
    server.at(10.0, sessions=2)
    assert server.at(10.0 + SETTLE)
    server.at(200.0, sessions=0)
    assert server.at(200.0 + SETTLE)
    assert server.released == [False, True]


def test_visitors_back_before_the_ttl_cancel_the_release():
    server = Server()
    server.at(0.0, sessions=4)
    server.at(10.0, sessions=0)
    server.at(20.0, sessions=4)  # The same number back (a reconnect, or new visitors).
    assert not server.at(10.0 + SETTLE)
    assert server.released == []


def test_new_visitors_then_leaving_release_again():
    server = Server()
    server.at(0.0, sessions=3)
    server.at(1.0, sessions=0)
    server.at(1.0 + SETTLE)
    server.at(500.0, sessions=2)
    server.at(501.0, sessions=0)
    assert server.at(501.0 + SETTLE)
    assert server.released == [True, True]


def test_a_negative_settle_time_is_refused():
    with pytest.raises(ValueError):
        server_memory.IdleMemoryWatcher(lambda: 0, lambda everyone_gone: None, -1.0)


def test_the_expensive_part_runs_only_when_no_one_is_connected(monkeypatch):
    calls = []
    monkeypatch.setattr(server_memory.memory, "collect_garbage", lambda: calls.append("collect"))
    monkeypatch.setattr(server_memory.memory, "release_freed_memory", lambda: calls.append("trim"))
    monkeypatch.setattr(server_memory, "drop_expired_sessions", lambda server_runtime: calls.append("drop"))
    server_memory.release_server_memory(everyone_gone=False)
    assert calls == ["trim"]
    calls.clear()
    server_memory.release_server_memory(everyone_gone=True)
    assert calls[-2:] == ["collect", "trim"]


def test_expired_sessions_are_dropped_from_streamlits_own_store(monkeypatch):
    """Against the installed Streamlit's store: an expired session stays held until something writes, or until the drop."""
    storage = MemorySessionStorage(ttl_seconds=60)
    session = SimpleNamespace(id="closed-tab")
    storage.save(SimpleNamespace(session=session, client=None, script_run_count=1))
    monkeypatch.setattr(storage._cache, "_timer", lambda: 1e12)  # Long past the TTL.
    assert storage.get("closed-tab") is None and storage.list() == []
    assert len(storage._cache._data) == 1, "Streamlit still holds the expired session"
    manager = SimpleNamespace(_session_storage=storage, _storage_lock=threading.Lock())
    assert server_memory.drop_expired_sessions(SimpleNamespace(_session_mgr=manager))
    assert len(storage._cache._data) == 0


def test_an_unknown_session_store_is_left_alone():
    assert not server_memory.drop_expired_sessions(SimpleNamespace())
    assert not server_memory.drop_expired_sessions(SimpleNamespace(_session_mgr=SimpleNamespace(_session_storage=object())))


@pytest.mark.slow
def test_the_watching_thread_ends_once_its_server_is_gone():
    looks = []
    watcher = server_memory.IdleMemoryWatcher(lambda: looks.append(1) or 0, lambda everyone_gone: None, 0, serving=lambda: False)
    thread = watcher.start(poll_seconds=0.01)
    thread.join(timeout=5)
    assert not thread.is_alive() and not looks  # No look at a server that is not there (it used to log a traceback every poll).
