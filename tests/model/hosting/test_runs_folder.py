"""model.hosting.runs_folder: the runs folder stays bounded (cap, disk floor) and leftover temporary files are swept."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from model.config import TrainConfig
from model.hosting.runs_folder import (
    PeriodicSweep,
    RunsFolderFullError,
    check_disk_space,
    holding_training_lock,
    prune_runs,
    saved_runs,
    sweep_temporary_files,
    training_in_progress,
)
from model.hosting.settings import DemoSettings
from model.shapes import TRAINING_LOCK_NAME, history_path_for
from model.training.supervisor import TrainingSupervisor
from tests.helpers import make_record, write_checkpoint


def _run(folder, name, age_seconds):
    """A saved run's files, `age_seconds` old."""
    files = [folder / f"{name}.keras", folder / f"{name}.history.json", folder / f"{name}.snapshots.npz"]
    when = time.time() - age_seconds
    for path in files:
        path.write_bytes(b"x")
        os.utime(path, (when, when))
    return files[0]


def test_prune_removes_the_oldest_runs_with_their_side_files(tmp_path):
    oldest, middle, newest = _run(tmp_path, "run-1", 300), _run(tmp_path, "run-10", 200), _run(tmp_path, "run-2", 100)
    shipped = _run(tmp_path, "lstm_mnist", 1000)  # Oldest of all, and protected.
    removed = prune_runs(tmp_path, keep=2, protected=[shipped])
    assert removed == [oldest, middle]
    assert saved_runs(tmp_path) == [shipped, newest]
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(f"{name}.{suffix}" for name in ("lstm_mnist", "run-2") for suffix in ("keras", "history.json", "snapshots.npz"))
    assert prune_runs(tmp_path, keep=None) == [] and len(saved_runs(tmp_path)) == 2


def test_prune_keeps_the_protected_run_even_past_the_cap(tmp_path):
    just_saved = _run(tmp_path, "run-new", 500)
    _run(tmp_path, "run-old", 1)
    prune_runs(tmp_path, keep=1, protected=[just_saved])
    assert saved_runs(tmp_path) == [just_saved]
    with pytest.raises(ValueError, match="cannot be negative"):
        prune_runs(tmp_path, keep=-1)


def test_disk_check_refuses_when_the_floor_would_be_crossed(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    check_disk_space(tmp_path, min_free_bytes=0, expected_bytes=1)
    with pytest.raises(RunsFolderFullError, match="keeps at least"):
        check_disk_space(tmp_path, min_free_bytes=free, expected_bytes=1)


def test_sweep_removes_old_temporary_files_only(tmp_path):
    leftovers = [tmp_path / ".run-1.abc123.tmp.keras", tmp_path / ".run-1.history.xyz.json.tmp"]
    young = tmp_path / ".run-2.def456.tmp.keras"  # A save going on in another replica right now.
    keep = [tmp_path / "run-1.keras", tmp_path / ".hidden-notes", young]
    hour_ago = time.time() - 3600
    for path in leftovers + keep:
        path.write_bytes(b"x")
    for path in leftovers + keep[:2]:
        os.utime(path, (hour_ago, hour_ago))
    assert sorted(sweep_temporary_files(tmp_path)) == sorted(leftovers)
    assert sorted(tmp_path.iterdir()) == sorted(keep)
    assert sweep_temporary_files(tmp_path / "missing") == []


def test_a_checkpoint_is_swept_only_when_no_training_holds_the_folder(tmp_path):
    from model.hosting.runs_folder import RunLock

    checkpoint = write_checkpoint(tmp_path / "run-1.keras", make_record(status="stopped"))
    files = [checkpoint, history_path_for(checkpoint)]
    hour_ago = time.time() - 3600
    for path in files:
        os.utime(path, (hour_ago, hour_ago))  # Epochs can take longer than the sweep's minimum age.
    lock = RunLock(tmp_path)
    assert lock.acquire() and training_in_progress(tmp_path)
    assert sweep_temporary_files(tmp_path) == [] and all(path.exists() for path in files), "the run training now keeps it"
    lock.release()
    assert not training_in_progress(tmp_path)
    assert sorted(sweep_temporary_files(tmp_path)) == sorted(files), "its server died with it: nobody will save it"
    assert sorted(path.name for path in tmp_path.iterdir()) == [TRAINING_LOCK_NAME]


def _stale_leftover(folder, name):
    """A temporary file a killed save left an hour ago."""
    path = folder / name
    path.write_bytes(b"half a model")
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    return path


def _wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_periodic_sweep_removes_leftovers_that_appear_after_it_started(tmp_path):
    recovered_in = []
    sweeper = PeriodicSweep(tmp_path, interval_seconds=0.05, recover=lambda folder: recovered_in.append(folder) or [])
    sweeper.start()
    try:
        young = tmp_path / ".run-2.def456.tmp.keras"
        young.write_bytes(b"a save going on")
        # Killed saves, long after the server started: the next sweep removes them, not a restart.
        first = _stale_leftover(tmp_path, ".run-1.abc123.tmp.keras")
        assert _wait_until(lambda: not first.exists())
        second = _stale_leftover(tmp_path, ".run-3.history.xyz.json.tmp")
        assert _wait_until(lambda: not second.exists())
        assert _wait_until(lambda: sweeper.sweeps >= 2)  # The sweep that removed `second` is counted once it ends.
        assert young.exists() and {first, second} <= set(sweeper.removed)
        assert len(recovered_in) >= sweeper.sweeps - 1 and set(recovered_in) == {tmp_path}, "checkpoints saved before each sweep"
    finally:
        sweeper.stop()


def test_the_periodic_sweep_survives_a_failed_sweep_and_ends_when_stopped(tmp_path, monkeypatch):
    sweeper = PeriodicSweep(tmp_path, interval_seconds=0.02)
    failures = [OSError("the disk went away")]

    def sweep_or_fail(folder, min_age_seconds):
        if failures:
            raise failures.pop()
        return []

    monkeypatch.setattr("model.hosting.runs_folder.sweep_temporary_files", sweep_or_fail)
    thread = sweeper.start()
    assert _wait_until(lambda: sweeper.sweeps >= 2), "the sweep after a failed one still ran"
    sweeper.stop()
    thread.join(5)
    assert not thread.is_alive()
    with pytest.raises(ValueError, match="must be positive"):
        PeriodicSweep(tmp_path, interval_seconds=0)


def _start_stand_in(supervisor):
    return supervisor.start_job("train", TrainConfig(epochs=1), runner="tests.worker_jobs:write_stand_in_run")


@pytest.mark.slow
def test_a_finished_run_prunes_the_oldest_runs_beyond_the_cap(tmp_path):
    kept = _run(tmp_path, "run-old", 300)
    _run(tmp_path, "run-older", 400)
    run = _start_stand_in(TrainingSupervisor(tmp_path, DemoSettings(max_saved_runs=2)))
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "finished", snapshot.error
    assert saved_runs(tmp_path) == [kept, snapshot.model_path]


@pytest.mark.slow
def test_no_run_starts_when_the_disk_is_nearly_full(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    supervisor = TrainingSupervisor(tmp_path, DemoSettings(min_free_disk_bytes=free))
    with pytest.raises(RunsFolderFullError, match="No room for another run"):
        _start_stand_in(supervisor)
    assert supervisor.current() is None


def test_the_training_lock_is_held_by_one_at_a_time(tmp_path):
    with holding_training_lock(tmp_path) as first:
        assert first and training_in_progress(tmp_path), "held like a training run holds it"
        with holding_training_lock(tmp_path) as second:
            assert not second, "another replica's recovery waits its turn"
    assert not training_in_progress(tmp_path)
    with holding_training_lock(tmp_path / "missing" / "deeper") as unreachable:
        assert not unreachable
