"""The three recurrent cells in NumPy: one forward pass and one backward pass each.

The networks read a digit row by row through one of three cells, exactly as Keras computes them:
- `lstm`: Keras's `LSTM`, gates in Keras order input, forget, candidate, output; a cell state c
  beside the hidden state h (c = f·c₋₁ + i·g, h = o·tanh c);
- `gru`: Keras's `GRU` (reset_after, its default): update and reset gates and a candidate, no
  separate memory (h = z·h₋₁ + (1 − z)·ĥ, ĥ = tanh(x·W + r·(h₋₁·U + b)));
- `rnn`: Keras's `SimpleRNN`, no gates at all (h = tanh(x·W + h₋₁·U + b)).

`forward` is the one forward pass of every reader: the probe's full reading (every state and
gate after every row, float64), the lean batch predictor (`record=False`, float32, gates computed
in place) and the replay the backward pass walks back through. A `keep` mask holds chosen units'
outputs at 0 at every row (a silenced unit). `backward` is backpropagation through time: given
the gradient of a layer's hidden outputs, the gradient of its inputs. Nothing here knows of
models, files or pages; `model.probe` assembles layers into a classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELLS = ("lstm", "gru", "rnn")
GATE_NAMES = {"lstm": ("input", "forget", "candidate", "output"), "gru": ("update", "reset", "candidate"), "rnn": ()}
# How many blocks of `units` columns each cell's kernels hold.
_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}


def sigmoid_in_place(x: np.ndarray) -> None:
    """x ← sigmoid(x), as 0.5 · tanh(x / 2) + 0.5: one vectorised transcendental, no temporaries."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5


@dataclass(frozen=True)
class CellWeights:
    """One recurrent layer's arrays, as Keras stores them.

    kernel: (inputs, blocks·units); recurrent_kernel: (units, blocks·units); bias: (blocks·units,),
    or (2, 3·units) for the GRU (input bias, then recurrent bias).
    """

    cell: str
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        return self.recurrent_kernel.shape[0]

    @property
    def input_width(self) -> int:
        return self.kernel.shape[0]

    def astype(self, dtype) -> CellWeights:
        return CellWeights(self.cell, *(np.asarray(array, dtype=dtype) for array in (self.kernel, self.recurrent_kernel, self.bias)))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.kernel, self.recurrent_kernel, self.bias


def cell_weights(cell: str, kernel, recurrent_kernel, bias, input_width: int | None = None, layer_number: int = 1) -> CellWeights:
    """Check one layer's arrays against its cell and build its `CellWeights` (float64); raises ValueError."""
    if cell not in CELLS:
        raise ValueError(f"The cell must be one of {', '.join(CELLS)}, got {cell!r}.")
    kernel, recurrent_kernel, bias = (np.asarray(array, dtype=np.float64) for array in (kernel, recurrent_kernel, bias))
    units = recurrent_kernel.shape[0] if recurrent_kernel.ndim == 2 else 0
    width = kernel.shape[0] if kernel.ndim == 2 and input_width is None else input_width
    columns = _BLOCKS[cell] * units
    expected = {"kernel": (width, columns), "recurrent_kernel": (units, columns), "bias": (2, columns) if cell == "gru" else (columns,)}
    actual = {"kernel": kernel.shape, "recurrent_kernel": recurrent_kernel.shape, "bias": bias.shape}
    if units == 0 or actual != expected:
        raise ValueError(f"{cell.upper()} layer {layer_number} has weights of shapes {actual}, expected {expected}.")
    if not all(np.isfinite(array).all() for array in (kernel, recurrent_kernel, bias)):
        raise ValueError(f"{cell.upper()} layer {layer_number} has NaN or infinite weights.")
    return CellWeights(cell, kernel, recurrent_kernel, bias)


@dataclass(frozen=True)
class LayerTrace:
    """One layer's forward pass over a batch: what it read and every state it went through.

    inputs: (N, rows, width); hidden: (N, rows, units), silenced units already at 0;
    cells: (N, rows, units), the LSTM's cell state (None for the other cells);
    gates: (N, rows, gates, units), in `GATE_NAMES[cell]` order;
    recurrent_candidate: (N, rows, units), the GRU's h₋₁·U + b of its candidate, which the reset gate scales (None otherwise);
    keep: (units,), 1 for a unit that speaks, 0 for a silenced one.
    """

    inputs: np.ndarray
    hidden: np.ndarray
    cells: np.ndarray | None
    gates: np.ndarray
    recurrent_candidate: np.ndarray | None
    keep: np.ndarray


def forward(weights: CellWeights, inputs: np.ndarray, keep: np.ndarray | None = None, record: bool = True):
    """Read a batch of sequences (N, rows, width) through one layer, in the weights' dtype.

    With `record`, returns the `LayerTrace` (every state and gate after every row); without, the
    hidden states only, (N, rows, units), computed in place with no per-row copies.
    """
    dtype = weights.kernel.dtype
    sequence = np.ascontiguousarray(np.asarray(inputs, dtype=dtype).transpose(1, 0, 2))  # Time-major: rows contiguous.
    steps, batch, width = sequence.shape
    units = weights.units
    input_bias = weights.bias[0] if weights.cell == "gru" else weights.bias
    # The input projection of every row at once; only the recurrence is sequential.
    projected = (sequence.reshape(steps * batch, width) @ weights.kernel).reshape(steps, batch, -1)
    projected += input_bias
    hidden_states = np.empty((steps, batch, units), dtype=dtype)
    gate_count = len(GATE_NAMES[weights.cell])
    gates = np.empty((steps, batch, gate_count, units), dtype=dtype) if record else None
    cells = np.empty((steps, batch, units), dtype=dtype) if record and weights.cell == "lstm" else None
    recurrent_candidate = np.empty((steps, batch, units), dtype=dtype) if record and weights.cell == "gru" else None
    step_function = {"lstm": _lstm_step, "gru": _gru_step, "rnn": _rnn_step}[weights.cell]
    hidden = np.zeros((batch, units), dtype=dtype)
    cell = np.zeros((batch, units), dtype=dtype)
    for step in range(steps):
        z = projected[step]  # Each step function leaves the row's gates in z, in place.
        hidden, cell, recurrent_term = step_function(weights, z, hidden, cell, units)
        if keep is not None:
            hidden *= keep
        hidden_states[step] = hidden
        if record:
            if gate_count:
                gates[step] = z.reshape(batch, gate_count, units)
            if cells is not None:
                cells[step] = cell
            if recurrent_candidate is not None:
                recurrent_candidate[step] = recurrent_term
    if not record:
        return hidden_states.transpose(1, 0, 2)

    def batch_major(array):
        return None if array is None else array.swapaxes(0, 1)

    keep = np.ones(units, dtype=dtype) if keep is None else np.asarray(keep, dtype=dtype)
    return LayerTrace(
        inputs=np.asarray(inputs, dtype=dtype),
        hidden=batch_major(hidden_states),
        cells=batch_major(cells),
        gates=batch_major(gates),
        recurrent_candidate=batch_major(recurrent_candidate),
        keep=keep,
    )


def _lstm_step(weights, z, hidden, cell, units):
    z += hidden @ weights.recurrent_kernel
    sigmoid_in_place(z[:, : 2 * units])
    np.tanh(z[:, 2 * units : 3 * units], out=z[:, 2 * units : 3 * units])
    sigmoid_in_place(z[:, 3 * units :])
    cell = cell * z[:, units : 2 * units]
    cell += z[:, :units] * z[:, 2 * units : 3 * units]
    hidden = np.tanh(cell)
    hidden *= z[:, 3 * units :]
    return hidden, cell, None


def _gru_step(weights, z, hidden, cell, units):
    recurrent = hidden @ weights.recurrent_kernel
    recurrent += weights.bias[1]
    z[:, : 2 * units] += recurrent[:, : 2 * units]
    sigmoid_in_place(z[:, : 2 * units])
    update, reset, candidate = z[:, :units], z[:, units : 2 * units], z[:, 2 * units :]
    recurrent_candidate = recurrent[:, 2 * units :]
    candidate += reset * recurrent_candidate
    np.tanh(candidate, out=candidate)
    new_hidden = update * hidden
    new_hidden += (1 - update) * candidate
    return new_hidden, cell, recurrent_candidate


def _rnn_step(weights, z, hidden, cell, units):
    z += hidden @ weights.recurrent_kernel
    return np.tanh(z), cell, None


def backward(weights: CellWeights, trace: LayerTrace, hidden_gradient: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backpropagation through time through one layer.

    `hidden_gradient` (N, rows, units) is the gradient of what is differentiated with respect to
    the layer's hidden outputs at each row. Returns the gradient with respect to the layer's
    inputs (N, rows, width) and the total gradient reaching its hidden state at each row (N, rows,
    units): through the outputs there and through every later row.
    """
    batch, steps, units = trace.hidden.shape
    input_gradient = np.empty_like(trace.inputs)
    state_gradient = np.empty_like(trace.hidden)
    kernel_transposed, recurrent_transposed = weights.kernel.T, weights.recurrent_kernel.T
    hidden_carry = np.zeros((batch, units))
    cell_carry = np.zeros((batch, units))
    zeros = np.zeros((batch, units))
    for step in range(steps - 1, -1, -1):
        hidden_grad = (hidden_gradient[:, step] + hidden_carry) * trace.keep
        state_gradient[:, step] = hidden_grad
        previous_hidden = trace.hidden[:, step - 1] if step > 0 else zeros
        if weights.cell == "lstm":
            input_gate, forget_gate, candidate, output_gate = (trace.gates[:, step, k] for k in range(4))
            previous_cell = trace.cells[:, step - 1] if step > 0 else zeros
            tanh_cell = np.tanh(trace.cells[:, step])
            cell_grad = hidden_grad * output_gate * (1.0 - tanh_cell**2) + cell_carry
            z_gradient = np.concatenate(
                [
                    cell_grad * candidate * input_gate * (1.0 - input_gate),
                    cell_grad * previous_cell * forget_gate * (1.0 - forget_gate),
                    cell_grad * input_gate * (1.0 - candidate**2),
                    hidden_grad * tanh_cell * output_gate * (1.0 - output_gate),
                ],
                axis=1,
            )
            hidden_carry = z_gradient @ recurrent_transposed
            cell_carry = cell_grad * forget_gate
        elif weights.cell == "gru":
            update, reset, candidate = (trace.gates[:, step, k] for k in range(3))
            recurrent_candidate = trace.recurrent_candidate[:, step]
            candidate_pre = hidden_grad * (1.0 - update) * (1.0 - candidate**2)
            update_pre = hidden_grad * (previous_hidden - candidate) * update * (1.0 - update)
            reset_pre = candidate_pre * recurrent_candidate * reset * (1.0 - reset)
            z_gradient = np.concatenate([update_pre, reset_pre, candidate_pre], axis=1)
            recurrent_gradient = np.concatenate([update_pre, reset_pre, candidate_pre * reset], axis=1)
            hidden_carry = recurrent_gradient @ recurrent_transposed + hidden_grad * update
        else:
            z_gradient = hidden_grad * (1.0 - trace.hidden[:, step] ** 2)
            hidden_carry = z_gradient @ recurrent_transposed
        input_gradient[:, step] = z_gradient @ kernel_transposed
    return input_gradient, state_gradient
