"""Chart builders: pure functions from arrays to Plotly figures, testable without Streamlit.

Every figure here is built from plain NumPy arrays and returns a `plotly.graph_objects.Figure`;
nothing reads widgets or session state. Rows are numbered from 1 to 28 as a reader counts them.
The figures are written as plain Plotly specs and wrapped without Plotly's per-property
validation: that validation cost ~250 ms per stroke, more than everything else together. The
tests validate every builder's output in full instead.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#0b8a6f", "#bcbd22", "#17becf"]
ACCENT = "#f5b700"
# Colour scales are spelled out: the figures skip Plotly's Python validation, which is what turns
# names such as "RdBu_r" into scales, and Plotly.js's own scales of the same names differ.
DIVERGING = [[0.0, "#2166ac"], [0.25, "#67a9cf"], [0.5, "#f7f7f7"], [0.75, "#ef8a62"], [1.0, "#b2182b"]]  # Blue < 0 < red.
SEQUENTIAL = [[0.0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1.0, "#fde725"]]  # Viridis.
INK = [[0.0, "#000000"], [1.0, "#ffffff"]]
COUNTS = [[0.0, "#fff5f0"], [0.5, "#fb6a4a"], [1.0, "#67000d"]]
GATE_TITLES = ("input gate", "forget gate", "candidate", "output gate")
X_AXIS_TITLES = {"samples_seen": "training images seen", "seconds": "seconds"}
_MARGIN = {"l": 10, "r": 10, "t": 36, "b": 10}
_NO_TICKS = {"showticklabels": False, "showgrid": False, "zeroline": False}


def _figure(data: list[dict], layout: dict) -> go.Figure:
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def _layout(title: str, height: int, **extra) -> dict:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}},
        "height": height,
        "margin": _MARGIN,
        "showlegend": False,
        **extra,
    }


def _horizontal_line(y: float, colour: str, width: float, dash: str = "solid", axis: str = "") -> dict:
    return {
        "type": "line", "xref": f"x{axis} domain", "x0": 0, "x1": 1, "yref": f"y{axis}", "y0": y, "y1": y,
        "line": {"color": colour, "width": width, "dash": dash},
    }  # fmt: skip


def _vertical_line(x: float, colour: str, width: float, dash: str = "solid", axis: str = "") -> dict:
    return {
        "type": "line", "yref": f"y{axis} domain", "y0": 0, "y1": 1, "xref": f"x{axis}", "x0": x, "x1": x,
        "line": {"color": colour, "width": width, "dash": dash},
    }  # fmt: skip


def _row_markers(current_row: int | None, decision_row: int | None, line, axis: str = "") -> list[dict]:
    """A dashed line at the decision row and a solid accent line at the current row."""
    markers = []
    if decision_row is not None:
        markers.append(line(decision_row, "#333", 1, "dash", axis))
    if current_row is not None:
        markers.append(line(current_row, ACCENT, 2, "solid", axis))
    return markers


def _side_by_side(count: int, titles: tuple[str, ...], spacing: float) -> dict:
    """Layout entries for `count` panels in one row: x axes with domains, y axes anchored, titles."""
    width = (1 - spacing * (count - 1)) / count
    layout: dict = {"annotations": []}
    for index in range(count):
        suffix = "" if index == 0 else str(index + 1)
        start = index * (width + spacing)
        layout[f"xaxis{suffix}"] = {"domain": [start, start + width], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}"}
        layout["annotations"].append(
            {"text": titles[index], "x": start + width / 2, "y": 1.0, "xref": "paper", "yref": "paper",
             "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}}
        )  # fmt: skip
    return layout


def probability_bars(probabilities: np.ndarray, title: str = "Probability of each digit") -> go.Figure:
    probabilities = np.asarray(probabilities, dtype=float)
    predicted = int(np.argmax(probabilities))
    bar = {
        "type": "bar",
        "x": [str(digit) for digit in range(10)],
        "y": probabilities,
        "marker": {"color": [ACCENT if digit == predicted else "#9aa5b1" for digit in range(10)]},
        "text": [f"{p:.0%}" if p >= 0.01 else "" for p in probabilities],
        "textposition": "outside",
        "hovertemplate": "digit %{x}: %{y:.1%}<extra></extra>",
    }
    layout = _layout(title, 260, yaxis={"range": [0, 1.12], "tickformat": ".0%"}, xaxis={"type": "category", "title": {"text": "digit"}})
    return _figure([bar], layout)


def input_image(image: np.ndarray, current_row: int | None = None, title: str = "What the network sees") -> go.Figure:
    """The 28×28 input, enlarged; rows after `current_row` are dimmed and the current row is framed."""
    heatmap = {
        "type": "heatmap", "z": np.asarray(image, dtype=float), "x": np.arange(1, 29), "y": np.arange(1, 29),
        "colorscale": INK, "zmin": 0, "zmax": 1, "showscale": False,
        "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra></extra>",
    }  # fmt: skip
    shapes = []
    if current_row is not None and current_row < 28:
        shapes.append(
            {
                "type": "rect",
                "x0": 0.5,
                "x1": 28.5,
                "y0": current_row + 0.5,
                "y1": 28.5,
                "fillcolor": "#0e1117",
                "opacity": 0.55,
                "line": {"width": 0},
            }
        )
    if current_row is not None:
        shapes.append(
            {"type": "rect", "x0": 0.5, "x1": 28.5, "y0": current_row - 0.5, "y1": current_row + 0.5, "line": {"color": ACCENT, "width": 2}}
        )
    layout = _layout(
        title,
        280,
        shapes=shapes,
        xaxis={**_NO_TICKS, "constrain": "domain"},
        yaxis={**_NO_TICKS, "autorange": "reversed", "scaleanchor": "x"},
    )
    return _figure([heatmap], layout)


def running_probabilities(
    running: np.ndarray, current_row: int | None = None, decision_row: int | None = None, true_label: int | None = None
) -> go.Figure:
    """The probability of each digit after rows 1…28: how the answer changes while reading."""
    running = np.asarray(running, dtype=float)
    final = int(np.argmax(running[-1]))
    rows = np.arange(1, running.shape[0] + 1)
    traces, annotations = [], []
    for digit in range(running.shape[1]):
        emphasised = digit == final
        traces.append(
            {"type": "scatter", "mode": "lines", "x": rows, "y": running[:, digit], "name": str(digit),
             "line": {"color": DIGIT_COLOURS[digit], "width": 4 if emphasised else 1.5}, "opacity": 1.0 if emphasised else 0.55,
             "hovertemplate": f"digit {digit} after row %{{x}}: %{{y:.1%}}<extra></extra>"}
        )  # fmt: skip
        annotations.append(
            {"x": rows[-1], "y": running[-1, digit], "text": str(digit), "showarrow": False, "xanchor": "left", "xshift": 4,
             "font": {"color": DIGIT_COLOURS[digit], "size": 13 if emphasised else 10}}
        )  # fmt: skip
    if decision_row is not None:
        annotations.append(
            {
                "x": decision_row,
                "y": 1.04,
                "text": f"decided at row {decision_row}",
                "showarrow": False,
                "xanchor": "right",
                "font": {"size": 11},
            }
        )
    title = "The answer as it reads, row by row" + (f" (true label: {true_label})" if true_label is not None else "")
    layout = _layout(
        title, 320,
        shapes=_row_markers(current_row, decision_row, _vertical_line), annotations=annotations,
        xaxis={"title": {"text": "rows read"}, "range": [0.5, 29.5], "dtick": 4},
        yaxis={"title": {"text": "probability"}, "range": [0, 1.08], "tickformat": ".0%"},
    )  # fmt: skip
    return _figure(traces, layout)


def _state_heatmap_trace(values: np.ndarray, unit_order: np.ndarray, colorscale: list, zmin: float, zmax: float, name: str) -> dict:
    ordered = np.asarray(values, dtype=float)[:, unit_order]
    trace = {
        "type": "heatmap", "z": ordered, "y": np.arange(1, ordered.shape[0] + 1), "x": np.arange(ordered.shape[1]),
        "customdata": np.broadcast_to(np.asarray(unit_order), ordered.shape), "colorscale": colorscale,
        "zmin": zmin, "zmax": zmax, "colorbar": {"thickness": 10, "len": 0.9},
        "hovertemplate": f"{name}<br>row %{{y}}, unit %{{customdata}}: %{{z:.2f}}<extra></extra>",
    }  # fmt: skip
    if zmin < 0:
        trace["zmid"] = 0
    return trace


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
    shapes = _row_markers(current_row, decision_row, _horizontal_line)
    x_axis = {"showticklabels": False, "title": {"text": "units"}}
    if unit_groups is not None:
        groups = np.asarray(unit_groups)
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ends = np.r_[starts[1:], len(groups)]
        x_axis = {
            "tickvals": (starts + ends - 1) / 2, "ticktext": [f"→{groups[s]}" for s in starts],
            "title": {"text": "units, grouped by the digit they favour"},
        }  # fmt: skip
        shapes += [_vertical_line(start - 0.5, "rgba(0,0,0,0.25)", 1) for start in starts[1:]]
    layout = _layout(title, 300, shapes=shapes, xaxis=x_axis, yaxis={"autorange": "reversed", "title": {"text": "row"}, "dtick": 4})
    return _figure([_state_heatmap_trace(values, unit_order, DIVERGING, -limit, limit, title)], layout)


def gate_heatmaps(
    gates: np.ndarray, unit_order: np.ndarray, title: str, current_row: int | None = None, decision_row: int | None = None
) -> go.Figure:
    """The four gates of one layer (28 × 4 × units) side by side; the candidate is in [-1, 1], the rest in [0, 1]."""
    gates = np.asarray(gates, dtype=float)
    layout = _layout(title, 300, shapes=[], **_side_by_side(4, GATE_TITLES, spacing=0.02))
    traces = []
    for index, gate_title in enumerate(GATE_TITLES):
        is_candidate = index == 2
        axis = "" if index == 0 else str(index + 1)
        trace = _state_heatmap_trace(
            gates[:, index], unit_order, DIVERGING if is_candidate else SEQUENTIAL, -1 if is_candidate else 0, 1, gate_title
        )
        trace.update(xaxis=f"x{axis}", yaxis=f"y{axis}", showscale=index in (1, 2))
        trace["colorbar"] = {"thickness": 8, "len": 0.9, "x": 1.0 if is_candidate else 1.06}
        traces.append(trace)
        layout["shapes"] += _row_markers(current_row, decision_row, _horizontal_line, axis)
        layout[f"xaxis{axis}"].update(showticklabels=False)
        layout[f"yaxis{axis}"].update(autorange="reversed", dtick=4, showticklabels=index == 0)
        if index:
            layout[f"yaxis{axis}"]["matches"] = "y"
    return _figure(traces, layout)


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


def training_curves(
    batches: list[dict], epochs: list[dict], x_axis: str = "samples_seen", smoothing: float = 0.6, title: str = ""
) -> go.Figure:
    """Loss and accuracy: per batch (faint raw, bold smoothed) and validation per epoch (markers)."""
    if x_axis not in X_AXIS_TITLES:
        raise ValueError(f"x_axis must be one of {sorted(X_AXIS_TITLES)}, got {x_axis!r}")
    layout = _layout(title, 340, showlegend=True, legend={"orientation": "h", "y": -0.25}, **_side_by_side(2, ("loss", "accuracy"), 0.08))
    batch_x = [batch[x_axis] for batch in batches]
    epoch_x = [epoch[x_axis] for epoch in epochs]
    traces = []
    for axis, metric in (("", "loss"), ("2", "accuracy")):
        placement = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        raw = np.array([batch[metric] for batch in batches], dtype=float)
        if len(raw):
            traces.append(
                {"type": "scatter", "mode": "lines", "x": batch_x, "y": raw, "name": f"batch {metric}",
                 "line": {"color": "#9ecae1", "width": 1}, "hoverinfo": "skip", **placement}
            )  # fmt: skip
            traces.append(
                {"type": "scatter", "mode": "lines", "x": batch_x, "y": smooth(raw, smoothing), "name": f"training {metric}",
                 "line": {"color": "#1f77b4", "width": 2.5}, **placement}
            )  # fmt: skip
        if epochs:
            traces.append(
                {"type": "scatter", "mode": "lines+markers", "x": epoch_x, "y": [epoch[f"val_{metric}"] for epoch in epochs],
                 "name": f"validation {metric}", "line": {"color": ACCENT, "width": 2}, "marker": {"size": 9},
                 "text": [f"epoch {epoch['epoch']}" for epoch in epochs], "hovertemplate": "%{text}: %{y:.4f}<extra>validation</extra>",
                 **placement}
            )  # fmt: skip
        layout[f"xaxis{axis}"]["title"] = {"text": X_AXIS_TITLES[x_axis]}
    layout["yaxis"].update(type="log", dtick=1)
    layout["yaxis2"].update(range=_accuracy_range(batches, epochs), tickformat=".1%")
    return _figure(traces, layout)


def _accuracy_range(batches: list[dict], epochs: list[dict]) -> list[float]:
    values = [batch["accuracy"] for batch in batches[len(batches) // 5 :]] + [epoch["val_accuracy"] for epoch in epochs]
    values = [value for value in values if np.isfinite(value)]
    low = min(values) if values else 0.0
    return [max(0.0, min(low, 0.9) - 0.02), 1.0]


def compare_runs(histories: dict[str, dict], x_axis: str = "epoch") -> go.Figure:
    """Validation accuracy and loss of several saved runs on shared axes (per epoch or per second)."""
    layout = _layout(
        "",
        340,
        showlegend=True,
        legend={"orientation": "h", "y": -0.25},
        **_side_by_side(2, ("validation accuracy", "validation loss"), 0.08),
    )
    traces = []
    for index, (name, history) in enumerate(histories.items()):
        epochs = history.get("epochs", [])
        colour = DIGIT_COLOURS[index % len(DIGIT_COLOURS)]
        for axis, metric in (("", "val_accuracy"), ("2", "val_loss")):
            traces.append(
                {"type": "scatter", "mode": "lines+markers", "x": [epoch[x_axis] for epoch in epochs],
                 "y": [epoch[metric] for epoch in epochs], "name": name, "line": {"color": colour},
                 "showlegend": axis == "", "xaxis": f"x{axis}", "yaxis": f"y{axis}"}
            )  # fmt: skip
    for axis in ("", "2"):
        layout[f"xaxis{axis}"]["title"] = {"text": "epoch" if x_axis == "epoch" else X_AXIS_TITLES.get(x_axis, x_axis)}
    layout["yaxis"]["tickformat"] = ".1%"
    layout["yaxis2"].update(type="log", dtick=1)
    return _figure(traces, layout)


def confusion_matrix(matrix: np.ndarray) -> go.Figure:
    """Counts of true (rows) against predicted (columns) digits; the diagonal is right answers."""
    matrix = np.asarray(matrix)
    off_diagonal = matrix.astype(float).copy()
    np.fill_diagonal(off_diagonal, np.nan)
    heatmap = {
        "type": "heatmap", "z": np.log1p(off_diagonal), "x": [str(d) for d in range(10)], "y": [str(d) for d in range(10)],
        "text": matrix, "texttemplate": "%{text}", "customdata": matrix, "colorscale": COUNTS, "showscale": False,
        "hovertemplate": "true %{y}, predicted %{x}: %{customdata}<extra></extra>",
    }  # fmt: skip
    layout = _layout(
        "", 460,
        xaxis={"title": {"text": "predicted digit"}, "type": "category", "side": "top"},
        yaxis={"title": {"text": "true digit"}, "type": "category", "autorange": "reversed", "scaleanchor": "x"},
    )  # fmt: skip
    return _figure([heatmap], layout)
