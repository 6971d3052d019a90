"""Small weight snapshots taken while a run trains, for the time-lapse of how it learned to read.

A run keeps the network's weights at a few moments: before training, at 1/8, 1/4 and 1/2 of the
first epoch (when most of the learning happens), and after every epoch. They are saved in one
NumPy file beside the run (`NAME.snapshots.npz`, float16, written atomically), stacked per weight
with the moments along the first axis. `Snapshots.weights_at(i)` gives the arguments of
`Probe.from_weights`, so the serving process replays any moment without Keras. Taking the weights
out of a Keras model is `model.training.train`'s job; this module is NumPy only.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.files import read_plain_file, write_npz_atomically

FIRST_EPOCH_FRACTIONS = (0.125, 0.25, 0.5)
MAX_EPOCH_SNAPSHOTS = 30  # Longer runs keep evenly spaced epochs, so the file stays a few MB.
STORED_DTYPE = np.float16

LstmWeights = tuple[np.ndarray, np.ndarray, np.ndarray]  # kernel, recurrent_kernel, bias
DenseWeights = tuple[np.ndarray, np.ndarray, str]  # kernel, bias, activation


class SnapshotFileError(ValueError):
    """A snapshots file is missing, damaged or does not hold what a snapshots file holds."""


@dataclass(frozen=True)
class WeightSnapshot:
    """The network's weights after `epochs_done` epochs (fractions within the first one)."""

    epochs_done: float
    lstm: list[LstmWeights]
    head: list[DenseWeights]


@dataclass(frozen=True)
class Snapshots:
    """Every kept moment of one run, stacked: `lstm[l][w]` and `head[d][w]` have the moments first."""

    epochs_done: np.ndarray  # (moments,)
    lstm: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    head: list[tuple[np.ndarray, np.ndarray, str]]

    def __len__(self) -> int:
        return len(self.epochs_done)

    def weights_at(self, index: int) -> tuple[list[LstmWeights], list[DenseWeights]]:
        """The (lstm, head) weights of moment `index`, as float64, for `Probe.from_weights`."""
        if not 0 <= index < len(self):
            raise IndexError(f"snapshot {index} of {len(self)}")
        lstm = [tuple(np.asarray(weight[index], dtype=np.float64) for weight in layer) for layer in self.lstm]
        head = [
            (np.asarray(kernel[index], dtype=np.float64), np.asarray(bias[index], dtype=np.float64), activation)
            for kernel, bias, activation in self.head
        ]
        return lstm, head


def moments_to_keep(epochs: int) -> list[float]:
    """The epochs-done values a run of `epochs` epochs snapshots, the untrained network first."""
    if epochs <= MAX_EPOCH_SNAPSHOTS:
        whole = list(range(1, epochs + 1))
    else:
        whole = sorted({int(round(value)) for value in np.linspace(1, epochs, MAX_EPOCH_SNAPSHOTS)})
    return [0.0, *FIRST_EPOCH_FRACTIONS, *map(float, whole)]


def save_snapshots(snapshots: list[WeightSnapshot], path: str | os.PathLike) -> Path:
    """Write the snapshots (in the order given) to `path` atomically, as float16."""
    if not snapshots:
        raise ValueError("There are no snapshots to save.")
    first = snapshots[0]
    arrays = {"epochs_done": np.array([snapshot.epochs_done for snapshot in snapshots], dtype=np.float64)}
    for layer_index in range(len(first.lstm)):
        for weight_index, name in enumerate(("kernel", "recurrent_kernel", "bias")):
            arrays[f"lstm{layer_index}_{name}"] = np.stack([s.lstm[layer_index][weight_index] for s in snapshots]).astype(STORED_DTYPE)
    for layer_index, (_, _, activation) in enumerate(first.head):
        arrays[f"dense{layer_index}_kernel"] = np.stack([s.head[layer_index][0] for s in snapshots]).astype(STORED_DTYPE)
        arrays[f"dense{layer_index}_bias"] = np.stack([s.head[layer_index][1] for s in snapshots]).astype(STORED_DTYPE)
        arrays[f"dense{layer_index}_activation"] = np.array(activation)
    return write_npz_atomically(path, arrays)


def load_snapshots(path: str | os.PathLike) -> Snapshots:
    """Read a snapshots file; raises SnapshotFileError with a plain message when it cannot."""
    path = Path(path)
    if not path.is_file():
        raise SnapshotFileError(f"No snapshots file at {path.name}.")
    try:
        content = read_plain_file(path)
    except OSError as error:  # Its own message would name the folder too; a planted link's says what it is.
        raise SnapshotFileError(f"{path.name} could not be read: {error.strerror}." if error.strerror else str(error)) from error
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        # NumPy's own words ("pickled (object) data … allow_pickle=") stay in the cause, for the server's log.
        raise SnapshotFileError(f"{path.name} is damaged: it is not a snapshots file this app wrote.") from error
    try:
        epochs_done = arrays["epochs_done"].astype(np.float64)
        lstm = []
        while f"lstm{len(lstm)}_kernel" in arrays:
            prefix = f"lstm{len(lstm)}_"
            lstm.append(tuple(arrays[prefix + name] for name in ("kernel", "recurrent_kernel", "bias")))
        head = []
        while f"dense{len(head)}_kernel" in arrays:
            prefix = f"dense{len(head)}_"
            head.append((arrays[prefix + "kernel"], arrays[prefix + "bias"], str(arrays[prefix + "activation"])))
        moments = len(epochs_done)
        complete = lstm and head and all(len(weight) == moments for layer in lstm + head for weight in layer[:2])
    except (KeyError, ValueError, TypeError) as error:
        raise SnapshotFileError(f"{path.name} is damaged: it is not a snapshots file this app wrote.") from error
    if not complete:
        raise SnapshotFileError(f"{path.name} does not hold one set of weights per snapshot.")
    return Snapshots(epochs_done, lstm, head)


def describe_moment(epochs_done: float) -> str:
    """How a slider names a moment: 'before training', '1/8 of epoch 1', 'epoch 3'."""
    if epochs_done == 0:
        return "before training"
    if epochs_done < 1:
        fraction = {0.125: "1/8", 0.25: "1/4", 0.5: "1/2"}.get(epochs_done, f"{epochs_done:.2f}")
        return f"{fraction} of epoch 1"
    return f"epoch {epochs_done:g}"
