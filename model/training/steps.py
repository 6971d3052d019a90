"""The pieces of one training run that `model.training.train` puts together: batches, reports, validation, snapshots.

`TrainingBatches` feeds freshly distorted images, or images followed by blank rows; `ProgressReporter` is the Keras callback that
turns Keras's running means into throttled `BatchProgress` reports, validates after each epoch
(`validate`: loss, accuracy and per-digit accuracy), takes the weight snapshots of the time-lapse
(`network_weights`), and polls for a stop. None of it knows who listens.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass

import keras
import numpy as np

from model.augmentation.augment import augment_batch
from model.config import BatchProgress, EpochProgress, TrainConfig
from model.network import recurrent_layers_of
from model.preprocess import with_blank_rows
from model.shapes import NUMBER_OF_CLASSES
from model.training.snapshots import FIRST_EPOCH_FRACTIONS, WeightSnapshot, moments_to_keep

PROGRESS_INTERVAL_SECONDS = 0.25
NO_GAP_SHARE = 0.5  # The share of batches read with no blank rows after them when training for memory.


class TrainingBatches(keras.utils.PyDataset):
    """Shuffled training batches, a new draw every epoch: freshly distorted images, blank rows after them, or both.

    With `max_blank_rows`, each batch's images are followed by the same number of blank rows,
    so the network must carry its answer across the gap: half the batches (`NO_GAP_SHARE`) have
    none, the others from 1 to a limit that grows to `max_blank_rows` over the first half of the
    run's batches (`blank_rows_curriculum`: a network learns to read before it is asked to
    remember; without it, the limit is `max_blank_rows` from the first batch). Each batch's
    randomness comes from (seed, epoch, batch index) alone, so batches prepared by parallel workers
    are reproducible and never share a draw.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, config: TrainConfig):
        workers = max(1, min(8, (os.cpu_count() or 1) - 1))
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=4 * workers)
        self.images, self.labels, self.config = images, labels, config
        self.batch_size, self.seed = config.batch_size, config.seed
        self.epoch = 0
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(images))
        self.begun = False

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def blank_rows_of(self, index: int) -> int:
        """How many blank rows follow batch `index` of this epoch.

        Keras takes the batches' shape from the first two it sees, so those two always differ in
        length: the rows axis is then variable, and no later length is refused.
        """
        most = self.config.max_blank_rows
        if not most:
            return 0
        ramp_batches = max(1, self.config.epochs * len(self) // 2) if self.config.blank_rows_curriculum else 1
        limit = round(most * min(1.0, (self.epoch * len(self) + index + 1) / ramp_batches))
        rng = np.random.default_rng([self.seed, self.epoch, index, 1])
        blank_rows = int(rng.integers(1, limit + 1)) if limit and rng.random() >= NO_GAP_SHARE else 0
        if index == 1 and blank_rows == self.blank_rows_of(0):
            blank_rows = 1 - blank_rows if limit else 1
        return blank_rows

    def __getitem__(self, index: int):
        chosen = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        images = self.images[chosen].astype(np.float32, copy=False)
        if self.config.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            images = augment_batch(images, rng, self.config.augment_style, labels=self.labels[chosen])
        blank_rows = self.blank_rows_of(index)
        if blank_rows:
            images = with_blank_rows(images, blank_rows)
        return images, self.labels[chosen]

    def on_epoch_begin(self):
        # Keras also calls on_epoch_end once before the first epoch, so epochs are counted here.
        if self.begun:
            self.epoch += 1
            self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))
        self.begun = True


class ProgressReporter(keras.callbacks.Callback):
    """Throttled interval reports, a validation pass and snapshots after each epoch, and the stop poll."""

    def __init__(
        self, config, batches_per_epoch, train_size, on_progress, should_stop, validation, watched_images=None, report_a_stopped_epoch=False
    ):
        """`report_a_stopped_epoch`: report an epoch a stop cut short too (a fine-tune's one epoch), with the samples it saw."""
        super().__init__()
        self.report_a_stopped_epoch = report_a_stopped_epoch
        self.config, self.batches_per_epoch, self.train_size = config, batches_per_epoch, train_size
        self.on_progress, self.should_stop = on_progress, should_stop
        self.validation, self.watched_images = validation, watched_images
        self.batches: list[BatchProgress] = []
        self.epochs: list[EpochProgress] = []
        self.snapshots: list[WeightSnapshot] = []
        self.kept_epochs = {moment for moment in moments_to_keep(config.epochs) if moment >= 1}
        # Within the first epoch: after which batch to keep which fraction (a short epoch may merge some).
        self.first_epoch_moments = {}
        for fraction in FIRST_EPOCH_FRACTIONS:
            self.first_epoch_moments.setdefault(max(1, round(fraction * batches_per_epoch)), fraction)
        self.start = time.perf_counter()
        self.stopped = False

    def on_train_begin(self, logs=None):
        self._snapshot(0.0)

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
                self.batches.append(report)
                self._emit(report)
            self.reported_samples, self.reported_loss_sum, self.reported_correct = samples, loss_sum, correct
            self.last_report = now
        if self.epoch == 0 and not last_batch and batch + 1 in self.first_epoch_moments:
            self._snapshot(self.first_epoch_moments[batch + 1])
        if self.should_stop is not None and self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped and self.reported_samples < self.train_size and not self.report_a_stopped_epoch:
            return  # A stopped, partial epoch is not reported as an epoch.
        logs = logs or {}
        validation = validate(self.model, *self.validation)
        report = EpochProgress(
            epoch=epoch + 1,
            epochs=self.config.epochs,
            samples_seen=epoch * self.train_size + self.reported_samples,
            seconds=time.perf_counter() - self.start,
            loss=float(logs.get("loss", math.nan)),
            accuracy=float(logs.get("accuracy", math.nan)),
            val_loss=validation.loss,
            val_accuracy=validation.accuracy,
            val_class_accuracy=validation.class_accuracy,
        )
        if self.watched_images is not None:
            watched = np.asarray(self.model.predict(self.watched_images, verbose=0), dtype=float)
            report = dataclasses.replace(report, watched_probabilities=watched.round(4).tolist())
        self.epochs.append(report)
        if epoch + 1 in self.kept_epochs:
            self._snapshot(float(epoch + 1))
        self._emit(report)

    def _snapshot(self, epochs_done: float) -> None:
        lstm, head = network_weights(self.model)
        self.snapshots.append(WeightSnapshot(epochs_done, lstm, head))

    def _emit(self, report):
        if self.on_progress is not None:
            self.on_progress(report)


@dataclass(frozen=True)
class Validation:
    loss: float
    accuracy: float
    class_accuracy: list[float]  # Per digit; NaN for a digit the validation set lacks.
    predictions: np.ndarray


def validate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Validation:
    """Loss, accuracy and per-digit accuracy of `model` on `images` (floats in [0, 1])."""
    probabilities = np.asarray(model.predict(images, batch_size=1024, verbose=0), dtype=np.float64)
    predictions = probabilities.argmax(axis=1)
    right = predictions == labels
    confidence_in_truth = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    counts = np.bincount(labels, minlength=NUMBER_OF_CLASSES)
    hits = np.bincount(labels[right], minlength=NUMBER_OF_CLASSES)
    with np.errstate(invalid="ignore", divide="ignore"):
        class_accuracy = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
    return Validation(
        loss=float(-np.log(confidence_in_truth).mean()) if len(labels) else math.nan,
        accuracy=float(right.mean()) if len(labels) else math.nan,
        class_accuracy=[round(float(value), 5) for value in class_accuracy],
        predictions=predictions,
    )


def network_weights(model: keras.Model) -> tuple[list, list]:
    """The model's weights as `Probe.from_weights` takes them: LSTM (kernel, recurrent, bias), Dense (kernel, bias, activation)."""
    lstm_layers = recurrent_layers_of(model)
    lstm = [tuple(np.array(weight) for weight in layer.get_weights()) for layer in lstm_layers]
    head = []
    for layer in model.layers[model.layers.index(lstm_layers[-1]) + 1 :]:
        if isinstance(layer, keras.layers.Dense):
            activation = keras.activations.serialize(layer.activation)
            activation = activation if isinstance(activation, str) else activation.get("config", {}).get("name", "")
            kernel, bias = (np.array(weight) for weight in layer.get_weights())
            head.append((kernel, bias, activation))
    return lstm, head
