"""Training in the background: one run at a time, in its own process, observed through a progress object.

`TrainingSupervisor.start()` runs `model.training.train.train` in a separate training process (a subprocess,
`python -m model.training.process`) and returns a `TrainingRun`, the shared progress object a
monitor thread fills from what the process sends (under a lock) and any number of pages read
(`snapshot()`). The server process never imports TensorFlow. A stop request, or a run past the
policy's time cap, is honoured between batches; the finished or stopped model is saved atomically
with its history into the runs folder by the training process. The process is reaped when it ends;
if it dies (killed, out of memory, a crash) after an epoch, the run is saved from its last completed
epoch as stopped there (`model.training.checkpoint`), with a plain message saying what happened;
before its first epoch, the run fails with that message. One run at a time holds across server
replicas too: an exclusive `flock` on `.training.lock` in the runs folder.
The server's settings (`DemoSettings`, the hosting policy) cap what visitors may run. Nothing here imports Streamlit.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np

from model.config import BatchProgress, EpochProgress, TrainConfig
from model.data import Split
from model.hosting.runs_folder import RunLock, check_disk_space, prune_runs
from model.hosting.settings import DemoSettings
from model.shapes import REPOSITORY
from model.training.checkpoint import discard_checkpoint, recover_checkpoint
from model.training.process import (
    NICENESS,
    STOP,
    FailureKind,
    JobFailure,
    JobOutcome,
    TrainingJob,
    read_frame,
    thread_environment,
    training_installed,
    write_frame,
)
from model.training.record import RunRecord, RunRecordError, finite_or_none, read_run_record

RunStatus = Literal["starting", "running", "stopping", "finished", "stopped", "failed"]
ACTIVE_STATES: tuple[RunStatus, ...] = ("starting", "running", "stopping")
POLL_SECONDS = 0.2
EXIT_GRACE_SECONDS = 30  # How long a finished training process may take to exit before it is killed.
# What a run saved from its checkpoint after an unexpected error records as the reason (the detail is in the server's log).
UNEXPECTED_FAILURE_NOTE = "Training failed because of an unexpected error."
CONCLUSION_FAILED = "Training ended, but the runs folder could not be tidied after it; the server's log says why."
_LOGGER = logging.getLogger(__name__)


class TrainingBusyError(RuntimeError):
    """Another training run is already going on in this server (or another replica sharing the runs folder)."""


@dataclass(frozen=True)
class RunSnapshot:
    """A consistent copy of a run's progress, safe to read while the worker goes on."""

    run_id: str
    config: TrainConfig
    status: RunStatus
    started: float
    batches: tuple[BatchProgress, ...]
    epochs: tuple[EpochProgress, ...]
    failure: JobFailure | None
    model_path: Path | None
    test_accuracy: float | None
    test_loss: float | None
    owner: str | None = None
    epochs_saved: int | None = None  # A run saved from its last checkpoint: the epochs it kept.

    @property
    def error(self) -> str | None:
        """The failure's message, or None."""
        return None if self.failure is None else self.failure.message

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def latest_batch(self) -> BatchProgress | None:
        return self.batches[-1] if self.batches else None

    def fraction_done(self) -> float:
        latest = self.latest_batch
        if latest is None:
            return 0.0
        done = (latest.epoch - 1) * latest.batches_per_epoch + latest.batch
        return min(1.0, done / (latest.epochs * latest.batches_per_epoch))

    def eta_seconds(self) -> float | None:
        latest, done = self.latest_batch, self.fraction_done()
        if latest is None or done <= 0:
            return None
        return latest.seconds * (1 - done) / done


@dataclass
class TrainingRun:
    """The progress object one worker writes and every page reads."""

    run_id: str
    config: TrainConfig
    owner: str | None = None  # Whoever may stop it; everyone else watches.
    started: float = field(default_factory=time.time)
    status: RunStatus = "starting"
    batches: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    failure: JobFailure | None = None
    model_path: Path | None = None
    test_accuracy: float | None = None
    test_loss: float | None = None
    epochs_saved: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def record(self, report: BatchProgress | EpochProgress) -> None:
        with self._lock:
            if self.status == "starting":
                self.status = "running"
            (self.batches if isinstance(report, BatchProgress) else self.epochs).append(report)

    def request_stop(self) -> None:
        self._stop.set()
        with self._lock:
            if self.status in ("starting", "running"):
                self.status = "stopping"

    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def finish(self, **outcome) -> None:
        with self._lock:
            for name, value in outcome.items():
                setattr(self, name, value)
        self._finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def snapshot(self) -> RunSnapshot:
        with self._lock:
            return RunSnapshot(
                run_id=self.run_id,
                config=self.config,
                status=self.status,
                started=self.started,
                batches=tuple(self.batches),
                epochs=tuple(self.epochs),
                failure=self.failure,
                model_path=self.model_path,
                test_accuracy=self.test_accuracy,
                test_loss=self.test_loss,
                owner=self.owner,
                epochs_saved=self.epochs_saved,
            )


def _describe_exit(exit_code: int | None) -> str:
    if exit_code is not None and exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        hint = " (perhaps it ran out of memory)" if name == "SIGKILL" else ""
        return f"The training process was killed by {name}{hint}."
    return f"The training process ended unexpectedly (exit code {exit_code})."


def _launch(job: TrainingJob, lock: RunLock) -> tuple[subprocess.Popen, object]:
    """Start `python -m model.training.process` with its thread pools capped; return it and the pipe it reports on.

    The process inherits the run lock's file, so the lock outlives a server that dies before it.
    """
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "model.training.process", str(write_end)],
            cwd=REPOSITORY,
            env={**os.environ, **thread_environment(job.threads)},
            stdin=subprocess.PIPE,
            pass_fds=(write_end, lock.fileno()),
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)  # The child holds its own copy; ours would keep the pipe open after it ends.
    return process, os.fdopen(read_end, "rb", buffering=0)  # Unbuffered: select() then sees every byte not yet read.


def _saved_record(model_path: Path) -> RunRecord | None:
    """The record of a run saved whole at `model_path` (its model and a record that belongs to it), else None."""
    if not model_path.is_file():
        return None
    try:
        return read_run_record(model_path)
    except RunRecordError:
        return None


class TrainingSupervisor:
    """Runs at most one training at a time, each in its own process, and keeps the latest run for every page."""

    def __init__(self, runs_directory: str | Path, policy: DemoSettings = DemoSettings()):
        self.runs_directory = Path(runs_directory)
        self.policy = policy
        self._lock = threading.Lock()
        self._current: TrainingRun | None = None
        self._run_lock = RunLock(self.runs_directory)
        self._device: str | None = None
        self._device_probe: threading.Thread | None = None
        self._startup_seconds: float | None = None

    def current(self) -> TrainingRun | None:
        return self._current

    def does_not_train(self) -> str | None:
        """Why this server does not train, in a sentence for its visitors; None when it does."""
        if not self.policy.training_enabled:
            return "This server does not train: its operator turned training off."
        if not training_installed():
            return "This server does not train: it runs without TensorFlow and Keras (the serving image)."
        return None

    def start(
        self, config: TrainConfig, data: tuple[Split, Split], watched_images: np.ndarray | None = None, owner: str | None = None
    ) -> TrainingRun:
        """Start a training run in its own process; raises TrainingBusyError or ValueError (policy) at once.

        `owner` is an opaque token of whoever started it, so a page can offer Stop to them alone.
        """
        return self.start_job("train", config, data=data, watched_images=watched_images, owner=owner)

    def start_job(self, kind: str, config: TrainConfig, owner: str | None = None, **job_fields) -> TrainingRun:
        """Start a job of any kind (`model.training.process.JOB_RUNNERS`); its model is saved in the runs folder.

        `job_fields` are the other `TrainingJob` fields (data, watched_images, options, runner, threads).
        """
        self.policy.check(config)
        if not training_installed():
            raise ValueError(self.does_not_train())
        # Refused before hours of training rather than at the save: the disk must keep its floor.
        check_disk_space(self.runs_directory, self.policy.min_free_disk_bytes)
        with self._lock:
            if self._current is not None and self._current.snapshot().active:
                raise TrainingBusyError("A training run is already in progress on this server; watch it or wait for it to end.")
            if not self._acquire_run_lock():
                raise TrainingBusyError("Another server process sharing this runs folder is training; wait for it to end.")
            try:
                run_id = datetime.now().strftime("run-%Y%m%d-%H%M%S")
                if self._current is not None and self._current.run_id == run_id:
                    run_id += f"-{int(time.time() * 1000) % 1000:03d}"
                job = TrainingJob(kind=kind, config=config, model_path=self.runs_directory / f"{run_id}.keras", **job_fields)
                run = TrainingRun(run_id=run_id, config=config, owner=owner)
                process, messages = _launch(job, self._run_lock)
            except BaseException:
                self._run_lock.release()
                raise
            self._current = run
        monitor = threading.Thread(target=self._monitor, args=(run, job, process, messages), name=f"training-{run_id}", daemon=True)
        monitor.start()
        return run

    def _monitor(self, run: TrainingRun, job: TrainingJob, process: subprocess.Popen, messages) -> None:
        """Hand the job over, relay what the process sends into `run` until it ends, then reap it and free the slot."""
        outcome: JobOutcome | JobFailure | None = None
        stop_sent = False
        try:
            write_frame(process.stdin, job)
            while outcome is None:
                if not stop_sent and (run.stop_requested() or self.policy.out_of_time(run.started)):
                    # A run past the policy's time cap stops like a stopped run: between batches, and saved.
                    run.request_stop()
                    process.stdin.write(STOP)
                    process.stdin.flush()
                    stop_sent = True
                ready, _, _ = select.select([messages], [], [], POLL_SECONDS)
                if not ready:
                    continue
                kind, payload = read_frame(messages)
                if kind == "progress":
                    if isinstance(payload, BatchProgress) and not run.batches and job.kind == "train":
                        # From the launch to the first batch, less that batch's own training time: what starting costs here.
                        self._startup_seconds = max(0.0, time.time() - run.started - payload.seconds)
                    run.record(payload)
                elif kind == "device":
                    self._device = payload
                elif kind in ("finished", "failed"):
                    outcome = payload
        except (EOFError, OSError, pickle.UnpicklingError):
            pass  # The process died mid-way; its exit code says how.
        finally:
            try:
                process.wait(EXIT_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for stream in (process.stdin, messages):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                ending = self._conclude(job, outcome, process.returncode)
            except Exception:  # The run must end whatever happened in the runs folder, or this server stays busy.
                _LOGGER.exception("Concluding run %s failed", run.run_id)
                ending = {"status": "failed", "failure": JobFailure(FailureKind.UNEXPECTED, CONCLUSION_FAILED)}
            finally:
                self._run_lock.release()  # Only now: the sweep leaves a checkpoint alone while the lock is held.
            run.finish(**ending)

    def _keep_within_cap(self, protected: list) -> None:
        """The runs folder within the policy's number of runs, the oldest going first; a failure is logged, and the run stands.

        The run is saved by then: a folder that cannot be tidied (unreadable, another replica pruning) must not
        report it as failed. The next run, or the next server start, prunes again.
        """
        try:
            prune_runs(self.runs_directory, self.policy.max_saved_runs, protected=protected)
        except OSError:
            _LOGGER.exception("The runs folder %s could not be kept within its cap", self.runs_directory)

    def _acquire_run_lock(self, patience_seconds: float = 1.0) -> bool:
        """The folder's training lock, waiting a moment: a sweep or a checkpoint's recovery holds it for milliseconds."""
        deadline = time.monotonic() + patience_seconds
        while not self._run_lock.acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _conclude(self, job: TrainingJob, outcome: JobOutcome | JobFailure | None, exit_code: int | None) -> dict:
        """How the run ends: saved by the job, saved from its last checkpoint, or failed; the runs folder kept within its cap."""
        if isinstance(outcome, JobOutcome):
            discard_checkpoint(job.model_path)
            # The runs folder keeps at most the policy's number of runs: the oldest go, never this one.
            protected = [outcome.model_path] if outcome.model_path is not None else []  # A job may end with no model.
            self._keep_within_cap(protected)
            return {
                "status": outcome.status,
                "model_path": outcome.model_path,
                "test_accuracy": outcome.test_accuracy,
                "test_loss": outcome.test_loss,
            }
        failure = outcome if isinstance(outcome, JobFailure) else JobFailure(FailureKind.PROCESS_ENDED, _describe_exit(exit_code))
        saved_whole = _saved_record(job.model_path)
        if saved_whole is not None:  # The process saved the run, then died before it could say so: the run stands as saved.
            discard_checkpoint(job.model_path)
            accuracy, loss = finite_or_none(saved_whole.test_accuracy), finite_or_none(saved_whole.test_loss)
            return {"status": saved_whole.status, "model_path": job.model_path, "test_accuracy": accuracy, "test_loss": loss}
        reason = failure.message if failure.kind is not FailureKind.UNEXPECTED else UNEXPECTED_FAILURE_NOTE
        try:
            record = recover_checkpoint(job.model_path, reason)
        except (OSError, RunRecordError):
            _LOGGER.exception("The last checkpoint of %s could not be saved as a run", job.model_path.name)
            record = None
        discard_checkpoint(job.model_path)
        if record is None:
            return {"status": "failed", "failure": failure}
        self._keep_within_cap([job.model_path])
        return {
            "status": "stopped",
            "failure": failure,
            "model_path": job.model_path,
            "test_accuracy": finite_or_none(record.test_accuracy),
            "test_loss": finite_or_none(record.test_loss),
            "epochs_saved": record.epochs_completed,
        }

    def startup_seconds(self) -> float | None:
        """How long the last training run took from its launch to its first batch (a process, imports, the data, the network).

        None before one; Teach it's fine-tunes, which start differently, are not counted."""
        return self._startup_seconds

    def device_description(self) -> str | None:
        """Where training computes, e.g. "CPU (tensorflow backend)"; None until known, and on a server that does not train.

        Told by the training process when a run starts; before the first run, found once by a short
        low-priority subprocess, so that the server itself never imports TensorFlow.
        """
        if self.does_not_train():
            return None  # Nothing to probe: and without TensorFlow the probe could never answer.
        with self._lock:
            if self._device is None and self._device_probe is None:
                self._device_probe = threading.Thread(target=self._probe_device, name="device-probe", daemon=True)
                self._device_probe.start()
        return self._device

    def _probe_device(self) -> None:
        program = f"import os; os.nice({NICENESS}); from model.network import detect_device; print(detect_device().describe())"
        try:
            result = subprocess.run([sys.executable, "-c", program], cwd=REPOSITORY, capture_output=True, text=True, timeout=120)
            lines = result.stdout.strip().splitlines()
            if result.returncode == 0 and lines and self._device is None:
                self._device = lines[-1]
        except (OSError, subprocess.SubprocessError):
            pass  # The page says the device is unknown; training itself still works.
