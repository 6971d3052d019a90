"""How long a training run will take on this machine, estimated from past runs on the same device.

A run's time is mostly images × the network's work per image. `estimate_seconds` takes the most
similar past run on the same device (same units and batch size if there is one), measures its
seconds per unit of work, and scales that to the new config: training images per epoch, epochs,
the validation pass after each epoch (a forward pass, about a third of a training step's work),
and the LSTM's size. It is an estimate, said as one; no Keras and no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model.config import TrainConfig
from model.shapes import IMAGE_ROWS
from model.training.record import RunRecord

MNIST_TRAIN_IMAGES = 60000
MNIST_TEST_IMAGES = 10000
VALIDATION_WORK_PER_IMAGE = 1 / 3  # A forward pass only, in big batches.
FEW_TRAINING_IMAGES = 1000  # Below this, ten digits' worth of handwriting is too little to learn from.
FEW_WEIGHT_UPDATES = 100  # Below this many steps, a network from scratch has barely moved from its random start.


@dataclass(frozen=True)
class Estimate:
    seconds: float
    reference_started: str  # When the past run it is scaled from started.
    same_shape: bool  # The reference had the same units and batch size.


def work_per_image(config: TrainConfig) -> float:
    """Multiply-adds of one image through the LSTM stack (28 rows), the part that dominates the time."""
    inputs, total = IMAGE_ROWS, 0
    for _ in range(config.lstm_layers):
        total += 4 * config.units * (inputs + config.units + 1)
        inputs = config.units
    return IMAGE_ROWS * total


def training_images(config: TrainConfig) -> int:
    available = MNIST_TRAIN_IMAGES
    if config.validation == "split":
        available -= round(MNIST_TRAIN_IMAGES * config.validation_split)
    return min(config.train_subset, available) if config.train_subset else available


def validation_images(config: TrainConfig) -> int:
    return MNIST_TEST_IMAGES if config.validation == "test" else round(MNIST_TRAIN_IMAGES * config.validation_split)


def _work(config: TrainConfig, trained_images: int, epochs_validated: int) -> float:
    return work_per_image(config) * (trained_images + VALIDATION_WORK_PER_IMAGE * epochs_validated * validation_images(config))


def estimate_seconds(config: TrainConfig, past: Sequence[RunRecord], device: str) -> Estimate | None:
    """Seconds `config` should take on `device`, scaled from the most similar past run there; None without one."""
    usable = [record for record in past if record.device == device and record.kind == "train" and record.samples_trained > 0]
    if not usable:
        return None

    def similarity(record: RunRecord) -> tuple:
        same_units = record.config.units == config.units and record.config.lstm_layers == config.lstm_layers
        return (same_units and record.config.batch_size == config.batch_size, same_units, record.started)

    reference = max(usable, key=similarity)
    seconds_per_work = reference.train_seconds / _work(reference.config, reference.samples_trained, len(reference.epochs))
    seconds = seconds_per_work * _work(config, training_images(config) * config.epochs, config.epochs)
    return Estimate(seconds=seconds, reference_started=reference.started, same_shape=similarity(reference)[0])


@dataclass(frozen=True)
class SettingProblems:
    """What is wrong with a run's settings before it starts: `refusals` stop Start, `warnings` let it go with a reason."""

    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def setting_problems(config: TrainConfig) -> SettingProblems:
    """Settings that cannot learn, said with the reason: fewer images than one batch is refused; a handful of images,
    or so few weight updates that the network barely leaves its random start, is warned about."""
    images = training_images(config)
    if images < config.batch_size:
        return SettingProblems(
            refusals=(
                f"{images:,} training image{'' if images == 1 else 's'} is fewer than one batch of {config.batch_size}: "
                "every step would see the same few images, and the network would learn them, not handwriting. "
                f"Choose at least {config.batch_size} images (or {FEW_TRAINING_IMAGES:,}, or 0 for all), or a smaller batch.",
            )
        )
    warnings = []
    if images < FEW_TRAINING_IMAGES:
        warnings.append(
            f"Only {images:,} training images: too few to learn ten digits' handwriting. Expect a test accuracy not far "
            f"above chance (10%); {FEW_TRAINING_IMAGES:,} or more is a sensible start."
        )
    updates = -(-images // config.batch_size) * config.epochs
    if updates < FEW_WEIGHT_UPDATES:
        warnings.append(
            f"Only {updates} weight update{'' if updates == 1 else 's'} in all ({images:,} images in batches of "
            f"{config.batch_size}, {config.epochs} epoch{'' if config.epochs == 1 else 's'}): the network will barely move "
            "from its random start. More images or epochs, or a smaller batch, give it more steps."
        )
    return SettingProblems(warnings=tuple(warnings))
