"""The row-by-row reading figures: how the LSTM's answer, states and gates evolve over the 28 rows.

Pure functions from the probe's arrays to Plotly figure specs (plain dicts and NumPy arrays),
testable without Streamlit. They are drawn on every stroke, so they are returned as bare specs
(`reading_spec`, `reading_gates_spec`) that the live chart serialises directly: even an
unvalidated `go.Figure` costs more to build and copy than the probe. `reading_figure` and
`reading_gates_figure` wrap them as figures for the tests and for `st.plotly_chart`. Rows are
numbered from 1 to 28 as a reader counts them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.charts import ACCENT, DIGIT_COLOURS, DIVERGING, INK, SEQUENTIAL, base_layout, unvalidated_figure

QUIET_GREY = "#b8bec8"
NOTABLE_PROBABILITY = 0.05  # A digit whose probability never reaches this after any row is drawn in grey.
OTHER_DIGITS = f"digits never above {NOTABLE_PROBABILITY:.0%}"
GATE_TITLES = ("input gate", "forget gate", "candidate", "output gate")
_NO_TICKS = {"showticklabels": False, "showgrid": False, "zeroline": False}


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


def input_picture(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """The 28×28 input as an enlarged greyscale picture, shown as an image rather than a chart."""
    grey = (np.clip(np.asarray(image, dtype=float), 0, 1) * 255).round().astype(np.uint8)
    return np.repeat(np.repeat(grey, scale, axis=0), scale, axis=1)


def _axis_name(index: int) -> str:
    return "" if index == 1 else str(index)


def _add_panel(layout: dict, index: int, x_domain: list[float], y_domain: list[float], title: str, **axes) -> None:
    """Axes `index` (x{index}, y{index}) placed in the given domains, with a title above the panel."""
    name = _axis_name(index)
    layout[f"xaxis{name}"] = {"domain": x_domain, "anchor": f"y{name}", **axes.get("x", {})}
    layout[f"yaxis{name}"] = {"domain": y_domain, "anchor": f"x{name}", **axes.get("y", {})}
    if title:
        layout["annotations"].append(
            {"text": title, "x": sum(x_domain) / 2, "y": y_domain[1], "xref": "paper", "yref": "paper", "yshift": 4,
             "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}}
        )  # fmt: skip


def _answer_panels(
    layout: dict, traces: list, running: np.ndarray, current_row: int, decision_row: int | None, y_domain, true_label: int | None = None
) -> None:
    """Axes 1: each digit's probability after rows 1…28 (lines). Axes 2: all ten after `current_row` (bars).

    Digits that never reach `NOTABLE_PROBABILITY` share one thin grey trace: they lie flat near zero,
    their labels would only pile up there, and every trace costs the browser a redraw per stroke.
    """
    final = int(np.argmax(running[-1]))
    at_row = running[current_row - 1]
    answer = int(np.argmax(at_row))
    rows = np.arange(1, running.shape[0] + 1)
    notable = [digit for digit in range(running.shape[1]) if running[:, digit].max() >= NOTABLE_PROBABILITY or digit in (final, true_label)]
    for digit in notable:
        emphasised = digit == final
        traces.append(
            {"type": "scatter", "mode": "lines", "x": rows, "y": running[:, digit], "name": str(digit),
             "line": {"color": DIGIT_COLOURS[digit], "width": 4 if emphasised else 1.5}, "opacity": 1.0 if emphasised else 0.75,
             "hovertemplate": f"digit {digit} after row %{{x}}: %{{y:.1%}}<extra></extra>"}
        )  # fmt: skip
        layout["annotations"].append(
            {"x": rows[-1], "y": running[-1, digit], "text": str(digit), "showarrow": False, "xanchor": "left", "xshift": 4,
             "font": {"color": DIGIT_COLOURS[digit], "size": 13 if emphasised else 10}}
        )  # fmt: skip
    quiet = [digit for digit in range(running.shape[1]) if digit not in notable]
    if quiet:
        gap = [np.nan]
        traces.append(
            {"type": "scatter", "mode": "lines", "name": OTHER_DIGITS,
             "x": np.concatenate([np.r_[rows, gap] for _ in quiet]),
             "y": np.concatenate([np.r_[running[:, digit], gap] for digit in quiet]),
             "customdata": np.repeat(quiet, len(rows) + 1), "line": {"color": QUIET_GREY, "width": 1},
             "hovertemplate": "digit %{customdata} after row %{x}: %{y:.1%}<extra>" + OTHER_DIGITS + "</extra>"}
        )  # fmt: skip
    traces.append(
        {"type": "bar", "x": [str(digit) for digit in range(10)], "y": at_row, "xaxis": "x2", "yaxis": "y2", "name": "probability",
         "marker": {"color": [ACCENT if digit == answer else "#9aa5b1" for digit in range(10)]},
         "text": [f"{p:.0%}" if p >= 0.05 else "" for p in at_row], "textposition": "outside", "cliponaxis": False,
         "hovertemplate": f"digit %{{x}} after row {current_row}: %{{y:.1%}}<extra></extra>"}
    )  # fmt: skip
    probability_axis = {"range": [0, 1.1], "tickformat": ".0%", "gridcolor": "#eee"}
    _add_panel(
        layout, 1, [0.0, 0.66], y_domain, "", x={"title": {"text": "rows read"}, "range": [0.5, 29.5], "dtick": 4}, y=probability_axis
    )
    _add_panel(layout, 2, [0.72, 1.0], y_domain, f"every digit after row {current_row}",
               x={"type": "category"}, y={**probability_axis, "matches": "y", "showticklabels": False})  # fmt: skip
    layout["shapes"] += _row_markers(current_row, decision_row, _vertical_line)
    if decision_row is not None:
        layout["annotations"].append(
            {
                "x": decision_row,
                "y": 1.05,
                "text": f"decided at row {decision_row}",
                "showarrow": False,
                "xanchor": "right",
                "font": {"size": 11},
            }
        )


def _reading_markers(layout: dict, axis: int, current_row: int, decision_row: int | None) -> None:
    """On a panel with rows on its y axis: dim the rows not read yet, mark the decision and current rows."""
    name = _axis_name(axis)
    if current_row < 28:
        layout["shapes"].append(
            {"type": "rect", "xref": f"x{name} domain", "x0": 0, "x1": 1, "yref": f"y{name}", "y0": current_row + 0.5,
             "y1": 28.5, "fillcolor": "#0e1117", "opacity": 0.45, "line": {"width": 0}}
        )  # fmt: skip
    layout["shapes"] += _row_markers(current_row, decision_row, _horizontal_line, name)


def _state_trace(values: np.ndarray, unit_order: np.ndarray, axis: int, colours: list, limits: tuple[float, float], name: str) -> dict:
    ordered = np.asarray(values, dtype=float)[:, unit_order]
    axis_name = _axis_name(axis)
    trace = {
        "type": "heatmap", "z": ordered, "y": np.arange(1, 29), "x": np.arange(ordered.shape[1]), "xaxis": f"x{axis_name}",
        "yaxis": f"y{axis_name}", "customdata": np.broadcast_to(np.asarray(unit_order), ordered.shape), "colorscale": colours,
        "zmin": limits[0], "zmax": limits[1], "showscale": False,
        "hovertemplate": f"{name}<br>row %{{y}}, unit %{{customdata}}: %{{z:.2f}}<extra></extra>",
    }  # fmt: skip
    if limits[0] < 0:
        trace["zmid"] = 0
    return trace


def _input_trace(image: np.ndarray, axis: int) -> dict:
    name = _axis_name(axis)
    return {
        "type": "heatmap", "z": np.asarray(image, dtype=float), "x": np.arange(1, 29), "y": np.arange(1, 29), "xaxis": f"x{name}",
        "yaxis": f"y{name}", "colorscale": INK, "zmin": 0, "zmax": 1, "showscale": False,
        "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra>input</extra>",
    }  # fmt: skip


_ROW_AXIS = {"autorange": "reversed", "dtick": 4, "showgrid": False, "zeroline": False}
_READING_MARGIN = {"l": 60, "r": 50, "t": 50, "b": 50}


def _reading_layout(title: str, height: int, true_label: int | None) -> dict:
    """The base layout of both reading figures, the true label in the title when it is known."""
    if true_label is not None:
        title += f" (true label: {true_label})"
    return base_layout(title, height, annotations=[], shapes=[], plot_bgcolor="white", paper_bgcolor="white", margin=_READING_MARGIN)


def reading_figure(*args, **kwargs) -> go.Figure:
    """`reading_spec` as a Plotly figure."""
    return unvalidated_figure(**reading_spec(*args, **kwargs))


def reading_spec(
    image: np.ndarray,
    running: np.ndarray,
    layer_states: list[np.ndarray],
    unit_orders: list[np.ndarray],
    current_row: int = 28,
    decision_row: int | None = None,
    top_unit_groups: np.ndarray | None = None,
    state_name: str = "hidden state",
    symmetric_limits: list[float] | None = None,
    true_label: int | None = None,
) -> dict:
    """The whole row-by-row reading as one Plotly figure spec (plain dicts and NumPy arrays).

    Top: each digit's probability after every row, and all ten after `current_row`. Bottom, with
    rows aligned: the input, then each layer's state (28 rows × units, diverging scale centred on
    0, units in a fixed order; the top layer's units grouped by the digit they favour).
    """
    running = np.asarray(running, dtype=float)
    layout = _reading_layout("The answer as it reads, row by row", 700, true_label)
    traces: list[dict] = []
    _answer_panels(layout, traces, running, current_row, decision_row, [0.6, 1.0], true_label)
    _add_panel(
        layout, 3, [0.0, 0.16], [0.0, 0.46], f"rows 1–{current_row} read", x={**_NO_TICKS}, y={**_ROW_AXIS, "title": {"text": "row"}}
    )
    traces.append(_input_trace(image, 3))
    _reading_markers(layout, 3, current_row, decision_row)
    layer_width = (1.0 - 0.2) / len(layer_states)
    for layer, (states, order) in enumerate(zip(layer_states, unit_orders)):
        axis = 4 + layer
        limit = 1.0 if symmetric_limits is None else symmetric_limits[layer]
        start = 0.2 + layer * layer_width
        x_axis = {"showticklabels": False, "title": {"text": "units", "standoff": 4}, "showgrid": False, "zeroline": False}
        is_top = layer == len(layer_states) - 1
        if is_top and top_unit_groups is not None:
            groups = np.asarray(top_unit_groups)
            starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
            ends = np.r_[starts[1:], len(groups)]
            x_axis.update(
                showticklabels=True, tickvals=(starts + ends - 1) / 2, ticktext=[f"→{groups[s]}" for s in starts],
                title={"text": "units, grouped by the digit they favour", "standoff": 4},
                tickfont={"size": 10},
            )  # fmt: skip
            layout["shapes"] += [_vertical_line(first - 0.5, "rgba(0,0,0,0.3)", 1, axis=_axis_name(axis)) for first in starts[1:]]
        _add_panel(layout, axis, [start + 0.02, start + layer_width], [0.0, 0.46], f"LSTM layer {layer + 1}: {state_name}",
                   x=x_axis, y={**_ROW_AXIS, "matches": "y3", "showticklabels": False})  # fmt: skip
        trace = _state_trace(states, order, axis, DIVERGING, (-limit, limit), f"layer {layer + 1} {state_name}")
        if is_top:
            trace.update(showscale=True, colorbar={"thickness": 10, "len": 0.44, "y": 0.23, "x": 1.01})
        traces.append(trace)
        _reading_markers(layout, axis, current_row, decision_row)
    return {"data": traces, "layout": layout}


def reading_gates_figure(*args, **kwargs) -> go.Figure:
    """`reading_gates_spec` as a Plotly figure."""
    return unvalidated_figure(**reading_gates_spec(*args, **kwargs))


def reading_gates_spec(
    running: np.ndarray,
    layer_gates: list[np.ndarray],
    unit_orders: list[np.ndarray],
    current_row: int = 28,
    decision_row: int | None = None,
    true_label: int | None = None,
) -> dict:
    """As a figure spec: the answer panels above, and below them each layer's four gates (28 rows × units) side by side.

    The candidate lies in [-1, 1] (diverging scale); the input, forget and output gates in [0, 1].
    """
    running = np.asarray(running, dtype=float)
    layer_count = len(layer_gates)
    height = 380 + 260 * layer_count
    layout = _reading_layout("The answer as it reads, and the gates", height, true_label)
    traces: list[dict] = []
    answer_share = 330 / height
    _answer_panels(layout, traces, running, current_row, decision_row, [1 - answer_share, 1.0], true_label)
    band = (1 - answer_share - 0.08) / layer_count
    for layer, (gates, order) in enumerate(zip(layer_gates, unit_orders)):
        top = 1 - answer_share - 0.08 - layer * band
        for index, gate_title in enumerate(GATE_TITLES):
            axis = 3 + layer * 4 + index
            candidate = index == 2
            x_start = index * 0.25
            _add_panel(layout, axis, [x_start + 0.01, x_start + 0.24], [top - band + 0.05, top], f"layer {layer + 1}: {gate_title}",
                       x={**_NO_TICKS}, y={**_ROW_AXIS, "matches": "y3", "showticklabels": index == 0})  # fmt: skip
            trace = _state_trace(gates[:, index], order, axis, DIVERGING if candidate else SEQUENTIAL,
                                 (-1.0, 1.0) if candidate else (0.0, 1.0), f"layer {layer + 1} {gate_title}")  # fmt: skip
            if layer == 0 and index in (1, 2):
                trace.update(showscale=True, colorbar={"thickness": 8, "len": 0.3, "y": 0.3, "x": 1.0 if candidate else 1.05})
            traces.append(trace)
            _reading_markers(layout, axis, current_row, decision_row)
    return {"data": traces, "layout": layout}
