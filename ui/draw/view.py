"""The drawing view: draw a digit, see the prediction, and watch the LSTM read it row by row.

Data flows one way: canvas (or a test digit, or the address) → 28×28 image → probe → figures →
page. The first row of the page holds what matters at a glance (canvas, prediction, running
answer); below it, the row controls and the layers' states. The whole view is one fragment, so a
stroke, a slider move or a step of Play reruns it alone; the probe runs once per new digit.

One row is shown at a time, and it is kept in `st.session_state[ROW]` alone: the slider, the
"Answer after row N" metric, every panel and the address follow it. A new digit (a stroke, a
cleared canvas drawn again, a test digit, a mistake from Evaluate, a shared link) always opens at
row 28, the whole read, without the previous digit's what-if edits, and stops Play. The address
always describes the reading (`ui/share.py`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from model.probe import ProbeResult, decision_row
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, NUMBER_OF_CLASSES
from ui import resources
from ui import state as keys
from ui.components.browser_actions import reading_actions
from ui.components.reading_figure import reading_figure
from ui.draw import address, canvas, reading_charts
from ui.draw import row_controls as rows
from ui.draw import teach as teach_view
from ui.draw import timelapse as timelapse_view
from ui.draw.canvas import Digit
from ui.draw.reading_summary import summarise_reading
from ui.explain import panels as explain_panels
from ui.explain import what_if

INPUT_PICTURE_SIDE = 140
STATE_VIEWS = ("Hidden state", "Cell state", "Gates")
_ANSWER_CAPTION = (
    "**Each line is one digit: watch the answer form as the rows are read**, top to bottom. "
    "Labelled near its peak; dark line: the row shown; dashed: from here the top digit stays the same."
)
_PICTURE_CAPTION = f"What the network sees: {IMAGE_ROWS}×{IMAGE_COLUMNS}, centred as MNIST was"


# The page -------------------------------------------------------------------------------------


_PAGE_CSS = rows.HIDDEN_TICK_CSS  # Play's clock presses a hidden button; the style every page shares is ui/page_style.py.


def render() -> None:
    st.html(_PAGE_CSS)
    st.title("Draw a digit, watch an LSTM read it")
    address.read_address_once()
    loaded = resources.active_classifier()
    if loaded is None:
        return
    st.caption(
        f"Using {loaded.in_a_sentence}. The network reads your drawing the way it read MNIST: "
        f"as {IMAGE_ROWS} rows of {IMAGE_COLUMNS} pixels, top to bottom, one row at a time."
    )
    drawing_section(loaded)
    teach_view.teach_panel()  # The visitor's corrections and Teach it (ui/draw/teach.py).


def _read(loaded: resources.LoadedModel, digit: Digit) -> tuple[ProbeResult, int]:
    """The probe's reading of the digit and its decision row, computed once per digit and model."""
    cache_key = (digit.signature, str(loaded.path), what_if.reading_variant())
    cached = st.session_state.get(keys.READING_CACHE)
    if cached is not None and cached[0] == cache_key:
        return cached[1], cached[2]
    result = what_if.read(loaded.probe, digit.image)  # A silenced unit (the unit inspector) changes the reading.
    decided = decision_row(result.running_probabilities)
    st.session_state[keys.READING_CACHE] = (cache_key, result, decided)
    return result, decided


@st.fragment
def drawing_section(loaded: resources.LoadedModel) -> None:
    """Canvas, prediction, running answer, row controls and the layers: a stroke reruns this part of the page alone.

    Before the first digit every element is already in its place, empty or disabled, under the key
    it keeps once a digit is read: the page keeps its shape, and a visitor's first stroke updates
    the page instead of building it (`python bench/stroke_anatomy.py --first 5`).
    """
    if keys.ADDRESS_NOTICE in st.session_state:
        st.warning(st.session_state.pop(keys.ADDRESS_NOTICE), icon=":material/link_off:")
    # The canvas's column holds its 280 px at 1400 px (narrower, it hid the canvas's right edge).
    canvas_column, answer_column, chart_column = st.columns([1.3, 0.95, 1.75], gap="medium")
    with canvas_column:
        rgba = canvas.draw_canvas(st.session_state.get(keys.BRUSH_WIDTH, canvas.DEFAULT_BRUSH_WIDTH))
        canvas.canvas_buttons()
        _compare_link()
    digit, problem = canvas.current_digit(rgba, loaded)
    if problem:
        st.warning(problem)
    if digit is not None:
        st.session_state[keys.LAST_DIGIT] = (digit.image, digit.description)  # What "Why an LSTM?" reads.
    loaded = timelapse_view.model_at_chosen_epoch(loaded)  # The `Epoch` slider, when the model kept training snapshots.
    if digit is None:
        _waiting_for_a_digit(loaded, answer_column, chart_column)
        return

    digit = what_if.apply_what_if(digit, loaded)  # Rows the visitor blanked or reversed in the What-if panel.
    result, decided = _read(loaded, digit)
    running = result.running_probabilities
    row = rows.row_in_step(digit.signature)
    link = address.write_address(digit, row)
    summary = summarise_reading(running, digit.true_label)
    with answer_column:
        _answer(loaded, digit, result, summary, row, decided)
        teach_view.correction_buttons(digit.image, int(np.argmax(result.probabilities)))  # "It's a …": collect corrections.
    with chart_column:
        reading_figure(
            reading_charts.answer_spec(running, row, decided, digit.true_label),
            key=keys.ANSWER_CHART,
            alt=f"Chart of each digit's probability after each row. {summary}",
        )
        st.caption(_ANSWER_CAPTION)

    rows.row_controls(row, running)
    view = _states_view(loaded, digit, result, row, decided)
    _reading_downloads(digit, result, view, row, link)
    explain_panels.render(loaded, digit.image, result, row)


def _waiting_for_a_digit(loaded: resources.LoadedModel, answer_column, chart_column) -> None:
    """The reading's place before anything is read, element for element as `drawing_section` lays out a digit."""
    rows.forget_digit()
    link = address.write_address(None, IMAGE_ROWS)
    with answer_column:
        st.metric("Prediction", "–")
        st.info(
            "**First step:** Draw a digit from 0 to 9 on the black square (mouse or finger), or press **Test digit** "
            "for one from MNIST. Then watch the running answer: the network's guess after every row it reads.",
            icon=":material/draw:",
        )
        empty_picture = reading_charts.picture_spec(None, INPUT_PICTURE_SIDE)
        reading_figure(empty_picture, key=keys.INPUT_PICTURE, alt=f"The network's {IMAGE_ROWS}×{IMAGE_COLUMNS} input: empty.")
        st.caption(_PICTURE_CAPTION)
        teach_view.correction_buttons(None, None)
    with chart_column:
        reading_figure(reading_charts.waiting_answer_spec(), key=keys.ANSWER_CHART, alt="The running answer, empty until a digit is drawn.")
        st.caption(_ANSWER_CAPTION)
    rows.row_controls(IMAGE_ROWS, None)
    view = _states_view(loaded, None, None, IMAGE_ROWS, None)
    _reading_downloads(None, None, view, IMAGE_ROWS, link)
    explain_panels.render(loaded, None, None, IMAGE_ROWS)


def _compare_link() -> None:
    """One click to "Why an LSTM?": the same drawing read by a plain RNN, a GRU and an LSTM."""
    compare_page = st.session_state.get(keys.COMPARE_PAGE)
    if compare_page is not None:
        st.page_link(compare_page, label="Why an LSTM? Compare cells", icon=":material/compare_arrows:",
                     help="Watch a plain RNN and a GRU read this drawing too, then blank rows after it")  # fmt: skip


def _answer(loaded: resources.LoadedModel, digit: Digit, result: ProbeResult, summary: str, row: int, decided: int | None) -> None:
    predicted = int(np.argmax(result.probabilities))
    st.metric("Prediction", str(predicted), f"{result.probabilities[predicted]:.1%} confident", delta_color="off", delta_arrow="off")
    what_if.edits_warning(loaded)  # Edits made far below, under "Why this answer?", are said where the answer is.
    explain_panels.novelty_note(result)  # "Does not look like a digit", when the novelty detector fires.
    if digit.test_index is None and digit.description == "your drawing":
        reading = f"Reading **{digit.description}**."
    else:
        reading = f"Reading **{digit.description}**, not the canvas: draw on it to read your own."
    st.markdown(f"{reading}\n\n{summary}")  # One element: a stroke updates as few as it can.
    reading_figure(
        reading_charts.picture_spec(digit.image, INPUT_PICTURE_SIDE, row, decided),
        key=keys.INPUT_PICTURE,
        alt=f"The {IMAGE_ROWS}×{IMAGE_COLUMNS} image the network reads: {digit.description}",
    )
    st.caption(_PICTURE_CAPTION)


# What a visitor can see in each view, said first, right above the panels; how the units are ordered is
# method, kept in a "How is this ordered?" help under them.
_VIEW_LEADS = {
    "Hidden state": (
        "**What each layer passes on, row by row.** Each column is one memory unit; each row is the state after "
        "reading that image row (rows run down as they are read). Units that turn strong red or blue respond to your "
        "digit; where the colours stop changing, the state has settled."
    ),
    "Cell state": (
        "**Each layer's long-term memory, row by row.** It changes only where the gates let it, so it shows what the "
        "network keeps from the rows above. Its values are not bounded, so each layer has its own scale (see its colour bar)."
    ),
    "Gates": (
        "**Gates decide, for every unit after every row**, how much new information to write (input gate), how much "
        "memory to keep (forget gate: bright keeps), what the new information is (candidate, −1 to +1) and how much of "
        "the memory to show the next layer (output gate). Gates run from 0 (closed) to 1 (open)."
    ),
}
_ORDER_HELP = (
    "Red is positive, blue negative, white zero. Point at a row anywhere to outline it in every panel; unread rows are faded.\n\n"
    "**Layer 2's units are grouped by the digit each pushes up most** (the numbers under its panel): the Dense head's "
    "weight matrices are multiplied together, ignoring its activations and dropout (a linearisation), and each unit goes "
    "to the digit with the largest weight; inside a group, strongest first. A guide to which digit a unit votes for, not an "
    "exact vote.\n\n"
    "**Layer 1's units are sorted along the main direction** (first principal component) of their weights into layer 2, "
    "so units that feed layer 2 alike sit side by side. The cell state and the gates keep the same order."
)


def _settled_note(decided: int | None) -> str:
    return f" For this drawing the top digit stays the same from row {decided} on (the dashed line)." if decided else ""


def _states_view(loaded: resources.LoadedModel, digit: Digit | None, result: ProbeResult | None, row: int, decided: int | None) -> str:
    """The layers' states (or gates) after every row, under a line on what to look for; returns the view shown.

    Before there is a digit (`digit` None) the panels stand empty, in their place.
    """
    view = st.segmented_control("Show", STATE_VIEWS, default=STATE_VIEWS[0], key=keys.STATE_VIEW) or STATE_VIEWS[0]
    probe = loaded.probe
    if digit is None or result is None:
        empty = _states_figure(probe, np.zeros((IMAGE_ROWS, IMAGE_COLUMNS)), _nothing_read(probe), view, IMAGE_ROWS, None, scaled=False)
        figure = reading_charts.waiting_heatmaps_spec(empty)
        alt = f"Heatmaps of each layer's {view.lower()} after each row, empty until a digit is drawn."
    else:
        figure = _states_figure(probe, digit.image, result, view, row, decided)
        alt = f"Heatmaps of each layer's {view.lower()} after each of the {IMAGE_ROWS} rows."
    st.markdown(_VIEW_LEADS[view] + _settled_note(decided if digit is not None else None))
    reading_figure(figure, key=keys.STATES_CHART, alt=alt)
    with st.expander("How is this ordered?", icon=":material/help:"):
        st.markdown(_ORDER_HELP)
    return view


def _nothing_read(probe) -> ProbeResult:
    """Zeros in the shapes of a reading, to lay the panels out before there is a digit (never shown as values)."""
    layers = [np.zeros((IMAGE_ROWS, len(order)), dtype=np.float32) for order in probe.unit_order]
    gates = [np.zeros((IMAGE_ROWS, 4, len(order)), dtype=np.float32) for order in probe.unit_order]
    return ProbeResult(
        np.zeros(NUMBER_OF_CLASSES), np.zeros((IMAGE_ROWS, NUMBER_OF_CLASSES)), np.stack(layers), np.stack(layers), np.stack(gates)
    )


def _states_figure(probe, image: np.ndarray, result: ProbeResult, view: str, row: int, decided: int | None, scaled: bool = True) -> dict:
    """The heatmaps for `view`; the cell state is `scaled` to each layer's largest value (not when nothing was read)."""
    if view == "Gates":
        return reading_charts.gates_spec(list(result.gates), probe.unit_order, row, decided)
    states = result.hidden if view == "Hidden state" else result.cell
    limits = None if view == "Hidden state" or not scaled else [max(float(np.abs(layer).max()), 1e-6) for layer in states]
    return reading_charts.states_spec(image, list(states), probe.unit_order, row, decided, probe.top_unit_groups, view.lower(), limits)


def _reading_downloads(digit: Digit | None, result: ProbeResult | None, view: str, row: int, link: str) -> None:
    """Copy link, the figures as PNG (both in the browser) and their data as CSV (built only when asked for; none before a digit).

    The browser's element also keeps Play's time (`rows.clock`) and the canvas's toolbar in view.
    """
    field = {"Hidden state": "hidden", "Cell state": "cell", "Gates": "gates"}[view]

    def table() -> str:
        layers = result.gates if view == "Gates" else result.hidden if view == "Hidden state" else result.cell
        values = {f"layer{layer + 1}_{field}": layers[layer] for layer in range(len(layers))}
        return reading_charts.reading_table(result.running_probabilities, digit.image, values)

    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        reading_actions([keys.ANSWER_CHART, keys.STATES_CHART], "lstm-reading.png", canvas.canvas_key(), rows.clock(row), link)
        st.download_button("Data (CSV)", table, file_name=f"lstm-reading-{field}.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:", key="reading_csv", help="The figures' numbers, one line per row",
                           disabled=result is None)  # fmt: skip
