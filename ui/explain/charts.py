"""The explanation figures: which rows mattered, the what-if image, the unit inspector and the state map.

Pure functions from arrays to Plotly figures (and, for the inspector, a LaTeX string and a small
picture), testable without Streamlit. Rows are numbered 1–28 as a reader counts them and drawn top
to bottom, as in the image. The clickable figures (`what_if_figure`, `unit_picker_figure`) lay a
grid of invisible markers over the picture: a click selects the marker under the pointer, and its
`customdata` (a plain list, so that the browser sends it back as one) says which row (or unit) that was.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, NUMBER_OF_CLASSES
from ui.components.charts import CURRENT_ROW, DIGIT_COLOURS, DIVERGING, INK, QUIET_GREY, base_layout

SUPPORTS = "#b2182b"  # Rows that support the digit.
OPPOSES = "#2166ac"  # Rows that speak against it.
BLANKED = "rgba(213, 94, 0, 0.45)"
GATE_NAMES = ("input gate i", "forget gate f", "candidate g", "output gate o")
GATE_COLOURS = ("#009E73", "#0072B2", "#CC79A7", "#E69F00")
ROW_NUMBERS = np.arange(1, IMAGE_ROWS + 1)  # Rows as a reader counts them.
_INVISIBLE = {"opacity": 0, "size": 9}
_ROW_AXIS = {"autorange": "reversed", "title": {"text": "row"}, "tickvals": [1, 7, 14, 21, IMAGE_ROWS], "zeroline": False}


def _image_heatmap(image: np.ndarray, axis: str = "") -> dict:
    return {
        "type": "heatmap",
        "z": np.asarray(image, dtype=float),
        "x": np.arange(1, IMAGE_COLUMNS + 1),
        "y": ROW_NUMBERS,
        "colorscale": INK,
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "hoverinfo": "skip",
        "xaxis": f"x{axis}",
        "yaxis": f"y{axis}",
    }


def _bar_colours(scores: np.ndarray) -> list[str]:
    return [SUPPORTS if score >= 0 else OPPOSES for score in scores]


def row_importance_figure(
    image: np.ndarray, scores: dict[str, np.ndarray], digit: int, axis_titles: dict[str, str] | None = None
) -> go.Figure:
    """The image beside one bar chart per method: how much each row supports `digit` (red) or opposes it (blue).

    Each method has its own scale and unit (`axis_titles`, by method name; "Δ probability" when not given)."""
    panels = 1 + len(scores)
    width = 1.0 / panels
    layout = base_layout(f"Which rows mattered for the answer {digit}", 360, bargap=0.1)
    data = [_image_heatmap(image)]
    layout["xaxis"] = {"domain": [0, width * 0.9], "showticklabels": False, "showgrid": False}
    layout["yaxis"] = {**_ROW_AXIS, "scaleanchor": "x", "constrain": "domain"}
    for index, (name, values) in enumerate(scores.items(), start=2):
        values = np.asarray(values, dtype=float)
        axis = str(index)
        start = (index - 1) * width + 0.03
        # The method's name with its axis, under its own bars: a title above them would float far from them
        # whenever the image's square keeps the panels shorter than the figure (a phone).
        layout[f"xaxis{axis}"] = {
            "domain": [start, index * width - 0.01],
            "title": {"text": f"<b>{name}</b><br>{(axis_titles or {}).get(name, 'Δ probability')}", "font": {"size": 11}},
            "zeroline": True,
            "zerolinecolor": "#888",
            "tickformat": ".3~%",  # Probabilities as percentages (0.002%), never SI prefixes ("2μ").
            "nticks": 3,
            "tickangle": 0,
        }
        layout[f"yaxis{axis}"] = {**_ROW_AXIS, "matches": "y", "showticklabels": False, "title": None, "anchor": f"x{axis}"}
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": ROW_NUMBERS,
                "marker": {"color": _bar_colours(values)},
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "name": name,
                "hovertemplate": f"{name}<br>row %{{y}}: %{{x:+.3~%}}<extra></extra>",
            }
        )
    return go.Figure({"data": data, "layout": layout})


def deletion_figure(curves: dict[str, np.ndarray], random_curve: np.ndarray, digit: int) -> go.Figure:
    """The probability of `digit` as rows are blanked, most important first, per method and in random order."""
    blanked = np.arange(len(random_curve))
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": blanked,
            "y": np.asarray(random_curve),
            "name": "random order",
            "line": {"color": QUIET_GREY, "width": 3, "dash": "dot"},
        }
    ]
    for (name, curve), colour in zip(curves.items(), (SUPPORTS, "#009E73", OPPOSES)):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": blanked,
                "y": np.asarray(curve),
                "name": name,
                "line": {"color": colour, "width": 2},
                "marker": {"size": 4},
            }
        )
    layout = base_layout(f"Blank the rows one by one: how fast does p({digit}) fall?", 300, showlegend=True)
    layout["xaxis"] = {"title": {"text": "rows blanked"}, "range": [0, len(random_curve) - 1]}
    layout["yaxis"] = {"title": {"text": f"p({digit})"}, "range": [0, 1.02]}
    layout["legend"] = {"orientation": "h", "y": -0.25}
    return go.Figure({"data": data, "layout": layout})


def _click_grid(columns: int, rows: int, axis: str = "") -> dict:
    """Invisible markers over every cell; `customdata` = (row index, column index), both 0-based."""
    column_index, row_index = np.meshgrid(np.arange(columns), np.arange(rows))
    return {
        "type": "scatter",
        "mode": "markers",
        "x": column_index.ravel() + 1,
        "y": row_index.ravel() + 1,
        "customdata": np.stack([row_index.ravel(), column_index.ravel()], axis=1).tolist(),
        "marker": _INVISIBLE,
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "hovertemplate": "row %{y}<extra></extra>",
        "xaxis": f"x{axis}",
        "yaxis": f"y{axis}",
        "showlegend": False,
    }


def what_if_figure(image: np.ndarray, blanked_rows) -> go.Figure:
    """The drawing's 28×28 image with the blanked rows shaded; click a row to blank or restore it."""
    layout = base_layout("Click a row to blank it (click again to restore)", 300, hovermode="closest")
    # Square pixels by shrinking the plotting area (constrain="domain"), never by widening a range: a click's row stays exact.
    layout["xaxis"] = {
        "showticklabels": False,
        "showgrid": False,
        "zeroline": False,
        "range": [0.5, IMAGE_COLUMNS + 0.5],
        "fixedrange": True,
        "constrain": "domain",
    }
    layout["yaxis"] = {
        **_ROW_AXIS,
        "scaleanchor": "x",
        "range": [IMAGE_ROWS + 0.5, 0.5],
        "autorange": False,
        "fixedrange": True,
        "constrain": "domain",
    }
    layout["shapes"] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": 0.5,
            "x1": IMAGE_COLUMNS + 0.5,
            "y0": row + 0.5,
            "y1": row + 1.5,
            "fillcolor": BLANKED,
            "line": {"width": 0},
        }
        for row in sorted(blanked_rows)
    ]
    return go.Figure({"data": [_image_heatmap(image), _click_grid(IMAGE_COLUMNS, IMAGE_ROWS)], "layout": layout})


def unit_picker_figure(hidden: np.ndarray, order: np.ndarray, selected_unit: int | None, layer: int) -> go.Figure:
    """One layer's hidden state (rows × units, in display order); click a column to inspect that unit."""
    ordered = np.asarray(hidden, dtype=float)[:, order]
    units = ordered.shape[1]
    layout = base_layout(f"Layer {layer + 1}: click a unit (a column) to inspect it", 260, hovermode="closest")
    layout["xaxis"] = {
        "title": {"text": "unit (display order)"},
        "showgrid": False,
        "zeroline": False,
        "range": [0.5, units + 0.5],
        "fixedrange": True,
    }
    layout["yaxis"] = {**_ROW_AXIS, "range": [IMAGE_ROWS + 0.5, 0.5], "autorange": False, "fixedrange": True}
    heatmap = {
        "type": "heatmap",
        "z": ordered,
        "x": np.arange(1, units + 1),
        "y": ROW_NUMBERS,
        "colorscale": DIVERGING,
        "zmin": -1,
        "zmax": 1,
        "showscale": False,
        "hoverinfo": "skip",
    }
    grid = _click_grid(units, IMAGE_ROWS)
    positions = np.asarray(grid["customdata"])
    grid["customdata"] = np.stack([positions[:, 0], np.asarray(order)[positions[:, 1]]], axis=1).tolist()
    grid["hovertemplate"] = "unit %{customdata[1]}, row %{y}<extra></extra>"
    if selected_unit is not None:
        position = int(np.flatnonzero(np.asarray(order) == selected_unit)[0]) + 1
        layout["shapes"] = [
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": position - 0.5,
                "x1": position + 0.5,
                "y0": 0.5,
                "y1": IMAGE_ROWS + 0.5,
                "line": {"color": CURRENT_ROW, "width": 2},
            }
        ]
    return go.Figure({"data": [heatmap, grid], "layout": layout})


def unit_trace_figure(hidden: np.ndarray, cell: np.ndarray, gates: np.ndarray, row: int, unit: int, layer: int) -> go.Figure:
    """One unit across the 28 rows: hidden and cell state above, its four gates below; the chosen row marked."""
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": ROW_NUMBERS,
            "y": np.asarray(hidden),
            "name": "hidden h",
            "line": {"color": CURRENT_ROW, "width": 3},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": ROW_NUMBERS,
            "y": np.asarray(cell),
            "name": "cell c",
            "line": {"color": "#882255", "width": 2, "dash": "dash"},
        },
    ]
    for index, (name, colour) in enumerate(zip(GATE_NAMES, GATE_COLOURS)):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": ROW_NUMBERS,
                "y": np.asarray(gates[:, index]),
                "name": name,
                "line": {"color": colour, "width": 2},
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
    layout = base_layout(f"Unit {unit} of layer {layer + 1}, row by row", 380, showlegend=True)
    layout["xaxis"] = {"domain": [0, 1], "anchor": "y", "matches": "x2", "showticklabels": False}
    layout["yaxis"] = {"domain": [0.55, 1], "title": {"text": "state"}, "zeroline": True}
    layout["xaxis2"] = {"domain": [0, 1], "anchor": "y2", "title": {"text": "row"}, "range": [0.5, IMAGE_ROWS + 0.5]}
    layout["yaxis2"] = {"domain": [0, 0.45], "title": {"text": "gate"}, "range": [-1.05, 1.05]}
    layout["shapes"] = [
        {
            "type": "line",
            "xref": axis,
            "yref": f"y{suffix} domain",
            "x0": row,
            "x1": row,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#f5b700", "width": 2},
        }
        for axis, suffix in (("x", ""), ("x2", "2"))
    ]
    layout["legend"] = {"orientation": "h", "y": -0.18}
    return go.Figure({"data": data, "layout": layout})


def unit_equations(gates: np.ndarray, previous_cell: float, cell: float, hidden: float, row: int) -> str:
    """The LSTM update of one unit at one row, with the real numbers filled in, as aligned LaTeX lines."""
    input_gate, forget_gate, candidate, output_gate = (float(value) for value in gates)
    return (
        r"\begin{aligned}"
        rf"c_{{{row}}} &= f \cdot c_{{{row - 1}}} + i \cdot g \\"
        rf"&= {forget_gate:.2f} \times ({previous_cell:+.2f}) + {input_gate:.2f} \times ({candidate:+.2f}) = {cell:+.2f} \\[4pt]"
        rf"h_{{{row}}} &= o \cdot \tanh(c_{{{row}}}) \\"
        rf"&= {output_gate:.2f} \times \tanh({cell:+.2f}) = {hidden:+.2f}"
        r"\end{aligned}"
    )


def driver_picture(image: np.ndarray, row: int, scale: int = 4) -> np.ndarray:
    """An MNIST digit (28×28 uint8) enlarged, with the row (0-based) where the unit peaks outlined in orange."""
    grey = np.repeat(np.repeat(np.asarray(image, dtype=np.uint8), scale, axis=0), scale, axis=1)
    picture = np.stack([grey] * 3, axis=-1)
    top, bottom = row * scale, (row + 1) * scale - 1
    for line in (max(top - 1, 0), min(bottom + 1, picture.shape[0] - 1)):
        picture[line] = (213, 94, 0)
    return picture


def state_map_figure(points, labels, centres, path: np.ndarray, row: int, explained, other_path: np.ndarray | None = None) -> go.Figure:
    """Test digits' final top-layer states as ten labelled clusters, and this drawing's path through the 28 rows."""
    points, labels, path = np.asarray(points), np.asarray(labels), np.asarray(path)
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "x": points[labels == digit, 0],
            "y": points[labels == digit, 1],
            "name": f"test {digit}s",
            "marker": {"color": DIGIT_COLOURS[digit], "size": 5, "opacity": 0.35},
            "hoverinfo": "skip",
        }
        for digit in range(NUMBER_OF_CLASSES)
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": np.asarray(centres)[:, 0],
            "y": np.asarray(centres)[:, 1],
            "text": [str(digit) for digit in range(NUMBER_OF_CLASSES)],
            "textfont": {"size": 22, "color": DIGIT_COLOURS},
            "hoverinfo": "skip",
        }
    )
    if other_path is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": other_path[:, 0],
                "y": other_path[:, 1],
                "name": "unedited reading",
                "line": {"color": QUIET_GREY, "width": 2, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": path[:, 0],
            "y": path[:, 1],
            "name": "this drawing",
            "line": {"color": CURRENT_ROW, "width": 2},
            "marker": {"size": 5, "color": CURRENT_ROW},
            "text": [f"row {r}" for r in ROW_NUMBERS],
            "hovertemplate": "%{text}<extra></extra>",
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [path[0, 0]],
            "y": [path[0, 1]],
            "text": ["start"],
            "textposition": "bottom center",
            "marker": {"size": 9, "color": "white", "line": {"color": CURRENT_ROW, "width": 2}},
            "hoverinfo": "skip",
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [path[row - 1, 0]],
            "y": [path[row - 1, 1]],
            "text": [f"row {row}"],
            "textposition": "top center",
            "marker": {"size": 16, "color": "#f5b700", "line": {"color": CURRENT_ROW, "width": 2}},
            "hoverinfo": "skip",
        }
    )
    explained = np.asarray(explained)
    layout = base_layout("Where the top layer's state travels as it reads", 430)
    # Room for the tick labels and, beyond them, the axis titles: neither overlaps nor is clipped.
    layout["margin"] = {"l": 64, "r": 16, "t": 36, "b": 56}
    x_title = {"text": f"map axis 1 ({explained[0]:.0%} of the variance)", "standoff": 8}
    layout["xaxis"] = {"title": x_title, "zeroline": False, "automargin": True}
    layout["yaxis"] = {
        "title": {"text": f"map axis 2 ({explained[1]:.0%})", "standoff": 8},
        "zeroline": False,
        "scaleanchor": "x",
        "automargin": True,
    }
    return go.Figure({"data": data, "layout": layout})
