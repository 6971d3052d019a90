"""Files that matter are written atomically, and read only when they are plain files where they are expected.

`write_atomically(path, write)` (and `write_npz_atomically` for named arrays) is the one way the project
writes models' records, weight snapshots and explanation assets, so a crash or a kill mid-write always leaves the previous file
whole. The temporary files are named `.STEM.*SUFFIX` so that `model.hosting.runs_folder` can sweep those a killed
writer left behind. Keras models themselves are saved by `model.training.store` (Keras writes the archive).

`plain_file_problem(path, folder)` is the one check every reader of a saved run makes (listing,
downloading, loading, deleting): a regular file, not a symbolic link, with no other hard link, whose
real path lies directly in `folder`. Anything else planted in the runs folder (a link named like a
run pointing at `/etc/passwd`, a link to a folder, a FIFO) is never listed, served, loaded or
deleted. `open_plain_file` opens without following a link and checks what it opened, so a file
swapped between the check and the read is refused too.
"""

from __future__ import annotations

import errno
import os
import stat
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


def _stat_problem(status: os.stat_result) -> str | None:
    if stat.S_ISLNK(status.st_mode):
        return "is a link, not a saved file"
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file"
    if status.st_nlink != 1:
        return "has other hard links"
    return None


def _location_problem(path: Path, folder: str | os.PathLike | None) -> str | None:
    # The last part is never a link (checked apart), so where its folder really is says where it is.
    expected = Path(folder) if folder is not None else path.parent
    return None if path.parent.resolve() == expected.resolve() else "lies outside its folder"


def plain_file_problem(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> str | None:
    """Why `path` may not be read as a saved file, or None when it may.

    It must be a regular file (no symbolic link, folder, device or FIFO) with no other hard link,
    lying directly in `folder` (by default the folder its path names) once every link is resolved.
    """
    path = Path(path)
    try:
        problem = _stat_problem(os.lstat(path))
        return problem or _location_problem(path, folder)
    except (OSError, ValueError):  # Missing, unreadable, or a name the system refuses (a NUL byte).
        return "does not exist"


def is_plain_file(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> bool:
    """Whether `path` is a plain file in `folder` (see `plain_file_problem`)."""
    return plain_file_problem(path, folder) is None


def open_plain_file(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> BinaryIO:
    """`path` opened for reading, if it is a plain file in `folder`; raises PermissionError otherwise.

    The last part of the path is opened without following a link (and without waiting on a FIFO),
    and what was opened is checked, so nothing swapped in after a check is ever read.
    """
    path = Path(path)
    problem = _location_problem(path, folder)
    if problem is None:
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            raise PermissionError(f"{path.name} is a link, not a saved file, so it is not read.") from None
        problem = _stat_problem(os.fstat(descriptor))
        if problem is None:
            return os.fdopen(descriptor, "rb")
        os.close(descriptor)
    raise PermissionError(f"{path.name} {problem}, so it is not read.")


def read_plain_file(path: str | os.PathLike, folder: str | os.PathLike | None = None) -> bytes:
    """The bytes of `path`, if it is a plain file in `folder`; raises OSError (PermissionError) otherwise."""
    with open_plain_file(path, folder) as stream:
        return stream.read()
