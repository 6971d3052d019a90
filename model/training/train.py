"""Train the row-reading network: one `train()` function driven by one config object of defaults.

`TrainConfig` (in `model.config`) holds every hyperparameter with its default; callers override
fields by name. `train(config, data, on_progress, should_stop)` fits the network and reports
progress through the callback it is handed (throttled per-batch metrics, and per-epoch metrics
with validation), polls `should_stop` between batches, and returns the model with its typed
`RunRecord` and a few weight snapshots (before training, within the first epoch, after every
epoch) for the time-lapse; `save_result` saves them. It knows nothing of a page: the training
process and `python -m model.training` are both just callers. The progress reporter, validation
pass and snapshot-taking are in `model.training.steps`; teaching a trained model a visitor's
drawings is `model.training.fine_tune`.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np

from model.config import SEED_RECIPE, BatchProgress, EpochProgress, FineTuneConfig, TrainConfig  # noqa: F401  (re-exported)
from model.data import Split
from model.network import build_model, detect_device
from model.shapes import snapshot_path_for
from model.training.record import RunRecord
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


def _start_from(model: keras.Model, model_path: str) -> None:
    """Copy a saved model's weights into the freshly built `model`; a model of another shape is refused with a ValueError."""
    saved_weights = load_model(model_path).get_weights()
    if [w.shape for w in model.get_weights()] != [w.shape for w in saved_weights]:
        raise ValueError(f"{Path(model_path).name} is another network than this run's, so it cannot start it.")
    model.set_weights(saved_weights)


def library_versions() -> dict[str, str]:
    return {"keras": keras.__version__, "backend": keras.backend.backend(), "python": platform.python_version()}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def train(
    config: TrainConfig,
    data: tuple[Split, Split],
    on_progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    watched_images: np.ndarray | None = None,
    checkpoint_path: str | os.PathLike | None = None,
) -> TrainResult:
    """Fit a fresh network on `data` as `config` says; stop cleanly when `should_stop()` turns true.

    `watched_images` (N×28×28 in [0, 1]), if given, are classified after every epoch and the
    answers are sent with each `EpochProgress`, so a page can show the network getting better.
    `checkpoint_path`, if given, receives the run as it stands after every completed epoch
    (`EpochCheckpoint`), from which a killed run is saved (`model.training.checkpoint`).
    """
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_validation, y_validation), (x_test, y_test) = split_data(config, data)
    batches_per_epoch = math.ceil(len(x_train) / config.batch_size)
    device = detect_device()
    started_at = now()
    model = _build(config, batches_per_epoch * config.epochs, device)
    if config.start_from:
        _start_from(model, config.start_from)
    reporter = ProgressReporter(
        config, batches_per_epoch, len(x_train), on_progress, should_stop, (x_validation, y_validation), watched_images
    )
    if config.augment or config.max_blank_rows:
        fit_data = {"x": TrainingBatches(x_train, y_train, config)}
    else:
        fit_data = {"x": x_train, "y": y_train, "batch_size": config.batch_size, "shuffle": True}
    describe = RunDescription(config, device.describe(), len(x_train), reporter, started_at)
    callbacks = [reporter] if checkpoint_path is None else [reporter, EpochCheckpoint(checkpoint_path, describe)]
    model.fit(**fit_data, epochs=config.epochs, callbacks=callbacks, verbose=0)
    train_seconds = time.perf_counter() - describe.started
    finished_all = not reporter.stopped and len(reporter.epochs) == config.epochs
    if config.validation == "test" and finished_all:
        test_loss, test_accuracy = reporter.epochs[-1].val_loss, reporter.epochs[-1].val_accuracy  # Just measured.
    else:
        test = validate(model, x_test, y_test)
        test_loss, test_accuracy = test.loss, test.accuracy
    record = describe("stopped" if reporter.stopped else "finished", test_accuracy, test_loss, train_seconds)
    return TrainResult(model=model, history=record, snapshots=reporter.snapshots)


class RunDescription:
    """The record of a run so far: what `train` saves at the end, and each checkpoint after an epoch."""

    def __init__(self, config: TrainConfig, device: str, train_size: int, reporter: ProgressReporter, started_at: str):
        self.config, self.device, self.train_size, self.reporter, self.started_at = config, device, train_size, reporter, started_at
        self.started = time.perf_counter()

    def __call__(self, status: str, test_accuracy: float, test_loss: float, train_seconds: float | None = None) -> RunRecord:
        seconds = time.perf_counter() - self.started
        return RunRecord(
            config=self.config,
            status=status,
            device=self.device,
            train_size=self.train_size,
            batches=tuple(self.reporter.batches),
            epochs=tuple(self.reporter.epochs),
            test_accuracy=float(test_accuracy),
            test_loss=float(test_loss),
            seconds=seconds,
            train_seconds=seconds if train_seconds is None else train_seconds,
            started=self.started_at,
            finished=now(),
            versions=library_versions(),
            snapshots=tuple(snapshot.epochs_done for snapshot in self.reporter.snapshots),
        )


class EpochCheckpoint(keras.callbacks.Callback):
    """After every completed epoch, the run as it stands saved at `path` (model, record, snapshots), each atomically.

    Its record says `stopped` (what it is, should the run go no further) with the test result when the
    epoch's validation was the test set, NaN otherwise. Runs after the `ProgressReporter`, which
    reports the epoch first; an epoch a stop cut short is not reported, so not checkpointed. A
    checkpoint that cannot be written (a full disk) is told to the server's log and training goes on.
    """

    def __init__(self, path: str | os.PathLike, describe: RunDescription):
        super().__init__()
        self.path, self.describe = Path(path), describe

    def on_epoch_end(self, epoch, logs=None):
        reported = self.describe.reporter.epochs
        if not reported or reported[-1].epoch != epoch + 1:
            return
        latest = reported[-1]
        tested = self.describe.config.validation == "test"
        record = self.describe("stopped", latest.val_accuracy if tested else math.nan, latest.val_loss if tested else math.nan)
        try:
            save_result(TrainResult(self.model, record, list(self.describe.reporter.snapshots)), self.path)
        except OSError as error:  # A safety net only: a full disk must not end the run it protects.
            print(f"The checkpoint after epoch {epoch + 1} was not written: {error}", file=sys.stderr)


def save_result(result: TrainResult, model_path: str | os.PathLike) -> Path:
    """Save a run: its snapshots first, then the model with its record (which lists them), each atomically."""
    if result.snapshots:
        save_snapshots(result.snapshots, snapshot_path_for(model_path))
    return save_run(result.model, result.history, model_path)
