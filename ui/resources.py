"""Cached, shared resources of the app: the models' probes, MNIST, and the active-model choice.

A model is served as its NumPy probe, read straight from the `.keras` file by `model.weights`:
this process never imports TensorFlow or Keras (training runs in a worker process). Probes and data
are loaded once per server process (`st.cache_resource`) and shared by every session; the probe
holds no mutable state, so concurrent visitors can use it at once. Which model a visitor's drawing
views use is that visitor's own choice (session state).
"""

from __future__ import annotations

import gc
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from model.data import MnistUnavailableError, load_mnist
from model.files import is_plain_file
from model.hosting.runs_folder import saved_runs
from model.probe import Probe
from model.shapes import (
    MEMORY_TEST_PATH,
    MEMORY_TRAINING_PATH,
    MEMORY_TWIN_PATHS,
    MODEL_SUFFIX,
    REPOSITORY,
    SHIPPED_MODEL_PATH,
    history_path_for,
)
from model.training.record import RunRecord, finite_or_none
from model.training.store import ModelFileError, load_history
from model.training.supervisor import TrainingSupervisor
from model.weights import load_probe
from ui import settings
from ui import state as keys

SHIPPED_MODEL = SHIPPED_MODEL_PATH  # A module attribute, so that tests can serve another file.
RUNS_DIRECTORY = settings.runs_directory()  # LSTM_DEMO_RUNS_DIR, from the environment or secrets.
PUBLIC_DATA_MESSAGE = "The MNIST digits are not available on this server at the moment."


@dataclass(frozen=True)
class LoadedModel:
    """A model file as the pages use it: its NumPy probe (drawing, evaluation) and its history."""

    path: Path
    probe: Probe
    history: RunRecord | None

    @property
    def label(self) -> str:
        return describe_model(self.path, self.history)

    @property
    def in_a_sentence(self) -> str:
        """The label as a sentence names it: "the shipped model (…)", "the model run-20261205-215339 (…)"."""
        return f"the {self.label}" if is_shipped(self.path) else f"the model {self.label}"


def is_shipped(path: Path) -> bool:
    return path.resolve() == SHIPPED_MODEL.resolve()


def run_name(path: Path) -> str:
    return "shipped model" if is_shipped(path) else path.stem


def describe_model(path: Path, history: RunRecord | None) -> str:
    name = run_name(path)
    accuracy = finite_or_none(history.test_accuracy) if history is not None else None
    if accuracy is not None:
        return f"{name} ({accuracy:.2%} test accuracy)"
    return name


def _freeze_long_lived_objects() -> None:
    """Exempt everything loaded so far (Streamlit, Plotly, the probes, MNIST) from garbage collection.

    Those millions of long-lived objects made every full collection take 200–350 ms, about two of
    them per stroke, more than all the rest of a stroke's server work. Frozen objects are never
    scanned again; they live as long as the server process, which they would anyway.
    """
    gc.freeze()


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def _load(path: str, modified_time: float) -> LoadedModel:
    probe = load_probe(path)
    try:
        history = load_history(path)
    except ModelFileError:
        history = None  # A damaged history must not keep a good model from serving.
    loaded = LoadedModel(Path(path), probe, history)
    _freeze_long_lived_objects()
    return loaded


def is_servable_model(path: object) -> bool:
    """Whether `path` may be loaded: the shipped model, or a `.keras` file right in the runs folder.

    Checked on the server for every load, so a tampered session value cannot make it open any
    other file on its disk (no other folder, no `..`, no hidden temporary file, no link: a plain
    file, `model.files.plain_file_problem`).
    """
    try:
        candidate = Path(str(path))
        if candidate == SHIPPED_MODEL or candidate.resolve() == SHIPPED_MODEL.resolve():
            return is_plain_file(SHIPPED_MODEL)
        return candidate.suffix == MODEL_SUFFIX and not candidate.name.startswith(".") and is_plain_file(candidate, RUNS_DIRECTORY)
    except (OSError, ValueError):
        return False


def load_classifier(path: Path) -> LoadedModel:
    """The model at `path` with its probe, loaded once per file version; raises ModelFileError."""
    if not is_servable_model(path):
        raise ModelFileError(f"{Path(str(path)).name} is not one of this server's models.")
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}.")
    return _load(str(path), path.stat().st_mtime)


def shipped_classifier() -> LoadedModel | None:
    """The shipped model with its probe, or None when its file cannot be read (the page that asks says so its own way)."""
    try:
        return load_classifier(SHIPPED_MODEL)
    except ModelFileError as error:
        print(f"shipped model unreadable: {error}", file=sys.stderr)
        return None


def active_model_path() -> Path:
    """The visitor's model; a choice that is not one of this server's models falls back to the shipped one."""
    chosen = st.session_state.get(keys.ACTIVE_MODEL, SHIPPED_MODEL)
    if is_servable_model(chosen):
        return Path(str(chosen))
    st.session_state[keys.ACTIVE_MODEL] = str(SHIPPED_MODEL)
    st.toast("That model is not one of this server's models (or was removed): back to the shipped model.")
    return SHIPPED_MODEL


def set_active_model(path: Path) -> None:
    """Make `path` the visitor's model, if it is one of this server's models."""
    if is_servable_model(path):
        st.session_state[keys.ACTIVE_MODEL] = str(path)
    else:
        st.toast("That model is not one of this server's models: the choice is unchanged.")


def active_classifier() -> LoadedModel | None:
    """The visitor's active model, or None after showing a plain message saying why it is unavailable."""
    path = active_model_path()
    try:
        loaded = load_classifier(path)
        if loaded.probe.cell != "lstm":
            # The row-by-row panels (cell state, four gates, the unit inspector's equations) are the LSTM's.
            st.info(
                f"**{path.stem}** reads with a {'plain RNN' if loaded.probe.cell == 'rnn' else 'GRU'} cell; the row-by-row views "
                "open LSTMs, so this page uses the shipped model. The **Why an LSTM?** page compares the cells."
            )
            return load_classifier(SHIPPED_MODEL)
        return loaded
    except ModelFileError as error:
        shipped = path.resolve() == SHIPPED_MODEL.resolve()
        st.error(
            f"The {'shipped ' if shipped else ''}model could not be loaded: {error}\n\n"
            "Train one in the **Train** view, or from a terminal with `python -m model.training "
            f"--out {SHIPPED_MODEL_PATH.relative_to(REPOSITORY)}`, then reload this page."
        )
        return None


def data_path_setting() -> str | None:
    """The MNIST location the visitor gave in the sidebar (never in public mode), else `MNIST_NPZ`, else None (Keras)."""
    server = settings.demo_settings()
    visitor_path = None if server.public else st.session_state.get(keys.MNIST_PATH)
    return visitor_path or server.data_path or None


def load_dataset(path: str | None):
    """MNIST as uint8 arrays, read once per server process; raises MnistUnavailableError.

    On a public server the error says only that MNIST is unavailable (its message would show the
    server's path and a data field visitors do not have); the detail goes to the server's log.
    """
    try:
        return _read_dataset(path)
    except MnistUnavailableError as error:
        try:
            public = settings.demo_settings().public
        except ValueError:
            public = True
        if not public:
            raise
        print(f"MNIST could not be loaded: {error}", file=sys.stderr)
        raise MnistUnavailableError(PUBLIC_DATA_MESSAGE) from None


@st.cache_resource(show_spinner="Loading MNIST…", max_entries=2)
def _read_dataset(path: str | None):
    (x_train, y_train), (x_test, y_test) = load_mnist(path)
    for array in (x_train, y_train, x_test, y_test):
        array.setflags(write=False)  # Shared by every session: nobody may change it.
    _freeze_long_lived_objects()
    return (x_train, y_train), (x_test, y_test)


def test_images() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images and labels; raises MnistUnavailableError."""
    _, (x_test, y_test) = load_dataset(data_path_setting())
    return x_test, y_test


@st.cache_data(max_entries=64, show_spinner=False)
def _history(path: str, modified_times: tuple[float, float]) -> RunRecord | None:
    try:
        return load_history(path)
    except ModelFileError:
        return None


def saved_models() -> list[tuple[Path, RunRecord | None]]:
    """The shipped model, then every saved run (newest first), each with its history if readable."""
    paths = [SHIPPED_MODEL] if is_plain_file(SHIPPED_MODEL) else []
    paths += reversed(saved_runs(RUNS_DIRECTORY))  # Plain files only: a planted link is never listed.
    entries = []
    for path in paths:
        history_file = history_path_for(path)
        try:
            # Keyed on both files' times: a record is checked again against its model when either changes.
            modified = (history_file.stat().st_mtime if is_plain_file(history_file) else 0.0, path.stat().st_mtime)
        except OSError:
            continue  # Removed meanwhile (another replica pruned it).
        entries.append((path, _history(str(path), modified)))
    return entries


@st.cache_resource(show_spinner="Loading the three cells…", max_entries=2)
def _memory_twins(modified_times: tuple[float, ...]) -> tuple[dict[str, Probe], tuple[str, ...]]:
    twins, problems = {}, []
    for cell, path in MEMORY_TWIN_PATHS.items():
        try:
            twins[cell] = load_probe(path)
        except ModelFileError as error:
            problems.append(f"The {cell.upper() if cell != 'rnn' else 'plain RNN'} network of the comparison cannot be read: {error}")
    return twins, tuple(problems)


def memory_twins() -> tuple[dict[str, Probe], tuple[str, ...]]:
    """The "Why an LSTM?" networks by cell ("rnn", "gru", "lstm") as probes, and a plain message for each that cannot be read."""
    modified = tuple(path.stat().st_mtime if path.is_file() else 0.0 for path in MEMORY_TWIN_PATHS.values())
    return _memory_twins(modified)


# The measured figures the "Why an LSTM?" page charts: the file, the keys it must hold, and the command that writes it.
_SHIPPED_FIGURES = {
    "memory test": (MEMORY_TEST_PATH, ("blank_rows", "accuracy", "parameters", "images"), "python bench/memory_test.py"),
    "learning to remember": (MEMORY_TRAINING_PATH, ("gap", "images", "epochs", "runs", "command"), "python bench/memory_training.py"),
}


@st.cache_resource(show_spinner=False, max_entries=4)
def _shipped_figures(name: str, modified_time: float) -> tuple[dict | None, str | None]:
    path, required, command = _SHIPPED_FIGURES[name]
    try:
        figures = json.loads(path.read_text())
        missing = [key for key in required if key not in figures]
        if missing:
            raise KeyError(f"no {', '.join(missing)}")
        return figures, None
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"{name} figures unreadable: {error!r}", file=sys.stderr)
        return None, f"The measured {name} figures are missing on this server: run `{command}`."


def _figures_of(name: str) -> tuple[dict | None, str | None]:
    """The figures `name` in `_SHIPPED_FIGURES`, read again whenever their file changes."""
    path = _SHIPPED_FIGURES[name][0]
    return _shipped_figures(name, path.stat().st_mtime if path.is_file() else 0.0)


def memory_test_figures() -> tuple[dict | None, str | None]:
    """The shipped memory test (`bench/memory_test.py`: MNIST accuracy after blank rows), or None and a plain message."""
    return _figures_of("memory test")


def memory_training_figures() -> tuple[dict | None, str | None]:
    """How well each cell learns to remember in a short training (`bench/memory_training.py`), or None and a plain message."""
    return _figures_of("learning to remember")


@st.cache_resource
def training_supervisor() -> TrainingSupervisor:
    """The one training supervisor of this server process, shared by every session and page (Train, Teach it)."""
    return TrainingSupervisor(RUNS_DIRECTORY, settings.demo_settings())
