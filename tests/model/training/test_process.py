"""model.training.process: a job's failure is told apart by its kind, not by the words of its message; whether this Python can train."""

from __future__ import annotations

import sys
import time

import pytest

from model.config import TrainConfig
from model.hosting.settings import DemoSettings
from model.training.process import OUT_OF_MEMORY, FailureKind, JobFailure, describe_failure, training_installed
from model.training.supervisor import TrainingSupervisor


def test_failures_are_told_apart_by_kind():
    assert describe_failure(ValueError("No training images.")) == JobFailure(FailureKind.REFUSED, "No training images.")
    assert describe_failure(MemoryError()) == JobFailure(FailureKind.OUT_OF_MEMORY, OUT_OF_MEMORY)
    assert describe_failure(RuntimeError("CUDA_ERROR_OUT_OF_MEMORY: out of memory")).kind is FailureKind.OUT_OF_MEMORY
    unexpected = describe_failure(RuntimeError("the disk caught fire"))
    assert unexpected == JobFailure(FailureKind.UNEXPECTED, "Training failed: RuntimeError: the disk caught fire")


def test_a_server_without_keras_says_it_does_not_train_and_starts_nothing(tmp_path, monkeypatch):
    assert training_installed()
    assert TrainingSupervisor(tmp_path).does_not_train() is None
    assert "turned training off" in TrainingSupervisor(tmp_path, DemoSettings(training_enabled=False)).does_not_train()
    monkeypatch.setitem(sys.modules, "keras", None)  # As in the serving image: Keras cannot be imported.
    assert not training_installed()
    supervisor = TrainingSupervisor(tmp_path)
    assert supervisor.does_not_train() == "This server does not train: it runs without TensorFlow and Keras (the serving image)."
    assert supervisor.device_description() is None, "no device probe: it could never answer"
    with pytest.raises(ValueError, match="does not train"):
        supervisor.start_job("train", TrainConfig(epochs=1))
    assert list(tmp_path.iterdir()) == [], "no lock taken, nothing written"


@pytest.mark.slow
def test_the_training_process_ends_without_an_abort_at_shutdown(tmp_path, capfd):
    # Its stop listener is still blocked reading stdin when the job ends; a normal interpreter shutdown
    # aborted on that read's lock ("Fatal Python error: _enter_buffered_busy") after every run.
    supervisor = TrainingSupervisor(tmp_path)
    run = supervisor.start_job("stand_in", TrainConfig(epochs=2, units=16, train_subset=256), runner="tests.worker_jobs:finished_stand_in")
    assert run.wait(120) and run.snapshot().status == "finished", run.snapshot().error
    time.sleep(3)  # The process has ended (the run ends when its process does) and its last words reached stderr.
    assert "Fatal Python error" not in capfd.readouterr().err
