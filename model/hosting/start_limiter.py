"""How often one visitor may start a training run: a small, thread-safe record of recent starts.

The page asks `check(visitor)` before it starts a run and calls `record(visitor)` once the run has
started; a visitor is whatever key the page uses (the connection's IP address). The record lives in
one server process: behind a proxy with sticky sessions a visitor keeps meeting the same replica,
and the cross-replica training lock still allows one run at a time in all. No Streamlit here.
"""

from __future__ import annotations

import threading
import time


class StartLimiter:
    """Refuses a visitor's start when their previous one was less than `min_seconds` ago."""

    def __init__(self, min_seconds: float | None):
        if min_seconds is not None and min_seconds < 0:
            raise ValueError(f"The time between starts cannot be negative, got {min_seconds}")
        self.min_seconds = min_seconds
        self._lock = threading.Lock()
        self._last_start: dict[str, float] = {}

    def check(self, visitor: str, now: float | None = None) -> None:
        """Raise ValueError with the wait left when `visitor` may not start a run yet."""
        if not self.min_seconds:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            last = self._last_start.get(visitor)
        if last is not None and now - last < self.min_seconds:
            wait = round(self.min_seconds - (now - last))
            raise ValueError(
                f"This server lets one visitor start a run every {_duration(self.min_seconds)}; "
                f"you can start your next one in {_duration(wait)}."
            )

    def record(self, visitor: str, now: float | None = None) -> None:
        """Note that `visitor` started a run now; forget starts too old to matter."""
        if not self.min_seconds:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            self._last_start = {key: when for key, when in self._last_start.items() if now - when < self.min_seconds}
            self._last_start[visitor] = now


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return " ".join(part for part in (f"{minutes} min" if minutes else "", f"{seconds} s" if seconds or not minutes else "") if part)
