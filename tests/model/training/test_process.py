"""model.training.process: a job's failure is told apart by its kind, not by the words of its message."""

from __future__ import annotations

from model.training.process import OUT_OF_MEMORY, FailureKind, JobFailure, describe_failure


def test_failures_are_told_apart_by_kind():
    assert describe_failure(ValueError("No training images.")) == JobFailure(FailureKind.REFUSED, "No training images.")
    assert describe_failure(MemoryError()) == JobFailure(FailureKind.OUT_OF_MEMORY, OUT_OF_MEMORY)
    assert describe_failure(RuntimeError("CUDA_ERROR_OUT_OF_MEMORY: out of memory")).kind is FailureKind.OUT_OF_MEMORY
    unexpected = describe_failure(RuntimeError("the disk caught fire"))
    assert unexpected == JobFailure(FailureKind.UNEXPECTED, "Training failed: RuntimeError: the disk caught fire")
