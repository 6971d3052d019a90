"""Keep the runs folder bounded: at most N saved runs, free disk space kept, no leftover temporary files.

A saved run is `NAME.keras` with its side files (`NAME.history.json` and any other `NAME.*` the
store writes). Before a run is saved, `check_disk_space` refuses when the folder's disk would keep
less free space than the server's floor; after it is saved, `prune_runs` removes the oldest runs
beyond the server's cap. `sweep_temporary_files` removes the `.NAME.*.tmp.keras` / `.json.tmp`
files a killed save leaves behind, and what is left of the hidden checkpoint of a run whose server
died with it (only while no training holds the folder's lock; the server first saves such a
checkpoint as a run, `model.training.checkpoint`): once when a server process starts, then every
few minutes while it serves (`PeriodicSweep`, a daemon thread), so a leftover never waits for a
restart. Only plain
files count (`model.files.plain_file_problem`): a link or anything else planted in the folder is
never listed, pruned or swept. The shipped model is never touched, even if it sits in the same
folder. No Keras and no Streamlit here.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from model.files import is_plain_file
from model.shapes import CHECKPOINT_MARK, MODEL_SUFFIX, SHIPPED_MODEL_PATH, TEMPORARY_SUFFIXES, TRAINING_LOCK_NAME

# A temporary file younger than this may belong to a save going on right now in another replica
# sharing the folder; a save takes seconds.
TEMPORARY_FILE_MIN_AGE_SECONDS = 600
# How often a serving process sweeps: a leftover goes at most this long after it became old enough.
SWEEP_INTERVAL_SECONDS = 300
# Room for one more run: a model file with its history and snapshots is a few MB; this is ample.
EXPECTED_RUN_BYTES = 50 * 1_000_000


_LOGGER = logging.getLogger(__name__)


class RunsFolderFullError(ValueError):
    """A run cannot be saved: the disk would keep less free space than the server's floor."""


def saved_runs(runs_directory: str | os.PathLike) -> list[Path]:
    """The saved runs' model files, oldest first (hidden temporary files and anything but plain files are not runs)."""
    folder = Path(runs_directory)
    if not folder.is_dir():
        return []
    runs = [path for path in folder.glob(f"*{MODEL_SUFFIX}") if not path.name.startswith(".") and is_plain_file(path, folder)]
    return sorted(runs, key=_modified_time)


def _modified_time(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # Removed meanwhile (another replica pruned it).
        return 0.0


def run_files(model_path: Path) -> list[Path]:
    """The model file and every side file of its run (`NAME.history.json`, `NAME.snapshots.npz`, …), plain files only."""
    model_path = Path(model_path)
    siblings = (path for path in model_path.parent.glob(f"{model_path.stem}.*") if path != model_path)
    return [path for path in (model_path, *siblings) if is_plain_file(path, model_path.parent)]


def prune_runs(runs_directory: str | os.PathLike, keep: int | None, protected: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Remove the oldest runs until at most `keep` remain; return the removed model files.

    `protected` paths (the run just saved) and the shipped model count but are never removed.
    """
    if keep is None:
        return []
    if keep < 0:
        raise ValueError(f"The number of runs to keep cannot be negative, got {keep}")
    shielded = {Path(path).resolve() for path in (*protected, SHIPPED_MODEL_PATH)}
    runs = saved_runs(runs_directory)
    excess = len(runs) - keep
    removable = [path for path in runs if path.resolve() not in shielded][: max(0, excess)]
    for model_path in removable:
        for path in run_files(model_path):
            path.unlink(missing_ok=True)
    return removable


def check_disk_space(runs_directory: str | os.PathLike, min_free_bytes: int, expected_bytes: int = EXPECTED_RUN_BYTES) -> None:
    """Raise RunsFolderFullError when saving about `expected_bytes` would leave less than `min_free_bytes` free."""
    folder = Path(runs_directory)
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free - expected_bytes < min_free_bytes:
        raise RunsFolderFullError(
            f"No room for another run: the server's disk has {free / 1e6:,.0f} MB free and keeps at least "
            f"{min_free_bytes / 1e6:,.0f} MB free. Ask its operator to make room."
        )


def training_in_progress(runs_directory: str | os.PathLike) -> bool:
    """Whether a training process (of any replica sharing the folder) holds the folder's training lock."""
    lock_path = Path(runs_directory) / TRAINING_LOCK_NAME
    try:
        descriptor = os.open(lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # Unreadable: assume a run, and keep its files.
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # Closing drops the shared lock, if it was taken.
    return False


class RunLock:
    """An exclusive `flock` on a file in the runs folder: one training at a time across server replicas.

    The lock belongs to the open file, which the training process inherits: it is released once
    both the server has called `release()` (or died) and the training process has ended.
    """

    def __init__(self, directory: Path):
        self.path = directory / TRAINING_LOCK_NAME
        self._stream = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(self.path, "a+")
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stream.close()
            return False
        self._stream = stream
        return True

    def fileno(self) -> int:
        return self._stream.fileno()

    def release(self) -> None:
        if self._stream is not None:
            self._stream.close()  # Closing the file drops the lock.
            self._stream = None


@contextlib.contextmanager
def holding_training_lock(runs_directory: str | os.PathLike):
    """Hold the folder's training lock, exclusively, for a moment's work; yields False (and holds nothing) when it is taken.

    What no training may race (saving a dead server's checkpoints as runs) runs under it, so that two
    replicas never do it at once and no run starts meanwhile.
    """
    lock_path = Path(runs_directory) / TRAINING_LOCK_NAME
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # Closing drops the lock.


def _leftover(path: Path, folder: Path) -> bool:
    """Whether `path`'s name is a temporary file's, or a checkpoint's while no training holds the folder."""
    if not path.name.startswith("."):
        return False
    if path.name.endswith(TEMPORARY_SUFFIXES):
        return True
    # A run's last completed epoch is kept while the run trains (its process holds the lock); once no
    # training holds it, the checkpoint's server died with its training process and nobody will save it.
    return CHECKPOINT_MARK + "." in path.name and not training_in_progress(folder)


def sweep_temporary_files(runs_directory: str | os.PathLike, min_age_seconds: float = TEMPORARY_FILE_MIN_AGE_SECONDS) -> list[Path]:
    """Remove temporary files that interrupted saves left in the folder, and checkpoints no training holds; return what was removed."""
    folder = Path(runs_directory)
    if not folder.is_dir():
        return []
    now = time.time()
    removed = []
    for path in folder.iterdir():
        if not _leftover(path, folder):
            continue
        try:
            if is_plain_file(path, folder) and now - path.stat().st_mtime >= min_age_seconds:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # Removed meanwhile by another replica's sweep.
    return removed


class PeriodicSweep:
    """Sweeps a runs folder's leftover temporary files every `interval_seconds` in a daemon thread.

    `sweep_once()` is one sweep, after `recover(folder)` if given (the server saves the checkpoints that
    no training holds, `model.training.checkpoint.recover_orphaned_checkpoints`); `start()` sweeps every
    `interval_seconds` until `stop()`, for as long as the process lives. A failed sweep is logged and
    the next one still runs.
    """

    def __init__(
        self,
        runs_directory: str | os.PathLike,
        interval_seconds: float = SWEEP_INTERVAL_SECONDS,
        min_age_seconds: float = TEMPORARY_FILE_MIN_AGE_SECONDS,
        recover: Callable[[Path], list[Path]] | None = None,
    ):
        if interval_seconds <= 0:
            raise ValueError(f"The sweep interval must be positive, got {interval_seconds}")
        self.runs_directory, self.interval_seconds, self.min_age_seconds = Path(runs_directory), interval_seconds, min_age_seconds
        self.recover = recover
        self.sweeps = 0
        self.removed: list[Path] = []
        self._stopped = threading.Event()

    def sweep_once(self) -> list[Path]:
        if self.recover is not None:  # Checkpoints no training holds are saved as runs before anything is swept.
            self.recover(self.runs_directory)
        removed = sweep_temporary_files(self.runs_directory, self.min_age_seconds)
        self.sweeps += 1
        self.removed.extend(removed)
        return removed

    def _sweep_periodically(self) -> None:
        while not self._stopped.wait(self.interval_seconds):
            try:
                self.sweep_once()
            except Exception:  # The sweeper must outlive one failed sweep; the server's log says why.
                _LOGGER.exception("Sweeping the runs folder %s failed", self.runs_directory)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._sweep_periodically, name="runs-folder-sweep", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopped.set()
