"""The three cells' networks: the probe reads each exactly like Keras, gradients included, and the shipped twins load without Keras."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.explain.backprop import probability_gradient, row_gradients
from model.network import build_model, cell_of
from model.probe import Probe
from model.shapes import MEMORY_TWIN_PATHS
from model.weights import load_probe, read_weights
from tests.helpers import REPOSITORY

TOLERANCE = 1e-5


@pytest.fixture(scope="module", params=["lstm", "gru", "rnn"])
def twin(request):
    keras.utils.set_random_seed(2)
    network = build_model(units=16, dense_units=12, cell=request.param)
    # Larger weights move the gates and states far from zero; a plain RNN's would turn chaotic, where float32 and float64 part ways.
    scale = 1.0 if request.param == "rnn" else 2.0
    network.set_weights([w * scale if w.ndim > 1 else w + 0.1 for w in network.get_weights()])
    return network


@pytest.fixture(scope="module")
def digits_and_gap():
    digits = np.random.default_rng(0).uniform(0, 1, (4, 28, 28)).astype(np.float32)
    return np.concatenate([digits, np.zeros((4, 30, 28), np.float32)], axis=1)


@pytest.mark.slow
def test_every_cell_is_read_like_keras_through_blank_rows(twin, digits_and_gap):
    probe = Probe(twin)
    assert probe.cell == cell_of(twin)
    expected = twin.predict(digits_and_gap, verbose=0)
    result = probe.run(digits_and_gap)
    np.testing.assert_allclose(result.probabilities, expected, atol=TOLERANCE)
    np.testing.assert_allclose(probe.predict(digits_and_gap), expected, atol=TOLERANCE)
    assert result.running_probabilities.shape == (4, 58, 10)
    assert result.gates.shape[3] == len(probe.gate_names) and (result.cell is not None) == (probe.cell == "lstm")


@pytest.mark.slow
def test_every_cell_has_the_gradients_of_keras(twin, digits_and_gap):
    probe = Probe(twin)
    images = tf.constant(digits_and_gap)
    with tf.GradientTape() as tape:
        tape.watch(images)
        chosen = tf.reduce_sum(twin(images, training=False)[:, 3])
    expected = tape.gradient(chosen, images).numpy()
    probabilities, gradients = probability_gradient(probe, digits_and_gap, 3)
    np.testing.assert_allclose(probabilities, twin.predict(digits_and_gap, verbose=0)[:, 3], atol=TOLERANCE)
    np.testing.assert_allclose(gradients, expected, atol=1e-4 * max(1.0, np.abs(expected).max()))
    sizes = row_gradients(probe, digits_and_gap[0])
    assert sizes.shape == (58,) and np.all(sizes >= 0)


@pytest.mark.slow
def test_the_shipped_twins_are_three_cells_of_the_same_shape():
    for cell, path in MEMORY_TWIN_PATHS.items():
        weights = read_weights(path)
        assert weights.cell == cell and len(weights.recurrent) == 2
        assert [kernel.shape for kernel, _, _ in weights.head] == [(128, 64), (64, 10)]
        assert load_probe(path).units == [128, 128]


@pytest.mark.slow
def test_the_shipped_twins_load_and_read_without_keras():
    script = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
import numpy as np
from model.shapes import MEMORY_TWIN_PATHS
from model.weights import load_probe
image = np.zeros((140, 28), np.float32); image[5:20, 12:16] = 1.0
for cell, path in MEMORY_TWIN_PATHS.items():
    assert load_probe(path).run(image).probabilities.shape == (10,)
assert not {{"keras", "tensorflow"}} & set(sys.modules), sorted({{"keras", "tensorflow"}} & set(sys.modules))
print("read without keras")
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0 and "read without keras" in completed.stdout, completed.stderr
