"""Chart builders: pure functions from arrays to Plotly figures, testable without Streamlit.

Every figure here is built from plain NumPy arrays and returns a `plotly.graph_objects.Figure`;
nothing reads widgets or session state. Rows are numbered from 1 to 28 as a reader counts them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#0b8a6f", "#bcbd22", "#17becf"]
ACCENT = "#f5b700"
DIVERGING = "RdBu_r"
SEQUENTIAL = "Viridis"
GATE_TITLES = ("input gate", "forget gate", "candidate", "output gate")
_MARGIN = dict(l=10, r=10, t=36, b=10)


def _base_layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
        height=height,
        margin=_MARGIN,
        template="plotly_white",
        showlegend=False,
    )
    return figure


def probability_bars(probabilities: np.ndarray, title: str = "Probability of each digit") -> go.Figure:
    probabilities = np.asarray(probabilities, dtype=float)
    predicted = int(np.argmax(probabilities))
    colours = [ACCENT if digit == predicted else "#9aa5b1" for digit in range(10)]
    figure = go.Figure(
        go.Bar(
            x=[str(digit) for digit in range(10)],
            y=probabilities,
            marker_color=colours,
            text=[f"{p:.0%}" if p >= 0.01 else "" for p in probabilities],
            textposition="outside",
            hovertemplate="digit %{x}: %{y:.1%}<extra></extra>",
        )
    )
    figure.update_yaxes(range=[0, 1.12], tickformat=".0%", showgrid=True)
    figure.update_xaxes(type="category", title="digit")
    return _base_layout(figure, title, 260)


def input_image(image: np.ndarray, current_row: int | None = None, title: str = "What the network sees") -> go.Figure:
    """The 28×28 input, enlarged; rows after `current_row` are dimmed and the current row is framed."""
    figure = go.Figure(
        go.Heatmap(
            z=np.asarray(image, dtype=float),
            x=np.arange(1, 29),
            y=np.arange(1, 29),
            colorscale="Greys_r",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="row %{y}, column %{x}: %{z:.2f}<extra></extra>",
        )
    )
    if current_row is not None and current_row < 28:
        figure.add_shape(type="rect", x0=0.5, x1=28.5, y0=current_row + 0.5, y1=28.5, fillcolor="#0e1117", opacity=0.55, line_width=0)
    if current_row is not None:
        figure.add_shape(type="rect", x0=0.5, x1=28.5, y0=current_row - 0.5, y1=current_row + 0.5, line=dict(color=ACCENT, width=2))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False, zeroline=False)
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    return _base_layout(figure, title, 280)


def _mark_rows_vertical(figure: go.Figure, current_row: int | None, decision_row: int | None, **subplot) -> None:
    """Vertical markers on an x axis of rows: a solid line for the current row, dashed for the decision."""
    if decision_row is not None:
        figure.add_vline(x=decision_row, line=dict(color="#444", dash="dash", width=1), **subplot)
    if current_row is not None:
        figure.add_vline(x=current_row, line=dict(color=ACCENT, width=2), **subplot)


def running_probabilities(
    running: np.ndarray, current_row: int | None = None, decision_row: int | None = None, true_label: int | None = None
) -> go.Figure:
    """The probability of each digit after rows 1…28: how the answer changes while reading."""
    running = np.asarray(running, dtype=float)
    final = int(np.argmax(running[-1]))
    rows = np.arange(1, running.shape[0] + 1)
    figure = go.Figure()
    for digit in range(running.shape[1]):
        emphasised = digit == final
        figure.add_trace(
            go.Scatter(
                x=rows,
                y=running[:, digit],
                name=str(digit),
                mode="lines",
                line=dict(color=DIGIT_COLOURS[digit], width=4 if emphasised else 1.5),
                opacity=1.0 if emphasised else 0.55,
                hovertemplate=f"digit {digit} after row %{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
        figure.add_annotation(
            x=rows[-1], y=running[-1, digit], text=str(digit), showarrow=False, xanchor="left", xshift=4,
            font=dict(color=DIGIT_COLOURS[digit], size=13 if emphasised else 10),
        )  # fmt: skip
    _mark_rows_vertical(figure, current_row, decision_row)
    if decision_row is not None:
        figure.add_annotation(
            x=decision_row, y=1.04, text=f"decided at row {decision_row}", showarrow=False, xanchor="right", font=dict(size=11)
        )
    figure.update_xaxes(title="rows read", range=[0.5, 29.5], dtick=4)
    figure.update_yaxes(title="probability", range=[0, 1.08], tickformat=".0%")
    title = "The answer as it reads, row by row"
    if true_label is not None:
        title += f" (true label: {true_label})"
    return _base_layout(figure, title, 320)


def _state_heatmap_trace(values: np.ndarray, unit_order: np.ndarray, colorscale: str, zmin: float, zmax: float, name: str) -> go.Heatmap:
    ordered = np.asarray(values, dtype=float)[:, unit_order]
    return go.Heatmap(
        z=ordered,
        y=np.arange(1, ordered.shape[0] + 1),
        x=np.arange(ordered.shape[1]),
        customdata=np.broadcast_to(np.asarray(unit_order), ordered.shape),
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        zmid=0 if zmin < 0 else None,
        colorbar=dict(thickness=10, len=0.9),
        hovertemplate=f"{name}<br>row %{{y}}, unit %{{customdata}}: %{{z:.2f}}<extra></extra>",
    )


def _mark_rows_horizontal(figure: go.Figure, current_row: int | None, decision_row: int | None, **subplot) -> None:
    if decision_row is not None:
        figure.add_hline(y=decision_row, line=dict(color="#222", dash="dash", width=1), **subplot)
    if current_row is not None:
        figure.add_hline(y=current_row, line=dict(color=ACCENT, width=2), **subplot)


def state_heatmap(
    values: np.ndarray,
    unit_order: np.ndarray,
    title: str,
    current_row: int | None = None,
    decision_row: int | None = None,
    unit_groups: np.ndarray | None = None,
    symmetric_limit: float | None = 1.0,
) -> go.Figure:
    """One layer's state (28 rows × units) with a diverging scale centred on 0, units in a fixed order.

    `unit_groups` (one digit per unit, in display order) labels the x axis by the digit each group
    of units votes for. `symmetric_limit=None` scales to the largest magnitude present.
    """
    values = np.asarray(values, dtype=float)
    limit = symmetric_limit if symmetric_limit is not None else max(float(np.abs(values).max()), 1e-6)
    figure = go.Figure(_state_heatmap_trace(values, unit_order, DIVERGING, -limit, limit, title))
    _mark_rows_horizontal(figure, current_row, decision_row)
    figure.update_yaxes(autorange="reversed", title="row", dtick=4)
    if unit_groups is not None:
        groups = np.asarray(unit_groups)
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ends = np.r_[starts[1:], len(groups)]
        figure.update_xaxes(
            tickvals=(starts + ends - 1) / 2, ticktext=[f"→{groups[s]}" for s in starts], title="units, grouped by the digit they favour"
        )
        for start in starts[1:]:
            figure.add_vline(x=start - 0.5, line=dict(color="rgba(0,0,0,0.25)", width=1))
    else:
        figure.update_xaxes(showticklabels=False, title="units")
    return _base_layout(figure, title, 300)


def gate_heatmaps(
    gates: np.ndarray, unit_order: np.ndarray, title: str, current_row: int | None = None, decision_row: int | None = None
) -> go.Figure:
    """The four gates of one layer (28 × 4 × units) side by side; the candidate is in [-1, 1], the rest in [0, 1]."""
    gates = np.asarray(gates, dtype=float)
    figure = make_subplots(rows=1, cols=4, subplot_titles=GATE_TITLES, shared_yaxes=True, horizontal_spacing=0.02)
    for index, gate_title in enumerate(GATE_TITLES):
        is_candidate = index == 2
        trace = _state_heatmap_trace(
            gates[:, index], unit_order, DIVERGING if is_candidate else SEQUENTIAL, -1 if is_candidate else 0, 1, gate_title
        )
        trace.showscale = index in (1, 2)
        trace.colorbar = dict(thickness=8, len=0.9, x=1.0 if is_candidate else 1.06)
        figure.add_trace(trace, row=1, col=index + 1)
        _mark_rows_horizontal(figure, current_row, decision_row, row=1, col=index + 1)
    figure.update_yaxes(autorange="reversed", dtick=4)
    figure.update_xaxes(showticklabels=False)
    figure.update_annotations(font_size=12)
    return _base_layout(figure, title, 300)


def smooth(values: np.ndarray, smoothing: float) -> np.ndarray:
    """An exponential moving average with bias correction, as TensorBoard draws it (0 = raw)."""
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    values = np.asarray(values, dtype=float)
    smoothed = np.empty_like(values)
    average, weight = 0.0, 0.0
    for index, value in enumerate(values):
        average = smoothing * average + (1 - smoothing) * value
        weight = smoothing * weight + (1 - smoothing)
        smoothed[index] = average / weight
    return smoothed


X_AXIS_TITLES = {"samples_seen": "training images seen", "seconds": "seconds"}


def training_curves(
    batches: list[dict], epochs: list[dict], x_axis: str = "samples_seen", smoothing: float = 0.6, title: str = ""
) -> go.Figure:
    """Loss and accuracy: per batch (faint raw, bold smoothed) and validation per epoch (markers)."""
    if x_axis not in X_AXIS_TITLES:
        raise ValueError(f"x_axis must be one of {sorted(X_AXIS_TITLES)}, got {x_axis!r}")
    figure = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"), horizontal_spacing=0.08)
    batch_x = [batch[x_axis] for batch in batches]
    epoch_x = [epoch[x_axis] for epoch in epochs]
    for column, metric in ((1, "loss"), (2, "accuracy")):
        raw = np.array([batch[metric] for batch in batches], dtype=float)
        if len(raw):
            figure.add_trace(
                go.Scatter(x=batch_x, y=raw, mode="lines", line=dict(color="#9ecae1", width=1), name=f"batch {metric}", hoverinfo="skip"),
                row=1,
                col=column,
            )
            figure.add_trace(
                go.Scatter(
                    x=batch_x, y=smooth(raw, smoothing), mode="lines", line=dict(color="#1f77b4", width=2.5), name=f"training {metric}"
                ),
                row=1,
                col=column,
            )
        validation = [epoch[f"val_{metric}"] for epoch in epochs]
        if epochs:
            figure.add_trace(
                go.Scatter(
                    x=epoch_x, y=validation, mode="lines+markers", line=dict(color=ACCENT, width=2), marker=dict(size=9),
                    name=f"validation {metric}", text=[f"epoch {epoch['epoch']}" for epoch in epochs],
                    hovertemplate="%{text}: %{y:.4f}<extra>validation</extra>",
                ),
                row=1, col=column,
            )  # fmt: skip
    figure.update_xaxes(title=X_AXIS_TITLES[x_axis])
    figure.update_yaxes(type="log", dtick=1, row=1, col=1)
    figure.update_yaxes(range=_accuracy_range(batches, epochs), tickformat=".1%", row=1, col=2)
    _base_layout(figure, title, 340)
    figure.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.25))
    return figure


def _accuracy_range(batches: list[dict], epochs: list[dict]) -> list[float]:
    values = [batch["accuracy"] for batch in batches[len(batches) // 5 :]] + [epoch["val_accuracy"] for epoch in epochs]
    values = [value for value in values if np.isfinite(value)]
    low = min(values) if values else 0.0
    return [max(0.0, min(low, 0.9) - 0.02), 1.0]


def compare_runs(histories: dict[str, dict], x_axis: str = "epoch") -> go.Figure:
    """Validation accuracy and loss of several saved runs on shared axes (per epoch or per second)."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("validation accuracy", "validation loss"), horizontal_spacing=0.08)
    for index, (name, history) in enumerate(histories.items()):
        epochs = history.get("epochs", [])
        x = [epoch[x_axis] for epoch in epochs]
        colour = DIGIT_COLOURS[index % len(DIGIT_COLOURS)]
        for column, metric in ((1, "val_accuracy"), (2, "val_loss")):
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=[epoch[metric] for epoch in epochs],
                    mode="lines+markers",
                    name=name,
                    line=dict(color=colour),
                    showlegend=column == 1,
                ),
                row=1,
                col=column,
            )
    figure.update_xaxes(title="epoch" if x_axis == "epoch" else X_AXIS_TITLES.get(x_axis, x_axis))
    figure.update_yaxes(tickformat=".1%", row=1, col=1)
    figure.update_yaxes(type="log", dtick=1, row=1, col=2)
    _base_layout(figure, "", 340)
    figure.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.25))
    return figure


def confusion_matrix(matrix: np.ndarray) -> go.Figure:
    """Counts of true (rows) against predicted (columns) digits; the diagonal is right answers."""
    matrix = np.asarray(matrix)
    off_diagonal = matrix.astype(float).copy()
    np.fill_diagonal(off_diagonal, np.nan)
    figure = go.Figure(
        go.Heatmap(
            z=np.log1p(off_diagonal),
            x=[str(d) for d in range(10)],
            y=[str(d) for d in range(10)],
            text=matrix,
            texttemplate="%{text}",
            customdata=matrix,
            colorscale="Reds",
            showscale=False,
            hovertemplate="true %{y}, predicted %{x}: %{customdata}<extra></extra>",
        )
    )
    figure.update_xaxes(title="predicted digit", type="category", side="top")
    figure.update_yaxes(title="true digit", type="category", autorange="reversed", scaleanchor="x")
    return _base_layout(figure, "", 460)
