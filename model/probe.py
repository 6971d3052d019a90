"""Open the network up: its hidden state, cell state and gates after every row it reads.

A `Probe` holds the trained weights in NumPy and replays the LSTM recurrence exactly, so a single
call returns everything the row-by-row views need: the final probabilities, the running
probabilities (what the network would answer had it stopped after row t), and per layer the
hidden states, cell states and the four gates. `predict()` is the lean path for many images (the
answers only). It is pure NumPy and holds no mutable state, so one probe serves every visitor at
once. Build it from plain arrays (`Probe.from_weights`, what `model.weights` reads from a `.keras`
file without Keras) or from a live Keras model (`Probe(model)`, Keras imported only then). It does
not train or load models; see `model.training.train`, `model.weights` and `model.training.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def _sigmoid_in_place(x: np.ndarray) -> None:
    """x ← sigmoid(x), as 0.5 · tanh(x / 2) + 0.5: one vectorised transcendental, no temporaries."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5


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
    """Replays a trained LSTM classifier in NumPy, recording its state after every row."""

    def __init__(self, model):
        """Copy the weights of a Keras LSTM classifier (Keras is imported here only, never by the pages)."""
        import keras

        from model.network import lstm_layers_of

        lstm_layers = lstm_layers_of(model)
        if not lstm_layers:
            raise ValueError("The model has no LSTM layer to probe.")
        for layer in lstm_layers:
            if layer.activation is not keras.activations.tanh or layer.recurrent_activation is not keras.activations.sigmoid:
                raise ValueError(f"Layer {layer.name} must use tanh and sigmoid to be probed.")
            if not layer.use_bias or layer.go_backwards:
                raise ValueError(f"Layer {layer.name} must have a bias and read forwards to be probed.")
        lstms = [tuple(layer.get_weights()) for layer in lstm_layers]
        self._set_weights(lstms, self._read_head(model, lstm_layers[-1]))

    @classmethod
    def from_weights(
        cls,
        lstm: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
        head: Sequence[tuple[np.ndarray, np.ndarray, str]],
    ) -> Probe:
        """A probe from plain arrays, no Keras needed.

        `lstm`: per LSTM layer, bottom first, `(kernel (inputs, 4·units), recurrent_kernel (units,
        4·units), bias (4·units,))` with the gates in Keras order i, f, c, o (tanh and sigmoid).
        `head`: per Dense layer after the last LSTM, `(kernel, bias, activation)` with the activation
        one of linear, relu, tanh, sigmoid or softmax. Raises ValueError when the shapes do not chain.
        """
        probe = cls.__new__(cls)
        probe._set_weights(lstm, head)
        return probe

    def _set_weights(self, lstm, head) -> None:
        if not lstm:
            raise ValueError("The model has no LSTM layer to probe.")
        if not head:
            raise ValueError("The model has no Dense classifier after its last LSTM layer.")
        self._lstms = [_LstmWeights(*(np.asarray(w, dtype=np.float64) for w in layer)) for layer in lstm]
        self._head = [_DenseWeights(np.asarray(k, dtype=np.float64), np.asarray(b, dtype=np.float64), str(a)) for k, b, a in head]
        _check_shapes(self._lstms, self._head)
        # Single-precision copies for `predict`, the lean path that classifies thousands of images.
        self._lstms32 = [_LstmWeights(*(w.astype(np.float32) for w in (lw.kernel, lw.recurrent_kernel, lw.bias))) for lw in self._lstms]
        self._head32 = [_DenseWeights(d.kernel.astype(np.float32), d.bias.astype(np.float32), d.activation) for d in self._head]
        self.units = [weights.recurrent_kernel.shape[0] for weights in self._lstms]
        self.input_width = self._lstms[0].kernel.shape[0]
        self.unit_order = self._order_units()
        # The digit each top-layer unit favours, in display order: fixed per model, used on every stroke.
        self.top_unit_groups = self.preferred_digits()[self.unit_order[-1]]

    @staticmethod
    def _read_head(model, last_lstm) -> list[tuple[np.ndarray, np.ndarray, str]]:
        import keras

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
            kernel, bias = layer.get_weights()
            head.append((kernel, bias, activation))
        return head

    def predict(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """The probabilities (N×10, float32) for N images (N×28×28 in [0, 1]), in batches; no states kept."""
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[2] != self.input_width:
            raise ValueError(f"Expected images of shape (N, rows, {self.input_width}), got {images.shape}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        answers = np.empty((len(images), self._head32[-1].kernel.shape[1]), dtype=np.float32)
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size].astype(np.float32)
            if not np.isfinite(batch).all():
                raise ValueError("The images contain NaN or infinite values.")
            answers[start : start + batch_size] = self._predict_batch(batch)
        return answers

    def _predict_batch(self, images: np.ndarray) -> np.ndarray:
        # Time-major (rows, batch, width): every row's slice is contiguous, and each layer's input
        # projection is one matrix product over all rows at once. Gates are computed in place.
        sequence = np.ascontiguousarray(images.transpose(1, 0, 2))
        steps, batch, _ = sequence.shape
        for position, weights in enumerate(self._lstms32):
            units = weights.recurrent_kernel.shape[0]
            projected = (sequence.reshape(steps * batch, -1) @ weights.kernel).reshape(steps, batch, 4 * units)
            projected += weights.bias
            hidden = np.zeros((batch, units), dtype=np.float32)
            cell = np.zeros_like(hidden)
            last_layer = position == len(self._lstms32) - 1
            outputs = None if last_layer else np.empty((steps, batch, units), dtype=np.float32)
            for step in range(steps):
                z = projected[step]
                z += hidden @ weights.recurrent_kernel
                _sigmoid_in_place(z[:, : 2 * units])
                np.tanh(z[:, 2 * units : 3 * units], out=z[:, 2 * units : 3 * units])
                _sigmoid_in_place(z[:, 3 * units :])
                cell *= z[:, units : 2 * units]
                cell += z[:, :units] * z[:, 2 * units : 3 * units]
                hidden = np.tanh(cell)
                hidden *= z[:, 3 * units :]
                if outputs is not None:
                    outputs[step] = hidden
            sequence = hidden if last_layer else outputs
        for dense in self._head32:
            sequence = _ACTIVATIONS[dense.activation](sequence @ dense.kernel + dense.bias)
        return sequence

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


def _check_shapes(lstms: list[_LstmWeights], head: list[_DenseWeights]) -> None:
    """Raise ValueError unless the layers chain: each LSTM's gates are 4 × its units, each input the last output."""
    width = lstms[0].kernel.shape[0] if lstms[0].kernel.ndim == 2 else None
    for number, weights in enumerate(lstms, start=1):
        units = weights.recurrent_kernel.shape[0] if weights.recurrent_kernel.ndim == 2 else 0
        expected = {"kernel": (width, 4 * units), "recurrent_kernel": (units, 4 * units), "bias": (4 * units,)}
        actual = {"kernel": weights.kernel.shape, "recurrent_kernel": weights.recurrent_kernel.shape, "bias": weights.bias.shape}
        if units == 0 or actual != expected:
            raise ValueError(f"LSTM layer {number} has weights of shapes {actual}, expected {expected}.")
        width = units
    for number, dense in enumerate(head, start=1):
        if dense.activation not in _ACTIVATIONS:
            raise ValueError(f"Cannot probe through activation {dense.activation!r} of Dense layer {number}.")
        if dense.kernel.ndim != 2 or dense.kernel.shape[0] != width or dense.bias.shape != (dense.kernel.shape[1],):
            raise ValueError(
                f"Dense layer {number} has weights of shapes {dense.kernel.shape} and {dense.bias.shape}; it takes {width} inputs."
            )
        width = dense.kernel.shape[1]


def _fields(result: ProbeResult) -> tuple[np.ndarray, ...]:
    return (result.probabilities, result.running_probabilities, result.hidden, result.cell, result.gates)


def decision_row(running_probabilities: np.ndarray) -> int:
    """The first row (1-based) after which the predicted digit no longer changes."""
    predicted = np.argmax(running_probabilities, axis=-1)
    changes = np.flatnonzero(predicted != predicted[-1])
    return int(changes[-1]) + 2 if changes.size else 1
