"""Chart builders for training and evaluation, and the palette and base layout all figures share.

Pure functions from arrays and histories to Plotly figures, testable without Streamlit; nothing
reads widgets or session state. The figures are written as plain Plotly specs and wrapped without
Plotly's per-property validation, which costs more than building them; the tests validate every
builder's output in full. The row-by-row reading figures are in `ui/reading_charts.py`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# One colour per digit, the same on every chart of the page (lines, bars, labels, unit groups): the
# colour-blind-safe Okabe–Ito palette without its black and yellow (too faint on white), extended
# with three colours from Paul Tol's muted scheme. Each digit is also labelled in text, so colour is
# never the only cue.
DIGIT_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#882255", "#332288", "#999933", "#661100"]
QUIET_GREY = "#b8bec8"  # Everything that does not matter right now (digits that never rise, runner-up bars).
CURRENT_ROW = "#1b1b1b"  # The row shown: a solid dark line in every reading panel.
DECIDED_ROW = "#7a7a7a"  # The row from which the answer stays the same: dashed grey.
ACCENT = "#f5b700"  # Training charts only (validation points): never used on the reading page.
# Colour scales are spelled out: the figures skip Plotly's Python validation, which is what turns
# names such as "RdBu_r" into scales, and Plotly.js's own scales of the same names differ.
DIVERGING = [[0.0, "#2166ac"], [0.25, "#67a9cf"], [0.5, "#f7f7f7"], [0.75, "#ef8a62"], [1.0, "#b2182b"]]  # Blue < 0 < red.
SEQUENTIAL = [[0.0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1.0, "#fde725"]]  # Viridis.
INK = [[0.0, "#000000"], [1.0, "#ffffff"]]
COUNTS = [[0.0, "#fff5f0"], [0.5, "#fb6a4a"], [1.0, "#67000d"]]
X_AXIS_TITLES = {"samples_seen": "training images seen", "seconds": "seconds"}
_MARGIN = {"l": 10, "r": 10, "t": 36, "b": 10}


def unvalidated_figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from a plain spec, without Plotly's per-property validation (the tests validate in full)."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def base_layout(title: str, height: int, **extra) -> dict:
    """The layout every figure starts from: a small left-aligned title, tight margins, no legend."""
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}},
        "height": height,
        "margin": _MARGIN,
        "showlegend": False,
        **extra,
    }


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
    panels = _side_by_side(2, ("loss", "accuracy"), 0.08)
    layout = base_layout(title, 340, showlegend=True, legend={"orientation": "h", "y": -0.25}, **panels)
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
    return unvalidated_figure(traces, layout)


def _accuracy_range(batches: list[dict], epochs: list[dict]) -> list[float]:
    values = [batch["accuracy"] for batch in batches[len(batches) // 5 :]] + [epoch["val_accuracy"] for epoch in epochs]
    values = [value for value in values if np.isfinite(value)]
    low = min(values) if values else 0.0
    return [max(0.0, min(low, 0.9) - 0.02), 1.0]


def compare_runs(histories: dict[str, dict], x_axis: str = "epoch") -> go.Figure:
    """Validation accuracy and loss of several saved runs on shared axes (per epoch or per second)."""
    layout = base_layout(
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
    return unvalidated_figure(traces, layout)


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
    layout = base_layout(
        "", 460,
        xaxis={"title": {"text": "predicted digit"}, "type": "category", "side": "top"},
        yaxis={"title": {"text": "true digit"}, "type": "category", "autorange": "reversed", "scaleanchor": "x"},
    )  # fmt: skip
    return unvalidated_figure([heatmap], layout)
