"""Gradients of the classifier without TensorFlow: a backward pass through the NumPy replay.

`replay(probe, images, silenced)` reads images through the probe's layers (`model.cells.forward`,
the one forward pass) and keeps what the backward pass needs; it can hold chosen units' hidden
outputs at 0 at every row (a silenced unit still updates its state; nothing downstream sees it).
`probability_gradient` returns d p(digit) / d image by backpropagation through time through every
recurrent layer and the Dense head (`model.cells.backward`); dropout is inactive at inference, so
it does not appear. `row_gradients` sums that gradient's size per row: how strongly the answer
depends on each row read, the measure of how far back a cell's memory reaches. The explanations
in `model.explain` are built on these functions; this module knows nothing of explanations or pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.cells import LayerTrace, backward, forward
from model.probe import ProbeResult, result_of


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
class Trace:
    """The forward pass the backward pass walks back through."""

    layers: list[LayerTrace]
    head_outputs: list[np.ndarray]  # each Dense layer's output at the last row, (N, width)


def _keep_masks(probe, silenced: dict[int, list[int]] | None) -> list[np.ndarray]:
    masks = [np.ones(units) for units in probe.units]
    for layer, units in (silenced or {}).items():
        if not 0 <= layer < len(masks):
            raise ValueError(f"There is no recurrent layer {layer}; the model has {len(masks)}.")
        for unit in units:
            if not 0 <= unit < len(masks[layer]):
                raise ValueError(f"Layer {layer} has no unit {unit}; it has {len(masks[layer])}.")
            masks[layer][unit] = 0.0
    return masks


def replay(probe, images: np.ndarray, silenced: dict[int, list[int]] | None = None) -> tuple[ProbeResult, Trace]:
    """Read images (rows×28 or N×rows×28) as `probe.run` does, optionally with units silenced.

    `silenced` maps a recurrent layer index to the units whose hidden output is held at 0 at every
    row. Returns the reading (a `ProbeResult`, batched like the input) and the trace for `backward`.
    """
    images, single = probe.check_images(images)
    trace, running = _trace(probe, images, silenced)
    return result_of(trace.layers, running, single), trace


def _trace(probe, images: np.ndarray, silenced: dict[int, list[int]] | None = None) -> tuple[Trace, np.ndarray]:
    """The forward pass the backward pass needs, and the running answers (N, rows, 10); no reading assembled."""
    traces, layer_inputs = [], images
    for weights, keep in zip(probe.layers, _keep_masks(probe, silenced)):
        traces.append(forward(weights, layer_inputs, keep))
        layer_inputs = traces[-1].hidden
    head_outputs = probe.read_head(layer_inputs)
    return Trace(traces, [output[:, -1] for output in head_outputs]), head_outputs[-1]


def backward_from_answer(probe, trace: Trace, digits: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """d output[digit] at the last row / d image, one digit per image (N, rows, width).

    Also returns, per layer, the gradient reaching its hidden state at each row (N, rows, units).
    """
    outputs = trace.head_outputs[-1]
    upstream = np.zeros_like(outputs)
    upstream[np.arange(len(outputs)), digits] = 1.0
    for index in range(len(probe.head) - 1, -1, -1):
        dense = probe.head[index]
        upstream = _activation_backward(dense.activation, trace.head_outputs[index], upstream) @ dense.kernel.T
    hidden_gradient = np.zeros_like(trace.layers[-1].hidden)
    hidden_gradient[:, -1] = upstream
    state_gradients = []
    for weights, layer in zip(reversed(probe.layers), reversed(trace.layers)):
        hidden_gradient, state_gradient = backward(weights, layer, hidden_gradient)
        state_gradients.insert(0, state_gradient)
    return hidden_gradient, state_gradients


def _digits_for(probe, digits, count: int) -> np.ndarray:
    digits = np.broadcast_to(np.asarray(digits, dtype=int), (count,))
    if digits.min() < 0 or digits.max() >= probe.classes:
        raise ValueError(f"Digits must be class indices, got {digits.tolist()}.")
    return digits


def probability_gradient(probe, images: np.ndarray, digits, silenced: dict[int, list[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The probability of `digits` (one per image, or one for all) and its gradient with respect to each pixel.

    Returns (probabilities (N,), gradients (N, rows, width)), or unbatched for a single image.
    """
    images, single = probe.check_images(images)
    digits = _digits_for(probe, digits, len(images))
    trace, _ = _trace(probe, images, silenced)
    probabilities = trace.head_outputs[-1][np.arange(len(images)), digits]
    gradients, _ = backward_from_answer(probe, trace, digits)
    return (probabilities[0], gradients[0]) if single else (probabilities, gradients)


def row_gradients(probe, images: np.ndarray, digits=None) -> np.ndarray:
    """How strongly the final answer depends on each row read: ‖d p(digit) / d row t‖ per row, (N, rows) or (rows,).

    `digits` defaults to each image's own answer. A memory that reaches back keeps these sizes up
    for rows read long ago; a vanishing gradient makes them fall with every row in between.
    """
    images, single = probe.check_images(images)
    trace, running = _trace(probe, images)
    answers = running[:, -1].argmax(axis=-1)
    digits = _digits_for(probe, answers if digits is None else digits, len(images))
    gradients, _ = backward_from_answer(probe, trace, digits)
    sizes = np.sqrt((gradients**2).sum(axis=-1))
    return sizes[0] if single else sizes
