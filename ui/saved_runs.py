"""The saved runs as the pages show them: every run with its record, and its settings in words.

The Train page lists them (`ui/train/runs.py`) and the Evaluate page compares them
(`ui/evaluate/compare.py`); both read them here, so that neither page imports the other. A
history that cannot be read is a plain message, never an error.
"""

from __future__ import annotations

from pathlib import Path

from model.files import is_plain_file
from model.shapes import history_path_for
from model.training.record import RunRecord, RunRecordError, finite_or_none, read_run_record
from ui import resources


def run_settings(record: RunRecord) -> dict[str, str]:
    """Every setting that matters, as the table and the comparison show them."""
    config = record.config
    accuracy = finite_or_none(record.test_accuracy)
    epochs = f"{record.epochs_completed} of {config.epochs}" if record.epochs_completed != config.epochs else str(config.epochs)
    return {
        "Test accuracy": f"{accuracy:.2%}" if accuracy is not None else "–",
        "Status": _status(record),
        "Epochs": epochs,
        "Batch": str(config.batch_size),
        "Learning rate": f"{config.learning_rate:g} {config.learning_rate_schedule}",
        "Units": f"{config.lstm_layers}×{config.units}",
        "Training images": f"{record.train_size:,}",
        "Augment": "yes" if config.augment else "no",
        "Seconds": f"{record.seconds:.0f}",
        "Device": record.device,
    }


def _status(record: RunRecord) -> str:
    if record.kind != "train":
        return f"{record.status} (taught)"
    if record.interrupted is not None:  # Saved from its last completed epoch when its process ended.
        return f"{record.status} (process ended)"
    return record.status


def history_problem(path: Path) -> str | None:
    """Why the history beside `path` cannot be shown, or None when it reads (or there is none)."""
    try:
        read_run_record(path)
    except RunRecordError as error:
        return str(error)
    return None


def entries() -> list[tuple[Path, RunRecord | None, str | None]]:
    """Every saved model (the shipped one first) with its record, or None and why that record cannot be read."""
    listed = []
    for path, record in resources.saved_models():
        problem = history_problem(path) if record is None and is_plain_file(history_path_for(path)) else None
        listed.append((path, record, problem))
    return listed
