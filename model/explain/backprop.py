"""Gradients of the classifier without TensorFlow: a backward pass through the NumPy replay.

`replay(probe, images, silenced)` runs the same recurrence as `Probe.run` but keeps what the
backward pass needs, and can hold chosen units' hidden outputs at 0 at every row (a silenced unit
still updates its cell; nothing downstream sees it). `probability_gradient` returns d p(digit) /
d image by backpropagation through time through every LSTM layer and the Dense head; dropout is
inactive at inference, so it does not appear. The explanations in `model.explain.attribution` are built on
these two functions; this module knows nothing of explanations or pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.probe import ProbeResult


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _activate(name: str, values: np.ndarray) -> np.ndarray:
    if name == "linear":
        return values
    if name == "relu":
        return np.maximum(values, 0.0)
    if name == "tanh":
        return np.tanh(values)
    if name == "sigmoid":
        return _sigmoid(values)
    if name == "softmax":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    raise ValueError(f"Cannot replay the activation {name!r}.")


def _activation_backward(name: str, outputs: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """The gradient with respect to an activation's input, given its outputs and the gradient of its outputs."""
    if name == "linear":
        return upstream
    if name == "relu":
        return upstream * (outputs > 0)
    if name == "tanh":
        return upstream * (1.0 - outputs**2)
    if name == "sigmoid":
        return upstream * outputs * (1.0 - outputs)
    if name == "softmax":
        return outputs * (upstream - (upstream * outputs).sum(axis=-1, keepdims=True))
    raise ValueError(f"Cannot differentiate the activation {name!r}.")


@dataclass(frozen=True)
class LayerTrace:
    """One LSTM layer's forward pass over a batch: what it read and every state it went through."""

    inputs: np.ndarray  # (N, rows, input width)
    gates: np.ndarray  # (N, rows, 4, units): input, forget, candidate, output
    cells: np.ndarray  # (N, rows, units)
    hidden: np.ndarray  # (N, rows, units), silenced units already at 0
    keep: np.ndarray  # (units,) 1 for a unit that speaks, 0 for a silenced one


@dataclass(frozen=True)
class Trace:
    """The forward pass the backward pass walks back through."""

    layers: list[LayerTrace]
    head_outputs: list[np.ndarray]  # each Dense layer's output at the last row, (N, width)


def _validate_images(probe, images: np.ndarray) -> tuple[np.ndarray, bool]:
    images = np.asarray(images, dtype=np.float64)
    single = images.ndim == 2
    if single:
        images = images[None]
    if images.ndim != 3 or images.shape[2] != probe.input_width:
        raise ValueError(f"Expected images of shape (rows, {probe.input_width}), got {images.shape[1:]}.")
    if not np.isfinite(images).all():
        raise ValueError("The images contain NaN or infinite values.")
    return images, single


def _keep_masks(probe, silenced: dict[int, list[int]] | None) -> list[np.ndarray]:
    masks = [np.ones(units) for units in probe.units]
    for layer, units in (silenced or {}).items():
        if not 0 <= layer < len(masks):
            raise ValueError(f"There is no LSTM layer {layer}; the model has {len(masks)}.")
        for unit in units:
            if not 0 <= unit < len(masks[layer]):
                raise ValueError(f"Layer {layer} has no unit {unit}; it has {len(masks[layer])}.")
            masks[layer][unit] = 0.0
    return masks


def _lstm_forward(weights, inputs: np.ndarray, keep: np.ndarray) -> LayerTrace:
    batch, steps, _ = inputs.shape
    units = weights.recurrent_kernel.shape[0]
    projected = inputs @ weights.kernel + weights.bias
    gates = np.empty((batch, steps, 4, units))
    cells = np.empty((batch, steps, units))
    hidden_states = np.empty((batch, steps, units))
    hidden = np.zeros((batch, units))
    cell = np.zeros((batch, units))
    for step in range(steps):
        z = (projected[:, step] + hidden @ weights.recurrent_kernel).reshape(batch, 4, units)
        gate = gates[:, step]
        gate[:, 0] = _sigmoid(z[:, 0])
        gate[:, 1] = _sigmoid(z[:, 1])
        gate[:, 2] = np.tanh(z[:, 2])
        gate[:, 3] = _sigmoid(z[:, 3])
        cell = gate[:, 1] * cell + gate[:, 0] * gate[:, 2]
        hidden = gate[:, 3] * np.tanh(cell) * keep
        cells[:, step] = cell
        hidden_states[:, step] = hidden
    return LayerTrace(inputs, gates, cells, hidden_states, keep)


def replay(probe, images: np.ndarray, silenced: dict[int, list[int]] | None = None) -> tuple[ProbeResult, Trace]:
    """Read images (28×28 or N×28×28) as `probe.run` does, optionally with units silenced.

    `silenced` maps an LSTM layer index to the units whose hidden output is held at 0 at every
    row. Returns the reading (a `ProbeResult`, batched like the input) and the trace for `backward`.
    """
    images, single = _validate_images(probe, images)
    masks = _keep_masks(probe, silenced)
    layers = []
    layer_inputs = images
    for weights, keep in zip(probe._lstms, masks):
        trace = _lstm_forward(weights, layer_inputs, keep)
        layers.append(trace)
        layer_inputs = trace.hidden
    running = layer_inputs
    head_outputs = []
    for dense in probe._head:
        running = _activate(dense.activation, running @ dense.kernel + dense.bias)
        head_outputs.append(running[:, -1])
    result = ProbeResult(
        probabilities=running[:, -1].astype(np.float32),
        running_probabilities=running.astype(np.float32),
        hidden=np.stack([layer.hidden for layer in layers], axis=1).astype(np.float32),
        cell=np.stack([layer.cells for layer in layers], axis=1).astype(np.float32),
        gates=np.stack([layer.gates for layer in layers], axis=1).astype(np.float32),
    )
    if single:
        result = ProbeResult(
            *(field[0] for field in (result.probabilities, result.running_probabilities, result.hidden, result.cell, result.gates))
        )
    return result, Trace(layers, head_outputs)


def _lstm_backward(weights, trace: LayerTrace, hidden_gradient: np.ndarray) -> np.ndarray:
    """Backpropagation through time: the gradient of the layer's inputs, given that of its hidden outputs."""
    batch, steps, units = trace.cells.shape
    input_gradient = np.empty_like(trace.inputs)
    recurrent_transposed = weights.recurrent_kernel.T
    kernel_transposed = weights.kernel.T
    hidden_carry = np.zeros((batch, units))
    cell_carry = np.zeros((batch, units))
    z_gradient = np.empty((batch, 4, units))
    for step in range(steps - 1, -1, -1):
        input_gate, forget_gate, candidate, output_gate = (trace.gates[:, step, k] for k in range(4))
        previous_cell = trace.cells[:, step - 1] if step > 0 else np.zeros((batch, units))
        tanh_cell = np.tanh(trace.cells[:, step])
        hidden_grad = (hidden_gradient[:, step] + hidden_carry) * trace.keep
        cell_grad = hidden_grad * output_gate * (1.0 - tanh_cell**2) + cell_carry
        z_gradient[:, 0] = cell_grad * candidate * input_gate * (1.0 - input_gate)
        z_gradient[:, 1] = cell_grad * previous_cell * forget_gate * (1.0 - forget_gate)
        z_gradient[:, 2] = cell_grad * input_gate * (1.0 - candidate**2)
        z_gradient[:, 3] = hidden_grad * tanh_cell * output_gate * (1.0 - output_gate)
        flat = z_gradient.reshape(batch, 4 * units)
        input_gradient[:, step] = flat @ kernel_transposed
        hidden_carry = flat @ recurrent_transposed
        cell_carry = cell_grad * forget_gate
    return input_gradient


def backward(probe, trace: Trace, digits: np.ndarray) -> np.ndarray:
    """d output[digit] / d image at the last row, one digit per image: (N, rows, width)."""
    outputs = trace.head_outputs[-1]
    upstream = np.zeros_like(outputs)
    upstream[np.arange(len(outputs)), digits] = 1.0
    for index in range(len(probe._head) - 1, -1, -1):
        dense = probe._head[index]
        pre_activation_gradient = _activation_backward(dense.activation, trace.head_outputs[index], upstream)
        upstream = pre_activation_gradient @ dense.kernel.T
    top = trace.layers[-1]
    hidden_gradient = np.zeros_like(top.hidden)
    hidden_gradient[:, -1] = upstream
    for weights, layer in zip(reversed(probe._lstms), reversed(trace.layers)):
        hidden_gradient = _lstm_backward(weights, layer, hidden_gradient)
    return hidden_gradient


def probability_gradient(probe, images: np.ndarray, digits, silenced: dict[int, list[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The probability of `digits` (one per image, or one for all) and its gradient with respect to each pixel.

    Returns (probabilities (N,), gradients (N, rows, width)), or unbatched for a single image.
    """
    images, single = _validate_images(probe, images)
    digits = np.broadcast_to(np.asarray(digits, dtype=int), (len(images),))
    if digits.min() < 0 or digits.max() >= probe._head[-1].kernel.shape[1]:
        raise ValueError(f"Digits must be class indices, got {digits.tolist()}.")
    _, trace = replay(probe, images, silenced)
    probabilities = trace.head_outputs[-1][np.arange(len(images)), digits]
    gradients = backward(probe, trace, digits)
    return (probabilities[0], gradients[0]) if single else (probabilities, gradients)
