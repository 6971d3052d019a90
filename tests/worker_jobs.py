"""Stand-in training jobs, run inside the real training process by the supervisor's and the pages' tests.

They exercise the process mechanics (progress, stop, crashes) in well under a second, without
loading TensorFlow; the real "train" job is tested beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time

from model.config import BatchProgress
from model.shapes import SHIPPED_MODEL_PATH, history_path_for
from model.training.process import JobOutcome
from model.training.record import MODEL_DIGEST_KEY
from model.weights import file_digest


def report_until_stopped(job, on_progress, should_stop) -> JobOutcome:
    """Report a batch every 20 ms until told to stop, then end as a stopped run."""
    batch = 0
    while not should_stop():
        batch += 1
        on_progress(BatchProgress(1, 1, batch, 10**6, batch, batch * 0.02, 1.0, 0.5))
        time.sleep(0.02)
    return JobOutcome("stopped", None)


def exit_abruptly(job, on_progress, should_stop) -> JobOutcome:
    on_progress(BatchProgress(1, 1, 1, 10, 1, 0.1, 1.0, 0.5))
    time.sleep(0.2)
    os._exit(3)


def kill_itself(job, on_progress, should_stop) -> JobOutcome:
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return JobOutcome("finished", None)


def kill_itself_after_an_epoch(job, on_progress, should_stop) -> JobOutcome:
    """Report one of two epochs, keep its checkpoint as the real "train" job does, then die by SIGKILL."""
    from tests.helpers import make_record, write_checkpoint

    whole_run = make_record(config=job.config)
    first_epoch = make_record(config=job.config, status="stopped", batches=whole_run.batches[:2], epochs=whole_run.epochs[:1])
    for report in (*first_epoch.batches, *first_epoch.epochs):
        on_progress(report)
    write_checkpoint(job.model_path, first_epoch)
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return JobOutcome("finished", None)


def raise_error(job, on_progress, should_stop) -> JobOutcome:
    raise RuntimeError("the disk caught fire")


def report_priority(job, on_progress, should_stop) -> JobOutcome:
    """End at once, with the process's niceness and thread caps in place of a test accuracy."""
    settings = (os.nice(0), int(os.environ["OMP_NUM_THREADS"]), int(os.environ["TF_NUM_INTRAOP_THREADS"]))
    return JobOutcome("finished", None, test_accuracy=settings[0], test_loss=settings[1] * 1000 + settings[2])


def finished_stand_in(job, on_progress, should_stop):
    """A stand-in training job (runs in the training process): reports a small record's progress and saves a copy of the shipped model."""
    from tests.helpers import make_record

    record = make_record(config=job.config)
    for report in (*record.batches, *record.epochs):
        on_progress(report)
    shutil.copy(SHIPPED_MODEL_PATH, job.model_path)
    history_path_for(job.model_path).write_text(json.dumps(record.to_json()))
    return JobOutcome("finished", job.model_path, record.test_accuracy, record.test_loss)


def write_stand_in_run(job, on_progress, should_stop) -> JobOutcome:
    """A training job that saves a stand-in model file at once (run in the real training process)."""
    job.model_path.write_bytes(b"a stand-in model")
    return JobOutcome("finished", job.model_path, 0.5, 1.0)


def save_the_whole_run_then_die(job, on_progress, should_stop) -> JobOutcome:
    """Save the finished run (keeping an earlier checkpoint beside it, as a killed save would), then die before saying so."""
    from tests.helpers import make_record, write_checkpoint

    whole_run = make_record(config=job.config)
    for report in (*whole_run.batches, *whole_run.epochs):
        on_progress(report)
    write_checkpoint(job.model_path, make_record(config=job.config, status="stopped", epochs=whole_run.epochs[:1]))
    shutil.copy(SHIPPED_MODEL_PATH, job.model_path)
    history_path_for(job.model_path).write_text(json.dumps({**whole_run.to_json(), MODEL_DIGEST_KEY: file_digest(job.model_path)}))
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return JobOutcome("finished", None)
