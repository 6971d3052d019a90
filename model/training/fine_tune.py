"""Teach a copy of a trained model a handful of corrected drawings, mixed with MNIST so it does not forget.

`fine_tune(base_model_path, images, labels, data, settings, on_progress, should_stop)` loads the
model, fits it for `settings.steps` batches of lightly distorted corrections and MNIST training
images, and reports progress through the same `ProgressReporter` as `train` (throttled batch
reports, one epoch report with the MNIST test set as validation, the stop poll). Its record says
how the corrections and the MNIST test set were read before and after. It knows nothing of a page:
the training process runs it as the "fine_tune" job.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np

from model.augmentation.augment import augment_batch
from model.config import FineTuneConfig, TrainConfig
from model.data import Split
from model.network import detect_device, lstm_layers_of
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, NUMBER_OF_CLASSES
from model.training.record import FineTuneOutcome, RunRecord, read_run_record
from model.training.steps import ProgressReporter, validate
from model.training.store import load_model
from model.training.train import ProgressCallback, TrainResult, library_versions, now


def _check_corrections(images: np.ndarray, labels: np.ndarray, settings: FineTuneConfig) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels).astype(np.int64)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3 or images.shape[1:] != (IMAGE_ROWS, IMAGE_COLUMNS):
        raise ValueError(f"Corrections must be {IMAGE_ROWS}×{IMAGE_COLUMNS} images, got shape {images.shape}.")
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(f"Give at least one correction, with one label each (got {len(images)} images and {len(labels)} labels).")
    if len(images) > settings.max_corrections:
        raise ValueError(f"At most {settings.max_corrections} corrections can be taught at once, not {len(images)}.")
    if not np.isfinite(images).all() or images.min() < 0 or images.max() > 1:
        raise ValueError("Correction images must hold values between 0 and 1.")
    if labels.min() < 0 or labels.max() >= NUMBER_OF_CLASSES:
        raise ValueError("Correction labels must be digits from 0 to 9.")
    return images, labels


def _base_config(base_model_path, model: keras.Model, settings: FineTuneConfig, mnist_images: int) -> TrainConfig:
    """The base run's architecture (from its record, else from the model), with the fine-tune's own step settings."""
    try:
        base_record = read_run_record(base_model_path)
    except ValueError:
        base_record = None
    base = base_record.config if base_record is not None else TrainConfig(units=lstm_layers_of(model)[0].units)
    return base.with_overrides(
        epochs=1, batch_size=settings.batch_size, learning_rate=settings.learning_rate, learning_rate_schedule="constant",
        warmup_fraction=0.0, seed=settings.seed, train_subset=mnist_images, validation="test", augment=True,
    )  # fmt: skip


def fine_tune(
    base_model_path: str | os.PathLike,
    images: np.ndarray,
    labels: np.ndarray,
    data: tuple[Split, Split],
    settings: FineTuneConfig = FineTuneConfig(),
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Teach a copy of the model at `base_model_path` some corrected drawings, mixed with MNIST so it does not forget.

    `images` (N×28×28 in [0, 1]) are the visitor's drawings and `labels` what they really are.
    Every step trains on a batch of lightly distorted corrections and MNIST training images; the
    record says how the corrections and the MNIST test set were read before and after.
    """
    images, labels = _check_corrections(images, labels, settings)
    keras.utils.set_random_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    model = load_model(base_model_path)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    (x_train, y_train), (x_test, y_test) = data
    pool = rng.permutation(len(x_train))[: settings.mnist_pool]
    x_test = x_test.astype(np.float32) / 255
    config = _base_config(base_model_path, model, settings, len(pool))
    started_at, started = now(), time.perf_counter()
    before = validate(model, x_test, y_test)
    predictions_before = np.asarray(model.predict(images, verbose=0)).argmax(axis=1)
    reporter = ProgressReporter(
        config, settings.steps, settings.steps * settings.batch_size, on_progress, should_stop, (x_test, y_test),
        report_a_stopped_epoch=True,
    )  # fmt: skip
    batches = _mixed_batches(images, labels, x_train, y_train, pool, settings, rng)
    model.fit(batches, steps_per_epoch=settings.steps, epochs=1, callbacks=[reporter], shuffle=False, verbose=0)
    train_seconds = time.perf_counter() - started
    (epoch,) = reporter.epochs  # Its validation is the MNIST test set, after teaching.
    predictions_after = np.asarray(model.predict(images, verbose=0)).argmax(axis=1)
    steps_done = reporter.batches[-1].batch if reporter.batches else 0
    outcome = FineTuneOutcome(
        base_model=Path(base_model_path).name, corrections=len(images), steps=steps_done,
        corrections_right_before=int((predictions_before == labels).sum()),
        corrections_right_after=int((predictions_after == labels).sum()),
        mnist_accuracy_before=before.accuracy, mnist_accuracy_after=epoch.val_accuracy,
        predictions_before=[int(value) for value in predictions_before], predictions_after=[int(value) for value in predictions_after],
        labels=[int(value) for value in labels],
    )  # fmt: skip
    record = RunRecord(
        config=config, status="stopped" if reporter.stopped else "finished",
        device=detect_device().describe(), train_size=len(pool), batches=tuple(reporter.batches), epochs=(epoch,),
        test_accuracy=epoch.val_accuracy, test_loss=epoch.val_loss, seconds=time.perf_counter() - started, train_seconds=train_seconds,
        started=started_at, finished=now(), versions=library_versions(), kind="fine_tune", fine_tune=outcome,
    )  # fmt: skip
    return TrainResult(model=model, history=record, snapshots=[])


def _mixed_batches(images, labels, x_train, y_train, pool, settings: FineTuneConfig, rng) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches without end, drawn in turn from `rng`: distorted corrections, then MNIST training images from `pool`."""
    mnist_per_batch = settings.batch_size - settings.corrections_per_batch
    while True:
        chosen = rng.integers(len(images), size=settings.corrections_per_batch)
        from_mnist = rng.choice(pool, size=mnist_per_batch)
        x = np.concatenate([augment_batch(images[chosen], rng), x_train[from_mnist].astype(np.float32) / 255])
        y = np.concatenate([labels[chosen], y_train[from_mnist]])
        yield x, y
