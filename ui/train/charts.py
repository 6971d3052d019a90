"""Chart builders for the Train page: learning curves, per-digit accuracy after each epoch, the watched digits.

Pure functions from typed progress reports (`BatchProgress`, `EpochProgress`) to Plotly figures,
testable without Streamlit; written as plain specs like the rest of `ui/components/charts.py`,
whose palette and base layout they share. The reading figures are in `ui/draw/reading_charts.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from model.config import BatchProgress, EpochProgress
from ui.components.charts import ACCENT, INK, SEQUENTIAL, X_AXIS_TITLES, base_layout, log_ticks, panels, smooth, unvalidated_figure

TRAINING_BLUE, TRAINING_FAINT = "#1f77b4", "#9ecae1"


def training_curves(
    batches: Sequence[BatchProgress],
    epochs: Sequence[EpochProgress],
    x_axis: str = "samples_seen",
    smoothing: float = 0.6,
    title: str = "",
    x_end: float | None = None,
) -> go.Figure:
    """Loss and accuracy: per batch (faint raw, bold smoothed) and validation per epoch (markers).

    `x_end`, when given, fixes the x axis at [0, x_end] (the whole run), so the curves grow into
    a stable frame instead of the axis rescaling around the first few points.
    """
    if x_axis not in X_AXIS_TITLES:
        raise ValueError(f"x_axis must be one of {sorted(X_AXIS_TITLES)}, got {x_axis!r}")
    layout = base_layout(title, 340, showlegend=True, legend={"orientation": "h", "y": -0.25}, **panels(("loss", "accuracy")))
    batch_x = [getattr(batch, x_axis) for batch in batches]
    epoch_x = [getattr(epoch, x_axis) for epoch in epochs]
    few_points = len(batches) < 3  # A line through one point draws nothing: show markers too.
    traces = []
    for axis, metric in (("", "loss"), ("2", "accuracy")):
        placement = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        raw = np.array([getattr(batch, metric) for batch in batches], dtype=float)
        if len(raw):
            traces.append(
                {"type": "scatter", "mode": "lines", "x": batch_x, "y": raw, "name": f"batch {metric}",
                 "line": {"color": TRAINING_FAINT, "width": 1}, "hoverinfo": "skip", **placement}
            )  # fmt: skip
            traces.append(
                {"type": "scatter", "mode": "lines+markers" if few_points else "lines", "x": batch_x, "y": smooth(raw, smoothing),
                 "name": f"training {metric}", "line": {"color": TRAINING_BLUE, "width": 2.5}, **placement}
            )  # fmt: skip
        if epochs:
            traces.append(
                {"type": "scatter", "mode": "lines+markers", "x": epoch_x, "y": [getattr(epoch, f"val_{metric}") for epoch in epochs],
                 "name": f"validation {metric}", "line": {"color": ACCENT, "width": 2}, "marker": {"size": 9},
                 "text": [f"epoch {epoch.epoch}" for epoch in epochs], "hovertemplate": "%{text}: %{y:.4f}<extra>validation</extra>",
                 **placement}
            )  # fmt: skip
        layout[f"xaxis{axis}"]["title"] = {"text": X_AXIS_TITLES[x_axis]}
        if x_end is not None and x_end > 0:
            layout[f"xaxis{axis}"]["range"] = [0, x_end]
        else:
            layout[f"xaxis{axis}"]["rangemode"] = "tozero"
    losses = [batch.loss for batch in batches] + [epoch.val_loss for epoch in epochs]
    layout["yaxis"].update(type="log", tickvals=log_ticks(losses), tickformat="~g")
    layout["yaxis2"].update(range=_accuracy_range(batches, epochs), tickformat=".1%")
    return unvalidated_figure(traces, layout)


def _accuracy_range(batches: Sequence[BatchProgress], epochs: Sequence[EpochProgress]) -> list[float]:
    values = [batch.accuracy for batch in batches[len(batches) // 5 :]] + [epoch.val_accuracy for epoch in epochs]
    values = [value for value in values if math.isfinite(value)]
    low = min(values) if values else 0.0
    return [max(0.0, min(low, 0.9) - 0.02), 1.0]


def class_accuracy_by_epoch(epochs: Sequence[EpochProgress]) -> go.Figure:
    """A grid of validation accuracy per digit (columns) after each epoch (rows), the latest at the bottom."""
    rows = [epoch for epoch in epochs if epoch.val_class_accuracy]
    z = np.array([epoch.val_class_accuracy for epoch in rows], dtype=float).reshape(len(rows), -1)
    heatmap = {
        "type": "heatmap", "z": z, "x": [str(digit) for digit in range(z.shape[1])], "y": [f"epoch {epoch.epoch}" for epoch in rows],
        "text": [[f"{value:.0%}" for value in row] for row in z], "texttemplate": "%{text}", "colorscale": SEQUENTIAL,
        "zmin": max(0.0, float(np.nanmin(z)) if z.size else 0.0), "zmax": 1.0, "showscale": False,
        "hovertemplate": "%{y}, digit %{x}: %{z:.2%}<extra></extra>",
    }  # fmt: skip
    layout = base_layout(
        "Validation accuracy on each digit, epoch by epoch", 80 + 26 * max(1, len(rows)),
        xaxis={"title": {"text": "digit"}, "type": "category", "side": "top"},
        yaxis={"type": "category", "autorange": "reversed"},
    )  # fmt: skip
    layout["margin"] = {**layout["margin"], "t": 70}
    return unvalidated_figure([heatmap], layout)


def watched_digits_grid(
    images: np.ndarray, labels: Sequence[int], answers: Sequence[Sequence[Sequence[float]]], row_names: Sequence[str]
) -> go.Figure:
    """The watched test digits (columns) as the network read them at each moment (rows).

    `answers[r][d]` holds the ten probabilities for digit image `d` at moment `r`. Each cell shows
    the image with the answer above it: green when right, red when wrong.
    """
    side = images.shape[1]
    # Each answer is written in a band above its image (never over the strokes), the images spaced so
    # that neighbouring answers stand apart.
    column_gap, label_band = 8, 12
    row_height, column_width = label_band + side, side + column_gap
    row_count, column_count = len(answers), len(labels)
    canvas = np.full((row_count * row_height, column_count * column_width), np.nan)
    annotations = []
    for row, moment in enumerate(answers):
        for column, probabilities in enumerate(moment):
            top, left = row * row_height + label_band, column * column_width
            canvas[top : top + side, left : left + side] = images[column]
            guess = int(np.argmax(probabilities))
            right = guess == int(labels[column])
            annotations.append(
                {"x": left + side / 2, "y": top - 1, "text": f"<b>{guess}</b> {probabilities[guess]:.0%}", "showarrow": False,
                 "xanchor": "center", "yanchor": "bottom", "font": {"size": 10, "color": "#1a7f37" if right else "#cf222e"}}
            )  # fmt: skip
    heatmap = {"type": "heatmap", "z": canvas, "colorscale": INK, "zmin": 0.0, "zmax": 1.0, "showscale": False, "hoverinfo": "skip"}
    layout = base_layout(
        "", 40 + 80 * row_count, annotations=annotations,
        xaxis={"visible": False, "scaleanchor": "y", "constrain": "domain"},
        yaxis={"autorange": "reversed", "tickmode": "array", "tickvals": [r * row_height + label_band + side / 2 for r in range(row_count)],
               "ticktext": list(row_names), "showgrid": False, "zeroline": False},
        plot_bgcolor="#ffffff",
    )  # fmt: skip
    layout["margin"] = {**layout["margin"], "t": 10}
    return unvalidated_figure([heatmap], layout)
