"""What every figure shares: the palette, the base layout, panels side by side, log ticks, and smoothing.

Pure functions, testable without Streamlit; nothing reads widgets or session state. The figures
are written as plain Plotly specs and wrapped without Plotly's per-property validation, which costs
more than building them; the tests validate every builder's output in full. Each page's builders
live beside its view (`ui/train/charts.py`, `ui/evaluate/charts.py`, `ui/explain/charts.py`); the
row-by-row reading figures (`ui/draw/reading_charts.py`) are specs for a canvas renderer, not
Plotly figures, and share this palette.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
MARK_ON_INK = "#d48f00"  # The row marks over white ink on black (the input picture): the theme's primary colour.
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


def panels(titles: tuple[str, ...], spacing: float = 0.08) -> dict:
    """Layout entries for panels side by side in one row, each with its own axes and a title."""
    count = len(titles)
    width = (1 - spacing * (count - 1)) / count
    layout: dict = {"annotations": []}
    for index, title in enumerate(titles):
        suffix = "" if index == 0 else str(index + 1)
        start = index * (width + spacing)
        layout[f"xaxis{suffix}"] = {"domain": [start, start + width], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}"}
        layout["annotations"].append(
            {"text": title, "x": start + width / 2, "y": 1.0, "xref": "paper", "yref": "paper",
             "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}}
        )  # fmt: skip
    return layout


def log_ticks(values: Sequence[float]) -> list[float]:
    """Ticks at 1, 2 and 5 times each power of ten spanning the finite positive `values` (at least two)."""
    finite = [value for value in values if value is not None and math.isfinite(value) and value > 0]
    if not finite:
        return [0.1, 1.0]
    low, high = min(finite), max(finite)
    ticks = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            ticks.append(float(f"{mantissa}e{exponent}"))
    inside = [tick for tick in ticks if low <= tick <= high]
    below = [tick for tick in ticks if tick < low][-1:]
    above = [tick for tick in ticks if tick > high][:1]
    return inside if len(inside) >= 2 else below + inside + above
