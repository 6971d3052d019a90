"""model.training.train: the config, progress reports, stopping, and that training really learns."""

from __future__ import annotations

import numpy as np
import pytest

from model.shapes import snapshot_path_for
from model.training.record import read_run_record
from model.training.snapshots import load_snapshots
from model.training.steps import TrainingBatches
from model.training.train import SEED_RECIPE, BatchProgress, EpochProgress, TrainConfig, save_result, split_data, train

TINY = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=1024, learning_rate=5e-3)


def test_defaults_and_overrides():
    config = TrainConfig()
    assert config.units == 128 and config.lstm_layers == 2 and config.dense_units == 64, "the seed's network"
    assert (config.epochs, config.batch_size, config.learning_rate, config.dropout_rate) == (2, 256, 1e-2, 0.1), "the measured recipe"
    assert config.with_overrides(epochs=7).epochs == 7
    assert (SEED_RECIPE.batch_size, SEED_RECIPE.learning_rate, SEED_RECIPE.epochs) == (32, 1e-3, 3)
    assert SEED_RECIPE.learning_rate_schedule == "constant"


@pytest.mark.parametrize(
    "field, value",
    [("epochs", 0), ("batch_size", 0), ("learning_rate", 0.0), ("dropout_rate", 1.0), ("units", 0), ("train_subset", -1),
     ("validation", "train"), ("validation_split", 1.0), ("learning_rate_schedule", "step")],
)  # fmt: skip
def test_out_of_range_settings_raise_value_error(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        TrainConfig(**{field: value})


@pytest.mark.slow
def test_split_data_scales_and_draws_subsets(mnist):
    (x_train, y_train), (x_validation, y_validation), (x_test, _) = split_data(TINY, mnist)
    assert x_train.shape == (1024, 28, 28) and x_train.dtype == np.float32 and x_train.max() <= 1.0
    assert len(x_validation) == 10000  # Validation on the test set by default.
    (_, _), (x_validation, _), _ = split_data(TINY.with_overrides(validation="split", validation_split=0.1, train_subset=0), mnist)
    assert len(x_validation) == 6000


@pytest.mark.slow
def test_tiny_training_learns_and_reports_progress(mnist):
    reports = []
    watched = mnist[1][0][:3].astype(np.float32) / 255
    result = train(TINY, mnist, on_progress=reports.append, watched_images=watched)
    batches = [r for r in reports if isinstance(r, BatchProgress)]
    epochs = [r for r in reports if isinstance(r, EpochProgress)]
    assert [e.epoch for e in epochs] == [1, 2]
    assert batches and batches[-1].batch == batches[-1].batches_per_epoch == 16
    assert all(b2.samples_seen > b1.samples_seen for b1, b2 in zip(batches, batches[1:]))
    assert all(0 <= b.accuracy <= 1 and b.loss > 0 for b in batches)
    assert np.array(epochs[-1].watched_probabilities).shape == (3, 10)
    record = result.history
    assert record.status == "finished" and len(record.epochs) == 2 and record.epochs == tuple(epochs)
    assert record.test_accuracy > 0.2, "two epochs on 1,024 images already beat chance (10%) twice over"
    assert record.test_accuracy == pytest.approx(epochs[-1].val_accuracy, abs=1e-6)
    # Per-digit validation accuracy averages back to the accuracy, weighted by each digit's count.
    counts = np.bincount(mnist[1][1], minlength=10)
    assert np.average(epochs[-1].val_class_accuracy, weights=counts) == pytest.approx(epochs[-1].val_accuracy, abs=1e-4)
    # Snapshots: untrained, 1/8, 1/4 and 1/2 of the first epoch (16 batches), then after each epoch.
    assert record.snapshots == (0.0, 0.125, 0.25, 0.5, 1.0, 2.0)
    assert [snapshot.epochs_done for snapshot in result.snapshots] == list(record.snapshots)


@pytest.mark.slow
def test_every_completed_epoch_leaves_a_checkpoint_and_a_checkpoint_that_cannot_be_written_stops_nothing(mnist, tmp_path, capfd):
    small = TINY.with_overrides(train_subset=256)
    checkpoint = tmp_path / ".run-1.checkpoint.keras"
    saved_after = []
    on_epoch = lambda report: saved_after.append(read_run_record(checkpoint)) if isinstance(report, EpochProgress) else None  # noqa: E731
    result = train(small, mnist, on_progress=on_epoch, checkpoint_path=checkpoint)
    # Each epoch is reported before its checkpoint is written: what the page saw of epoch N, the checkpoint of N - 1.
    assert saved_after[0] is None and saved_after[1].epochs_completed == 1
    kept = read_run_record(checkpoint)
    assert kept.status == "stopped" and kept.epochs == result.history.epochs
    assert kept.test_accuracy == pytest.approx(result.history.test_accuracy), "validated on the test set: the test result"
    assert len(load_snapshots(snapshot_path_for(checkpoint))) == len(kept.snapshots) == len(result.history.snapshots)

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = train(small, mnist, checkpoint_path=blocked / ".run-2.checkpoint.keras")
    assert result.history.status == "finished" and len(result.history.epochs) == 2
    assert "The checkpoint after epoch 1 was not written" in capfd.readouterr().err


@pytest.mark.slow
def test_batch_reports_average_the_interval_exactly(mnist, monkeypatch):
    # With a report after every batch, the interval means must average back to the epoch mean.
    monkeypatch.setattr("model.training.steps.PROGRESS_INTERVAL_SECONDS", 0.0)
    reports = []
    train(TINY.with_overrides(epochs=1, dropout_rate=0.0), mnist, on_progress=reports.append)
    batches = [r for r in reports if isinstance(r, BatchProgress)]
    epoch = next(r for r in reports if isinstance(r, EpochProgress))
    assert len(batches) == 16
    weights = np.diff([0] + [b.samples_seen for b in batches])
    assert np.average([b.loss for b in batches], weights=weights) == pytest.approx(epoch.loss, rel=1e-4)


@pytest.mark.slow
def test_should_stop_ends_training_cleanly(mnist):
    calls = {"count": 0}

    def stop_after_five_batches():
        calls["count"] += 1
        return calls["count"] >= 5

    result = train(TINY.with_overrides(epochs=5), mnist, should_stop=stop_after_five_batches)
    assert result.history.status == "stopped"
    assert result.history.epochs == ()  # The partial first epoch is not reported as one.
    assert len(result.history.batches) >= 1
    assert 0 <= result.history.test_accuracy <= 1
    assert result.history.snapshots == (0.0, 0.125, 0.25)  # Stopped after batch 5 of 16: 1/8 (batch 2) and 1/4 (batch 4) kept.


@pytest.mark.slow
def test_augmented_training_runs(mnist):
    result = train(TINY.with_overrides(epochs=1, augment=True), mnist)
    assert result.history.status == "finished" and result.history.config.augment is True


@pytest.mark.slow
def test_a_run_can_start_from_a_saved_model_of_its_shape(mnist, tmp_path):
    first = train(TINY.with_overrides(epochs=1, train_subset=256, augment=True, augment_style="canvas"), mnist)
    saved = save_result(first, tmp_path / "first.keras")
    second = train(TINY.with_overrides(epochs=1, train_subset=256, start_from=str(saved)), mnist)
    before_training = second.snapshots[0]
    assert before_training.epochs_done == 0.0
    for started, trained in zip(before_training.lstm, first.snapshots[-1].lstm):
        for array, expected in zip(started, trained):
            np.testing.assert_allclose(array, expected, atol=1e-3)  # Snapshots are float16.
    assert second.history.config.start_from == str(saved)
    with pytest.raises(ValueError, match="another network"):
        train(TINY.with_overrides(epochs=1, train_subset=256, units=32, start_from=str(saved)), mnist)


def test_blank_rows_follow_half_the_batches_and_grow_with_the_curriculum():
    images, labels = np.ones((1280, 28, 28), np.float32), np.zeros(1280, dtype=int)
    config = TrainConfig(batch_size=128, epochs=4, max_blank_rows=112, seed=3)
    batches = TrainingBatches(images, labels, config)  # 10 batches an epoch, the limit reaching 112 after 20.
    first_epoch = [batches.blank_rows_of(index) for index in range(10)]
    assert first_epoch[0] != first_epoch[1]  # Keras reads the rows axis as variable from the first two batches.
    assert all(blank <= round(112 * (index + 1) / 20) for index, blank in enumerate(first_epoch))
    x, y = batches[4]
    assert x.shape == (128, 28 + first_epoch[4], 28) and np.all(x[:, 28:] == 0) and np.all(x[:, :28] == 1)
    all_at_once = TrainingBatches(
        np.ones((6400, 28, 28), np.float32), np.zeros(6400, dtype=int), config.with_overrides(blank_rows_curriculum=False)
    )
    all_at_once.on_epoch_begin()  # Keras counts epochs by calling on_epoch_begin.
    later = [all_at_once.blank_rows_of(index) for index in range(50)]
    assert 0 in later and max(later) > 56  # Half the batches have none; the others range up to 112.
    assert TrainingBatches(images, labels, TrainConfig(batch_size=128)).blank_rows_of(3) == 0
