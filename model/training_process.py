"""What runs inside the training process: a job, the child's entry point, and the job kinds.

The server never trains in its own process (that would load TensorFlow into it and slow every
visitor's drawing). `model.worker.TrainingSupervisor` starts `child_main` in a fresh process
(multiprocessing's spawn), hands it a picklable `TrainingJob`, and reads what it sends back on a
queue: `("device", description)`, `("progress", BatchProgress | EpochProgress)`, then one
`("finished", JobOutcome)` or `("failed", message)`. The child lowers its priority
(`os.nice`), caps its thread pools before TensorFlow loads, stops between batches when the stop
event is set or its parent has gone, and turns any exception into a plain message.

A job's `kind` names what to do; `JOB_RUNNERS` maps each kind to a function
`runner(job, on_progress, should_stop) -> JobOutcome`, given as "module:function" and imported in
the child only. A new kind (e.g. fine-tuning) is one entry here and one function beside `train`.
This module imports neither Keras nor Streamlit at its top: the server imports it.
"""

from __future__ import annotations

import importlib
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.config import TrainConfig
from model.data import Split

# Each job kind and the function that runs it in the child, "module:function".
JOB_RUNNERS = {
    "train": "model.training_process:run_training",
    "fine_tune": "model.training_process:run_fine_tuning",
}
NICENESS = 10  # Below the server's priority: drawing stays quick while a run trains.
THREAD_ENVIRONMENT_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
OUT_OF_MEMORY = "Training ran out of memory. Try a smaller batch size, fewer units or a smaller training subset."


def training_threads() -> int:
    """Threads the training process may use: half the CPUs this process may run on, at least one."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # Not on Linux.
        usable = os.cpu_count() or 1
    return max(1, usable // 2)


@dataclass(frozen=True)
class TrainingJob:
    """Everything the child needs, picklable: what to do (`kind`), with what, and where to save it.

    `runner` is the "module:function" that does it; it defaults to `JOB_RUNNERS[kind]`.
    `options` carries what a kind needs beyond a training config (e.g. a base model and corrections).
    """

    kind: str
    config: TrainConfig
    model_path: Path
    data: tuple[Split, Split] | None = None
    watched_images: np.ndarray | None = None
    options: dict[str, Any] = field(default_factory=dict)
    runner: str = ""
    threads: int = field(default_factory=training_threads)

    def __post_init__(self):
        if not self.runner:
            if self.kind not in JOB_RUNNERS:
                raise ValueError(f"Unknown training job kind {self.kind!r}; known: {', '.join(JOB_RUNNERS)}.")
            object.__setattr__(self, "runner", JOB_RUNNERS[self.kind])
        if self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended when it ended well: finished or stopped, and the model it saved."""

    status: str  # finished or stopped
    model_path: Path | None
    test_accuracy: float | None = None
    test_loss: float | None = None


def run_training(job: TrainingJob, on_progress, should_stop) -> JobOutcome:
    """The "train" job: `model.train.train` on the job's data, saved with its record at `job.model_path`."""
    from model.train import save_result, train

    result = train(job.config, job.data, on_progress=on_progress, should_stop=should_stop, watched_images=job.watched_images)
    path = save_result(result, job.model_path)
    return JobOutcome(result.history.status, path, result.history.test_accuracy, result.history.test_loss)


def run_fine_tuning(job: TrainingJob, on_progress, should_stop) -> JobOutcome:
    """The "fine_tune" job: `model.train.fine_tune` of `options["base_model"]` on its corrections, mixed with the job's MNIST.

    `options`: base_model (a path), images (N×28×28 in [0, 1]), labels (N digits), settings (a FineTuneConfig, optional).
    """
    from model.config import FineTuneConfig
    from model.train import fine_tune, save_result

    options = job.options
    settings = options.get("settings") or FineTuneConfig()
    result = fine_tune(options["base_model"], options["images"], options["labels"], job.data, settings, on_progress, should_stop)
    path = save_result(result, job.model_path)
    return JobOutcome(result.history.status, path, result.history.test_accuracy, result.history.test_loss)


def _limit_threads(threads: int) -> None:
    """Cap every thread pool the child may start; must run before TensorFlow is imported."""
    for name in THREAD_ENVIRONMENT_VARIABLES:
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"


def _configure_tensorflow(threads: int) -> str | None:
    """Apply the thread caps to TensorFlow and describe the device; None when the backend is not loaded."""
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except (ImportError, RuntimeError):
        pass  # Another backend, or TensorFlow already initialised its pools.
    from model.network import detect_device

    return detect_device().describe()


def failure_message(error: BaseException) -> str:
    """A plain sentence for a visitor about why a run failed."""
    if isinstance(error, MemoryError):
        return OUT_OF_MEMORY
    if isinstance(error, ValueError):
        return str(error)
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    if "OOM" in detail or "out of memory" in detail.lower():
        return OUT_OF_MEMORY
    return f"Training failed: {detail}"


def child_main(job: TrainingJob, messages, stop_event) -> None:
    """The training process's entry point: run the job, report on `messages`, stop on `stop_event`."""
    parent = os.getppid()
    try:
        os.nice(NICENESS)
    except OSError:
        pass  # Already as low as allowed.
    _limit_threads(job.threads)
    try:
        module_name, _, function_name = job.runner.partition(":")
        runner = getattr(importlib.import_module(module_name), function_name)
        if job.runner == JOB_RUNNERS.get(job.kind):  # The app's own jobs train with Keras; report where.
            messages.put(("device", _configure_tensorflow(job.threads)))

        def should_stop() -> bool:
            # Stop when asked, and when the server that started this run has gone away.
            return stop_event.is_set() or os.getppid() != parent

        outcome = runner(job, lambda report: messages.put(("progress", report)), should_stop)
        messages.put(("finished", outcome))
    except BaseException as error:  # Everything, even SystemExit, becomes a message for the page.
        messages.put(("failed", failure_message(error)))
    finally:
        messages.close()
        messages.join_thread()  # Everything sent reaches the server before the process ends.
