"""model.cells: each cell's forward and backward pass equal Keras's own, row by row, for any number of rows."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.cells import CELLS, GATE_NAMES, backward, cell_weights, forward

TOLERANCE = 1e-5
KERAS_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


def _keras_layer(cell: str, rng, units: int = 12, width: int = 28):
    """A Keras layer returning every row, with random (not initial) weights and biases."""
    layer = KERAS_LAYERS[cell](units, return_sequences=True)
    inputs = keras.Input(shape=(None, width))
    model = keras.Model(inputs, layer(inputs))
    model.set_weights([weight + rng.normal(0, 0.3, weight.shape).astype(np.float32) for weight in model.get_weights()])
    return layer, model


@pytest.fixture(scope="module")
def sequences():
    # Rows of a digit followed by blank rows, as the memory test reads them.
    rng = np.random.default_rng(1)
    digits = rng.random((3, 28, 28)).astype(np.float32)
    return np.concatenate([digits, np.zeros((3, 20, 28), np.float32)], axis=1)


@pytest.mark.slow
@pytest.mark.parametrize("cell", CELLS)
def test_the_forward_pass_equals_keras_after_every_row(cell, sequences):
    layer, model = _keras_layer(cell, np.random.default_rng(0))
    weights = cell_weights(cell, *layer.get_weights())
    expected = model.predict(sequences, verbose=0)
    trace = forward(weights, sequences)
    np.testing.assert_allclose(trace.hidden, expected, atol=TOLERANCE)
    # The lean single-precision path computes the same states in place.
    np.testing.assert_allclose(forward(weights.astype(np.float32), sequences, record=False), expected, atol=TOLERANCE)
    assert trace.gates.shape == (3, 48, len(GATE_NAMES[cell]), 12)
    assert (trace.cells is not None) == (cell == "lstm")


def test_the_gru_gates_satisfy_its_update(sequences):
    layer, _ = _keras_layer("gru", np.random.default_rng(2))
    trace = forward(cell_weights("gru", *layer.get_weights()), sequences)
    update, candidate = trace.gates[:, :, 0], trace.gates[:, :, 2]
    previous = np.concatenate([np.zeros_like(trace.hidden[:, :1]), trace.hidden[:, :-1]], axis=1)
    np.testing.assert_allclose(trace.hidden, update * previous + (1 - update) * candidate, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("cell", CELLS)
def test_the_backward_pass_equals_gradient_tape(cell, sequences):
    rng = np.random.default_rng(3)
    layer, model = _keras_layer(cell, rng)
    weights = cell_weights(cell, *layer.get_weights())
    direction = rng.normal(size=(3, 48, 12))
    inputs = tf.constant(sequences)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = tf.reduce_sum(model(inputs) * direction.astype(np.float32))
    expected = tape.gradient(value, inputs).numpy()
    input_gradient, state_gradient = backward(weights, forward(weights, sequences), direction)
    np.testing.assert_allclose(input_gradient, expected, atol=1e-4 * max(1.0, np.abs(expected).max()))
    assert state_gradient.shape == (3, 48, 12)


@pytest.mark.parametrize("cell", CELLS)
def test_a_silenced_unit_speaks_to_nothing_downstream(cell, sequences):
    layer, _ = _keras_layer(cell, np.random.default_rng(4))
    weights = cell_weights(cell, *layer.get_weights())
    keep = np.ones(12)
    keep[5] = 0.0
    trace = forward(weights, sequences, keep)
    assert np.all(trace.hidden[:, :, 5] == 0)
    direction = np.random.default_rng(5).normal(size=trace.hidden.shape)
    _, state_gradient = backward(weights, trace, direction)
    assert np.all(state_gradient[:, :, 5] == 0)


def test_weights_that_do_not_fit_their_cell_are_refused():
    rng = np.random.default_rng(6)
    lstm_arrays = (rng.normal(size=(28, 48)), rng.normal(size=(12, 48)), rng.normal(size=48))
    with pytest.raises(ValueError, match="GRU layer 1"):
        cell_weights("gru", *lstm_arrays)
    with pytest.raises(ValueError, match="cell must be one of"):
        cell_weights("transformer", *lstm_arrays)
    with pytest.raises(ValueError, match="NaN"):
        cell_weights("lstm", lstm_arrays[0] * np.nan, *lstm_arrays[1:])
