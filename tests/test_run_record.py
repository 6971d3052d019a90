"""model.training.record: the typed run record, its JSON form, and one clear error for every malformed history."""

from __future__ import annotations

import json

import pytest

from model.config import BatchProgress, EpochProgress, TrainConfig
from model.shapes import SHIPPED_MODEL_PATH
from model.training.record import FORMAT_VERSION, FineTuneOutcome, RunRecord, RunRecordError, read_run_record


def make_record(**overrides) -> RunRecord:
    """A small, valid record of a two-epoch run."""
    batches = tuple(
        BatchProgress(epoch=e, epochs=2, batch=b, batches_per_epoch=2, samples_seen=(e - 1) * 256 + b * 128, seconds=e + b / 2,
                      loss=1.0 / (e + b), accuracy=0.5 + 0.1 * e)
        for e in (1, 2) for b in (1, 2)
    )  # fmt: skip
    epochs = tuple(
        EpochProgress(epoch=e, epochs=2, samples_seen=e * 256, seconds=2.0 * e, loss=0.5 / e, accuracy=0.8, val_loss=0.4 / e,
                      val_accuracy=0.85 + 0.05 * e, val_class_accuracy=[0.9] * 10)
        for e in (1, 2)
    )  # fmt: skip
    fields = dict(
        config=TrainConfig(epochs=2, units=16, train_subset=256),
        status="finished",
        device="CPU (tensorflow backend)",
        train_size=256,
        batches=batches,
        epochs=epochs,
        test_accuracy=0.95,
        test_loss=0.2,
        seconds=4.5,
        train_seconds=4.0,
        started="2026-11-29T06:00:00+00:00",
        finished="2026-11-29T06:00:05+00:00",
        versions={"keras": "3", "backend": "tensorflow", "python": "3.11"},
        snapshots=(0.0, 0.125, 0.25, 0.5, 1.0, 2.0),
    )
    return RunRecord(**{**fields, **overrides})


def _json(record: RunRecord) -> dict:
    return json.loads(json.dumps(record.to_json()))


def test_round_trip_through_json():
    record = make_record()
    assert RunRecord.from_json(_json(record)) == record
    assert _json(record)["format"] == FORMAT_VERSION
    assert record.samples_trained == 512 and record.epochs_completed == 2


def test_a_fine_tune_round_trips():
    outcome = FineTuneOutcome(
        base_model="lstm_mnist.keras", corrections=2, steps=100, corrections_right_before=0, corrections_right_after=2,
        mnist_accuracy_before=0.99, mnist_accuracy_after=0.989, predictions_before=[3, 1], predictions_after=[8, 7], labels=[8, 7],
    )  # fmt: skip
    record = make_record(kind="fine_tune", fine_tune=outcome)
    assert RunRecord.from_json(_json(record)) == record


def test_the_shipped_history_of_format_1_reads():
    record = read_run_record(SHIPPED_MODEL_PATH)
    assert record.status == "finished" and record.train_size == 60000 and record.snapshots == () and record.kind == "train"
    assert isinstance(record.epochs[0], EpochProgress) and isinstance(record.config, TrainConfig)


def _broken(change) -> dict:
    data = _json(make_record())
    change(data)
    return data


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(test_accuracy="99%"), "test_accuracy must be a number"),
        (lambda d: d["epochs"][0].pop("val_accuracy"), r"epochs\[0\].val_accuracy is missing"),
        (lambda d: d["epochs"][1].update(val_accuracy="high"), r"epochs\[1\].val_accuracy must be a number"),
        (lambda d: d.update(batches={"a": 1}), "batches must be a list"),
        (lambda d: d["batches"][0].update(epoch=1.5), r"batches\[0\].epoch must be a whole number"),
        (lambda d: d.pop("status"), "status is missing"),
        (lambda d: d.update(status="exploded"), "status must be one of"),
        (lambda d: d["config"].update(units=-3), "units must be between"),
        (lambda d: d["config"].update(colour="red"), "unknown keys"),
        (lambda d: d.update(test_accuracy=True), "test_accuracy must be a number"),
        (lambda d: d.update(format=FORMAT_VERSION + 1), "newer version of this app"),
        (lambda d: d.pop("format"), "no format version"),
    ],
)  # fmt: skip
def test_malformed_histories_raise_one_clear_error(change, message):
    with pytest.raises(RunRecordError, match=message):
        RunRecord.from_json(_broken(change), source="run.history.json")


def test_not_an_object():
    with pytest.raises(RunRecordError, match="not a training history"):
        RunRecord.from_json([1, 2, 3])


def test_unreadable_file(tmp_path):
    (tmp_path / "run.history.json").write_text("{not json")
    with pytest.raises(RunRecordError, match="not a readable training history"):
        read_run_record(tmp_path / "run.keras")
    assert read_run_record(tmp_path / "absent.keras") is None
