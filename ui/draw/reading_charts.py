"""The row-by-row reading figures: the running answer, the layers' states and the gates over the 28 rows.

Pure functions from the probe's arrays to figure specs (plain dicts and NumPy arrays), testable
without Streamlit, which `ui/components/reading_figure.py` draws on a canvas in the page: `answer_spec` (the
running answer), and the heatmap figures of `states_spec` and `gates_spec`. Rows are numbered
from 1 to 28 as a reader counts them. Panels are placed by fractions of the plot area, as Plotly
places subplots (`x`, `y`: [start, end], y from the bottom), inside margins given in pixels.

Every figure carries the same row marks (`marks`), one meaning each: a dark line at the row shown,
a dashed grey line where the answer stopped changing, unread rows faded, and an outline on the
row the pointer is on, in every figure at once.
"""

from __future__ import annotations

import numpy as np

from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, NUMBER_OF_CLASSES
from ui.components.charts import CURRENT_ROW, DECIDED_ROW, DIGIT_COLOURS, DIVERGING, INK, MARK_ON_INK, QUIET_GREY, SEQUENTIAL
from ui.components.reading_spec import AnswerSpec, ColourBar, GroupTicks, HeatmapsSpec, Margin, Marks, Panel

NOTABLE_PROBABILITY = 0.15  # A digit whose probability never reaches this after any row is drawn in grey, unlabelled.
OTHER_DIGITS = f"digits never above {NOTABLE_PROBABILITY:.0%}"
GATE_TITLES = ("input gate", "forget gate", "candidate", "output gate")
# How units are ordered along each heatmap's x axis (the page explains both in full).
TOP_LAYER_ORDER = "units grouped by the digit each pushes up most"
LOWER_LAYER_ORDER = "units sorted along their main outgoing-weight direction"
LABEL_SEPARATION = (3.0, 0.09)  # Two direct labels closer than this many rows and this much probability would overlap.
SCALES = {"diverging": DIVERGING, "sequential": SEQUENTIAL, "ink": INK}
WAITING_ANSWER_NOTE = "Draw a digit: its answer after every row appears here"
WAITING_LAYERS_NOTE = "Draw a digit: each layer's state after every row appears here"


def picture_spec(image: np.ndarray | None, side: int, current_row: int = IMAGE_ROWS, decision_row: int | None = None) -> HeatmapsSpec:
    """The 28×28 input as the network sees it, `side` pixels square, with the same row marks as the other figures.

    Painted like a heatmap panel (white ink on black), so pointing at a row outlines it in the reading
    figures too; `image` None is the picture's place before anything is drawn.
    """
    z = None if image is None else np.clip(np.asarray(image, dtype=np.float32), 0, 1)
    panel = _panel(z, "ink", (0, 1), [0.0, 1.0], [0.0, 1.0], "what the network sees")
    marks = {**_marks(current_row, decision_row), "current_colour": MARK_ON_INK, "decided_colour": MARK_ON_INK}
    figure = _heatmaps([panel], [], side, {"l": 0, "r": 0, "t": 0, "b": 0}, marks)
    figure.update(kind="picture", width=side)  # Painted as one heatmap panel, at a fixed width.
    return figure


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


def _marks(current_row: int, decision_row: int | None) -> Marks:
    return {"rows": IMAGE_ROWS, "current_row": int(current_row), "decided_row": None if decision_row is None else int(decision_row),
            "current_colour": CURRENT_ROW, "decided_colour": DECIDED_ROW}  # fmt: skip


def answer_spec(
    running: np.ndarray, current_row: int = IMAGE_ROWS, decision_row: int | None = None, true_label: int | None = None
) -> AnswerSpec:
    """The running answer: each digit's probability after rows 1…28 (lines labelled at their peaks), and all ten after `current_row`.

    Digits that never reach NOTABLE_PROBABILITY are thin grey lines without labels: they lie flat
    near zero, where their labels would only pile up.
    """
    running = np.asarray(running, dtype=np.float32)
    final = int(np.argmax(running[-1]))
    at_row = running[current_row - 1]
    notable = notable_digits(running, true_label)
    lines = [
        {"digit": digit, "colour": DIGIT_COLOURS[digit], "width": 3.5 if digit == final else 1.8, "label": [row, probability],
         "label_size": 15 if digit == final else 12}
        for digit, (row, probability) in label_positions(running, notable).items()
    ]  # fmt: skip
    return {
        "kind": "answer",
        "height": 330,
        "margin": {"l": 44, "r": 8, "t": 30, "b": 40},
        "title": "Running answer: each digit's probability after each row",
        "narrow_title": "Running answer, row by row",
        "x_title": "rows read, top to bottom",
        "narrow_x_title": "rows read",
        "running": running,
        "lines": lines,
        "quiet": {
            "digits": [d for d in range(running.shape[1]) if d not in notable],
            "colour": QUIET_GREY,
            "note": f"grey: {OTHER_DIGITS}",
        },
        "bars": {"row": int(current_row), "values": at_row, "answer": int(np.argmax(at_row)), "title": f"after row {current_row}"},
        "digit_colours": DIGIT_COLOURS,
        "marks": _marks(current_row, decision_row),
    }


def _panel(z: np.ndarray | None, scale: str, limits: tuple[float, float], x: list[float], y: list[float], hover_name: str,
           **extra) -> Panel:  # fmt: skip
    """One heatmap: rows down, columns across, coloured along `scale` from limits[0] to limits[1] (`z` None: no values yet)."""
    return {"z": None if z is None else np.asarray(z, dtype=np.float32), "scale": scale,
            "limits": [float(limits[0]), float(limits[1])], "x": x, "narrow_x": x, "y": y, "hover_name": hover_name, "title": "",
            "narrow_title": "", "row_title": "", "x_title": "", "narrow_x_title": "", "units": None, "groups": None, **extra}  # fmt: skip


def _colour_bar(x: list[float], scale: str, limits: tuple[float, float], title: str, narrow_title: str, ticks: list[float],
                tick_text: list[str]) -> ColourBar:  # fmt: skip
    """A horizontal, labelled colour bar under the panels, spanning `x`."""
    return {"x": x, "narrow_x": x, "scale": scale, "limits": [float(limits[0]), float(limits[1])], "title": title,
            "narrow_title": narrow_title, "ticks": [float(tick) for tick in ticks], "tick_text": tick_text}  # fmt: skip


def _heatmaps(panels: list[Panel], colour_bars: list[ColourBar], height: int, margin: Margin, marks: Marks) -> HeatmapsSpec:
    return {"kind": "heatmaps", "height": height, "margin": margin, "colour_bar_offset": 0, "panels": panels,
            "colour_bars": colour_bars, "scales": SCALES, "digit_colours": DIGIT_COLOURS, "marks": marks}  # fmt: skip


def _group_ticks(top_unit_groups: np.ndarray) -> GroupTicks:
    """Where each digit's group of units sits: its middle (for the digit's label), and where each group after the first starts."""
    groups = np.asarray(top_unit_groups)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    ends = np.r_[starts[1:], len(groups)]
    return {"centres": ((starts + ends - 1) / 2).tolist(), "digits": [int(groups[s]) for s in starts], "boundaries": starts[1:].tolist()}


def states_spec(
    image: np.ndarray,
    layer_states: list[np.ndarray],
    unit_orders: list[np.ndarray],
    current_row: int = IMAGE_ROWS,
    decision_row: int | None = None,
    top_unit_groups: np.ndarray | None = None,
    state_name: str = "hidden state",
    symmetric_limits: list[float] | None = None,
) -> HeatmapsSpec:
    """The input and each layer's state after every row, rows aligned (28 rows × units, diverging scale centred on 0).

    Units keep one fixed order per layer (see `TOP_LAYER_ORDER`, `LOWER_LAYER_ORDER`). Each layer has
    its own symmetric colour bar; `symmetric_limits` (one per layer, default 1) sets its ±range.
    """
    # The input's share of the width, and where the layers start: on a phone's narrow figure the input
    # takes more, so that its 28 columns do not shrink to slivers beside 28 rows.
    shares = {"x": (0.13, 0.17), "narrow_x": (0.24, 0.29)}
    panels = [_panel(image, "ink", (0, 1), [0.0, 0.13], [0.0, 1.0], "input", title="input", narrow_title="input", row_title="row",
                     narrow_x=[0.0, 0.24])]  # fmt: skip
    colour_bars = []
    layer_count = len(layer_states)
    gap = 0.05

    def layer_domain(layer: int, fit: str) -> list[float]:
        start = shares[fit][1]
        width = (1.0 - start - gap * (layer_count - 1)) / layer_count
        return [start + layer * (width + gap), start + layer * (width + gap) + width]

    for layer, (states, order) in enumerate(zip(layer_states, unit_orders)):
        limit = 1.0 if symmetric_limits is None else float(symmetric_limits[layer])
        domain, narrow_domain = layer_domain(layer, "x"), layer_domain(layer, "narrow_x")
        is_top = layer == layer_count - 1
        name = f"layer {layer + 1} {state_name}"
        order = np.asarray(order)
        panels.append(
            _panel(np.asarray(states)[:, order], "diverging", (-limit, limit), domain, [0.0, 1.0], name, title=name, narrow_x=narrow_domain,
                   narrow_title=f"layer {layer + 1}", x_title=TOP_LAYER_ORDER if is_top else LOWER_LAYER_ORDER,
                   narrow_x_title="units by digit" if is_top else "units, sorted", units=order.tolist(),
                   groups=_group_ticks(top_unit_groups) if is_top and top_unit_groups is not None else None)
        )  # fmt: skip
        scaling = "fixed range" if symmetric_limits is None else "this layer's largest |value|"
        colour_bars.append(
            _colour_bar(domain, "diverging", (-limit, limit), f"{state_name}, ±{limit:.2g} ({scaling})",
                        "fixed scale" if symmetric_limits is None else "own scale", [-limit, 0, limit],
                        [f"−{limit:.2g}", "0", f"+{limit:.2g}"]) | {"narrow_x": narrow_domain}
        )  # fmt: skip
    figure = _heatmaps(panels, colour_bars, 440, {"l": 44, "r": 12, "t": 26, "b": 104}, _marks(current_row, decision_row))
    figure["colour_bar_offset"] = 56  # Under the units' labels and the axis titles.
    return figure


def gates_spec(
    layer_gates: list[np.ndarray], unit_orders: list[np.ndarray], current_row: int = IMAGE_ROWS, decision_row: int | None = None
) -> HeatmapsSpec:
    """Each layer's four gates after every row (28 rows × units): a row of panels per layer, gate names above the columns.

    The candidate lies in [-1, 1] (diverging scale); the input, forget and output gates in [0, 1].
    """
    short_titles = {"input gate": "input", "forget gate": "forget", "candidate": "candidate", "output gate": "output"}
    layer_count = len(layer_gates)
    band = 1.0 / layer_count
    panels = []
    for layer, (gates, order) in enumerate(zip(layer_gates, unit_orders)):
        top = 1.0 - layer * band
        order = np.asarray(order)
        for index, gate_title in enumerate(GATE_TITLES):
            candidate = index == 2
            scale, limits = ("diverging", (-1.0, 1.0)) if candidate else ("sequential", (0.0, 1.0))
            panels.append(
                _panel(np.asarray(gates)[:, index][:, order], scale, limits,
                       [index * 0.25 + 0.012, index * 0.25 + 0.238], [top - band + 0.07, top], f"layer {layer + 1} {gate_title}",
                       title=gate_title if layer == 0 else "", narrow_title=short_titles[gate_title] if layer == 0 else "",
                       row_title=f"layer {layer + 1}: row" if index == 0 else "", units=order.tolist())
            )  # fmt: skip
    colour_bars = [
        _colour_bar(
            [0.02, 0.48], "sequential", (0, 1), "input, forget, output gates: 0 closed … 1 open", "gates", [0, 0.5, 1], ["0", "0.5", "1"]
        ),
        _colour_bar([0.52, 0.98], "diverging", (-1, 1), "candidate: −1 … +1", "candidate", [-1, 0, 1], ["−1", "0", "+1"]),
    ]
    margin = {"l": 50, "r": 8, "t": 36, "b": 74}
    figure = _heatmaps(panels, colour_bars, 110 + 230 * layer_count, margin, _marks(current_row, decision_row))
    figure["colour_bar_offset"] = 30
    return figure


def waiting_answer_spec() -> AnswerSpec:
    """The running answer's place before anything is read: its axes, and a word on what will appear there."""
    figure = answer_spec(np.zeros((IMAGE_ROWS, NUMBER_OF_CLASSES)))
    figure.update(running=None, lines=[], quiet={**figure["quiet"], "digits": []}, bars=None, note=WAITING_ANSWER_NOTE)
    return figure


def waiting_heatmaps_spec(heatmaps: HeatmapsSpec) -> HeatmapsSpec:
    """A heatmap figure's place before anything is read: its panels, titles and colour bars, without values.

    Give it a figure laid out on a fixed scale (no per-layer limits: there are no values to scale to).
    """
    return {**heatmaps, "panels": [{**panel, "z": None} for panel in heatmaps["panels"]], "note": WAITING_LAYERS_NOTE}


def reading_table(running: np.ndarray, image: np.ndarray, layer_values: dict[str, np.ndarray]) -> str:
    """The figures' data as CSV, one line per row read: the ten probabilities, the input row, and every named layer value."""
    running = np.asarray(running, dtype=float)
    header = ["row", "answer"] + [f"p_{digit}" for digit in range(running.shape[1])]
    header += [f"pixel_{column}" for column in range(1, IMAGE_COLUMNS + 1)]
    columns = [np.arange(1, IMAGE_ROWS + 1)[:, None], np.argmax(running, axis=1)[:, None], running, np.asarray(image, dtype=float)]
    for name, values in layer_values.items():
        values = np.asarray(values, dtype=float).reshape(IMAGE_ROWS, -1)
        header += [f"{name}_{unit}" for unit in range(values.shape[1])]
        columns.append(values)
    table = np.hstack(columns)
    lines = [",".join(header)]
    lines += [",".join(f"{value:.6g}" for value in line) for line in table]
    return "\n".join(lines) + "\n"
