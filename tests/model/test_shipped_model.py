"""The model the project ships: above 99.0% on the MNIST test set, and it reads hand-made drawings."""

from __future__ import annotations

import numpy as np
import pytest

from model.drawings import STYLES, render
from model.preprocess import canvas_to_mnist
from model.probe import Probe
from model.shapes import SHIPPED_MODEL_PATH
from model.training.store import load_history, load_model


@pytest.fixture(scope="module")
def shipped():
    return load_model(SHIPPED_MODEL_PATH)


def test_shipped_model_is_the_seed_architecture(shipped):
    assert [type(layer).__name__ for layer in shipped.layers] == ["LSTM", "Dropout", "LSTM", "Dense", "Dropout", "Dense"]
    assert [getattr(layer, "units", None) for layer in shipped.layers] == [128, None, 128, 64, None, 10]


@pytest.mark.slow
def test_shipped_model_beats_99_percent_on_the_test_set(shipped, mnist):
    _, (x_test, y_test) = mnist
    probabilities = shipped.predict(x_test.astype(np.float32) / 255.0, batch_size=1000, verbose=0)
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    assert accuracy >= 0.990
    history = load_history(SHIPPED_MODEL_PATH)
    assert history.status == "finished" and history.train_size == 60000
    assert history.test_accuracy == pytest.approx(accuracy, abs=2e-4)


@pytest.mark.slow
def test_shipped_model_reads_hand_made_drawings(shipped):
    probe = Probe(shipped)
    correct, total = 0, 0
    for style_name, style in STYLES.items():
        images = np.stack([canvas_to_mnist(render(digit, **style)) for digit in range(10)])
        predicted = probe.run(images).probabilities.argmax(axis=1)
        if style_name == "plain":
            assert predicted.tolist() == list(range(10))
        correct += int((predicted == np.arange(10)).sum())
        total += 10
    assert correct / total >= 0.95, f"{correct} of {total} drawings read right"
