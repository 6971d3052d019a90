"""Save and load a trained model together with its training record, safely.

A run is two files side by side: `NAME.keras` (the Keras model) and `NAME.history.json` (per-batch
and per-epoch metrics, the config, test accuracy, device, seconds, library versions and whether
the run finished or was stopped). Every write goes to a temporary file in the same folder and is
then moved into place with `os.replace`, so a crash or a kill during a save leaves the previous
files intact. The two are replaced as one: the record carries the SHA-256 of the model file it was
saved with (`model_sha256`), so a kill between the two moves, which leaves a new record beside the
old model, is seen by every reader (`model.training.record.read_run_record`) as "not this model's
record" instead of showing the wrong accuracy. Saved models are portable: the network only, no
optimizer state, loadable with plain `keras.saving.load_model(path)` on any backend. Loading uses
Keras's safe mode and turns every failure into one clear `ModelFileError`. The serving process
reads models without Keras (`model.weights`); this module imports Keras only inside the functions
that need it. It does not train; see `model.training.train`.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.files import plain_file_problem, temporary_path_beside, write_atomically
from model.shapes import (
    IMAGE_COLUMNS,
    IMAGE_ROWS,
    MODEL_SUFFIX,
    NUMBER_OF_CLASSES,
    TEMPORARY_JSON_SUFFIX,
    TEMPORARY_MODEL_SUFFIX,
    history_path_for,
)
from model.training.record import MODEL_DIGEST_KEY, RunRecord, RunRecordError, read_run_record
from model.weights import ModelFileError, file_digest  # noqa: F401  (one error for every model-file problem, Keras-free)

if TYPE_CHECKING:
    import keras  # Only for annotations: the pages import this module, and never Keras.


def write_json_atomically(data: Any, path: str | os.PathLike) -> None:
    write_atomically(path, lambda stream: stream.write(json.dumps(data, indent=1).encode("utf-8")), TEMPORARY_JSON_SUFFIX)


def save_run(model: keras.Model, history: RunRecord, model_path: str | os.PathLike) -> Path:
    """Write the model (portable) and its run record, replaced as one pair; return the model's path."""
    model_path = Path(model_path)
    if model_path.suffix != MODEL_SUFFIX:
        raise ValueError(f"A model file must end in {MODEL_SUFFIX}, got {model_path.name}")
    model_path.parent.mkdir(parents=True, exist_ok=True)
    temporary_model = temporary_path_beside(model_path, TEMPORARY_MODEL_SUFFIX)
    try:
        save_portable_model(model, temporary_model)
        # Both files are complete before either is moved into place, so each is always whole. The record
        # names the model file it belongs to, so a kill between the two moves cannot pass an old model
        # off with the new record: readers see the digests differ.
        record = {**history.to_json(), MODEL_DIGEST_KEY: file_digest(temporary_model)}
        write_json_atomically(record, history_path_for(model_path))
        os.replace(temporary_model, model_path)
        _sync_directory(model_path.parent)
    finally:
        temporary_model.unlink(missing_ok=True)
    return model_path


def save_portable_model(model: keras.Model, path: str | os.PathLike) -> None:
    """Save the network alone (no optimizer or compile state), flushed to disk, loadable on any backend.

    An optimizer saved from one backend (e.g. torch's Adam) cannot be rebuilt on another, and a
    demo's model is for reading, not for resuming training; an uncompiled twin holds the same weights.
    """
    # Rebuilt from its config, the twin is uncompiled (clone_model would compile it like the original).
    portable = type(model).from_config(model.get_config())
    portable.set_weights(model.get_weights())
    portable.save(path)
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def _sync_directory(directory: Path) -> None:
    """Make the moves into `directory` durable (a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def load_model(model_path: str | os.PathLike) -> keras.Model:
    """Load a `.keras` classifier in safe mode, checking it is a 28×28-rows → 10-classes LSTM.

    Keras is imported here, for training and tests; the pages read models with `model.weights`.
    """
    import keras

    from model.network import detect_device, recurrent_layers_of, set_cudnn_mode

    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelFileError(f"No model file at {model_path}.")
    problem = plain_file_problem(model_path)
    if problem is not None:
        raise ModelFileError(f"{model_path.name} {problem}, so it is not loaded.")
    if model_path.suffix != MODEL_SUFFIX or not zipfile.is_zipfile(model_path):
        raise ModelFileError(f"{model_path.name} is not a Keras .keras model file.")
    try:
        model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a damaged archive.
        raise ModelFileError(f"{model_path.name} could not be read as a Keras model: {error}") from error
    input_shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    output_shape = tuple(model.output_shape[1:]) if hasattr(model, "output_shape") else None
    if (
        input_shape not in ((IMAGE_ROWS, IMAGE_COLUMNS), (None, IMAGE_COLUMNS))
        or output_shape != (NUMBER_OF_CLASSES,)
        or not recurrent_layers_of(model)
    ):
        raise ModelFileError(
            f"{model_path.name} is not an MNIST row-reading recurrent network: it takes {input_shape} and gives {output_shape}."
        )
    # A model trained on a GPU was saved asking for cuDNN; let it run wherever it is loaded.
    set_cudnn_mode(model, True if detect_device().kind == "GPU" else "auto")
    return model


def load_history(model_path: str | os.PathLike) -> RunRecord | None:
    """The run record saved beside a model, or None when there is none; a corrupt or malformed one raises ModelFileError."""
    try:
        return read_run_record(model_path)
    except RunRecordError as error:
        raise ModelFileError(str(error)) from error
