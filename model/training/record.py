"""The typed record of one training run, and its JSON form, checked on the way in.

A run's history (`NAME.history.json` beside `NAME.keras`) is a `RunRecord`: the config, the
per-batch and per-epoch progress, the test result, the device, timings, library versions, the
weight snapshots kept for the time-lapse, and for a fine-tune what it started from and what it
changed, and for a run saved from its last checkpoint why it ended early. `RunRecord.to_json()`
writes the current format version; `RunRecord.from_json()` reads every format this app knows,
checks every field's type and the required keys, and raises one `RunRecordError` that says what
is wrong. It imports no Keras and no Streamlit, so pages can read
records; `model.training.store` loads and saves them beside the model.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from model.config import BatchProgress, EpochProgress, TrainConfig
from model.files import is_plain_file, open_plain_file
from model.shapes import history_path_for

# The SHA-256 of the model file a record was saved with (written by `model.training.store.save_run`).
MODEL_DIGEST_KEY = "model_sha256"
FORMAT_VERSION = 2  # 2 added snapshots, the run's kind and the fine-tune outcome.
READABLE_FORMATS = (1, 2)


class RunRecordError(ValueError):
    """A training history is malformed, hand-edited into something else, or from a newer app."""


@dataclass(frozen=True)
class FineTuneOutcome:
    """What teaching a model some corrected drawings did: before and after, on them and on MNIST."""

    base_model: str  # The file name of the model it started from.
    corrections: int
    steps: int
    corrections_right_before: int
    corrections_right_after: int
    mnist_accuracy_before: float
    mnist_accuracy_after: float
    predictions_before: list[int]
    predictions_after: list[int]
    labels: list[int]


@dataclass(frozen=True)
class RunRecord:
    """Everything known about one saved run; the JSON form is `to_json()` / `from_json()`."""

    config: TrainConfig
    status: Literal["finished", "stopped"]
    device: str
    train_size: int
    batches: tuple[BatchProgress, ...]
    epochs: tuple[EpochProgress, ...]
    test_accuracy: float
    test_loss: float
    seconds: float
    train_seconds: float
    started: str
    finished: str
    versions: dict[str, str]
    snapshots: tuple[float, ...] = ()  # Epochs completed at each kept weight snapshot (0.125, 0.25, …, 1, 2, …).
    kind: Literal["train", "fine_tune"] = "train"
    fine_tune: FineTuneOutcome | None = None
    # Why a run saved from its last completed epoch ended there (its training process was killed, …); None otherwise.
    interrupted: str | None = None
    format: int = FORMAT_VERSION

    @property
    def samples_trained(self) -> int:
        """How many training images went through the network (the last batch report's count)."""
        return self.batches[-1].samples_seen if self.batches else 0

    @property
    def epochs_completed(self) -> int:
        return self.epochs[-1].epoch if self.epochs else 0

    def to_json(self) -> dict:
        record = dataclasses.asdict(self)
        record["format"] = FORMAT_VERSION
        return record

    @classmethod
    def from_json(cls, data: Any, source: str = "history") -> RunRecord:
        """Read a record of any known format; raises RunRecordError naming the first problem found."""
        if not isinstance(data, dict):
            raise RunRecordError(f"{source} is not a training history (a JSON object was expected).")
        version = data.get("format")
        if isinstance(version, bool) or not isinstance(version, int):
            raise RunRecordError(f"{source} has no format version.")
        if version > FORMAT_VERSION:
            raise RunRecordError(
                f"{source} was written by a newer version of this app (format {version}; this one reads up to {FORMAT_VERSION})."
            )
        if version not in READABLE_FORMATS:
            raise RunRecordError(f"{source} has unknown format {version}.")
        try:
            return _parse_dataclass(cls, {**data, "format": FORMAT_VERSION}, "")
        except (TypeError, ValueError) as error:
            raise RunRecordError(f"{source} is malformed: {error}") from None


def read_run_record(model_path: str | os.PathLike) -> RunRecord | None:
    """The record saved beside a model, or None when there is none; raises RunRecordError when it is unusable.

    Only a plain file beside the model counts (`model.files.plain_file_problem`): a link planted
    in its place is never read, as if there were no record.
    """
    path = history_path_for(model_path)
    if not is_plain_file(path):
        return None
    try:
        with open_plain_file(path) as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunRecordError(f"{path.name} is not a readable training history: {error}") from error
    _check_it_belongs_to(data, Path(model_path), path.name)
    return RunRecord.from_json(data, source=path.name)


def _check_it_belongs_to(data: Any, model_path: Path, source: str) -> None:
    """Refuse a record saved with another model file (a kill between the model's and the record's moves)."""
    expected = data.get(MODEL_DIGEST_KEY) if isinstance(data, dict) else None
    if expected is None:
        return  # Saved before records named their model: nothing to compare.
    from model.weights import file_digest

    try:
        matches = isinstance(expected, str) and file_digest(model_path) == expected
    except OSError:
        matches = False
    if not matches:
        raise RunRecordError(f"{source} belongs to another version of {model_path.name} (a save was interrupted), so it is not shown.")


def _parse_dataclass(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where or 'the record'} must be an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown and cls is not RunRecord:  # A record may carry extra notes; its parts may not.
        raise ValueError(f"{where} has unknown keys {sorted(unknown)}")
    values = {}
    for name, field in fields.items():
        path = f"{where}.{name}" if where else name
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ValueError(f"{path} is missing")
            continue
        values[name] = _parse(data[name], hints[name], path)
    return cls(**values)  # TrainConfig checks its ranges here and raises ValueError.


def _parse(value: Any, hint, where: str):
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        (inner,) = [argument for argument in arguments if argument is not type(None)]
        return _parse(value, inner, where)
    if origin is Literal:
        if value not in arguments:
            raise ValueError(f"{where} must be one of {list(arguments)}, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, got {type(value).__name__}")
        items = [_parse(item, arguments[0], f"{where}[{index}]") for index, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be an object, got {type(value).__name__}")
        return {_parse(key, arguments[0], where): _parse(item, arguments[1], f"{where}.{key}") for key, item in value.items()}
    if dataclasses.is_dataclass(hint):
        return _parse_dataclass(hint, value, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be a whole number, got {value!r}")
        return value
    if hint in (str, bool):
        if not isinstance(value, hint):
            raise ValueError(f"{where} must be {'text' if hint is str else 'true or false'}, got {value!r}")
        return value
    raise TypeError(f"{where}: no reader for {hint!r}")  # A field type this module forgot: a bug, not bad data.


def finite_or_none(value: float | None) -> float | None:
    """`value` when it is a finite number, else None (NaN metrics are shown as a dash)."""
    return value if value is not None and math.isfinite(value) else None
