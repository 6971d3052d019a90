"""model.training.checkpoint: a run's last completed epoch, saved as a stopped run when its process ends, or discarded."""

from __future__ import annotations

import json

import pytest

from model.hosting.runs_folder import saved_runs
from model.shapes import checkpoint_path_for, history_path_for, snapshot_path_for
from model.training.checkpoint import checkpoint_files, discard_checkpoint, recover_checkpoint
from model.training.record import RunRecordError, read_run_record
from model.weights import load_probe
from tests.helpers import make_record, write_checkpoint

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
