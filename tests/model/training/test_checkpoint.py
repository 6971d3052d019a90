"""model.training.checkpoint: a run's last completed epoch, saved as a stopped run when its process ends, or discarded."""

from __future__ import annotations

import json

import pytest

from model.hosting.runs_folder import RunLock, saved_runs
from model.shapes import TRAINING_LOCK_NAME, checkpoint_path_for, history_path_for, snapshot_path_for
from model.training.checkpoint import (
    SERVER_STOPPED,
    checkpoint_files,
    discard_checkpoint,
    recover_checkpoint,
    recover_orphaned_checkpoints,
)
from model.training.record import RunRecordError, read_run_record
from model.weights import load_probe
from tests.helpers import add_run, make_record, write_checkpoint

KILLED = "The training process was killed by SIGKILL (perhaps it ran out of memory)."


def _first_epoch_of_two():
    whole_run = make_record()
    return make_record(status="stopped", batches=whole_run.batches[:2], epochs=whole_run.epochs[:1], snapshots=(0.0, 1.0))


def test_the_checkpoint_is_hidden_beside_the_run_and_never_listed(tmp_path):
    model_path = tmp_path / "run-1.keras"
    assert checkpoint_path_for(model_path) == tmp_path / ".run-1.checkpoint.keras"
    assert checkpoint_files(model_path) == [
        tmp_path / ".run-1.checkpoint.keras",
        tmp_path / ".run-1.checkpoint.history.json",
        tmp_path / ".run-1.checkpoint.snapshots.npz",
    ]
    write_checkpoint(model_path, _first_epoch_of_two())
    assert saved_runs(tmp_path) == []


def test_a_checkpoint_is_saved_as_the_run_stopped_at_its_epoch_and_says_why(tmp_path):
    model_path = tmp_path / "run-1.keras"
    checkpoint = write_checkpoint(model_path, _first_epoch_of_two())
    snapshot_path_for(checkpoint).write_bytes(b"the time-lapse so far")
    record = recover_checkpoint(model_path, KILLED)
    assert record.status == "stopped" and record.epochs_completed == 1 and record.interrupted == KILLED
    assert saved_runs(tmp_path) == [model_path]
    assert read_run_record(model_path) == record, "the saved record belongs to the saved model (its digest)"
    assert snapshot_path_for(model_path).read_bytes() == b"the time-lapse so far"
    load_probe(model_path)  # A whole model, readable by the serving process.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run-1.history.json", "run-1.keras", "run-1.snapshots.npz"]


def test_no_checkpoint_means_nothing_to_save_and_a_damaged_one_is_refused(tmp_path):
    model_path = tmp_path / "run-1.keras"
    assert recover_checkpoint(model_path, KILLED) is None and list(tmp_path.iterdir()) == []
    checkpoint = write_checkpoint(model_path, _first_epoch_of_two())
    record = json.loads(history_path_for(checkpoint).read_text())
    history_path_for(checkpoint).write_text(json.dumps({**record, "model_sha256": "0" * 64}))  # Another epoch's model.
    with pytest.raises(RunRecordError, match="belongs to another version"):
        recover_checkpoint(model_path, KILLED)
    assert not model_path.exists()
    discard_checkpoint(model_path)
    assert list(tmp_path.iterdir()) == []


def test_checkpoints_a_dead_server_left_are_saved_as_runs_once_no_training_holds_the_folder(tmp_path):
    write_checkpoint(tmp_path / "run-1.keras", _first_epoch_of_two())
    lock = RunLock(tmp_path)
    assert lock.acquire()
    assert recover_orphaned_checkpoints(tmp_path) == [], "a run training now keeps its checkpoint"
    assert saved_runs(tmp_path) == [] and checkpoint_path_for(tmp_path / "run-1.keras").exists()
    lock.release()
    assert recover_orphaned_checkpoints(tmp_path) == [tmp_path / "run-1.keras"]
    record = read_run_record(tmp_path / "run-1.keras")
    assert record.status == "stopped" and record.epochs_completed == 1 and record.interrupted == SERVER_STOPPED
    assert saved_runs(tmp_path) == [tmp_path / "run-1.keras"]
    assert not [path for path in tmp_path.iterdir() if "checkpoint" in path.name]
    assert recover_orphaned_checkpoints(tmp_path / "missing") == []


def test_an_orphaned_checkpoint_that_cannot_be_saved_is_discarded_and_never_replaces_a_run(tmp_path):
    kept = add_run(tmp_path, "run-1", make_record().to_json())
    write_checkpoint(kept, _first_epoch_of_two())  # Its run's name is taken: never overwritten.
    damaged = write_checkpoint(tmp_path / "run-2.keras", _first_epoch_of_two())
    history_path_for(damaged).write_text("{not json")
    assert recover_orphaned_checkpoints(tmp_path) == []
    assert saved_runs(tmp_path) == [kept] and read_run_record(kept).status == "finished"
    left = sorted(path.name for path in tmp_path.iterdir() if path.name != TRAINING_LOCK_NAME)  # The lock it held while it worked.
    assert left == ["run-1.history.json", "run-1.keras"]


def test_a_checkpoint_never_replaces_a_run_saved_under_its_name(tmp_path):
    finished = add_run(tmp_path, "run-1", make_record().to_json())
    before = finished.read_bytes(), history_path_for(finished).read_text()
    write_checkpoint(finished, _first_epoch_of_two())
    assert recover_checkpoint(finished, KILLED) is None
    assert (finished.read_bytes(), history_path_for(finished).read_text()) == before
