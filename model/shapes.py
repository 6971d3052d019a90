"""The shapes and paths every part of the project agrees on, each stated once.

An MNIST digit is 28 rows of 28 pixels, read top to bottom, and answered as one of 10 classes.
The shipped model and its side files live in `assets/`; a run's side files are named after its
`.keras` file (`NAME.keras` → `NAME.history.json`, `NAME.snapshots.npz`, `NAME.explain.npz`).
Nothing here computes anything: modules import these names instead of writing 28, 10, a suffix
or a path of their own.
"""

from __future__ import annotations

import os
from pathlib import Path

IMAGE_ROWS = 28
IMAGE_COLUMNS = 28
NUMBER_OF_CLASSES = 10

REPOSITORY = Path(__file__).resolve().parent.parent
ASSETS_DIRECTORY = REPOSITORY / "assets"
SHIPPED_MODEL_PATH = ASSETS_DIRECTORY / "lstm_mnist.keras"

# The comparison of cells ("Why an LSTM?"): twins of the seed network trained to remember across blank rows.
MEMORY_TWIN_PATHS = {cell: ASSETS_DIRECTORY / "cells" / f"{cell}_memory.keras" for cell in ("rnn", "gru", "lstm")}
MEMORY_TEST_PATH = ASSETS_DIRECTORY / "cells" / "memory_test.json"  # Written by bench/memory_test.py.
MEMORY_TRAINING_PATH = ASSETS_DIRECTORY / "cells" / "memory_training.json"  # Written by bench/memory_training.py.
MAX_BLANK_ROWS = 224  # The longest gap a visitor may ask for, reading or training: the memory figures go that far.

MODEL_SUFFIX = ".keras"
HISTORY_SUFFIX = ".history.json"
SNAPSHOTS_SUFFIX = ".snapshots.npz"
EXPLAIN_ASSETS_SUFFIX = ".explain.npz"
# An atomic save writes `.NAME.<random>` + one of these beside its final file, then renames it
# (`model.files`); a save that was killed leaves one behind, which `model.hosting.runs_folder` sweeps.
TEMPORARY_MODEL_SUFFIX = ".tmp.keras"
TEMPORARY_JSON_SUFFIX = ".json.tmp"
TEMPORARY_NPZ_SUFFIX = ".tmp.npz"
TEMPORARY_SUFFIX = ".tmp"
LEGACY_TEMPORARY_NPZ_SUFFIX = ".npz.tmp"  # Written by earlier versions; still swept.
TEMPORARY_SUFFIXES = (TEMPORARY_MODEL_SUFFIX, TEMPORARY_JSON_SUFFIX, TEMPORARY_NPZ_SUFFIX, LEGACY_TEMPORARY_NPZ_SUFFIX, TEMPORARY_SUFFIX)
# While a run trains, its last completed epoch is kept as `.NAME.checkpoint.keras` with its own side files
# (`.NAME.checkpoint.history.json`, …): hidden, so never listed as a run, and not temporary, so never swept
# while the run that writes it holds the training lock (`model.training.checkpoint`).
CHECKPOINT_MARK = ".checkpoint"
TRAINING_LOCK_NAME = ".training.lock"  # One training at a time across the replicas sharing a runs folder.


def side_file_for(model_path: str | os.PathLike, suffix: str) -> Path:
    """A run's side file: `NAME.keras` → `NAME<suffix>` in the same folder."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + suffix)


def checkpoint_path_for(model_path: str | os.PathLike) -> Path:
    """Where a run's last completed epoch is kept while it trains: `NAME.keras` → `.NAME.checkpoint.keras`."""
    model_path = Path(model_path)
    return model_path.with_name(f".{model_path.stem}{CHECKPOINT_MARK}{model_path.suffix}")


def history_path_for(model_path: str | os.PathLike) -> Path:
    """Where a model's training record lives: `NAME.keras` → `NAME.history.json`."""
    return side_file_for(model_path, HISTORY_SUFFIX)


def snapshot_path_for(model_path: str | os.PathLike) -> Path:
    """Where a model's weight snapshots live: `NAME.keras` → `NAME.snapshots.npz`."""
    return side_file_for(model_path, SNAPSHOTS_SUFFIX)


def explain_assets_path_for(model_path: str | os.PathLike) -> Path:
    """Where a model's explanation assets live: `NAME.keras` → `NAME.explain.npz`."""
    return side_file_for(model_path, EXPLAIN_ASSETS_SUFFIX)
