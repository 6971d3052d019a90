"""model.hosting.memory: frozen garbage is collected and the rest stays frozen; glibc's free pages go back, a no-op without glibc."""

from __future__ import annotations

import gc
import platform
import weakref

import pytest

from model.hosting import memory


class Node:
    def __init__(self):
        self.partner = self


def test_collect_garbage_collects_a_frozen_cycle_and_freezes_the_survivors_again():
    survivor = Node()
    unreachable = Node()
    gone = weakref.ref(unreachable)
    gc.freeze()
    try:
        del unreachable
        gc.collect()
        assert gone() is not None, "a frozen cycle outlives an ordinary collection (what the server met)"
        assert memory.collect_garbage() >= 1
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert survivor.partner is survivor
    finally:
        gc.unfreeze()


def test_collect_garbage_freezes_nothing_when_nothing_was_frozen():
    gc.unfreeze()
    unreachable = Node()
    gone = weakref.ref(unreachable)
    del unreachable
    memory.collect_garbage()
    assert gone() is None
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_release_freed_memory_trims_glibc_heaps():
    assert memory.can_release_freed_memory()
    assert memory.release_freed_memory() is True


def test_release_is_a_no_op_without_glibc(monkeypatch):
    class NoTrim:
        def __getattr__(self, name):
            raise AttributeError(name)

    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda name: NoTrim())
    try:
        assert not memory.can_release_freed_memory()
        assert memory.release_freed_memory() is False
    finally:
        monkeypatch.undo()
        memory._malloc_trim.cache_clear()
