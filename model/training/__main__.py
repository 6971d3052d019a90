"""The command line behind `python -m model.training`: flags for every `TrainConfig` field, a progress bar.

It loads the data, says which device it trains on, trains, and saves the model with its history
atomically with its weight snapshots (`--out`). It holds no training logic of its own; see `model.training.train`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import typing

from model.config import FIELD_HELP
from model.data import MnistUnavailableError, load_mnist
from model.network import detect_device
from model.shapes import SHIPPED_MODEL_PATH
from model.training.train import BatchProgress, EpochProgress, TrainConfig, save_result, train

DEFAULT_OUTPUT = f"runs/cli/{SHIPPED_MODEL_PATH.name}"  # Beside the other runs, named as the shipped model.


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model.training", description="Train the row-reading MNIST LSTM.")
    defaults = TrainConfig()
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        described = FIELD_HELP[field.name].replace("%", "%%")  # argparse formats help text with %.
        help_text = f"{described} (default: {default})"
        if hints[field.name] is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=described)
        elif typing.get_origin(hints[field.name]) is typing.Literal:
            parser.add_argument(flag, choices=typing.get_args(hints[field.name]), default=default, help=help_text)
        else:
            parser.add_argument(flag, type=type(default), default=default, help=help_text)
    parser.add_argument("--data", default=None, help="mnist.npz or a folder of IDX files (else $MNIST_NPZ, else Keras)")
    parser.add_argument("--out", default=DEFAULT_OUTPUT, help=f"where to save the .keras model (default: {DEFAULT_OUTPUT})")
    return parser


class ProgressBar:
    """A one-line progress bar with ETA on stderr, fed by `train`'s progress reports."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width = stream, width

    def __call__(self, report: BatchProgress | EpochProgress) -> None:
        if isinstance(report, BatchProgress):
            done = ((report.epoch - 1) * report.batches_per_epoch + report.batch) / (report.epochs * report.batches_per_epoch)
            eta = report.seconds * (1 - done) / max(done, 1e-9)
            filled = int(self.width * done)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(
                f"\repoch {report.epoch}/{report.epochs} [{bar}] {done:6.1%} "
                f"loss {report.loss:.4f} acc {report.accuracy:.4f} ETA {eta:5.0f}s "
            )
        else:
            self.stream.write(
                f"\repoch {report.epoch}/{report.epochs} done at {report.seconds:.0f}s: loss {report.loss:.4f} "
                f"acc {report.accuracy:.4f} val_loss {report.val_loss:.4f} val_acc {report.val_accuracy:.4f}" + " " * 20 + "\n"
            )
        self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    field_names = {field.name for field in dataclasses.fields(TrainConfig)}
    try:
        config = TrainConfig(**{name: value for name, value in vars(arguments).items() if name in field_names})
        data = load_mnist(arguments.data)
    except (ValueError, MnistUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Training on {detect_device().describe()}", file=sys.stderr)
    started = time.perf_counter()
    result = train(config, data, on_progress=ProgressBar())
    path = save_result(result, arguments.out)
    record = result.history
    print(
        f"{record.status} after {time.perf_counter() - started:.0f}s: test accuracy "
        f"{record.test_accuracy:.4f}, test loss {record.test_loss:.4f}; saved {path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
