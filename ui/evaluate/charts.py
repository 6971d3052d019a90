"""Chart builders for the Evaluate page: the confusion matrix, accuracy on each digit, and runs compared.

Pure functions from arrays and run records to Plotly figures, testable without Streamlit; written as
plain specs like the rest of `ui/components/charts.py`, whose palette and base layout they share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from model.shapes import NUMBER_OF_CLASSES
from model.training.record import RunRecord
from ui.components.charts import COUNTS, DIGIT_COLOURS, base_layout, log_ticks, panels, unvalidated_figure


def confusion_matrix(matrix: np.ndarray) -> go.Figure:
    """Counts of true (rows) against predicted (columns) digits; the diagonal is right answers."""
    matrix = np.asarray(matrix)
    off_diagonal = matrix.astype(float).copy()
    np.fill_diagonal(off_diagonal, np.nan)
    digits = [str(digit) for digit in range(NUMBER_OF_CLASSES)]
    heatmap = {
        "type": "heatmap", "z": np.log1p(off_diagonal), "x": digits, "y": digits,
        "text": matrix, "texttemplate": "%{text}", "customdata": matrix, "colorscale": COUNTS, "showscale": False,
        "hovertemplate": "true %{y}, predicted %{x}: %{customdata}<extra></extra>",
    }  # fmt: skip
    # Streamlit reports no selection for a click on a heatmap: an invisible marker at the centre of every
    # cell takes the click instead (its x and y are the cell's digits, read by `ui/evaluate/confusion.py`).
    predicted, true = np.meshgrid(digits, digits)
    click_grid = {
        "type": "scatter", "mode": "markers", "x": predicted.ravel(), "y": true.ravel(), "customdata": matrix.ravel(),
        "marker": {"opacity": 0, "size": 30}, "selected": {"marker": {"opacity": 0}}, "unselected": {"marker": {"opacity": 0}},
        "hovertemplate": "true %{y}, predicted %{x}: %{customdata}<extra></extra>", "showlegend": False,
    }  # fmt: skip
    layout = base_layout(
        "", 460, hovermode="closest",
        xaxis={"title": {"text": "predicted digit"}, "type": "category", "side": "top"},
        yaxis={"title": {"text": "true digit"}, "type": "category", "autorange": "reversed", "scaleanchor": "x"},
    )  # fmt: skip
    return unvalidated_figure([heatmap, click_grid], layout)


def class_accuracy_bars(class_accuracy: Sequence[float], title: str = "Accuracy on each digit") -> go.Figure:
    """One bar per digit: the share of that digit's test images answered right."""
    values = [float(value) for value in class_accuracy]
    finite = [value for value in values if math.isfinite(value)]
    low = max(0.0, min(finite, default=0.0) - 0.02)
    bars = {
        "type": "bar", "x": [str(digit) for digit in range(len(values))], "y": values, "marker": {"color": DIGIT_COLOURS[: len(values)]},
        "text": [f"{value:.1%}" for value in values], "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "digit %{x}: %{y:.2%}<extra></extra>",
    }  # fmt: skip
    layout = base_layout(
        title, 300,
        xaxis={"title": {"text": "true digit"}, "type": "category"},
        yaxis={"range": [min(low, 0.9), 1.0], "tickformat": ".0%"},
    )  # fmt: skip
    return unvalidated_figure([bars], layout)


def compare_runs(records: dict[str, RunRecord], x_axis: str = "epoch") -> go.Figure:
    """Accuracy and loss per epoch of several runs: validation solid, training dotted, one colour per run."""
    if x_axis not in ("epoch", "seconds"):
        raise ValueError(f"x_axis must be epoch or seconds, got {x_axis!r}")
    layout = base_layout("", 360, showlegend=True, legend={"orientation": "h", "y": -0.25}, **panels(("accuracy", "loss")))
    traces = []
    for index, (name, record) in enumerate(records.items()):
        colour = DIGIT_COLOURS[index % len(DIGIT_COLOURS)]
        x = [getattr(epoch, x_axis) for epoch in record.epochs]
        for axis, metric in (("", "accuracy"), ("2", "loss")):
            for kind, prefix, dash in (("validation", "val_", "solid"), ("training", "", "dot")):
                traces.append(
                    {"type": "scatter", "mode": "lines+markers", "x": x, "y": [getattr(epoch, prefix + metric) for epoch in record.epochs],
                     "name": f"{name}: {kind}", "legendgroup": name, "line": {"color": colour, "dash": dash},
                     "showlegend": axis == "", "xaxis": f"x{axis}", "yaxis": f"y{axis}"}
                )  # fmt: skip
    for axis in ("", "2"):
        layout[f"xaxis{axis}"]["title"] = {"text": "epoch" if x_axis == "epoch" else "seconds"}
    layout["yaxis"]["tickformat"] = ".1%"
    losses = [value for record in records.values() for epoch in record.epochs for value in (epoch.loss, epoch.val_loss)]
    layout["yaxis2"].update(type="log", tickvals=log_ticks(losses), tickformat="~g")
    return unvalidated_figure(traces, layout)
