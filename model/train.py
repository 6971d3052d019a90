"""Train the row-reading LSTM: one config object of defaults, one `train()` function, and a CLI.

`TrainConfig` holds every hyperparameter with its default; callers override fields by name.
`train(config, data, on_progress, should_stop)` fits the network and reports progress through the
callback it is handed (throttled per-batch metrics, and per-epoch metrics with validation), polls
`should_stop` between batches, and returns the model with its history. It knows nothing of any
page: the app's worker and `python -m model.train` are both just callers.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import keras
import numpy as np

from model.augment import augment_batch
from model.config import SEED_RECIPE, BatchProgress, EpochProgress, TrainConfig  # noqa: F401  (re-exported)
from model.data import Split
from model.network import build_model, detect_device

PROGRESS_INTERVAL_SECONDS = 0.25


@dataclass
class TrainResult:
    model: keras.Model
    history: dict


ProgressCallback = Callable[[BatchProgress | EpochProgress], None]


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches of freshly distorted training images, a new draw every epoch.

    Each batch's randomness comes from (seed, epoch, batch index) alone, so batches prepared by
    parallel workers are reproducible and never share a draw.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int):
        workers = max(1, min(8, (os.cpu_count() or 1) - 1))
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=4 * workers)
        self.images, self.labels, self.batch_size, self.seed = images, labels, batch_size, seed
        self.epoch = 0
        self.order = np.random.default_rng([seed, self.epoch]).permutation(len(images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int):
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return augment_batch(self.images[chosen], rng), self.labels[chosen]

    def on_epoch_end(self):
        self.epoch += 1
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))


class _ProgressReporter(keras.callbacks.Callback):
    """Turns Keras's running epoch means into throttled interval reports, and polls for a stop."""

    def __init__(self, config, batches_per_epoch, train_size, on_progress, should_stop, history, watched_images=None):
        super().__init__()
        self.watched_images = watched_images
        self.config, self.batches_per_epoch, self.train_size = config, batches_per_epoch, train_size
        self.on_progress, self.should_stop, self.history = on_progress, should_stop, history
        self.start = time.perf_counter()
        self.stopped = False

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.reported_samples, self.reported_loss_sum, self.reported_correct = 0, 0.0, 0.0
        self.last_report = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        samples = min((batch + 1) * self.config.batch_size, self.train_size)
        now = time.perf_counter()
        last_batch = batch + 1 == self.batches_per_epoch
        if now - self.last_report >= PROGRESS_INTERVAL_SECONDS or last_batch:
            # Keras reports sample-weighted means since the epoch began; take the part since the last report.
            loss_sum, correct = float(logs["loss"]) * samples, float(logs["accuracy"]) * samples
            interval = samples - self.reported_samples
            if interval > 0:
                report = BatchProgress(
                    epoch=self.epoch + 1,
                    epochs=self.config.epochs,
                    batch=batch + 1,
                    batches_per_epoch=self.batches_per_epoch,
                    samples_seen=self.epoch * self.train_size + samples,
                    seconds=now - self.start,
                    loss=(loss_sum - self.reported_loss_sum) / interval,
                    accuracy=(correct - self.reported_correct) / interval,
                )
                self.history["batches"].append(dataclasses.asdict(report))
                self._emit(report)
            self.reported_samples, self.reported_loss_sum, self.reported_correct = samples, loss_sum, correct
            self.last_report = now
        if self.should_stop is not None and self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        report = EpochProgress(
            epoch=epoch + 1,
            epochs=self.config.epochs,
            samples_seen=(epoch + 1) * self.train_size,
            seconds=time.perf_counter() - self.start,
            loss=float(logs.get("loss", math.nan)),
            accuracy=float(logs.get("accuracy", math.nan)),
            val_loss=float(logs.get("val_loss", math.nan)),
            val_accuracy=float(logs.get("val_accuracy", math.nan)),
        )
        if self.stopped and self.reported_samples < self.train_size:
            return  # A stopped, partial epoch is not reported as an epoch.
        self.history["epochs"].append(dataclasses.asdict(report))
        if self.watched_images is not None:
            watched = np.asarray(self.model.predict(self.watched_images, verbose=0), dtype=float)
            report = dataclasses.replace(report, watched_probabilities=watched.round(4).tolist())
        self._emit(report)

    def _emit(self, report):
        if self.on_progress is not None:
            self.on_progress(report)


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
            lstm_layers=config.lstm_layers,
            dropout_rate=config.dropout_rate,
            dense_units=config.dense_units,
            learning_rate=_learning_rate(config, total_steps),
        )

    if device.backend == "tensorflow" and device.gpu_count > 1:
        import tensorflow as tf

        with tf.distribute.MirroredStrategy().scope():
            return build()
    return build()


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
    model = _build(config, batches_per_epoch * config.epochs, device)
    history = {
        "format": 1,
        "config": dataclasses.asdict(config),
        "device": device.describe(),
        "train_size": len(x_train),
        "batches": [],
        "epochs": [],
        "versions": {"keras": keras.__version__, "backend": keras.backend.backend(), "python": platform.python_version()},
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    reporter = _ProgressReporter(config, batches_per_epoch, len(x_train), on_progress, should_stop, history, watched_images)
    if config.augment:
        fit_data = {"x": AugmentedBatches(x_train, y_train, config.batch_size, config.seed)}
    else:
        fit_data = {"x": x_train, "y": y_train, "batch_size": config.batch_size, "shuffle": True}
    started = time.perf_counter()
    model.fit(
        **fit_data,
        epochs=config.epochs,
        validation_data=(x_validation, y_validation),
        callbacks=[reporter],
        verbose=0,
    )
    history["train_seconds"] = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    history.update(
        status="stopped" if reporter.stopped else "finished",
        test_loss=float(test_loss),
        test_accuracy=float(test_accuracy),
        seconds=time.perf_counter() - started,
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return TrainResult(model=model, history=history)


if __name__ == "__main__":
    from model.cli import main

    sys.exit(main())
