"""model.probe: the replayed recurrence matches Keras exactly, row by row."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from model.network import build_model, lstm_layers_of
from model.probe import Probe, decision_row

TOLERANCE = 1e-5


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_final_probabilities_equal_the_model_output(small_model, random_digits):
    result = Probe(small_model).run(random_digits)
    expected = small_model.predict(random_digits, verbose=0)
    np.testing.assert_allclose(result.probabilities, expected, atol=TOLERANCE)
    np.testing.assert_allclose(result.running_probabilities[:, -1], expected, atol=TOLERANCE)


@pytest.mark.slow
def test_hidden_states_equal_each_lstm_layers_own_output(small_model, random_digits):
    result = Probe(small_model).run(random_digits)
    lstm_layers = lstm_layers_of(small_model)
    for index, layer in enumerate(lstm_layers):
        # A twin LSTM that returns every step, sharing the trained weights.
        twin_input = keras.Input(shape=(28, layer.cell.kernel.shape[0]))
        twin = keras.layers.LSTM(layer.units, return_sequences=True)
        twin_model = keras.Model(twin_input, twin(twin_input))
        twin.set_weights(layer.get_weights())
        layer_input = random_digits if index == 0 else result.hidden[:, index - 1]
        np.testing.assert_allclose(result.hidden[:, index], twin_model.predict(layer_input, verbose=0), atol=TOLERANCE)
    # The first layer returns sequences in the model itself: compare with that output too.
    first_output = keras.Model(small_model.inputs, lstm_layers[0].output).predict(random_digits, verbose=0)
    np.testing.assert_allclose(result.hidden[:, 0], first_output, atol=TOLERANCE)


def test_gates_and_cells_satisfy_the_lstm_recurrence(small_model, random_digits):
    result = Probe(small_model).run(random_digits[0])
    kernel, recurrent_kernel, bias = lstm_layers_of(small_model)[0].get_weights()
    units = recurrent_kernel.shape[0]
    hidden, cell = np.zeros(units), np.zeros(units)
    for row in range(28):
        z = random_digits[0][row] @ kernel + hidden @ recurrent_kernel + bias
        gates = [_sigmoid(z[:units]), _sigmoid(z[units : 2 * units]), np.tanh(z[2 * units : 3 * units]), _sigmoid(z[3 * units :])]
        np.testing.assert_allclose(result.gates[0, row], np.stack(gates), atol=TOLERANCE)
        cell = gates[1] * cell + gates[0] * gates[2]
        hidden = gates[3] * np.tanh(cell)
        np.testing.assert_allclose(result.cell[0, row], cell, atol=TOLERANCE)
        np.testing.assert_allclose(result.hidden[0, row], hidden, atol=TOLERANCE)
    # Read from the recorded gates alone: c_t = f_t c_{t-1} + i_t g_t and h_t = o_t tanh(c_t), for every layer.
    gates, cells = result.gates.astype(np.float64), result.cell.astype(np.float64)
    previous = np.concatenate([np.zeros_like(cells[:, :1]), cells[:, :-1]], axis=1)
    np.testing.assert_allclose(cells, gates[:, :, 1] * previous + gates[:, :, 0] * gates[:, :, 2], atol=TOLERANCE)
    np.testing.assert_allclose(result.hidden, gates[:, :, 3] * np.tanh(cells), atol=TOLERANCE)


def test_shapes_for_one_image_and_for_a_batch(small_model, random_digits):
    probe = Probe(small_model)
    one = probe.run(random_digits[0])
    assert one.probabilities.shape == (10,)
    assert one.running_probabilities.shape == (28, 10)
    assert one.hidden.shape == one.cell.shape == (2, 28, 16)
    assert one.gates.shape == (2, 28, 4, 16)
    batch = probe.run(random_digits)
    assert batch.gates.shape == (5, 2, 28, 4, 16)
    np.testing.assert_allclose(batch.hidden[0], one.hidden, atol=1e-6)


@pytest.mark.slow
def test_probe_works_for_one_and_three_layers(random_digits):
    for layers in (1, 3):
        network = build_model(units=8, lstm_layers=layers, dense_units=6)
        result = Probe(network).run(random_digits)
        np.testing.assert_allclose(result.probabilities, network.predict(random_digits, verbose=0), atol=TOLERANCE)
        assert result.hidden.shape == (5, layers, 28, 8)


def test_unit_order_is_a_fixed_permutation_per_layer(small_model):
    probe = Probe(small_model)
    for order, units in zip(probe.unit_order, probe.units):
        assert sorted(order.tolist()) == list(range(units))
    preferred = probe.preferred_digits()[probe.unit_order[-1]]
    assert np.all(np.diff(preferred) >= 0), "top-layer units are grouped by the digit they vote for"
    assert [o.tolist() for o in Probe(small_model).unit_order] == [o.tolist() for o in probe.unit_order]


def test_bad_images_are_rejected(small_model):
    probe = Probe(small_model)
    with pytest.raises(ValueError, match="shape"):
        probe.run(np.zeros((28, 27)))
    with pytest.raises(ValueError, match="NaN"):
        probe.run(np.full((28, 28), np.nan))


def test_decision_row():
    running = np.zeros((28, 10))
    running[:, 3] = 1.0
    assert decision_row(running) == 1
    running[:18, 7] = 2.0  # Digit 7 leads until row 18, digit 3 from row 19 on.
    assert decision_row(running) == 19
    running[27, 5] = 5.0  # A change of mind at the very last row.
    assert decision_row(running) == 28
