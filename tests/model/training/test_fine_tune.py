"""model.training.fine_tune: teaching the shipped model digits it gets wrong, without forgetting MNIST."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import FineTuneConfig
from model.shapes import SHIPPED_MODEL_PATH
from model.training.fine_tune import fine_tune
from model.training.store import load_history
from model.training.train import save_result

pytestmark = pytest.mark.slow  # Every test fine-tunes a network.

# MNIST training images the shipped model reads confidently wrong: a 2 it calls 1, an 8 it calls 3.
WRONG_TRAINING_DIGITS = (4476, 10800)


def test_a_wrong_digit_becomes_right_and_mnist_accuracy_stays(tmp_path, mnist):
    (x_train, y_train), _ = mnist
    images = x_train[list(WRONG_TRAINING_DIGITS)].astype(np.float32) / 255
    labels = y_train[list(WRONG_TRAINING_DIGITS)]
    reports = []
    result = fine_tune(SHIPPED_MODEL_PATH, images, labels, mnist, on_progress=reports.append)
    outcome = result.history.fine_tune
    assert outcome.corrections_right_before == 0, "the shipped model gets both wrong"
    assert outcome.predictions_after == [int(label) for label in labels], "teaching made both right"
    assert abs(outcome.mnist_accuracy_after - outcome.mnist_accuracy_before) <= 0.005, "within half a point on MNIST's test set"
    assert result.history.kind == "fine_tune" and result.history.status == "finished"
    assert result.history.test_accuracy == outcome.mnist_accuracy_after and reports

    path = save_result(result, tmp_path / "taught.keras")
    saved = load_history(path)
    assert saved.fine_tune == outcome and saved.config.units == 128


def test_bad_corrections_raise_a_clear_error(mnist):
    with pytest.raises(ValueError, match="one label each"):
        fine_tune(SHIPPED_MODEL_PATH, np.zeros((2, 28, 28)), [1], mnist)
    with pytest.raises(ValueError, match="28×28"):
        fine_tune(SHIPPED_MODEL_PATH, np.zeros((1, 20, 20)), [1], mnist)
    with pytest.raises(ValueError, match="digits from 0 to 9"):
        fine_tune(SHIPPED_MODEL_PATH, np.zeros((1, 28, 28)), [12], mnist)
    with pytest.raises(ValueError, match="corrections_per_batch"):
        FineTuneConfig(batch_size=8, corrections_per_batch=8)


def test_a_fine_tune_job_runs_in_the_training_process_and_is_saved_as_a_run(tmp_path, mnist):
    from model.config import TrainConfig
    from model.training.process import FineTuneOptions
    from model.training.supervisor import TrainingSupervisor

    (x_train, y_train), _ = mnist
    options = FineTuneOptions(
        base_model=str(SHIPPED_MODEL_PATH),
        images=x_train[list(WRONG_TRAINING_DIGITS)].astype(np.float32) / 255,
        labels=y_train[list(WRONG_TRAINING_DIGITS)],
        settings=FineTuneConfig(steps=20),
    )
    run = TrainingSupervisor(tmp_path).start_job("fine_tune", TrainConfig(epochs=1), data=mnist, options=options)
    assert run.wait(300)
    snapshot = run.snapshot()
    assert snapshot.status == "finished", snapshot.error
    record = load_history(snapshot.model_path)
    assert record.kind == "fine_tune" and record.fine_tune.steps == 20 and snapshot.model_path.parent == tmp_path
