"""What runs inside the training process: a job, the child's entry point, its wire format, and the job kinds.

The server never trains in its own process (that would load TensorFlow into it and slow every
visitor's drawing). `model.training.supervisor.TrainingSupervisor` starts `python -m model.training.process FD`
(a plain subprocess: multiprocessing's spawn would re-run the Streamlit script in the child), with
its thread pools capped in the environment, writes it one pickled `TrainingJob` on stdin, and reads
what it sends back on the pipe FD: `("device", description)`, `("progress", BatchProgress |
EpochProgress)`, then one `("finished", JobOutcome)` or `("failed", JobFailure)`. After the job, the
child's stdin carries control: a STOP byte asks it to stop between batches, and end-of-file (the
server has gone) stops it too. The child lowers its priority (`os.nice`) and turns any exception
into a plain message. Every frame on both pipes is an 8-byte length and a pickle.

A job's `kind` names what to do; `JOB_RUNNERS` maps each kind to a function
`runner(job, on_progress, should_stop) -> JobOutcome`, given as "module:function" and imported in
the child only. A new kind (e.g. fine-tuning) is one entry here and one function beside `train`.
This module imports neither Keras nor Streamlit at its top: the server imports it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pickle
import struct
import sys
import threading
import traceback
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np

from model.config import FineTuneConfig, TrainConfig
from model.data import Split
from model.shapes import checkpoint_path_for

# Each job kind and the function that runs it in the child, "module:function".
JOB_RUNNERS = {
    "train": "model.training.process:run_training",
    "fine_tune": "model.training.process:run_fine_tuning",
}
NICENESS = 10  # Below the server's priority: drawing stays quick while a run trains.
THREAD_ENVIRONMENT_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
STOP = b"S"
FRAME_HEADER = struct.Struct(">Q")
OUT_OF_MEMORY = "Training ran out of memory. Try a smaller batch size, fewer units or a smaller training subset."
UNEXPECTED_FAILURE = "Training failed: "  # Begins the message of an unexpected error (its exception in one line).
JobKind = Literal["train", "fine_tune"]  # Or any other name, with its own `runner` (the tests' stand-ins).


class FailureKind(StrEnum):
    """Why a job failed, which says what a visitor may be told."""

    REFUSED = "refused"  # The job's own plain message (a ValueError: settings or data it cannot use).
    OUT_OF_MEMORY = "out_of_memory"
    UNEXPECTED = "unexpected"  # An error of ours: its detail belongs in the server's log, not on a public page.
    PROCESS_ENDED = "process_ended"  # The training process was killed or crashed before it could say why.


@dataclass(frozen=True)
class JobFailure:
    """How a job ended when it failed: the kind of failure and its message."""

    kind: FailureKind
    message: str


@dataclass(frozen=True)
class FineTuneOptions:
    """What a "fine_tune" job needs beyond a training config: the model it starts from and the visitor's corrections."""

    base_model: str  # The `.keras` file to start from; it is never changed.
    images: np.ndarray  # N×28×28 in [0, 1]
    labels: np.ndarray  # N digits
    settings: FineTuneConfig | None = None  # None: FineTuneConfig's defaults.


def training_installed() -> bool:
    """Whether this Python can train: Keras is installed (the serving image has no Keras and no TensorFlow). Imports nothing."""
    return importlib.util.find_spec("keras") is not None


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
    `options` carries what a kind needs beyond a training config (a fine-tune's base model and corrections).
    """

    kind: JobKind | str
    config: TrainConfig
    model_path: Path
    data: tuple[Split, Split] | None = None
    watched_images: np.ndarray | None = None
    options: FineTuneOptions | None = None
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

    status: Literal["finished", "stopped"]
    model_path: Path | None
    test_accuracy: float | None = None
    test_loss: float | None = None


def run_training(job: TrainingJob, on_progress, should_stop) -> JobOutcome:
    """The "train" job: `model.training.train.train` on the job's data, saved with its record at `job.model_path`.

    After every completed epoch the run as it stands is kept at `checkpoint_path_for(job.model_path)`,
    from which the supervisor saves a run whose process was killed (`model.training.checkpoint`).
    """
    from model.training.train import save_result, train

    result = train(
        job.config,
        job.data,
        on_progress=on_progress,
        should_stop=should_stop,
        watched_images=job.watched_images,
        checkpoint_path=checkpoint_path_for(job.model_path),
    )
    path = save_result(result, job.model_path)
    return JobOutcome(result.history.status, path, result.history.test_accuracy, result.history.test_loss)


def run_fine_tuning(job: TrainingJob, on_progress, should_stop) -> JobOutcome:
    """The "fine_tune" job: `model.training.fine_tune.fine_tune` of the job's base model on its corrections, mixed with the job's MNIST.

    `job.options` is a `FineTuneOptions`.
    """
    from model.training.fine_tune import fine_tune
    from model.training.train import save_result

    options = job.options
    settings = options.settings or FineTuneConfig()
    result = fine_tune(options.base_model, options.images, options.labels, job.data, settings, on_progress, should_stop)
    path = save_result(result, job.model_path)
    return JobOutcome(result.history.status, path, result.history.test_accuracy, result.history.test_loss)


def thread_environment(threads: int) -> dict[str, str]:
    """Environment variables that cap every thread pool of the child, read before TensorFlow loads."""
    return {**{name: str(threads) for name in THREAD_ENVIRONMENT_VARIABLES}, "TF_NUM_INTEROP_THREADS": "1"}


def write_frame(stream, message: object) -> None:
    """Send one message: its pickle's length, then the pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME_HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream) -> object:
    """Receive one message; raises EOFError when the other side has closed the pipe."""
    (length,) = FRAME_HEADER.unpack(_read_exactly(stream, FRAME_HEADER.size))
    return pickle.loads(_read_exactly(stream, length))  # Only ever from the other end of our own pipe.


def _read_exactly(stream, size: int) -> bytes:
    """`size` bytes, from a buffered or an unbuffered stream (which may return fewer per read)."""
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the pipe was closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


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


def describe_failure(error: BaseException) -> JobFailure:
    """Why a run failed: its kind, and a plain sentence (an unexpected error's is its exception in one line)."""
    if isinstance(error, MemoryError):
        return JobFailure(FailureKind.OUT_OF_MEMORY, OUT_OF_MEMORY)
    if isinstance(error, ValueError):
        return JobFailure(FailureKind.REFUSED, str(error))
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    if "OOM" in detail or "out of memory" in detail.lower():
        return JobFailure(FailureKind.OUT_OF_MEMORY, OUT_OF_MEMORY)
    return JobFailure(FailureKind.UNEXPECTED, f"{UNEXPECTED_FAILURE}{detail}")


def child_main(control, messages) -> None:
    """The training process: read the job from `control`, run it, report on `messages`, stop when told."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass  # Already as low as allowed.
    try:
        job = read_frame(control)
    except (EOFError, pickle.UnpicklingError):
        return  # The server went away before sending a job.
    stop_requested = threading.Event()

    def listen_for_stop() -> None:
        # A STOP byte, or end-of-file when the server that started this run has gone away.
        while control.read(1) not in (STOP, b""):
            pass
        stop_requested.set()

    threading.Thread(target=listen_for_stop, name="stop-listener", daemon=True).start()
    try:
        module_name, _, function_name = job.runner.partition(":")
        runner = getattr(importlib.import_module(module_name), function_name)
        if job.runner == JOB_RUNNERS.get(job.kind):  # The app's own jobs train with Keras; report where.
            write_frame(messages, ("device", _configure_tensorflow(job.threads)))
        outcome = runner(job, lambda report: write_frame(messages, ("progress", report)), stop_requested.is_set)
        write_frame(messages, ("finished", outcome))
    except BaseException as error:  # Everything, even SystemExit, becomes a message for the page.
        if not isinstance(error, ValueError):  # An unexpected error: its traceback goes to the server's log (stderr).
            traceback.print_exc(file=sys.stderr)
        try:
            write_frame(messages, ("failed", describe_failure(error)))
        except OSError:
            pass  # The server has gone; nobody is listening.


if __name__ == "__main__":
    from model.training import process as training_process  # The module itself, so that what is pickled names it, not __main__.

    with os.fdopen(int(sys.argv[1]), "wb") as message_pipe:
        training_process.child_main(sys.stdin.buffer, message_pipe)
    # The stop listener still blocks in a read of stdin, holding its lock: a normal interpreter shutdown
    # would try to take that lock and abort ("Fatal Python error: _enter_buffered_busy"). Everything this
    # process had to say has been written and the pipe closed, so it ends here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
