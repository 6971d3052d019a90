"""The row-by-row reading figures: the running answer, the layers' states and the gates over the 28 rows.

Pure functions from the probe's arrays to Plotly figure specs (plain dicts and NumPy arrays),
testable without Streamlit. They are drawn on every stroke, so they are returned as bare specs
(`answer_spec`, `states_spec`, `gates_spec`) that the live chart serialises directly: even an
unvalidated `go.Figure` costs more to build and copy than the probe. The `*_figure` twins wrap
them as figures for the tests and for `st.plotly_chart`. Rows are numbered from 1 to 28 as a
reader counts them.

Every figure carries the same row marks, one meaning each: a dark line at the row shown, a
dashed grey line where the answer stopped changing, unread rows dimmed, and a hidden outline
(`ROW_HIGHLIGHT_*` shapes) that the live chart moves to whichever row the pointer is on, in every
panel at once. Traces whose points sit on rows say so in `meta` ({"rows": "x"} or {"rows": "y"}).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.charts import CURRENT_ROW, DECIDED_ROW, DIGIT_COLOURS, DIVERGING, INK, QUIET_GREY, SEQUENTIAL, base_layout, unvalidated_figure

NOTABLE_PROBABILITY = 0.15  # A digit whose probability never reaches this after any row is drawn in grey, unlabelled.
OTHER_DIGITS = f"digits never above {NOTABLE_PROBABILITY:.0%}"
GATE_TITLES = ("input gate", "forget gate", "candidate", "output gate")
ROW_HIGHLIGHT_X = "row-highlight-x"  # Shape names the live chart looks for (see ui/live_chart.py).
ROW_HIGHLIGHT_Y = "row-highlight-y"
ROWS = 28
DIGIT_NAMES = [str(digit) for digit in range(10)]
# How units are ordered along each heatmap's x axis (the page explains both in full).
TOP_LAYER_ORDER = "units grouped by the digit each pushes up most"
LOWER_LAYER_ORDER = "units sorted along their main outgoing-weight direction"
_NO_TICKS = {"showticklabels": False, "showgrid": False, "zeroline": False}
_ROW_AXIS = {"autorange": "reversed", "dtick": 4, "showgrid": False, "zeroline": False}
_WHITE = {"plot_bgcolor": "white", "paper_bgcolor": "white"}
LABEL_SEPARATION = (3.0, 0.09)  # Two direct labels closer than this many rows and this much probability would overlap.


def input_picture(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """The 28×28 input as an enlarged greyscale picture, shown as an image rather than a chart."""
    grey = (np.clip(np.asarray(image, dtype=float), 0, 1) * 255).round().astype(np.uint8)
    return np.repeat(np.repeat(grey, scale, axis=0), scale, axis=1)


def notable_digits(running: np.ndarray, true_label: int | None = None) -> list[int]:
    """Digits drawn in their own colour: those reaching NOTABLE_PROBABILITY after some row, the final answer and the true label."""
    final = int(np.argmax(running[-1]))
    return [digit for digit in range(running.shape[1]) if running[:, digit].max() >= NOTABLE_PROBABILITY or digit in (final, true_label)]


def label_positions(running: np.ndarray, digits: list[int]) -> dict[int, tuple[int, float]]:
    """Where each digit's direct label goes: (row, probability) on its own line, near its peak, no two overlapping.

    Labels are placed highest peak first; each takes the highest point of its line that keeps
    LABEL_SEPARATION from the labels already placed (its peak when nothing is in the way).
    """
    running = np.asarray(running, dtype=float)
    placed: dict[int, tuple[int, float]] = {}
    for digit in sorted(digits, key=lambda d: -running[:, d].max()):
        values = running[:, digit]
        candidates = sorted(range(len(values)), key=lambda row: (-round(values[row], 3), -row))
        chosen = candidates[0]
        for row in candidates:
            if all(abs(row + 1 - x) >= LABEL_SEPARATION[0] or abs(values[row] - y) >= LABEL_SEPARATION[1] for x, y in placed.values()):
                chosen = row
                break
        placed[digit] = (chosen + 1, float(values[chosen]))
    return placed


def _without_narrow(spec: dict) -> go.Figure:
    """The spec as a figure; its `narrow` changes are for the live chart alone (see ui/live_chart.py)."""
    return unvalidated_figure(spec["data"], spec["layout"])


def _axis_name(index: int) -> str:
    return "" if index == 1 else str(index)


def _add_panel(layout: dict, index: int, x_domain: list[float], y_domain: list[float], title: str, **axes) -> None:
    """Axes `index` (x{index}, y{index}) placed in the given domains, with a title above the panel."""
    name = _axis_name(index)
    layout[f"xaxis{name}"] = {"domain": x_domain, "anchor": f"y{name}", **axes.get("x", {})}
    layout[f"yaxis{name}"] = {"domain": y_domain, "anchor": f"x{name}", **axes.get("y", {})}
    if title:
        layout["annotations"].append(
            {"text": title, "x": sum(x_domain) / 2, "y": y_domain[1], "xref": "paper", "yref": "paper", "yshift": 3,
             "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}}
        )  # fmt: skip


def _row_marks(layout: dict, axis: int, orientation: str, current_row: int, decision_row: int | None) -> None:
    """On a panel with rows along `orientation` ("x" or "y"): dim unread rows, mark the decided and current rows, add the hover outline."""
    name = _axis_name(axis)
    across = "y" if orientation == "x" else "x"
    span = {f"{across}ref": f"{across}{name} domain", f"{across}0": 0, f"{across}1": 1, f"{orientation}ref": f"{orientation}{name}"}
    shapes = layout["shapes"]
    if current_row < ROWS:
        shapes.append(
            {"type": "rect", **span, f"{orientation}0": current_row + 0.5, f"{orientation}1": ROWS + 0.5, "fillcolor": "#ffffff",
             "opacity": 0.6, "line": {"width": 0}, "layer": "above"}
        )  # fmt: skip
    if decision_row is not None:
        shapes.append({"type": "line", **span, f"{orientation}0": decision_row, f"{orientation}1": decision_row,
                       "line": {"color": DECIDED_ROW, "width": 1.5, "dash": "dash"}})  # fmt: skip
    shapes.append({"type": "line", **span, f"{orientation}0": current_row, f"{orientation}1": current_row,
                   "line": {"color": CURRENT_ROW, "width": 2}})  # fmt: skip
    shapes.append(
        {"type": "rect", "name": ROW_HIGHLIGHT_X if orientation == "x" else ROW_HIGHLIGHT_Y, **span, f"{orientation}0": 0.5,
         f"{orientation}1": 1.5, "visible": False, "fillcolor": "rgba(0,0,0,0)", "line": {"color": CURRENT_ROW, "width": 1.5}}
    )  # fmt: skip


def answer_figure(*args, **kwargs) -> go.Figure:
    """`answer_spec` as a Plotly figure."""
    return _without_narrow(answer_spec(*args, **kwargs))


def answer_spec(running: np.ndarray, current_row: int = ROWS, decision_row: int | None = None, true_label: int | None = None) -> dict:
    """The running answer: each digit's probability after rows 1…28 (lines labelled at their peaks), and all ten after `current_row`.

    Digits that never reach NOTABLE_PROBABILITY share one thin grey trace: they lie flat near
    zero, their labels would only pile up there, and every trace costs the browser a redraw.
    """
    running = np.asarray(running, dtype=float)
    final = int(np.argmax(running[-1]))
    at_row = running[current_row - 1]
    answer = int(np.argmax(at_row))
    rows = np.arange(1, ROWS + 1)
    title = "Running answer: each digit's probability after each row"
    layout = base_layout(title, 330, annotations=[], shapes=[], margin={"l": 44, "r": 8, "t": 30, "b": 40}, **_WHITE)
    layout["title"]["font"]["size"] = 13
    traces: list[dict] = []
    notable = notable_digits(running, true_label)
    quiet = [digit for digit in range(running.shape[1]) if digit not in notable]
    if quiet:
        traces.append(
            {"type": "scatter", "mode": "lines", "name": OTHER_DIGITS, "x": np.concatenate([np.r_[rows, np.nan] for _ in quiet]),
             "y": np.concatenate([np.r_[running[:, digit], np.nan] for digit in quiet]), "customdata": np.repeat(quiet, ROWS + 1),
             "line": {"color": QUIET_GREY, "width": 1}, "meta": {"rows": "x"},
             "hovertemplate": "digit %{customdata} after row %{x}: %{y:.1%}<extra>" + OTHER_DIGITS + "</extra>"}
        )  # fmt: skip
    for digit, (label_row, label_probability) in label_positions(running, notable).items():
        emphasised = digit == final
        traces.append(
            {"type": "scatter", "mode": "lines", "x": rows, "y": running[:, digit], "name": str(digit), "meta": {"rows": "x"},
             "line": {"color": DIGIT_COLOURS[digit], "width": 3.5 if emphasised else 1.8},
             "hovertemplate": f"digit {digit} after row %{{x}}: %{{y:.1%}}<extra></extra>"}
        )  # fmt: skip
        layout["annotations"].append(
            {"x": label_row, "y": label_probability, "xref": "x", "yref": "y", "text": f"<b>{digit}</b>", "showarrow": False,
             "yshift": 9, "bgcolor": "rgba(255,255,255,0.85)", "borderpad": 1,
             "font": {"color": DIGIT_COLOURS[digit], "size": 15 if emphasised else 12}}
        )  # fmt: skip
    traces.append(
        {"type": "bar", "x": DIGIT_NAMES, "y": at_row, "xaxis": "x2", "yaxis": "y2", "name": "probability",
         "marker": {"color": DIGIT_COLOURS, "opacity": [1.0 if digit == answer else 0.35 for digit in range(10)]},
         "text": [f"{p:.0%}" if p >= 0.05 else "" for p in at_row], "textposition": "outside", "cliponaxis": False,
         "hovertemplate": f"digit %{{x}} after row {current_row}: %{{y:.1%}}<extra></extra>"}
    )  # fmt: skip
    probability_axis = {"range": [0, 1.12], "tickformat": ".0%", "gridcolor": "#eee", "tickvals": [0, 0.25, 0.5, 0.75, 1]}
    rows_axis = {"title": {"text": "rows read, top to bottom", "standoff": 6}, "range": [0.5, ROWS + 0.9], "dtick": 4, "showgrid": False}
    _add_panel(layout, 1, [0.0, 0.7], [0.0, 0.92], "", x=rows_axis, y=probability_axis)
    _add_panel(layout, 2, [0.76, 1.0], [0.0, 0.92], f"after row {current_row}",
               x={"type": "category", "title": {"text": "digit", "standoff": 6}, "tickvals": DIGIT_NAMES, "tickfont": {"size": 10}},
               y={**probability_axis, "matches": "y", "showticklabels": False})  # fmt: skip
    _row_marks(layout, 1, "x", current_row, decision_row)
    if quiet:
        layout["annotations"].append(
            {"x": 0.01, "y": 0.99, "xref": "x domain", "yref": "y domain", "xanchor": "left", "yanchor": "top", "showarrow": False,
             "text": f"grey: {OTHER_DIGITS}", "font": {"size": 10, "color": "#666"}}
        )  # fmt: skip
    narrow = {"title.text": "Running answer, row by row", "xaxis.title.text": "rows read", "xaxis2.tickfont.size": 8}
    return {"data": traces, "layout": layout, "narrow": {"layout": narrow}}


def _state_trace(values: np.ndarray, unit_order: np.ndarray, axis: int, colours: list, limits: tuple[float, float], name: str) -> dict:
    ordered = np.asarray(values, dtype=float)[:, unit_order]
    axis_name = _axis_name(axis)
    trace = {
        "type": "heatmap", "z": ordered, "y": np.arange(1, ROWS + 1), "x": np.arange(ordered.shape[1]), "xaxis": f"x{axis_name}",
        "yaxis": f"y{axis_name}", "customdata": np.broadcast_to(np.asarray(unit_order), ordered.shape), "colorscale": colours,
        "zmin": limits[0], "zmax": limits[1], "showscale": False, "meta": {"rows": "y"},
        "hovertemplate": f"{name}<br>row %{{y}}, unit %{{customdata}}: %{{z:.2f}}<extra></extra>",
    }  # fmt: skip
    if limits[0] < 0:
        trace["zmid"] = 0
    return trace


def _colour_bar(trace: dict, x_domain: list[float], title: str, tick_values: list[float], tick_text: list[str]) -> None:
    """A horizontal, labelled colour bar under the panel spanning `x_domain`."""
    trace["showscale"] = True
    trace["colorbar"] = {
        "orientation": "h", "x": sum(x_domain) / 2, "xanchor": "center", "len": x_domain[1] - x_domain[0], "lenmode": "fraction",
        "y": -0.1, "yanchor": "top", "thickness": 9, "tickvals": tick_values, "ticktext": tick_text, "tickfont": {"size": 10},
        "title": {"text": title, "side": "top", "font": {"size": 11}}, "outlinewidth": 0,
    }  # fmt: skip


def _input_trace(image: np.ndarray, axis: int) -> dict:
    name = _axis_name(axis)
    return {
        "type": "heatmap", "z": np.asarray(image, dtype=float), "x": np.arange(1, 29), "y": np.arange(1, ROWS + 1), "xaxis": f"x{name}",
        "yaxis": f"y{name}", "colorscale": INK, "zmin": 0, "zmax": 1, "showscale": False, "meta": {"rows": "y"},
        "hovertemplate": "row %{y}, column %{x}: %{z:.2f}<extra>input</extra>",
    }  # fmt: skip


def _group_ticks(top_unit_groups: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Tick positions and coloured labels (the digit) at the middle of each group, and where each group after the first starts."""
    groups = np.asarray(top_unit_groups)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)]
    labels = [f"<span style='color:{DIGIT_COLOURS[int(groups[s])]}'><b>{int(groups[s])}</b></span>" for s in starts]
    return (starts + ends - 1) / 2, labels, starts[1:]


def states_figure(*args, **kwargs) -> go.Figure:
    """`states_spec` as a Plotly figure."""
    return _without_narrow(states_spec(*args, **kwargs))


def states_spec(
    image: np.ndarray,
    layer_states: list[np.ndarray],
    unit_orders: list[np.ndarray],
    current_row: int = ROWS,
    decision_row: int | None = None,
    top_unit_groups: np.ndarray | None = None,
    state_name: str = "hidden state",
    symmetric_limits: list[float] | None = None,
) -> dict:
    """The input and each layer's state after every row, rows aligned (28 rows × units, diverging scale centred on 0).

    Units keep one fixed order per layer (see `TOP_LAYER_ORDER`, `LOWER_LAYER_ORDER`). Each layer has
    its own symmetric colour bar; `symmetric_limits` (one per layer, default 1) sets its ±range.
    """
    layout = base_layout("", 440, annotations=[], shapes=[], margin={"l": 44, "r": 12, "t": 26, "b": 104}, **_WHITE)
    traces: list[dict] = [_input_trace(image, 1)]
    narrow_layout: dict = {"margin.l": 34}
    narrow_traces: dict = {}
    _add_panel(layout, 1, [0.0, 0.13], [0.0, 1.0], "input", x={**_NO_TICKS}, y={**_ROW_AXIS, "title": {"text": "row", "standoff": 2}})
    _row_marks(layout, 1, "y", current_row, decision_row)
    layer_count = len(layer_states)
    gap = 0.05
    layer_width = (1.0 - 0.17 - gap * (layer_count - 1)) / layer_count
    for layer, (states, order) in enumerate(zip(layer_states, unit_orders)):
        axis = 2 + layer
        limit = 1.0 if symmetric_limits is None else float(symmetric_limits[layer])
        start = 0.17 + layer * (layer_width + gap)
        domain = [start, start + layer_width]
        is_top = layer == layer_count - 1
        x_axis = {**_NO_TICKS, "title": {"text": TOP_LAYER_ORDER if is_top else LOWER_LAYER_ORDER, "standoff": 4, "font": {"size": 11}}}
        if is_top and top_unit_groups is not None:
            tick_values, tick_text, boundaries = _group_ticks(top_unit_groups)
            x_axis.update(showticklabels=True, tickvals=tick_values, ticktext=tick_text, tickfont={"size": 11}, ticklen=0)
            layout["shapes"] += [
                {"type": "line", "xref": f"x{axis}", "x0": first - 0.5, "x1": first - 0.5, "yref": f"y{axis} domain", "y0": 0, "y1": 1,
                 "line": {"color": "rgba(0,0,0,0.35)", "width": 1}}
                for first in boundaries
            ]  # fmt: skip
        _add_panel(layout, axis, domain, [0.0, 1.0], f"layer {layer + 1} {state_name}", x=x_axis,
                   y={**_ROW_AXIS, "matches": "y", "showticklabels": False})  # fmt: skip
        trace = _state_trace(states, order, axis, DIVERGING, (-limit, limit), f"layer {layer + 1} {state_name}")
        scaling = "fixed range" if symmetric_limits is None else "this layer's largest |value|"
        _colour_bar(trace, domain, f"{state_name}, ±{limit:.2g} ({scaling})", [-limit, 0, limit], [f"−{limit:.2g}", "0", f"+{limit:.2g}"])
        traces.append(trace)
        _row_marks(layout, axis, "y", current_row, decision_row)
        narrow_layout[f"xaxis{axis}.title.text"] = "units by digit" if is_top else "units, sorted"
        narrow_layout[f"annotations[{len(layout['annotations']) - 1}].text"] = f"layer {layer + 1}"
        narrow_traces[len(traces) - 1] = {
            "colorbar.title.text": "fixed" if symmetric_limits is None else "own scale",
            "colorbar.tickfont.size": 9,
        }
    return {"data": traces, "layout": layout, "narrow": {"layout": narrow_layout, "traces": narrow_traces}}


def gates_figure(*args, **kwargs) -> go.Figure:
    """`gates_spec` as a Plotly figure."""
    return _without_narrow(gates_spec(*args, **kwargs))


def gates_spec(
    layer_gates: list[np.ndarray], unit_orders: list[np.ndarray], current_row: int = ROWS, decision_row: int | None = None
) -> dict:
    """Each layer's four gates after every row (28 rows × units): a row of panels per layer, gate names above the columns.

    The candidate lies in [-1, 1] (diverging scale); the input, forget and output gates in [0, 1].
    """
    layer_count = len(layer_gates)
    height = 110 + 230 * layer_count
    layout = base_layout("", height, annotations=[], shapes=[], margin={"l": 50, "r": 8, "t": 36, "b": 74}, **_WHITE)
    traces: list[dict] = []
    band = 1.0 / layer_count
    for layer, (gates, order) in enumerate(zip(layer_gates, unit_orders)):
        top = 1.0 - layer * band
        y_domain = [top - band + 0.07, top]
        for index, gate_title in enumerate(GATE_TITLES):
            axis = 1 + layer * 4 + index
            candidate = index == 2
            x_domain = [index * 0.25 + 0.012, index * 0.25 + 0.238]
            row_axis = {**_ROW_AXIS, "showticklabels": index == 0}
            if index == 0:
                row_axis["title"] = {"text": f"layer {layer + 1}: row", "standoff": 2, "font": {"size": 11}}
            if axis > 1:
                row_axis["matches"] = "y"
            _add_panel(layout, axis, x_domain, y_domain, gate_title if layer == 0 else "", x={**_NO_TICKS}, y=row_axis)
            trace = _state_trace(gates[:, index], order, axis, DIVERGING if candidate else SEQUENTIAL,
                                 (-1.0, 1.0) if candidate else (0.0, 1.0), f"layer {layer + 1} {gate_title}")  # fmt: skip
            if layer == layer_count - 1 and index in (1, 2):
                if candidate:
                    _colour_bar(trace, [0.52, 0.98], "candidate: −1 … +1", [-1, 0, 1], ["−1", "0", "+1"])
                else:
                    _colour_bar(trace, [0.02, 0.48], "input, forget, output gates: 0 closed … 1 open", [0, 0.5, 1], ["0", "0.5", "1"])
                trace["colorbar"]["y"] = -0.04
            traces.append(trace)
            _row_marks(layout, axis, "y", current_row, decision_row)
    short_titles = {"input gate": "input", "forget gate": "forget", "candidate": "candidate", "output gate": "output"}
    narrow_layout = {f"annotations[{index}].text": short_titles[title] for index, title in enumerate(GATE_TITLES)}
    narrow_traces = {
        index: {"colorbar.title.text": "candidate" if trace["zmin"] < 0 else "gates", "colorbar.tickfont.size": 9}
        for index, trace in enumerate(traces)
        if trace["showscale"]
    }
    return {"data": traces, "layout": layout, "narrow": {"layout": narrow_layout, "traces": narrow_traces}}


def reading_table(running: np.ndarray, image: np.ndarray, layer_values: dict[str, np.ndarray]) -> str:
    """The figures' data as CSV, one line per row read: the ten probabilities, the input row, and every named layer value."""
    running = np.asarray(running, dtype=float)
    header = ["row", "answer"] + [f"p_{digit}" for digit in range(running.shape[1])] + [f"pixel_{column}" for column in range(1, 29)]
    columns = [np.arange(1, ROWS + 1)[:, None], np.argmax(running, axis=1)[:, None], running, np.asarray(image, dtype=float)]
    for name, values in layer_values.items():
        values = np.asarray(values, dtype=float).reshape(ROWS, -1)
        header += [f"{name}_{unit}" for unit in range(values.shape[1])]
        columns.append(values)
    table = np.hstack(columns)
    lines = [",".join(header)]
    lines += [",".join(f"{value:.6g}" for value in line) for line in table]
    return "\n".join(lines) + "\n"
