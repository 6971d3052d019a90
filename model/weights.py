"""Read a `.keras` model file without Keras: its config and weights, checked, ready for the NumPy probe.

A `.keras` file is a zip archive holding `config.json` (the layers and their settings) and
`model.weights.h5` (the arrays, in HDF5). `read_weights()` opens both with `zipfile`, `json` and
`h5py` only, checks that the network is this app's classifier (rows of 28 pixels in, recurrent
layers of one cell, LSTM, GRU or plain RNN, then Dense layers, 10 classes out) and returns its
arrays; `load_probe()` builds a `Probe` from them.
This is how the serving process gets its model without importing TensorFlow. Every way a file
can be wrong (missing, not a zip, oversized members, a damaged archive, another network) ends in
one `ModelFileError` with a plain message. Saving and loading through Keras is `model.training.store`'s job.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from model.cells import cell_weights
from model.files import open_plain_file, plain_file_problem
from model.probe import Probe
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, MODEL_SUFFIX, NUMBER_OF_CLASSES

CONFIG_MEMBER = "config.json"
WEIGHTS_MEMBER = "model.weights.h5"
# Far above the largest network the app trains (4 LSTM layers of 1024 units, with optimizer state),
# far below what would hurt a server: the sizes are checked before anything is decompressed.
MAX_CONFIG_BYTES = 1 << 20
MAX_WEIGHTS_BYTES = 512 << 20
MAX_ARCHIVE_MEMBERS = 64
PROBE_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")


class ModelFileError(ValueError):
    """A model or history file is missing, corrupt or not the model this app expects."""


@dataclass(frozen=True)
class NetworkWeights:
    """The arrays of one classifier, in the form `Probe.from_weights` takes."""

    recurrent: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (kernel, recurrent_kernel, bias) per layer
    head: list[tuple[np.ndarray, np.ndarray, str]]  # (kernel, bias, activation) per Dense layer
    cell: str = "lstm"  # The recurrent layers' cell: "lstm", "gru" or "rnn".


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex: what ties a history to the model file it describes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_probe(path: str | os.PathLike) -> Probe:
    """The NumPy probe of the classifier in a `.keras` file; raises ModelFileError."""
    weights = read_weights(path)
    try:
        return Probe.from_weights(weights.recurrent, weights.head, weights.cell)
    except ValueError as error:
        raise ModelFileError(f"{Path(path).name} holds weights the probe cannot use: {error}") from error


def read_weights(path: str | os.PathLike) -> NetworkWeights:
    """Read and check the arrays of the recurrent classifier in a `.keras` file, without Keras."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No model file at {path}.")
    if path.suffix != MODEL_SUFFIX:
        raise ModelFileError(f"{path.name} is not a Keras .keras model file.")
    problem = plain_file_problem(path)
    if problem is not None:
        raise ModelFileError(f"{path.name} {problem}, so it is not loaded.")
    try:
        with open_plain_file(path) as stream, zipfile.ZipFile(stream) as archive:
            config_bytes, weights_bytes = _read_members(archive, path.name)
    except PermissionError as error:  # Swapped for a link since the check.
        raise ModelFileError(str(error)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as error:
        raise ModelFileError(f"{path.name} is not a Keras .keras model file ({error}).") from error
    try:
        config = json.loads(config_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path.name} has an unreadable {CONFIG_MEMBER}: {error}") from error
    layers, cell = _classifier_layers(config, path.name)
    try:
        with h5py.File(io.BytesIO(weights_bytes), "r") as weights_file:
            return _read_arrays(weights_file, layers, cell, path.name)
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as error:  # h5py reports a damaged file as any of these.
        raise ModelFileError(f"{path.name} has unreadable weights: {error}") from error


def _read_members(archive: zipfile.ZipFile, name: str) -> tuple[bytes, bytes]:
    """The config and weights members, their declared sizes checked before a byte is decompressed."""
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise ModelFileError(f"{name} holds {len(members)} files; a .keras model holds a handful.")
    found = {member.filename: member for member in members}
    chosen = []
    for member_name, limit in ((CONFIG_MEMBER, MAX_CONFIG_BYTES), (WEIGHTS_MEMBER, MAX_WEIGHTS_BYTES)):
        member = found.get(member_name)
        if member is None:
            raise ModelFileError(f"{name} is not a Keras .keras model file: it has no {member_name}.")
        if member.file_size > limit:
            raise ModelFileError(f"{name}: {member_name} would unpack to {member.file_size:,} bytes, more than {limit:,}.")
        chosen.append(member)
    # zipfile stops at the declared size and checks the CRC, so a lying header cannot unpack more.
    config_member, weights_member = chosen
    return archive.read(config_member), archive.read(weights_member)


@dataclass(frozen=True)
class _Layer:
    class_name: str
    name: str
    config: dict


def _not_ours(name: str, reason: str) -> ModelFileError:
    return ModelFileError(f"{name} is not an MNIST row-reading recurrent network: {reason}.")


RECURRENT_CLASSES = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}


def _classifier_layers(config: object, name: str) -> tuple[list[_Layer], str]:
    """The recurrent and Dense layers, in order, and the recurrent cell, after checking the config describes this app's classifier."""
    model_config = config.get("config") if isinstance(config, dict) else None
    raw_layers = model_config.get("layers") if isinstance(model_config, dict) else None
    if not isinstance(raw_layers, list) or config.get("class_name") not in ("Sequential", "Functional"):
        raise _not_ours(name, "its config does not describe a sequence of layers")
    layers = []
    for raw in raw_layers:
        if not isinstance(raw, dict) or not isinstance(raw.get("config"), dict):
            raise _not_ours(name, "its config holds a malformed layer")
        layers.append(_Layer(str(raw.get("class_name")), str(raw["config"].get("name", "")), raw["config"]))
    input_shape = _input_shape(layers, raw_layers)
    if input_shape not in ([None, IMAGE_ROWS, IMAGE_COLUMNS], [None, None, IMAGE_COLUMNS]):
        raise _not_ours(name, f"it takes inputs of shape {input_shape}, not rows of {IMAGE_COLUMNS} pixels")
    kept = []
    for layer in layers:
        if layer.class_name in ("InputLayer", "Dropout"):
            continue
        if layer.class_name not in (*RECURRENT_CLASSES, "Dense"):
            raise _not_ours(name, f"it has a {layer.class_name} layer ({layer.name})")
        kept.append(layer)
    recurrent_count = next((index for index, layer in enumerate(kept) if layer.class_name == "Dense"), len(kept))
    if recurrent_count == 0 or recurrent_count == len(kept) or any(layer.class_name != "Dense" for layer in kept[recurrent_count:]):
        raise _not_ours(name, "it is not recurrent layers followed by Dense layers")
    if len({layer.class_name for layer in kept[:recurrent_count]}) != 1:
        raise _not_ours(name, "its recurrent layers do not all use the same cell")
    for position, layer in enumerate(kept[:recurrent_count]):
        _check_recurrent_settings(layer, wants_sequences=position < recurrent_count - 1, name=name)
    for layer in kept[recurrent_count:]:
        activation = layer.config.get("activation")
        if activation not in PROBE_ACTIVATIONS or not layer.config.get("use_bias", True):
            raise _not_ours(name, f"Dense {layer.name} has activation {activation!r} or no bias")
    last = kept[-1].config
    if last.get("units") != NUMBER_OF_CLASSES or last.get("activation") != "softmax":
        raise _not_ours(name, f"it gives {last.get('units')} outputs through {last.get('activation')!r}, not 10 softmax classes")
    return kept, RECURRENT_CLASSES[kept[0].class_name]


def _check_recurrent_settings(layer: _Layer, wants_sequences: bool, name: str) -> None:
    settings, kind = layer.config, layer.class_name
    gated = kind != "SimpleRNN"
    if settings.get("activation") != "tanh" or (gated and settings.get("recurrent_activation") != "sigmoid"):
        raise _not_ours(name, f"{kind} {layer.name} does not use tanh{' and sigmoid' if gated else ''}")
    if not settings.get("use_bias", True) or settings.get("go_backwards") or settings.get("return_state"):
        raise _not_ours(name, f"{kind} {layer.name} lacks a bias, reads backwards or returns its state")
    if kind == "GRU" and not settings.get("reset_after", True):
        raise _not_ours(name, f"GRU {layer.name} applies its reset gate before the recurrent product")
    if bool(settings.get("return_sequences")) != wants_sequences:
        raise _not_ours(name, f"{kind} {layer.name} {'does not return' if wants_sequences else 'returns'} its sequence")


def _input_shape(layers: list[_Layer], raw_layers: list[dict]) -> list | None:
    for layer in layers:
        if layer.class_name == "InputLayer":
            return layer.config.get("batch_shape") or layer.config.get("batch_input_shape")
    build = raw_layers[0].get("build_config") if raw_layers else None
    return build.get("input_shape") if isinstance(build, dict) else None


def _read_arrays(weights_file: h5py.File, layers: list[_Layer], cell: str, name: str) -> NetworkWeights:
    groups = _layer_groups(weights_file, layers, name)
    recurrent, head = [], []
    for layer, group in zip(layers, groups):
        if layer.class_name in RECURRENT_CLASSES:
            variables = group["cell"]["vars"] if "cell" in group else group["vars"]
            recurrent.append(tuple(_array(variables, index, name, layer.name) for index in range(3)))
        else:
            variables = group["vars"]
            head.append((_array(variables, 0, name, layer.name), _array(variables, 1, name, layer.name), layer.config["activation"]))
    width = IMAGE_COLUMNS
    for number, (arrays, layer) in enumerate(zip(recurrent, layers), start=1):
        try:
            width = cell_weights(cell, *arrays, input_width=width, layer_number=number).units
        except ValueError as error:
            raise _not_ours(
                name, f"{layer.name}'s weights do not fit a {cell.upper()} reading rows of {IMAGE_COLUMNS} pixels ({error})"
            ) from error
        if width != layer.config.get("units"):
            raise _not_ours(name, f"{layer.name}'s weights do not match its {layer.config.get('units')} units")
    if head[-1][0].shape[-1:] != (NUMBER_OF_CLASSES,):
        raise _not_ours(name, f"its classifier's weights give {head[-1][0].shape[-1:]} outputs")
    return NetworkWeights(recurrent=recurrent, head=head, cell=cell)


def _layer_groups(weights_file: h5py.File, layers: list[_Layer], name: str) -> list[h5py.Group]:
    """Each layer's group in the weights file: found by the layer name Keras records, else by Keras's naming order."""
    saved = weights_file.get("layers")
    if not isinstance(saved, h5py.Group):
        raise ModelFileError(f"{name} has no layer weights.")
    by_recorded_name = {}
    for key, group in saved.items():
        variables = group.get("vars") if isinstance(group, h5py.Group) else None
        recorded = variables.attrs.get("name") if isinstance(variables, h5py.Group) else None
        if recorded is not None:
            by_recorded_name[recorded.decode() if isinstance(recorded, bytes) else str(recorded)] = key
    groups, counters = [], {}
    for layer in layers:
        # Keras names a model's layers in the file by class, in order: lstm, lstm_1, simple_rnn, dense, dense_1, …
        base = "simple_rnn" if layer.class_name == "SimpleRNN" else layer.class_name.lower()
        count = counters.get(base, -1) + 1
        counters[base] = count
        key = by_recorded_name.get(layer.name) or (base if count == 0 else f"{base}_{count}")
        if key not in saved:
            raise ModelFileError(f"{name} has no weights for layer {layer.name}.")
        groups.append(saved[key])
    return groups


def _array(variables: h5py.Group, index: int, name: str, layer_name: str) -> np.ndarray:
    dataset = variables.get(str(index))
    if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind != "f":
        raise ModelFileError(f"{name} lacks weight {index} of layer {layer_name}.")
    if dataset.size * dataset.dtype.itemsize > MAX_WEIGHTS_BYTES:
        raise ModelFileError(f"{name}: weight {index} of layer {layer_name} is larger than any model of this app.")
    array = np.asarray(dataset[()], dtype=np.float64)
    if not np.isfinite(array).all():
        raise ModelFileError(f"{name}: layer {layer_name} has NaN or infinite weights.")
    return array
