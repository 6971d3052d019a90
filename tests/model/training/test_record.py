"""model.training.record: the typed run record, its JSON form, and one clear error for every malformed history."""

from __future__ import annotations

import json

import pytest

from model.config import EpochProgress, TrainConfig
from model.shapes import SHIPPED_MODEL_PATH
from model.training.record import FORMAT_VERSION, FineTuneOutcome, RunRecord, RunRecordError, read_run_record
from tests.helpers import make_record


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


# The config of a format-1 record, as the model shipped before the canvas augmentation was saved.
FORMAT_1_CONFIG_FIELDS = (
    "epochs", "batch_size", "learning_rate", "learning_rate_schedule", "warmup_fraction", "units", "lstm_layers", "dense_units",
    "dropout_rate", "seed", "train_subset", "validation", "validation_split", "augment",
)  # fmt: skip


def test_a_history_of_format_1_reads_with_the_later_fields_at_their_defaults():
    data = _json(make_record())
    for key in ("snapshots", "kind", "fine_tune"):
        data.pop(key, None)
    data["format"] = 1
    data["config"] = {key: value for key, value in data["config"].items() if key in FORMAT_1_CONFIG_FIELDS}
    record = RunRecord.from_json(data)
    assert record.snapshots == () and record.kind == "train" and record.fine_tune is None
    assert record.config.augment_style == "affine" and record.config.start_from == "" and record.config.cell == "lstm"


def test_the_shipped_history_reads():
    record = read_run_record(SHIPPED_MODEL_PATH)
    assert record.status == "finished" and record.train_size == 60000 and record.kind == "train"
    assert isinstance(record.epochs[0], EpochProgress) and isinstance(record.config, TrainConfig)
    assert record.config.augment_style == "canvas" and record.test_accuracy >= 0.995


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
