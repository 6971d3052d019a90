"""Files that matter are written atomically: into a temporary file beside the target, synced, then moved into place.

`write_atomically(path, write)` (and `write_npz_atomically` for named arrays) is the one way the project
writes models' records, weight snapshots and explanation assets, so a crash or a kill mid-write always leaves the previous file
whole. The temporary files are named `.STEM.*SUFFIX` so that `model.hosting.runs_folder` can sweep those a killed
writer left behind. Keras models themselves are saved by `model.training.store` (Keras writes the archive).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from model.shapes import TEMPORARY_NPZ_SUFFIX, TEMPORARY_SUFFIX


def temporary_path_beside(final_path: Path, suffix: str) -> Path:
    """An empty temporary file in `final_path`'s folder, readable by other processes like any saved file."""
    handle, name = tempfile.mkstemp(prefix=f".{final_path.stem}.", suffix=suffix, dir=final_path.parent)
    os.close(handle)
    os.chmod(name, 0o644)  # mkstemp makes it private; a saved file is an ordinary file other processes read.
    return Path(name)


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None], suffix: str = TEMPORARY_SUFFIX) -> Path:
    """Write `path` through `write(stream)`; readers see the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path_beside(path, suffix)
    try:
        with open(temporary, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_npz_atomically(path: str | os.PathLike, arrays: dict) -> Path:
    """Write named arrays as a compressed `.npz`, atomically (weight snapshots, explanation assets)."""
    return write_atomically(path, lambda stream: np.savez_compressed(stream, **arrays), TEMPORARY_NPZ_SUFFIX)
