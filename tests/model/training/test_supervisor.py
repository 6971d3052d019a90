"""model.training.supervisor: one run at a time in its own process, progress, stop, crashes reported, the run saved atomically."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from model.hosting.runs_folder import saved_runs
from model.hosting.settings import DemoSettings
from model.shapes import TEMPORARY_SUFFIXES, TRAINING_LOCK_NAME, checkpoint_path_for, snapshot_path_for
from model.training.process import FailureKind
from model.training.record import RunRecordError, read_run_record
from model.training.snapshots import load_snapshots
from model.training.store import load_history, load_model
from model.training.supervisor import TrainingBusyError, TrainingSupervisor
from model.training.train import TrainConfig
from tests.helpers import training_process_ids

pytestmark = pytest.mark.slow  # Every test starts the training process.

TINY = TrainConfig(epochs=2, batch_size=64, units=8, dense_units=8, train_subset=512)
LONG = TINY.with_overrides(epochs=200)


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_run_finishes_and_is_saved_with_its_history(tmp_path, mnist):
    supervisor = TrainingSupervisor(tmp_path)
    run = supervisor.start(TINY, mnist, watched_images=mnist[1][0][:4] / 255.0)
    assert run.wait(120)
    snapshot = run.snapshot()
    assert snapshot.status == "finished" and not snapshot.active and snapshot.error is None
    assert [epoch.epoch for epoch in snapshot.epochs] == [1, 2]
    assert np.array(snapshot.epochs[-1].watched_probabilities).shape == (4, 10)
    assert snapshot.model_path.parent == tmp_path and snapshot.model_path.suffix == ".keras"
    load_model(snapshot.model_path)
    history = load_history(snapshot.model_path)
    assert history.status == "finished" and history.test_accuracy == pytest.approx(snapshot.test_accuracy)
    assert snapshot.fraction_done() == 1.0


def test_only_one_run_at_a_time_and_stop(tmp_path, mnist):
    supervisor = TrainingSupervisor(tmp_path)
    run = supervisor.start(LONG, mnist, owner="first visitor")
    _wait_for(lambda: run.snapshot().batches)
    assert run.snapshot().owner == "first visitor"
    with pytest.raises(TrainingBusyError):
        supervisor.start(TINY, mnist)
    assert supervisor.current() is run
    run.request_stop()
    assert run.snapshot().status in ("stopping", "stopped")
    assert run.wait(120)
    snapshot = run.snapshot()
    assert snapshot.status == "stopped"
    assert len(snapshot.epochs) < 200
    assert load_history(snapshot.model_path).status == "stopped"
    # Once it has ended, a new run may start.
    second = _start_fake(supervisor, "report_until_stopped")
    _wait_for(lambda: second.snapshot().batches)
    assert _stop(second) == "stopped"


def test_snapshots_are_consistent_copies(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, "report_until_stopped")
    _wait_for(lambda: run.snapshot().batches)
    snapshot = run.snapshot()
    count = len(snapshot.batches)
    _wait_for(lambda: len(run.snapshot().batches) > count)
    run.request_stop()
    run.wait(60)
    assert len(snapshot.batches) == count, "a snapshot does not change after it was taken"


def test_errors_end_the_run_with_a_clear_message(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    broken = ((np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.uint8)), (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)))
    run = supervisor.start(TINY.with_overrides(train_subset=0, validation="split", validation_split=0.99), broken)
    assert run.wait(120)
    snapshot = run.snapshot()
    assert snapshot.status == "failed" and "No training images" in snapshot.error
    assert list(tmp_path.glob("*.keras")) == []


def test_policy_from_settings_and_caps(tmp_path, mnist):
    assert DemoSettings.from_mapping({}) == DemoSettings(training_enabled=True)
    capped = DemoSettings.from_mapping({"LSTM_DEMO_MAX_EPOCHS": "3", "LSTM_DEMO_MAX_TRAIN_SUBSET": "5000"})
    assert capped.max_epochs == 3 and capped.max_train_subset == 5000
    with pytest.raises(ValueError, match="at most 3 epochs"):
        capped.check(TINY.with_overrides(epochs=4))
    with pytest.raises(ValueError, match="at most 5000 images"):
        capped.check(TINY.with_overrides(train_subset=0))
    capped.check(TINY)
    off = DemoSettings.from_mapping({"LSTM_DEMO_TRAINING": "off"})
    with pytest.raises(ValueError, match="turned off"):
        TrainingSupervisor(tmp_path, off).start(TINY, mnist)
    with pytest.raises(ValueError, match="LSTM_DEMO_MAX_EPOCHS"):
        DemoSettings.from_mapping({"LSTM_DEMO_MAX_EPOCHS": "many"})
    with pytest.raises(ValueError, match="LSTM_DEMO_TRAINING"):
        DemoSettings.from_mapping({"LSTM_DEMO_TRAINING": "maybe"})
    assert capped.clamp(TrainConfig(epochs=5)).epochs == 3
    assert capped.clamp(TrainConfig()).train_subset == 5000


def _start_fake(supervisor, runner, **fields):
    return supervisor.start_job("train", TINY, runner=f"tests.worker_jobs:{runner}", **fields)


def _stop(run) -> str:
    """Ask the run to stop, wait for its process to end, and return how it ended."""
    run.request_stop()
    assert run.wait(60), "the run did not end within a minute of Stop"
    return run.snapshot().status


def test_progress_streams_back_and_stop_ends_the_process(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    assert supervisor.startup_seconds() is None, "nothing measured before a run"
    launched = time.time()
    run = _start_fake(supervisor, "report_until_stopped")
    _wait_for(lambda: len(run.snapshot().batches) >= 3)
    # From the launch to the first batch (less that batch's 0.02 s): a process started and its imports made.
    assert 0 < supervisor.startup_seconds() <= time.time() - launched
    assert run.snapshot().status == "running"
    _stop(run)
    snapshot = run.snapshot()
    assert snapshot.status == "stopped" and snapshot.error is None
    assert [batch.batch for batch in snapshot.batches] == list(range(1, len(snapshot.batches) + 1)), "every report, in order"


@pytest.mark.parametrize(
    ("runner", "message"),
    [
        ("exit_abruptly", "ended unexpectedly (exit code 3)"),
        ("kill_itself", "killed by SIGKILL"),
        ("raise_error", "Training failed: RuntimeError: the disk caught fire"),
    ],
)
def test_a_crash_in_the_training_process_fails_the_run_and_frees_the_slot(tmp_path, runner, message, capfd):
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, runner)
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "failed" and message in snapshot.error
    if runner == "raise_error":  # The page gets one line; the server's log gets the traceback.
        log = capfd.readouterr().err
        assert "Traceback (most recent call last)" in log and 'raise RuntimeError("the disk caught fire")' in log
    assert not snapshot.active
    again = _start_fake(supervisor, "report_until_stopped")  # The slot and the lock are free again.
    _stop(again)


def test_a_real_run_killed_mid_training_is_saved_as_stopped_at_its_last_completed_epoch(tmp_path, mnist):
    config = TrainConfig(epochs=50, batch_size=64, units=16, dense_units=16, train_subset=256)
    supervisor = TrainingSupervisor(tmp_path)
    run = supervisor.start(config, mnist)
    model_path = tmp_path / f"{run.run_id}.keras"

    def checkpointed_epochs() -> int:
        try:
            record = read_run_record(checkpoint_path_for(model_path))
        except RunRecordError:  # Between the record's move and the model's: the next look sees both.
            return 0
        return 0 if record is None else record.epochs_completed

    _wait_for(lambda: checkpointed_epochs() >= 2, seconds=180)
    (training_process,) = training_process_ids()
    os.kill(training_process, signal.SIGKILL)  # As the kernel's OOM killer or an operator would.
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "stopped" and snapshot.model_path == model_path
    assert snapshot.failure.kind is FailureKind.PROCESS_ENDED and "killed by SIGKILL" in snapshot.error
    saved = load_history(model_path)
    assert saved.status == "stopped" and "killed by SIGKILL" in saved.interrupted
    assert 2 <= saved.epochs_completed == snapshot.epochs_saved < config.epochs
    assert saved.epochs == snapshot.epochs[: saved.epochs_completed], "every epoch it kept, as the page saw it"
    assert saved.test_accuracy == pytest.approx(snapshot.test_accuracy) == pytest.approx(saved.epochs[-1].val_accuracy)
    assert saved_runs(tmp_path) == [model_path]
    load_model(model_path)
    assert len(load_snapshots(snapshot_path_for(model_path))) >= len(saved.snapshots), "its time-lapse so far"
    assert not [path.name for path in tmp_path.iterdir() if "checkpoint" in path.name or path.name.endswith(TEMPORARY_SUFFIXES)]
    again = _start_fake(supervisor, "report_until_stopped")  # The slot and the lock are free again.
    again.request_stop()
    assert again.wait(60)


def test_a_process_killed_after_its_checkpoint_leaves_a_stopped_run_and_one_killed_before_fails(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, "kill_itself_after_an_epoch")
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "stopped" and snapshot.epochs_saved == 1 and "killed by SIGKILL" in snapshot.error
    assert saved_runs(tmp_path) == [snapshot.model_path] and load_history(snapshot.model_path).interrupted == snapshot.error
    before_any_epoch = _start_fake(supervisor, "kill_itself")
    assert before_any_epoch.wait(60)
    assert before_any_epoch.snapshot().status == "failed" and before_any_epoch.snapshot().model_path is None
    assert saved_runs(tmp_path) == [snapshot.model_path]


def test_a_process_that_saved_its_run_and_died_before_saying_so_keeps_the_run_as_saved(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, "save_the_whole_run_then_die")
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "finished" and snapshot.error is None, "never replaced by its older checkpoint"
    record = load_history(snapshot.model_path)
    assert record.status == "finished" and record.interrupted is None and len(record.epochs) == 2
    assert saved_runs(tmp_path) == [snapshot.model_path] and sorted(path.name for path in tmp_path.glob(".*checkpoint*")) == []


def _run_while_pruning_raises(tmp_path, monkeypatch, error: Exception, runner: str):
    """A fake run of `runner` concluded while keeping the runs folder within its cap raises `error`; waited for."""

    def pruning(*arguments, **keywords):
        raise error

    monkeypatch.setattr("model.training.supervisor.prune_runs", pruning)
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, runner)
    assert run.wait(60)
    return supervisor, run


def test_a_saved_run_stands_when_the_runs_folder_cannot_be_pruned_after_it(tmp_path, monkeypatch):
    _, run = _run_while_pruning_raises(tmp_path, monkeypatch, PermissionError("the runs folder became unreadable"), "finished_stand_in")
    snapshot = run.snapshot()
    assert snapshot.status == "finished" and snapshot.error is None, "saved, so never reported as failed"
    assert saved_runs(tmp_path) == [snapshot.model_path]


def test_a_run_ends_even_when_concluding_it_fails(tmp_path, monkeypatch):
    supervisor, run = _run_while_pruning_raises(tmp_path, monkeypatch, RuntimeError("something nobody foresaw"), "report_priority")
    assert run.snapshot().status == "failed" and "could not be tidied" in run.snapshot().error
    again = _start_fake(supervisor, "report_until_stopped")  # Not stuck busy: the slot and the lock are free.
    again.request_stop()
    assert again.wait(60)


def test_the_time_cap_stops_a_run_like_stop(tmp_path):
    supervisor = TrainingSupervisor(tmp_path, DemoSettings(max_run_seconds=2))
    run = _start_fake(supervisor, "report_until_stopped")
    assert run.wait(60)
    assert run.snapshot().status == "stopped"


def test_the_training_process_runs_at_low_priority_with_capped_threads(tmp_path):
    run = _start_fake(TrainingSupervisor(tmp_path), "report_priority", threads=1)
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "finished"
    assert snapshot.test_accuracy >= 10, "niceness"
    assert snapshot.test_loss == 1001, "OMP and TensorFlow intra-op threads capped at 1"


def test_the_lock_file_allows_one_training_across_supervisors_of_one_folder(tmp_path):
    first, second = TrainingSupervisor(tmp_path), TrainingSupervisor(tmp_path)  # As two server replicas would.
    run = _start_fake(first, "report_until_stopped")
    assert (tmp_path / TRAINING_LOCK_NAME).exists()
    with pytest.raises(TrainingBusyError, match="Another server process"):
        _start_fake(second, "report_until_stopped")
    _stop(run)
    other = _start_fake(second, "report_until_stopped")  # Released when the first run's process ended.
    assert _stop(other) == "stopped"


def test_the_training_process_keeps_the_lock_while_it_lives(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    run = _start_fake(supervisor, "report_until_stopped")
    _wait_for(lambda: run.snapshot().batches)
    supervisor._run_lock.release()  # As if the server had died: the training process still holds it.
    with pytest.raises(TrainingBusyError, match="Another server process"):
        _start_fake(TrainingSupervisor(tmp_path), "report_until_stopped")
    _stop(run)


def test_unknown_job_kinds_are_refused(tmp_path):
    with pytest.raises(ValueError, match="Unknown training job kind"):
        TrainingSupervisor(tmp_path).start_job("dream", TINY)
    assert not (tmp_path / TRAINING_LOCK_NAME).exists() or TrainingSupervisor(tmp_path)._run_lock.acquire()


def test_a_start_waits_a_moment_for_a_recovery_that_holds_the_folder_lock(tmp_path):
    import threading

    from model.hosting.runs_folder import holding_training_lock

    supervisor = TrainingSupervisor(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def recover_for_a_moment():
        with holding_training_lock(tmp_path):
            holding.set()
            release.wait(5)

    threading.Thread(target=recover_for_a_moment, daemon=True).start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()  # The recovery ends after 0.3 s, well within the start's patience.
    run = _start_fake(supervisor, "report_until_stopped")
    assert _stop(run) == "stopped"
