"""Training in the background: one run at a time per process, observed through a progress object.

`TrainingSupervisor.start()` launches `model.train.train` on a worker thread and returns a
`TrainingRun`, the shared progress object the worker writes into (under a lock) and any number of
pages read from (`snapshot()`). A stop request is honoured between batches; the finished or stopped
model is saved atomically with its history into the runs folder. `TrainingPolicy` caps what a
hosted demo lets visitors run. Nothing here imports Streamlit: the page only polls.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from model.data import Split
from model.settings import DemoSettings
from model.train import BatchProgress, EpochProgress, TrainConfig, save_result, train

ACTIVE_STATES = ("starting", "running", "stopping")


class TrainingBusyError(RuntimeError):
    """Another training run is already going on in this server."""


@dataclass(frozen=True)
class TrainingPolicy:
    """What visitors may train: everything, a capped run, or nothing (a hosted public demo).

    Built from the server's settings (`model.settings.DemoSettings`; `None` means no limit).
    `max_run_seconds` is honoured by the supervisor (a run past it is stopped and saved),
    `min_seconds_between_starts` by the page (per visitor, `model.start_limiter`), and
    `max_saved_runs` and `min_free_disk_bytes` by the save path (`model.runs`).
    """

    enabled: bool = True
    max_epochs: int | None = None
    max_train_subset: int | None = None
    max_run_seconds: int | None = None
    min_seconds_between_starts: int | None = None
    max_saved_runs: int | None = None
    min_free_disk_bytes: int = DemoSettings.min_free_disk_bytes

    @classmethod
    def from_settings(cls, settings: Mapping[str, object] | DemoSettings) -> TrainingPolicy:
        """The policy of `LSTM_DEMO_*` settings (a raw mapping, or already parsed); raises ValueError."""
        if not isinstance(settings, DemoSettings):
            settings = DemoSettings.from_mapping(settings)
        return cls(
            enabled=settings.training_enabled,
            max_epochs=settings.max_epochs,
            max_train_subset=settings.max_train_subset,
            max_run_seconds=settings.max_run_seconds,
            min_seconds_between_starts=settings.min_seconds_between_starts,
            max_saved_runs=settings.max_saved_runs,
            min_free_disk_bytes=settings.min_free_disk_bytes,
        )

    def out_of_time(self, started: float, now: float | None = None) -> bool:
        """Whether a run started at `started` (time.time()) has used up its `max_run_seconds`."""
        if self.max_run_seconds is None:
            return False
        return (time.time() if now is None else now) - started >= self.max_run_seconds

    def clamp(self, config: TrainConfig) -> TrainConfig:
        """The config with its epochs and training subset brought within the caps (defaults on a capped server)."""
        overrides = {}
        if self.max_epochs is not None:
            overrides["epochs"] = min(config.epochs, self.max_epochs)
        if self.max_train_subset is not None and not 0 < config.train_subset <= self.max_train_subset:
            overrides["train_subset"] = self.max_train_subset
        return dataclasses.replace(config, **overrides)

    def check(self, config: TrainConfig) -> None:
        if not self.enabled:
            raise ValueError("Training is turned off on this server.")
        if self.max_epochs is not None and config.epochs > self.max_epochs:
            raise ValueError(f"This server allows at most {self.max_epochs} epochs, not {config.epochs}.")
        if self.max_train_subset is not None and not 0 < config.train_subset <= self.max_train_subset:
            raise ValueError(f"This server trains on at most {self.max_train_subset} images; set the training subset size.")


@dataclass(frozen=True)
class RunSnapshot:
    """A consistent copy of a run's progress, safe to read while the worker goes on."""

    run_id: str
    config: TrainConfig
    status: str  # starting, running, stopping, finished, stopped, failed
    started: float
    batches: tuple[BatchProgress, ...]
    epochs: tuple[EpochProgress, ...]
    error: str | None
    model_path: Path | None
    test_accuracy: float | None
    test_loss: float | None
    owner: str | None = None

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
    status: str = "starting"
    batches: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    error: str | None = None
    model_path: Path | None = None
    test_accuracy: float | None = None
    test_loss: float | None = None
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
                error=self.error,
                model_path=self.model_path,
                test_accuracy=self.test_accuracy,
                test_loss=self.test_loss,
                owner=self.owner,
            )


class TrainingSupervisor:
    """Runs at most one training at a time and keeps the latest run for every page to see."""

    def __init__(self, runs_directory: str | Path, policy: TrainingPolicy = TrainingPolicy()):
        self.runs_directory = Path(runs_directory)
        self.policy = policy
        self._lock = threading.Lock()
        self._current: TrainingRun | None = None

    def current(self) -> TrainingRun | None:
        return self._current

    def start(
        self, config: TrainConfig, data: tuple[Split, Split], watched_images: np.ndarray | None = None, owner: str | None = None
    ) -> TrainingRun:
        """Start a run on a worker thread; raises TrainingBusyError or ValueError (policy) at once.

        `owner` is an opaque token of whoever started it, so a page can offer Stop to them alone.
        """
        self.policy.check(config)
        with self._lock:
            if self._current is not None and self._current.snapshot().active:
                raise TrainingBusyError("A training run is already in progress on this server; watch it or wait for it to end.")
            run_id = datetime.now().strftime("run-%Y%m%d-%H%M%S")
            if self._current is not None and self._current.run_id == run_id:
                run_id += f"-{int(time.time() * 1000) % 1000:03d}"
            run = TrainingRun(run_id=run_id, config=config, owner=owner)
            self._current = run
        worker = threading.Thread(target=self._work, args=(run, data, watched_images), name=f"training-{run_id}", daemon=True)
        worker.start()
        return run

    def _work(self, run: TrainingRun, data, watched_images) -> None:
        try:
            # A run past the policy's time cap stops like a stopped run: between batches, and saved.
            def should_stop() -> bool:
                return run.stop_requested() or self.policy.out_of_time(run.started)

            result = train(run.config, data, on_progress=run.record, should_stop=should_stop, watched_images=watched_images)
            path = save_result(result, self.runs_directory / f"{run.run_id}.keras")
            run.finish(
                status=result.history.status,
                model_path=path,
                test_accuracy=result.history.test_accuracy,
                test_loss=result.history.test_loss,
            )
        except MemoryError:
            run.finish(
                status="failed", error="Training ran out of memory. Try a smaller batch size, fewer units or a smaller training subset."
            )
        except ValueError as error:
            run.finish(status="failed", error=str(error))
        except Exception as error:  # The page must hear of any failure; nothing may die silently.
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            message = f"Training failed: {detail}"
            if "OOM" in detail or "out of memory" in detail.lower():
                message = "Training ran out of memory. Try a smaller batch size, fewer units or a smaller training subset."
            run.finish(status="failed", error=message)
