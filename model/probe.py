"""Open the network up: its hidden state, cell state and gates after every row it reads.

A `Probe` holds a trained classifier's weights in NumPy (recurrent layers of one cell, LSTM, GRU
or plain RNN, then Dense layers) and replays it exactly through `model.cells`, so a single call
returns everything the row-by-row views need: the final probabilities, the running probabilities
(what the network would answer had it stopped after row t), and per layer the hidden states, the
LSTM's cell states and the gates. `predict()` is the lean path for many images (the answers
only). It is pure NumPy and holds no mutable state, so one probe serves every visitor at once.
Build it from plain arrays (`Probe.from_weights`, what `model.weights` reads from a `.keras`
file without Keras) or from a live Keras model (`Probe(model)`, Keras imported only then). Its
`layers` and `head` are what the backward pass (`model.explain.backprop`) differentiates. It does
not train or load models; see `model.training.train`, `model.weights` and `model.training.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.cells import CELLS, GATE_NAMES, CellWeights, cell_weights, forward

ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")


def activate(name: str, values: np.ndarray) -> np.ndarray:
    """A Dense layer's activation, by its Keras name."""
    if name == "linear":
        return values
    if name == "relu":
        return np.maximum(values, 0.0)
    if name == "tanh":
        return np.tanh(values)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-values))
    if name == "softmax":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    raise ValueError(f"Cannot apply the activation {name!r}.")


@dataclass(frozen=True)
class ProbeResult:
    """The network's reading of one image (or, with a leading batch axis, of several).

    probabilities: (10,) the model's answer.
    running_probabilities: (rows, 10) the answer had it stopped after each row.
    hidden: (layers, rows, units) the hidden state after each row.
    cell: (layers, rows, units) the LSTM's cell state after each row; None for a GRU or plain RNN.
    gates: (layers, rows, gates, units) the gates after each row, in `Probe.gate_names` order
    (input, forget, candidate, output for an LSTM; update, reset, candidate for a GRU; none for a plain RNN).
    """

    probabilities: np.ndarray
    running_probabilities: np.ndarray
    hidden: np.ndarray
    cell: np.ndarray | None
    gates: np.ndarray


@dataclass(frozen=True)
class DenseWeights:
    kernel: np.ndarray
    bias: np.ndarray
    activation: str


class Probe:
    """Replays a trained recurrent classifier in NumPy, recording its state after every row."""

    def __init__(self, model):
        """Copy the weights of a Keras classifier (Keras is imported here only, never by the pages)."""
        import keras

        from model.network import cell_of, recurrent_layers_of

        recurrent = recurrent_layers_of(model)
        if not recurrent:
            raise ValueError("The model has no recurrent layer to probe.")
        for layer in recurrent:
            gated = isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
            if layer.activation is not keras.activations.tanh or (gated and layer.recurrent_activation is not keras.activations.sigmoid):
                raise ValueError(f"Layer {layer.name} must use tanh (and sigmoid for its gates) to be probed.")
            if not layer.use_bias or layer.go_backwards or (isinstance(layer, keras.layers.GRU) and not layer.reset_after):
                raise ValueError(f"Layer {layer.name} must have a bias, read forwards (and a GRU reset after) to be probed.")
        self._set_weights(cell_of(model), [tuple(layer.get_weights()) for layer in recurrent], self._read_head(model, recurrent[-1]))

    @classmethod
    def from_weights(
        cls,
        recurrent: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
        head: Sequence[tuple[np.ndarray, np.ndarray, str]],
        cell: str = "lstm",
    ) -> Probe:
        """A probe from plain arrays, no Keras needed.

        `recurrent`: per recurrent layer, bottom first, `(kernel, recurrent_kernel, bias)` as Keras
        stores them for `cell` (see `model.cells.CellWeights`). `head`: per Dense layer after the
        last recurrent one, `(kernel, bias, activation)` with the activation one of `ACTIVATIONS`.
        Raises ValueError when the shapes do not chain.
        """
        probe = cls.__new__(cls)
        probe._set_weights(cell, recurrent, head)
        return probe

    def _set_weights(self, cell: str, recurrent, head) -> None:
        if cell not in CELLS:
            raise ValueError(f"The cell must be one of {', '.join(CELLS)}, got {cell!r}.")
        if not recurrent:
            raise ValueError("The model has no recurrent layer to probe.")
        if not head:
            raise ValueError("The model has no Dense classifier after its last recurrent layer.")
        layers, width = [], None
        for number, arrays in enumerate(recurrent, start=1):
            layers.append(cell_weights(cell, *arrays, input_width=width, layer_number=number))
            width = layers[-1].units
        self.cell = cell
        self.gate_names = GATE_NAMES[cell]
        self.layers: tuple[CellWeights, ...] = tuple(layers)
        self.head: tuple[DenseWeights, ...] = tuple(
            DenseWeights(np.asarray(k, dtype=np.float64), np.asarray(b, dtype=np.float64), str(a)) for k, b, a in head
        )
        _check_head(self.head, width)
        # Single-precision copies for `predict`, the lean path that classifies thousands of images.
        self._layers32 = tuple(layer.astype(np.float32) for layer in self.layers)
        self._head32 = tuple(DenseWeights(d.kernel.astype(np.float32), d.bias.astype(np.float32), d.activation) for d in self.head)
        self.units = [layer.units for layer in self.layers]
        self.input_width = self.layers[0].input_width
        self.classes = self.head[-1].kernel.shape[1]
        self.unit_order = self._order_units()
        # The digit each top-layer unit favours, in display order: fixed per model, used on every stroke.
        self.top_unit_groups = self.preferred_digits()[self.unit_order[-1]]

    @staticmethod
    def _read_head(model, last_recurrent) -> list[tuple[np.ndarray, np.ndarray, str]]:
        import keras

        head = []
        for layer in model.layers[model.layers.index(last_recurrent) + 1 :]:
            if isinstance(layer, keras.layers.Dropout):
                continue
            if not isinstance(layer, keras.layers.Dense):
                raise ValueError(f"Cannot probe through layer {layer.name} ({type(layer).__name__}).")
            activation = keras.activations.serialize(layer.activation)
            activation = activation if isinstance(activation, str) else activation.get("config", {}).get("name", "")
            if activation not in ACTIVATIONS:
                raise ValueError(f"Cannot probe through activation {activation!r} of layer {layer.name}.")
            kernel, bias = layer.get_weights()
            head.append((kernel, bias, activation))
        return head

    def check_images(self, images: np.ndarray, dtype=np.float64) -> tuple[np.ndarray, bool]:
        """Images as a batch (N, rows, width) of `dtype`, and whether one image (rows, width) was given; raises ValueError."""
        images = np.asarray(images, dtype=dtype)
        single = images.ndim == 2
        if single:
            images = images[None]
        if images.ndim != 3 or images.shape[2] != self.input_width or images.shape[1] == 0:
            raise ValueError(f"Expected images of shape (rows, {self.input_width}), got {images.shape[1:]}.")
        if not np.isfinite(images).all():
            raise ValueError("The images contain NaN or infinite values.")
        return images, single

    def read_head(self, top_hidden: np.ndarray, head=None) -> list[np.ndarray]:
        """Every Dense layer's outputs for top-layer hidden states (..., units), first to last."""
        outputs, values = [], top_hidden
        for dense in head or self.head:
            values = activate(dense.activation, values @ dense.kernel + dense.bias)
            outputs.append(values)
        return outputs

    def predict(self, images: np.ndarray, batch_size: int = 1000, precise: bool = False) -> np.ndarray:
        """The probabilities (N×10) for N images (N×rows×28 in [0, 1]), in batches; no states kept.

        float32 by default; `precise` computes and returns float64, for answers near certainty
        whose small differences float32 would round to ties.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[2] != self.input_width:
            raise ValueError(f"Expected images of shape (N, rows, {self.input_width}), got {images.shape}.")
        dtype, layers, head = (np.float64, self.layers, self.head) if precise else (np.float32, self._layers32, self._head32)
        answers = np.empty((len(images), self.classes), dtype=dtype)
        for start in range(0, len(images), batch_size):
            batch, _ = self.check_images(images[start : start + batch_size], dtype)
            for layer in layers:
                batch = forward(layer, batch, record=False)
            answers[start : start + batch_size] = self.read_head(batch[:, -1], head)[-1]
        return answers

    def run(self, images: np.ndarray) -> ProbeResult:
        """Probe one image (rows×28) or a batch (N×rows×28) of floats in [0, 1]."""
        images, single = self.check_images(images)
        traces, layer_inputs = [], images
        for layer in self.layers:
            traces.append(forward(layer, layer_inputs))
            layer_inputs = traces[-1].hidden
        return result_of(traces, self.read_head(layer_inputs)[-1], single)

    def preferred_digits(self) -> np.ndarray:
        """For each unit of the top layer, the digit its hidden state pushes up the most."""
        return np.argmax(self._linearised_head(), axis=1)

    def _linearised_head(self) -> np.ndarray:
        """(top units, 10): how much each top-layer unit pushes each digit, activations ignored."""
        effective = np.eye(self.units[-1])
        for dense in self.head:
            effective = effective @ dense.kernel
        return effective

    def _order_units(self) -> list[np.ndarray]:
        """One fixed display order per layer, so that similar units sit together in every heatmap.

        The top layer's units are grouped by the digit they vote for; a lower layer's units are
        sorted along the main direction of their outgoing weights into the next layer.
        """
        orders = []
        for next_layer in self.layers[1:]:
            outgoing = next_layer.kernel  # (units, blocks × next units)
            centred = outgoing - outgoing.mean(axis=0)
            _, _, directions = np.linalg.svd(centred, full_matrices=False)
            orders.append(np.argsort(centred @ directions[0], kind="stable"))
        effective = self._linearised_head()
        preferred = np.argmax(effective, axis=1)
        strength = effective[np.arange(len(preferred)), preferred]
        orders.append(np.lexsort((-strength, preferred)))
        return orders


def result_of(traces, running_probabilities: np.ndarray, single: bool) -> ProbeResult:
    """The `ProbeResult` of layer traces (`model.cells.LayerTrace`) and the running answers they led to."""
    has_cells = traces[0].cells is not None
    result = ProbeResult(
        probabilities=running_probabilities[:, -1].astype(np.float32),
        running_probabilities=running_probabilities.astype(np.float32),
        hidden=np.stack([trace.hidden for trace in traces], axis=1).astype(np.float32),
        cell=np.stack([trace.cells for trace in traces], axis=1).astype(np.float32) if has_cells else None,
        gates=np.stack([trace.gates for trace in traces], axis=1).astype(np.float32),
    )
    if single:
        result = ProbeResult(*(None if field is None else field[0] for field in _fields(result)))
    return result


def _check_head(head: Sequence[DenseWeights], width: int) -> None:
    """Raise ValueError unless the Dense layers chain from the top recurrent layer's units."""
    for number, dense in enumerate(head, start=1):
        if dense.activation not in ACTIVATIONS:
            raise ValueError(f"Cannot probe through activation {dense.activation!r} of Dense layer {number}.")
        if dense.kernel.ndim != 2 or dense.kernel.shape[0] != width or dense.bias.shape != (dense.kernel.shape[1],):
            raise ValueError(
                f"Dense layer {number} has weights of shapes {dense.kernel.shape} and {dense.bias.shape}; it takes {width} inputs."
            )
        width = dense.kernel.shape[1]


def _fields(result: ProbeResult) -> tuple:
    return (result.probabilities, result.running_probabilities, result.hidden, result.cell, result.gates)


def decision_row(running_probabilities: np.ndarray) -> int:
    """The first row (1-based) after which the predicted digit no longer changes."""
    predicted = np.argmax(running_probabilities, axis=-1)
    changes = np.flatnonzero(predicted != predicted[-1])
    return int(changes[-1]) + 2 if changes.size else 1
