"""model.worker: one background run at a time, stop, failures reported, and the run saved atomically."""

from __future__ import annotations

import time

import numpy as np
import pytest

from model.store import load_history, load_model
from model.train import TrainConfig
from model.worker import TrainingBusyError, TrainingPolicy, TrainingSupervisor

TINY = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=512)
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
    second = supervisor.start(TINY.with_overrides(epochs=1), mnist)
    assert second.wait(120) and second.snapshot().status == "finished"


def test_snapshots_are_consistent_copies(tmp_path, mnist):
    supervisor = TrainingSupervisor(tmp_path)
    run = supervisor.start(TINY, mnist)
    _wait_for(lambda: run.snapshot().batches)
    snapshot = run.snapshot()
    count = len(snapshot.batches)
    run.wait(120)
    assert len(snapshot.batches) == count, "a snapshot does not change after it was taken"


def test_errors_end_the_run_with_a_clear_message(tmp_path):
    supervisor = TrainingSupervisor(tmp_path)
    broken = ((np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.uint8)), (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)))
    run = supervisor.start(TINY.with_overrides(train_subset=0, validation="split", validation_split=0.99), broken)
    assert run.wait(60)
    snapshot = run.snapshot()
    assert snapshot.status == "failed" and snapshot.error
    assert list(tmp_path.glob("*.keras")) == []


def test_policy_from_settings_and_caps(tmp_path, mnist):
    assert TrainingPolicy.from_settings({}) == TrainingPolicy(enabled=True)
    capped = TrainingPolicy.from_settings({"LSTM_DEMO_MAX_EPOCHS": "3", "LSTM_DEMO_MAX_TRAIN_SUBSET": "5000"})
    assert capped.max_epochs == 3 and capped.max_train_subset == 5000
    with pytest.raises(ValueError, match="at most 3 epochs"):
        capped.check(TINY.with_overrides(epochs=4))
    with pytest.raises(ValueError, match="at most 5000 images"):
        capped.check(TINY.with_overrides(train_subset=0))
    capped.check(TINY)
    off = TrainingPolicy.from_settings({"LSTM_DEMO_TRAINING": "off"})
    with pytest.raises(ValueError, match="turned off"):
        TrainingSupervisor(tmp_path, off).start(TINY, mnist)
    with pytest.raises(ValueError, match="LSTM_DEMO_MAX_EPOCHS"):
        TrainingPolicy.from_settings({"LSTM_DEMO_MAX_EPOCHS": "many"})
    with pytest.raises(ValueError, match="LSTM_DEMO_TRAINING"):
        TrainingPolicy.from_settings({"LSTM_DEMO_TRAINING": "maybe"})
    assert capped.clamp(TrainConfig()).epochs == 3
    assert capped.clamp(TrainConfig()).train_subset == 5000
