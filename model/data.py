"""Load MNIST as uint8 arrays, from a file the user names, from `MNIST_NPZ`, or through Keras.

The order is: an explicit `path`, else the `MNIST_NPZ` environment variable, else Keras's own
`keras.datasets.mnist.load_data()` (its cache, else its download). A path may be a Keras-style
`.npz` or a folder holding the four original IDX files (raw or gzipped). Whatever is read is
checked (shapes, dtypes, label range) before it is returned: nothing half-loaded goes on.
A path is checked before anything is read from it: only a regular file or a folder, of a bounded
size, is ever opened (never a FIFO, a device or `/dev/stdin`, which could block a server thread
for good), and every problem is one `MnistUnavailableError` in the same words.
This module does no preprocessing; see `model.preprocess` and `model.training.train` for that.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np

from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, NUMBER_OF_CLASSES

ENVIRONMENT_VARIABLE = "MNIST_NPZ"
# MNIST's largest part, the training images, is 47 MB raw and its .npz 11 MB: anything far bigger
# is not MNIST, and is refused before it is read or decompressed.
MAXIMUM_FILE_BYTES = 200 * 1_000_000
MAXIMUM_ARRAY_BYTES = 100 * 1_000_000
MAXIMUM_PATH_CHARACTERS = 1024
SHOWN_PATH_CHARACTERS = 120

IDX_FILE_STEMS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

HOW_TO_PROVIDE = (
    "Provide MNIST in one of three ways: pass a path (the `--data` flag or the app's data field) "
    "to a Keras-style mnist.npz or to a folder with the four IDX files; set the MNIST_NPZ "
    "environment variable to such a path; or let Keras download it once into its cache "
    "(~/.keras/datasets/mnist.npz) with network access."
)

Split = tuple[np.ndarray, np.ndarray]


class MnistUnavailableError(ValueError):
    """MNIST could not be read; the message names the file and the ways to provide it."""


def load_mnist(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Return `(x_train, y_train), (x_test, y_test)` as validated uint8 arrays."""
    if path is None:
        path = os.environ.get(ENVIRONMENT_VARIABLE) or None
    if path is not None:
        arrays = _read_path(Path(path))
    else:
        arrays = _read_through_keras()
    _validate(arrays, source=str(path) if path else "Keras's MNIST")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _fail(source: str, problem: str) -> MnistUnavailableError:
    if len(source) > SHOWN_PATH_CHARACTERS:
        source = source[: SHOWN_PATH_CHARACTERS - 1] + "…"
    return MnistUnavailableError(f"Could not load MNIST from {source}: {problem}. {HOW_TO_PROVIDE}")


def _read_path(path: Path) -> dict[str, np.ndarray]:
    if len(str(path)) > MAXIMUM_PATH_CHARACTERS:
        raise _fail(str(path), f"a path may be at most {MAXIMUM_PATH_CHARACTERS} characters long")
    try:
        status = os.stat(path)
    except (OSError, ValueError) as error:  # Missing, a name too long, a NUL byte, no permission.
        raise _fail(str(path), f"no such file or folder ({_reason(error)})") from error
    if stat.S_ISDIR(status.st_mode):
        return _read_idx_folder(path)
    return _read_npz(path)


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def _open_regular_file(path: Path) -> io.BufferedReader:
    """Open `path` for reading only if it is a regular file of at most MAXIMUM_FILE_BYTES.

    The file is opened without blocking and checked through the open descriptor, so a FIFO, a
    device or a terminal is refused at once, even one swapped in after an earlier check.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as error:
        raise _fail(str(path), f"unreadable ({_reason(error)})") from error
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise _fail(str(path), "not a regular file (a pipe, a device or something else that is not a file)")
    if status.st_size > MAXIMUM_FILE_BYTES:
        os.close(descriptor)
        raise _fail(str(path), f"{status.st_size:,} bytes is far more than MNIST's ({MAXIMUM_FILE_BYTES:,} at most)")
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with _open_regular_file(path) as stream:
        try:
            archive = np.load(stream, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise _fail(str(path), f"not a readable .npz archive ({error})") from error
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise _fail(str(path), "a single array, not a .npz archive of x_train, y_train, x_test and y_test")
        with archive:
            missing = [key for key in IDX_FILE_STEMS if key not in archive.files]
            if missing:
                raise _fail(str(path), f"the archive lacks {', '.join(missing)}")
            try:
                for key in IDX_FILE_STEMS:
                    size = archive.zip.getinfo(f"{key}.npy").file_size
                    if size > MAXIMUM_ARRAY_BYTES:
                        raise _fail(str(path), f"{key} would take {size:,} bytes, far more than MNIST's")
                return {key: np.asarray(archive[key]) for key in IDX_FILE_STEMS}
            except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
                if isinstance(error, MnistUnavailableError):
                    raise
                raise _fail(str(path), f"not a readable .npz archive ({error})") from error


def _find_idx_file(folder: Path, stem: str) -> Path:
    for candidate in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise _fail(str(folder), f"the folder has no {stem} (raw or .gz)")


def _read_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    return {key: _read_idx_file(_find_idx_file(folder, stem)) for key, stem in IDX_FILE_STEMS.items()}


def _read_idx_file(path: Path) -> np.ndarray:
    """Parse one IDX file: a big-endian header (zero, zero, type, rank, sizes), then uint8 data."""
    with _open_regular_file(path) as raw:
        try:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix == ".gz" else raw
            payload = stream.read(MAXIMUM_ARRAY_BYTES + 1)  # A gzip bomb is cut off here, not inflated.
        except (OSError, EOFError) as error:
            raise _fail(str(path), f"unreadable ({error})") from error
    if len(payload) > MAXIMUM_ARRAY_BYTES:
        raise _fail(str(path), f"more than {MAXIMUM_ARRAY_BYTES:,} bytes of data, far more than MNIST's")
    if len(payload) < 4 or payload[0] != 0 or payload[1] != 0 or payload[2] != 0x08:
        raise _fail(str(path), "not an IDX file of unsigned bytes")
    rank = payload[3]
    header_size = 4 + 4 * rank
    if len(payload) < header_size:
        raise _fail(str(path), "the IDX header is truncated")
    shape = struct.unpack(">" + "I" * rank, payload[4:header_size])
    expected = int(np.prod(shape))
    if len(payload) - header_size != expected:
        raise _fail(str(path), f"expected {expected} data bytes for shape {shape}, found {len(payload) - header_size}")
    return np.frombuffer(payload, dtype=np.uint8, offset=header_size).reshape(shape)


def _read_through_keras() -> dict[str, np.ndarray]:
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # Keras raises many kinds here: network, checksum, zip errors.
        raise _fail("Keras's cache or download", str(error)) from error
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _validate(arrays: dict[str, np.ndarray], source: str) -> None:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or images.shape[1:] != (IMAGE_ROWS, IMAGE_COLUMNS):
            raise _fail(source, f"x_{split} has shape {images.shape}, expected (N, {IMAGE_ROWS}, {IMAGE_COLUMNS})")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise _fail(source, f"y_{split} has shape {labels.shape}, expected ({images.shape[0]},)")
        if images.shape[0] == 0:
            raise _fail(source, f"x_{split} is empty")
        if images.dtype != np.uint8 or not np.issubdtype(labels.dtype, np.integer):
            raise _fail(source, f"x_{split} is {images.dtype} and y_{split} is {labels.dtype}, expected uint8")
        if labels.min() < 0 or labels.max() >= NUMBER_OF_CLASSES:
            raise _fail(source, f"y_{split} has labels outside 0..9")
        arrays[f"y_{split}"] = labels.astype(np.uint8)
