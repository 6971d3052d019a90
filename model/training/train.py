"""Train the row-reading LSTM: one config object of defaults, one `train()` function, and a CLI.

`TrainConfig` holds every hyperparameter with its default; callers override fields by name.
`train(config, data, on_progress, should_stop)` fits the network and reports progress through the
callback it is handed (throttled per-batch metrics, and per-epoch metrics with validation), polls
`should_stop` between batches, and returns the model with its typed `RunRecord` and a few weight
snapshots (before training, within the first epoch, after every epoch) for the time-lapse.
`fine_tune(...)` teaches a copy of a trained model a handful of corrected drawings, mixed with
MNIST so it does not forget. Neither knows anything of a page: the app's worker and
`python -m model.training` are both just callers. The callback, validation pass and snapshot-taking
they share are in `model.training.steps`.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np

from model.config import SEED_RECIPE, BatchProgress, EpochProgress, FineTuneConfig, TrainConfig  # noqa: F401  (re-exported)
from model.data import Split
from model.network import build_model, detect_device, lstm_layers_of
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, snapshot_path_for
from model.training.augment import augment_batch
from model.training.record import FineTuneOutcome, RunRecord, read_run_record
from model.training.snapshots import WeightSnapshot, save_snapshots
from model.training.steps import (  # noqa: F401  (network_weights and validate are re-exported)
    PROGRESS_INTERVAL_SECONDS,
    ProgressReporter,
    TrainingBatches,
    network_weights,
    validate,
)
from model.training.store import load_model, save_run


@dataclass
class TrainResult:
    model: keras.Model
    history: RunRecord
    snapshots: list[WeightSnapshot]


ProgressCallback = Callable[[BatchProgress | EpochProgress], None]


def split_data(config: TrainConfig, data: tuple[Split, Split]):
    """Scale to [0, 1], draw the training subset and the validation set the config asks for."""
    (x_train, y_train), (x_test, y_test) = data
    order = np.random.default_rng(config.seed).permutation(len(x_train))
    if config.validation == "split":
        validation_size = max(1, int(round(len(order) * config.validation_split)))
        validation_indices, order = order[:validation_size], order[validation_size:]
        x_validation, y_validation = x_train[validation_indices], y_train[validation_indices]
    else:
        x_validation, y_validation = x_test, y_test
    if config.train_subset:
        order = order[: config.train_subset]
    if len(order) == 0:
        raise ValueError("No training images are left after the validation split.")
    scale = np.float32(1 / 255)
    return (
        (x_train[order].astype(np.float32) * scale, y_train[order]),
        (x_validation.astype(np.float32) * scale, y_validation),
        (x_test.astype(np.float32) * scale, y_test),
    )


def _learning_rate(config: TrainConfig, total_steps: int):
    if config.learning_rate_schedule == "constant":
        return config.learning_rate
    warmup_steps = int(total_steps * config.warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate * (0.1 if warmup_steps else 1.0),
        decay_steps=max(1, total_steps - warmup_steps),
        alpha=0.02,
        warmup_target=config.learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def _build(config: TrainConfig, total_steps: int, device) -> keras.Model:
    def build():
        return build_model(
            units=config.units,
            cell=config.cell,
            gradient_clip_norm=config.gradient_clip_norm,
            lstm_layers=config.lstm_layers,
            dropout_rate=config.dropout_rate,
            dense_units=config.dense_units,
            learning_rate=_learning_rate(config, total_steps),
        )

    strategy = _multi_device_strategy(device)
    if strategy is None:
        return build()
    with strategy.scope():
        return build()


def _multi_device_strategy(device):
    """A MirroredStrategy when TensorFlow sees several devices of the kind it trains on, else None.

    Several GPUs, or (in a test) several logical CPUs made with `tf.config.set_logical_device_configuration`.
    """
    if device.backend != "tensorflow":
        return None
    import tensorflow as tf

    devices = tf.config.list_logical_devices(device.kind)
    if len(devices) < 2:
        return None
    return tf.distribute.MirroredStrategy([logical.name for logical in devices])


def _versions() -> dict[str, str]:
    return {"keras": keras.__version__, "backend": keras.backend.backend(), "python": platform.python_version()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def train(
    config: TrainConfig,
    data: tuple[Split, Split],
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    watched_images: np.ndarray | None = None,
) -> TrainResult:
    """Fit a fresh network on `data` as `config` says; stop cleanly when `should_stop()` turns true.

    `watched_images` (N×28×28 in [0, 1]), if given, are classified after every epoch and the
    answers are sent with each `EpochProgress`, so a page can show the network getting better.
    """
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_validation, y_validation), (x_test, y_test) = split_data(config, data)
    batches_per_epoch = math.ceil(len(x_train) / config.batch_size)
    device = detect_device()
    started_at = _now()
    model = _build(config, batches_per_epoch * config.epochs, device)
    reporter = ProgressReporter(
        config, batches_per_epoch, len(x_train), on_progress, should_stop, (x_validation, y_validation), watched_images
    )
    if config.augment or config.max_blank_rows:
        fit_data = {"x": TrainingBatches(x_train, y_train, config)}
    else:
        fit_data = {"x": x_train, "y": y_train, "batch_size": config.batch_size, "shuffle": True}
    started = time.perf_counter()
    model.fit(**fit_data, epochs=config.epochs, callbacks=[reporter], verbose=0)
    train_seconds = time.perf_counter() - started
    finished_all = not reporter.stopped and len(reporter.epochs) == config.epochs
    if config.validation == "test" and finished_all:
        test_loss, test_accuracy = reporter.epochs[-1].val_loss, reporter.epochs[-1].val_accuracy  # Just measured.
    else:
        test = validate(model, x_test, y_test)
        test_loss, test_accuracy = test.loss, test.accuracy
    record = RunRecord(
        config=config,
        status="stopped" if reporter.stopped else "finished",
        device=device.describe(),
        train_size=len(x_train),
        batches=tuple(reporter.batches),
        epochs=tuple(reporter.epochs),
        test_accuracy=float(test_accuracy),
        test_loss=float(test_loss),
        seconds=time.perf_counter() - started,
        train_seconds=train_seconds,
        started=started_at,
        finished=_now(),
        versions=_versions(),
        snapshots=tuple(snapshot.epochs_done for snapshot in reporter.snapshots),
    )
    return TrainResult(model=model, history=record, snapshots=reporter.snapshots)


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
    if labels.min() < 0 or labels.max() > 9:
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
    started_at, started = _now(), time.perf_counter()
    before = validate(model, x_test, y_test)
    predictions_before = np.asarray(model.predict(images, verbose=0)).argmax(axis=1)
    mnist_per_batch = settings.batch_size - settings.corrections_per_batch
    batches, stopped, last_report = [], False, time.perf_counter()
    for step in range(settings.steps):
        chosen = rng.integers(len(images), size=settings.corrections_per_batch)
        from_mnist = rng.choice(pool, size=mnist_per_batch)
        x = np.concatenate([augment_batch(images[chosen], rng), x_train[from_mnist].astype(np.float32) / 255])
        y = np.concatenate([labels[chosen], y_train[from_mnist]])
        logs = model.train_on_batch(x, y, return_dict=True)
        now = time.perf_counter()
        if now - last_report >= PROGRESS_INTERVAL_SECONDS or step + 1 == settings.steps:
            report = BatchProgress(
                epoch=1, epochs=1, batch=step + 1, batches_per_epoch=settings.steps, samples_seen=(step + 1) * settings.batch_size,
                seconds=now - started, loss=float(logs["loss"]), accuracy=float(logs["accuracy"]),
            )  # fmt: skip
            batches.append(report)
            if on_progress is not None:
                on_progress(report)
            last_report = now
        if should_stop is not None and should_stop():
            stopped = True
            break
    train_seconds = time.perf_counter() - started
    after = validate(model, x_test, y_test)
    predictions_after = np.asarray(model.predict(images, verbose=0)).argmax(axis=1)
    steps_done = batches[-1].batch if batches else 0
    epoch = EpochProgress(
        epoch=1, epochs=1, samples_seen=steps_done * settings.batch_size, seconds=time.perf_counter() - started,
        loss=batches[-1].loss if batches else math.nan, accuracy=batches[-1].accuracy if batches else math.nan,
        val_loss=after.loss, val_accuracy=after.accuracy, val_class_accuracy=after.class_accuracy,
    )  # fmt: skip
    if on_progress is not None:
        on_progress(epoch)
    outcome = FineTuneOutcome(
        base_model=Path(base_model_path).name, corrections=len(images), steps=steps_done,
        corrections_right_before=int((predictions_before == labels).sum()),
        corrections_right_after=int((predictions_after == labels).sum()),
        mnist_accuracy_before=before.accuracy, mnist_accuracy_after=after.accuracy,
        predictions_before=[int(value) for value in predictions_before], predictions_after=[int(value) for value in predictions_after],
        labels=[int(value) for value in labels],
    )  # fmt: skip
    record = RunRecord(
        config=_base_config(base_model_path, model, settings, len(pool)), status="stopped" if stopped else "finished",
        device=detect_device().describe(), train_size=len(pool), batches=tuple(batches), epochs=(epoch,),
        test_accuracy=after.accuracy, test_loss=after.loss, seconds=time.perf_counter() - started, train_seconds=train_seconds,
        started=started_at, finished=_now(), versions=_versions(), kind="fine_tune", fine_tune=outcome,
    )  # fmt: skip
    return TrainResult(model=model, history=record, snapshots=[])


def save_result(result: TrainResult, model_path: str | os.PathLike) -> Path:
    """Save a run: its snapshots first, then the model with its record (which lists them), each atomically."""
    if result.snapshots:
        save_snapshots(result.snapshots, snapshot_path_for(model_path))
    return save_run(result.model, result.history, model_path)
