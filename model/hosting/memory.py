"""Giving a server's freed memory back to the operating system once its visitors have gone.

Two things keep a long-running Python server's resident memory up after the objects behind it are
gone. Objects frozen by `gc.freeze()` (the app freezes everything loaded with a model, including
whatever the first visitor's session held at that moment) are never collected, even once nothing
can reach them. And glibc's malloc keeps freed memory in its heaps for reuse instead of handing it
back. `collect_garbage()` collects the frozen objects too and freezes the survivors again;
`release_freed_memory()` asks glibc (`malloc_trim(0)`) to return its free pages.

Both are for idle moments (no visitor drawing): a full collection pauses every thread. This module
knows nothing of Streamlit or of when a server is idle; `ui/server_memory.py` decides when.
Where the C library is not glibc (macOS, Alpine's musl), releasing is a no-op that says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none."""
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = library.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def can_release_freed_memory() -> bool:
    """Whether this process's C library can hand freed heap memory back (glibc)."""
    return _malloc_trim() is not None


def release_freed_memory() -> bool:
    """Return the free pages of glibc's heaps to the operating system; False where that is not possible.

    `malloc_trim(0)` keeps no padding at the top of the heap and also releases whole free pages in
    the middle of every heap, which glibc never does on its own. Memory still in use is untouched.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def collect_garbage() -> int:
    """A full collection that includes frozen objects; the survivors are frozen again. Returns the count collected.

    When nothing was frozen, this is a plain `gc.collect()` and nothing is frozen afterwards.
    """
    was_frozen = gc.get_freeze_count() > 0
    if was_frozen:
        gc.unfreeze()
    try:
        return gc.collect()
    finally:
        if was_frozen:
            gc.freeze()
