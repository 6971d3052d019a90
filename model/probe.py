"""Open the network up: its hidden state, cell state and gates after every row it reads.

`Probe(model)` copies the trained weights once into NumPy and replays the LSTM recurrence
exactly, so a single call returns everything the row-by-row views need: the final
probabilities, the running probabilities (what the network would answer had it stopped after
row t), and per layer the hidden states, cell states and the four gates. It is pure NumPy and
holds no mutable state, so one probe serves every visitor at once. It does not train or load
models; see `model.train` and `model.store`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from model.network import lstm_layers_of

_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "softmax": lambda x: _softmax(x),
}


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class ProbeResult:
    """The network's reading of one image (or, with a leading batch axis, of several).

    probabilities: (10,) the model's answer.
    running_probabilities: (28, 10) the answer had it stopped after each row.
    hidden, cell: (layers, 28, units) the state after each row.
    gates: (layers, 28, 4, units) input, forget, candidate and output gates after each row.
    """

    probabilities: np.ndarray
    running_probabilities: np.ndarray
    hidden: np.ndarray
    cell: np.ndarray
    gates: np.ndarray


@dataclass(frozen=True)
class _LstmWeights:
    kernel: np.ndarray  # (inputs, 4 × units), gates in Keras order i, f, c, o
    recurrent_kernel: np.ndarray  # (units, 4 × units)
    bias: np.ndarray  # (4 × units,)


@dataclass(frozen=True)
class _DenseWeights:
    kernel: np.ndarray
    bias: np.ndarray
    activation: str


class Probe:
    """Replays a trained Keras LSTM classifier in NumPy, recording its state after every row."""

    def __init__(self, model: keras.Model):
        lstm_layers = lstm_layers_of(model)
        if not lstm_layers:
            raise ValueError("The model has no LSTM layer to probe.")
        for layer in lstm_layers:
            if layer.activation is not keras.activations.tanh or layer.recurrent_activation is not keras.activations.sigmoid:
                raise ValueError(f"Layer {layer.name} must use tanh and sigmoid to be probed.")
            if not layer.use_bias or layer.go_backwards:
                raise ValueError(f"Layer {layer.name} must have a bias and read forwards to be probed.")
        self._lstms = [_LstmWeights(*[np.asarray(w, dtype=np.float64) for w in layer.get_weights()]) for layer in lstm_layers]
        self._head = self._read_head(model, lstm_layers[-1])
        self.units = [weights.recurrent_kernel.shape[0] for weights in self._lstms]
        self.input_width = self._lstms[0].kernel.shape[0]
        self.unit_order = self._order_units()
        # The digit each top-layer unit favours, in display order: fixed per model, used on every stroke.
        self.top_unit_groups = self.preferred_digits()[self.unit_order[-1]]

    @staticmethod
    def _read_head(model: keras.Model, last_lstm: keras.layers.Layer) -> list[_DenseWeights]:
        head = []
        after_last_lstm = model.layers[model.layers.index(last_lstm) + 1 :]
        for layer in after_last_lstm:
            if isinstance(layer, keras.layers.Dropout):
                continue
            if not isinstance(layer, keras.layers.Dense):
                raise ValueError(f"Cannot probe through layer {layer.name} ({type(layer).__name__}).")
            activation = keras.activations.serialize(layer.activation)
            activation = activation if isinstance(activation, str) else activation.get("config", {}).get("name", "")
            if activation not in _ACTIVATIONS:
                raise ValueError(f"Cannot probe through activation {activation!r} of layer {layer.name}.")
            kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
            head.append(_DenseWeights(kernel, bias, activation))
        if not head:
            raise ValueError("The model has no Dense classifier after its last LSTM layer.")
        return head

    def run(self, images: np.ndarray) -> ProbeResult:
        """Probe one image (28×28) or a batch (N×28×28) of floats in [0, 1]."""
        images = np.asarray(images, dtype=np.float64)
        single = images.ndim == 2
        if single:
            images = images[None]
        if images.ndim != 3 or images.shape[2] != self.input_width:
            raise ValueError(f"Expected images of shape (rows, {self.input_width}), got {images.shape[1:]}.")
        if not np.isfinite(images).all():
            raise ValueError("The images contain NaN or infinite values.")

        layer_inputs = images
        hidden_per_layer, cell_per_layer, gates_per_layer = [], [], []
        for weights in self._lstms:
            hidden, cell, gates = self._run_lstm(weights, layer_inputs)
            hidden_per_layer.append(hidden)
            cell_per_layer.append(cell)
            gates_per_layer.append(gates)
            layer_inputs = hidden

        running = layer_inputs
        for dense in self._head:
            running = _ACTIVATIONS[dense.activation](running @ dense.kernel + dense.bias)

        result = ProbeResult(
            probabilities=running[:, -1].astype(np.float32),
            running_probabilities=running.astype(np.float32),
            hidden=np.stack(hidden_per_layer, axis=1).astype(np.float32),
            cell=np.stack(cell_per_layer, axis=1).astype(np.float32),
            gates=np.stack(gates_per_layer, axis=1).astype(np.float32),
        )
        if single:
            result = ProbeResult(*(field[0] for field in _fields(result)))
        return result

    @staticmethod
    def _run_lstm(weights: _LstmWeights, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        batch, steps, _ = inputs.shape
        units = weights.recurrent_kernel.shape[0]
        # The input projection of every row at once; only the recurrence is sequential.
        projected = inputs @ weights.kernel + weights.bias
        hidden_states = np.empty((batch, steps, units))
        cell_states = np.empty((batch, steps, units))
        gates = np.empty((batch, steps, 4, units))
        hidden = np.zeros((batch, units))
        cell = np.zeros((batch, units))
        for step in range(steps):
            z = projected[:, step] + hidden @ weights.recurrent_kernel
            input_gate = _sigmoid(z[:, :units])
            forget_gate = _sigmoid(z[:, units : 2 * units])
            candidate = np.tanh(z[:, 2 * units : 3 * units])
            output_gate = _sigmoid(z[:, 3 * units :])
            cell = forget_gate * cell + input_gate * candidate
            hidden = output_gate * np.tanh(cell)
            hidden_states[:, step] = hidden
            cell_states[:, step] = cell
            gates[:, step, 0] = input_gate
            gates[:, step, 1] = forget_gate
            gates[:, step, 2] = candidate
            gates[:, step, 3] = output_gate
        return hidden_states, cell_states, gates

    def _linearised_head(self) -> np.ndarray:
        """(top units, 10): how much each top-layer unit pushes each digit, activations ignored."""
        effective = np.eye(self.units[-1])
        for dense in self._head:
            effective = effective @ dense.kernel
        return effective

    def preferred_digits(self) -> np.ndarray:
        """For each unit of the top layer, the digit its hidden state pushes up the most."""
        return np.argmax(self._linearised_head(), axis=1)

    def _order_units(self) -> list[np.ndarray]:
        """One fixed display order per layer, so that similar units sit together in every heatmap.

        The top layer's units are grouped by the digit they vote for; a lower layer's units are
        sorted along the main direction of their outgoing weights into the next layer.
        """
        orders = []
        for next_layer in self._lstms[1:]:
            outgoing = next_layer.kernel  # (units, 4 × next units)
            centred = outgoing - outgoing.mean(axis=0)
            _, _, directions = np.linalg.svd(centred, full_matrices=False)
            orders.append(np.argsort(centred @ directions[0], kind="stable"))
        effective = self._linearised_head()
        preferred = np.argmax(effective, axis=1)
        strength = effective[np.arange(len(preferred)), preferred]
        orders.append(np.lexsort((-strength, preferred)))
        return orders


def _fields(result: ProbeResult) -> tuple[np.ndarray, ...]:
    return (result.probabilities, result.running_probabilities, result.hidden, result.cell, result.gates)


def decision_row(running_probabilities: np.ndarray) -> int:
    """The first row (1-based) after which the predicted digit no longer changes."""
    predicted = np.argmax(running_probabilities, axis=-1)
    changes = np.flatnonzero(predicted != predicted[-1])
    return int(changes[-1]) + 2 if changes.size else 1
