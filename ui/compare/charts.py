"""The figures of the "Why an LSTM?" page: three cells reading one drawing, and their memory in numbers.

Pure functions from arrays to Plotly figures, testable without Streamlit:
- `cell_reading_figure`: one network's running answer after every row, over its top layer's
  hidden state, with the blank rows read after the drawing shaded;
- `memory_curve_figure`: MNIST test accuracy against the number of blank rows, per cell
  (measured by `bench/memory_test.py` and shipped, never computed per visitor);
- `learning_to_remember_figure`: how well each cell learned to remember in a short training, with
  and without gaps that grow (measured by `bench/memory_training.py` and shipped);
- `gradient_reach_figure`: how strongly the answer depends on each row read, on a log scale;
- `lstm_memory_figure`: the LSTM's forget and input gates and its cell state through the gap.
Every figure spans the same rows (the drawing's 28, then the blank rows), so they line up.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from model.shapes import IMAGE_ROWS, NUMBER_OF_CLASSES
from ui.components.charts import DIGIT_COLOURS, DIVERGING, QUIET_GREY, unvalidated_figure

CELL_LABELS = {"rnn": "Plain RNN", "gru": "GRU", "lstm": "LSTM"}
CELL_COLOURS = {"rnn": "#D55E00", "gru": "#009E73", "lstm": "#0072B2"}  # From the page's colour-blind-safe palette.
SHIPPED_LABEL = "Shipped LSTM (trained without gaps)"
GAP_SHADE = "rgba(120, 120, 120, 0.10)"
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
_SHOWN_DIGIT_FLOOR = 0.15  # A digit whose probability never reaches this is drawn as a thin grey line.


def _gap_rectangle(total_rows: int, yref: str = "y domain") -> list[dict]:
    """The blank rows read after the drawing, shaded behind the traces (nothing when there are none)."""
    if total_rows <= IMAGE_ROWS:
        return []
    return [
        {"type": "rect", "xref": "x", "yref": yref, "x0": IMAGE_ROWS + 0.5, "x1": total_rows + 0.5, "y0": 0, "y1": 1,
         "fillcolor": GAP_SHADE, "line": {"width": 0}, "layer": "below"}
    ]  # fmt: skip


def _two_panel_layout(title: dict, height: int, top_share: float, top_axis: dict, bottom_axis: dict, x_title: str) -> dict:
    """A figure of two panels that share the rows axis: traces on (x, y) above and (x2, y2) below."""
    gap = 0.07
    return {
        "title": title,
        "height": height,
        "margin": _MARGIN,
        "showlegend": False,
        "hovermode": "closest",
        "xaxis": {"anchor": "y", "matches": "x2", "showticklabels": False},
        "xaxis2": {"anchor": "y2", "title": {"text": x_title}},
        "yaxis": {"domain": [1 - top_share + gap / 2, 1], **top_axis},
        "yaxis2": {"domain": [0, 1 - top_share - gap / 2], **bottom_axis},
    }


def cell_reading_figure(cell: str, running_probabilities: np.ndarray, top_hidden: np.ndarray, height: int = 430) -> go.Figure:
    """One network's reading: the running answer (rows × 10) above the top layer's hidden state (rows × units).

    Units are ordered by their value after the drawing's last row, so what the network holds when
    the blank rows begin reads as a band that either stays or washes out.
    """
    running = np.asarray(running_probabilities, dtype=float)
    hidden = np.asarray(top_hidden, dtype=float)
    if running.ndim != 2 or running.shape[1] != NUMBER_OF_CLASSES or hidden.ndim != 2 or len(hidden) != len(running):
        raise ValueError(f"Expected running answers (rows, 10) and hidden states (rows, units), got {running.shape} and {hidden.shape}.")
    total_rows = len(running)
    rows = np.arange(1, total_rows + 1)
    final_digit = int(running[-1].argmax())
    data, annotations = [], []
    for digit in range(NUMBER_OF_CLASSES):
        shown = running[:, digit].max() >= _SHOWN_DIGIT_FLOOR
        width = 3 if digit == final_digit else (1.6 if shown else 0.8)
        data.append(
            {"type": "scatter", "x": rows, "y": running[:, digit], "mode": "lines", "name": str(digit), "xaxis": "x", "yaxis": "y",
             "line": {"color": DIGIT_COLOURS[digit] if shown else QUIET_GREY, "width": width},
             "hovertemplate": f"digit {digit}<br>after row %{{x}}: %{{y:.0%}}<extra></extra>"}
        )  # fmt: skip
        if shown:
            peak = int(running[:, digit].argmax())
            annotations.append(
                {"x": int(rows[peak]), "y": float(running[peak, digit]), "xref": "x", "yref": "y", "text": f"<b>{digit}</b>",
                 "showarrow": False, "yshift": 9, "font": {"color": DIGIT_COLOURS[digit], "size": 13}}
            )  # fmt: skip
    order = np.argsort(hidden[min(IMAGE_ROWS, total_rows) - 1], kind="stable")
    data.append(
        {"type": "heatmap", "x": rows, "z": hidden[:, order].T, "zmin": -1, "zmax": 1, "colorscale": DIVERGING, "showscale": False,
         "xaxis": "x2", "yaxis": "y2", "hovertemplate": "after row %{x}<br>unit %{y}: %{z:.2f}<extra></extra>"}
    )  # fmt: skip
    shapes = _gap_rectangle(total_rows)
    if total_rows > IMAGE_ROWS:
        shapes.append(
            {"type": "line", "xref": "x2", "yref": "y2 domain", "x0": IMAGE_ROWS + 0.5, "x1": IMAGE_ROWS + 0.5, "y0": 0, "y1": 1,
             "line": {"color": "#555", "width": 1, "dash": "dot"}}
        )  # fmt: skip
    title = {"text": CELL_LABELS.get(cell, cell), "x": 0, "xanchor": "left", "font": {"size": 15, "color": CELL_COLOURS.get(cell)}}
    layout = _two_panel_layout(
        title, height, 0.5,
        {"range": [0, 1.08], "tickformat": ".0%", "title": {"text": "answer"}},
        {"title": {"text": "hidden state"}, "showticklabels": False},
        "rows read (drawing, then blank)" if total_rows > IMAGE_ROWS else "rows read",
    )  # fmt: skip
    return unvalidated_figure(data, {**layout, "shapes": shapes, "annotations": annotations})


def memory_curve_figure(
    blank_rows: list[int], accuracy: dict[str, list[float]], shipped_accuracy: list[float] | None = None, marked: int | None = None
) -> go.Figure:
    """MNIST test accuracy (0–1) against blank rows read after each digit, one line per cell."""
    figure = go.Figure()
    for cell, values in accuracy.items():
        if len(values) != len(blank_rows):
            raise ValueError(f"{cell}: {len(values)} accuracies for {len(blank_rows)} gap lengths.")
        figure.add_trace(
            go.Scatter(
                x=blank_rows, y=values, mode="lines+markers", name=CELL_LABELS.get(cell, cell),
                line={"color": CELL_COLOURS.get(cell), "width": 2.5},
                hovertemplate=f"{CELL_LABELS.get(cell, cell)}<br>%{{x}} blank rows: %{{y:.1%}}<extra></extra>",
            )
        )  # fmt: skip
    if shipped_accuracy is not None:
        figure.add_trace(
            go.Scatter(
                x=blank_rows, y=shipped_accuracy, mode="lines+markers", name=SHIPPED_LABEL,
                line={"color": QUIET_GREY, "width": 2, "dash": "dash"},
                hovertemplate=f"{SHIPPED_LABEL}<br>%{{x}} blank rows: %{{y:.1%}}<extra></extra>",
            )
        )  # fmt: skip
    figure.add_hline(
        y=0.1, line={"color": "#999", "width": 1, "dash": "dot"}, annotation_text="guessing (10%)", annotation_position="bottom right"
    )
    if marked is not None:
        figure.add_vline(x=marked, line={"color": "#1b1b1b", "width": 1.5})
    figure.update_layout(
        title={"text": "MNIST test accuracy after blank rows", "x": 0, "xanchor": "left", "font": {"size": 14}},
        height=340,
        margin=_MARGIN,
        xaxis={"title": {"text": "blank rows read after the digit"}},
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.03], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    return figure


def learning_to_remember_figure(runs: list[dict], gap: int) -> go.Figure:
    """Accuracy after `gap` blank rows of each cell trained briefly: gaps growing (solid), full gaps from the start (pale)."""
    figure = go.Figure()
    cells = [cell for cell in CELL_LABELS if any(run["cell"] == cell for run in runs)]
    for curriculum, name, opacity in ((True, "gaps growing over the first half", 1.0), (False, "full gaps from the first batch", 0.45)):
        chosen = {run["cell"]: run for run in runs if bool(run["curriculum"]) == curriculum}
        figure.add_trace(
            go.Bar(
                x=[CELL_LABELS[cell] for cell in cells if cell in chosen],
                y=[chosen[cell]["accuracy_after_gap"] for cell in cells if cell in chosen],
                name=name, opacity=opacity, marker={"color": [CELL_COLOURS[cell] for cell in cells if cell in chosen]},
                text=[f"{chosen[cell]['accuracy_after_gap']:.0%}" for cell in cells if cell in chosen], textposition="outside",
                cliponaxis=False, hovertemplate=f"%{{x}}, {name}: %{{y:.1%}} after {gap} blank rows<extra></extra>",
            )
        )  # fmt: skip
    figure.add_hline(y=0.1, line={"color": "#999", "width": 1, "dash": "dot"}, annotation_text="guessing (10%)",
                     annotation_position="bottom right")  # fmt: skip
    figure.update_layout(
        title={"text": f"Learning to remember: accuracy after {gap} blank rows", "x": 0, "xanchor": "left", "font": {"size": 14}},
        height=340, margin=_MARGIN, barmode="group", bargap=0.3,
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.05], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )  # fmt: skip
    return figure


def gradient_reach_figure(profiles: dict[str, np.ndarray], title: str = "How much the answer depends on each row") -> go.Figure:
    """Per cell, the size of d p(answer) / d row t (rows,) on a log scale: how far back the answer reaches."""
    figure = go.Figure()
    total_rows = 0
    for cell, profile in profiles.items():
        profile = np.asarray(profile, dtype=float)
        total_rows = max(total_rows, len(profile))
        figure.add_trace(
            go.Scatter(
                x=np.arange(1, len(profile) + 1), y=np.maximum(profile, 1e-30), mode="lines", name=CELL_LABELS.get(cell, cell),
                line={"color": CELL_COLOURS.get(cell), "width": 2.5},
                hovertemplate=f"{CELL_LABELS.get(cell, cell)}<br>row %{{x}}: %{{y:.1e}}<extra></extra>",
            )
        )  # fmt: skip
    figure.update_layout(shapes=_gap_rectangle(total_rows))
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}},
        height=340,
        margin=_MARGIN,
        xaxis={"title": {"text": "row read"}},
        yaxis={"title": {"text": "gradient size (log)"}, "type": "log", "exponentformat": "power"},
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    return figure


def lstm_memory_figure(forget_gate: np.ndarray, input_gate: np.ndarray, cell_state: np.ndarray) -> go.Figure:
    """The LSTM's top layer through the rows: mean forget and input gates above its cell state (rows × units)."""
    forget_gate, input_gate, cell_state = (np.asarray(values, dtype=float) for values in (forget_gate, input_gate, cell_state))
    total_rows = len(cell_state)
    rows = np.arange(1, total_rows + 1)
    data = [
        {"type": "scatter", "x": rows, "y": values.mean(axis=1), "mode": "lines", "name": name, "xaxis": "x", "yaxis": "y",
         "line": {"color": colour, "width": 2.5}, "hovertemplate": f"{name}<br>row %{{x}}: mean %{{y:.2f}}<extra></extra>"}
        for name, values, colour in (("forget gate (keep)", forget_gate, "#0072B2"), ("input gate (write)", input_gate, "#E69F00"))
    ]  # fmt: skip
    scale = float(np.abs(cell_state).max()) or 1.0
    order = np.argsort(cell_state[min(IMAGE_ROWS, total_rows) - 1], kind="stable")
    data.append(
        {"type": "heatmap", "x": rows, "z": cell_state[:, order].T, "zmin": -scale, "zmax": scale, "colorscale": DIVERGING,
         "showscale": False, "xaxis": "x2", "yaxis": "y2", "hovertemplate": "after row %{x}<br>unit %{y}: %{z:.2f}<extra></extra>"}
    )  # fmt: skip
    title = {"text": "The LSTM's memory at work (layer 2)", "x": 0, "xanchor": "left", "font": {"size": 14}}
    layout = _two_panel_layout(
        title,
        380,
        0.4,
        {"range": [0, 1.02], "title": {"text": "mean gate"}},
        {"title": {"text": "cell state"}, "showticklabels": False},
        "rows read",
    )
    layout.update(showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0.45}, shapes=_gap_rectangle(total_rows))
    return unvalidated_figure(data, layout)
