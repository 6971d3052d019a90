"""The plain data of training, free of Keras: the config of defaults and the progress reports.

`TrainConfig` holds every hyperparameter with its default; callers override fields by name.
`BatchProgress` and `EpochProgress` are what a training run reports as it goes, and `DeviceInfo`
says where it computes. The pages import these without pulling in TensorFlow; `model.training.train`
re-exports them for the code that trains.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class TrainConfig:
    """Every training hyperparameter, with the defaults that beat the seed recipe on time to accuracy."""

    # Two epochs at batch 256 with a high cosine peak reach 98.5% test accuracy in about half the
    # seed recipe's 3-epoch wall time on a CPU (bench/results/time_to_accuracy.txt).
    epochs: int = 2
    batch_size: int = 256
    learning_rate: float = 1e-2
    learning_rate_schedule: Literal["constant", "cosine"] = "cosine"
    warmup_fraction: float = 0.1
    units: int = 128
    lstm_layers: int = 2
    dense_units: int = 64
    dropout_rate: float = 0.1
    seed: int = 0
    train_subset: int = 0  # 0 means the whole training set.
    validation: Literal["test", "split"] = "test"
    validation_split: float = 0.1
    augment: bool = False
    augment_style: Literal["affine", "canvas"] = "affine"
    start_from: str = ""  # A saved model of the same shape whose weights start the run; empty: a random start.
    cell: Literal["lstm", "gru", "rnn"] = "lstm"
    max_blank_rows: int = 0  # 0: every image is read as its 28 rows and nothing after.
    blank_rows_curriculum: bool = True
    gradient_clip_norm: float = 0.0  # 0: no clipping.

    def __post_init__(self):
        checks = [
            (1 <= self.epochs <= 1000, f"epochs must be between 1 and 1000, got {self.epochs}"),
            (1 <= self.batch_size <= 8192, f"batch_size must be between 1 and 8192, got {self.batch_size}"),
            (0 < self.learning_rate <= 1, f"learning_rate must be in (0, 1], got {self.learning_rate}"),
            (
                self.learning_rate_schedule in ("constant", "cosine"),
                f"learning_rate_schedule must be constant or cosine, got {self.learning_rate_schedule!r}",
            ),
            (0 <= self.warmup_fraction < 1, f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}"),
            (0 <= self.dropout_rate < 1, f"dropout_rate must be in [0, 1), got {self.dropout_rate}"),
            (1 <= self.units <= 1024, f"units must be between 1 and 1024, got {self.units}"),
            (1 <= self.lstm_layers <= 4, f"lstm_layers must be between 1 and 4, got {self.lstm_layers}"),
            (1 <= self.dense_units <= 1024, f"dense_units must be between 1 and 1024, got {self.dense_units}"),
            (self.train_subset >= 0, f"train_subset must be 0 (all) or positive, got {self.train_subset}"),
            (self.validation in ("test", "split"), f"validation must be 'test' or 'split', got {self.validation!r}"),
            (0 < self.validation_split < 1, f"validation_split must be in (0, 1), got {self.validation_split}"),
            (
                self.augment_style in ("affine", "canvas"),
                f"augment_style must be affine or canvas, got {self.augment_style!r}",
            ),
            (self.cell in ("lstm", "gru", "rnn"), f"cell must be lstm, gru or rnn, got {self.cell!r}"),
            (0 <= self.max_blank_rows <= 1000, f"max_blank_rows must be between 0 and 1000, got {self.max_blank_rows}"),
            (0 <= self.gradient_clip_norm <= 100, f"gradient_clip_norm must be between 0 (off) and 100, got {self.gradient_clip_norm}"),
        ]
        for passed, message in checks:
            if not passed:
                raise ValueError(message)

    def with_overrides(self, **overrides) -> TrainConfig:
        return dataclasses.replace(self, **overrides)


# One line of help per hyperparameter, for the training form and the command line.
FIELD_HELP = {
    "epochs": "Passes over the training images; more epochs learn more and take longer.",
    "batch_size": "Images per weight update; larger batches run faster per image but update less often.",
    "learning_rate": "The largest step the optimiser (Adam) takes; too high diverges, too low crawls.",
    "learning_rate_schedule": "cosine: warm up, then glide the step size down to 2% of the peak; constant: the same step throughout.",
    "warmup_fraction": "The share of all steps spent ramping the step size up from a tenth of the peak (cosine only).",
    "units": "Memory units in each LSTM layer; more units remember more, and each costs time.",
    "lstm_layers": "How many recurrent layers read the rows one after the other.",
    "dense_units": "Units in the dense layer between the last LSTM and the ten answers.",
    "dropout_rate": "The share of units silenced at random while training, so the network does not memorise.",
    "seed": "Fixes the random start and the shuffling, so a run can be repeated.",
    "train_subset": "Train on only this many images (0: all 60,000); fewer images train faster and generalise worse.",
    "validation": "Validate after each epoch on the 10,000 test images (test) or on images split off the training set (split).",
    "validation_split": "The share of training images held out for validation when validation is split.",
    "augment": "Distort each training image a little (rotation, slant, scale, stroke width) so drawings are read better.",
    "augment_style": "How augment distorts: affine (rotation, slant, scale, stroke width) or canvas (also redrawn as the canvas draws).",
    "start_from": "Start from the weights of this saved .keras model (same network) instead of a random start; empty: random.",
    "cell": "The recurrent cell: lstm (gated memory, the tutorial's), gru (a lighter gated cell) or rnn (plain, no gates).",
    "max_blank_rows": "Follow half the training batches with 1 to this many blank rows, so the answer must be remembered across the gap.",
    "blank_rows_curriculum": "Grow the blank rows from none to the most over the first half of the run (off: the most from the start).",
    "gradient_clip_norm": "Scale each update's gradient down to at most this length (0: off); steadies a plain RNN on long sequences.",
}

# The seed article's recipe, kept for comparison in bench/ and the README.
SEED_RECIPE = TrainConfig(epochs=3, batch_size=32, learning_rate=1e-3, learning_rate_schedule="constant", warmup_fraction=0.0)


@dataclass(frozen=True)
class FineTuneConfig:
    """How a trained model is taught a visitor's corrected drawings without forgetting MNIST.

    Each step trains on one batch that mixes `corrections_per_batch` lightly distorted copies of
    the corrections with MNIST training images drawn from a pool of `mnist_pool` images, at a small
    constant learning rate: a few hundred steps take seconds and leave MNIST accuracy in place.
    """

    steps: int = 150
    batch_size: int = 64
    corrections_per_batch: int = 12
    learning_rate: float = 3e-4
    mnist_pool: int = 20000
    seed: int = 0
    max_corrections: int = 32

    def __post_init__(self):
        checks = [
            (1 <= self.steps <= 5000, f"steps must be between 1 and 5000, got {self.steps}"),
            (2 <= self.batch_size <= 1024, f"batch_size must be between 2 and 1024, got {self.batch_size}"),
            (
                1 <= self.corrections_per_batch < self.batch_size,
                f"corrections_per_batch must be at least 1 and below the batch size, got {self.corrections_per_batch}",
            ),
            (0 < self.learning_rate <= 0.1, f"learning_rate must be in (0, 0.1], got {self.learning_rate}"),
            (self.mnist_pool >= 1, f"mnist_pool must be positive, got {self.mnist_pool}"),
        ]
        for passed, message in checks:
            if not passed:
                raise ValueError(message)


@dataclass(frozen=True)
class BatchProgress:
    """Training metrics averaged over the batches since the previous report."""

    epoch: int
    epochs: int
    batch: int
    batches_per_epoch: int
    samples_seen: int
    seconds: float
    loss: float
    accuracy: float


@dataclass(frozen=True)
class EpochProgress:
    epoch: int
    epochs: int
    samples_seen: int
    seconds: float
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    watched_probabilities: list[list[float]] | None = None  # The model's answers on the watched images.
    val_class_accuracy: list[float] | None = None  # Validation accuracy of each digit, 0 to 9.


@dataclass(frozen=True)
class DeviceInfo:
    """Where Keras will compute: the backend, the kind of device, its name and whether cuDNN is used."""

    backend: str
    kind: str  # "GPU" or "CPU"
    name: str
    gpu_count: int
    cudnn: bool

    def describe(self) -> str:
        if self.kind == "GPU":
            cudnn_note = "cuDNN LSTM kernel" if self.cudnn else "no cuDNN"
            count = f"{self.gpu_count}× " if self.gpu_count > 1 else ""
            return f"GPU: {count}{self.name} ({cudnn_note}, {self.backend} backend)"
        return f"CPU ({self.backend} backend)"
