"""The drawing view: draw a digit, see the prediction, and watch the LSTM read it row by row.

Data flows one way: canvas → `canvas_to_mnist` → probe → figures → page. The expensive part runs
once per stroke (one probe call); a stroke reruns only the drawing section (canvas, answer and
reading), and moving the row scrubber only the reading section.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit_drawable_canvas import st_canvas

from model.data import MnistUnavailableError
from model.drawing_image import decode_drawing
from model.preprocess import canvas_to_mnist
from model.probe import ProbeResult, decision_row
from ui import reading_charts, resources
from ui.live_chart import live_plotly_chart, preload_plotly

CANVAS_SIDE = 280
INPUT_PICTURE_SIDE = 224
SOURCE_KEY = "digit_source"  # "canvas" or "test"
TEST_INDEX_KEY = "test_digit_index"
ROW_KEY = "reading_row"
PLAYING_KEY = "playing_rows"
NEXT_ROW_KEY = "next_reading_row"
PLAY_SECONDS_PER_ROW = 0.12


def draw_canvas(stroke_width: int) -> np.ndarray | None:
    """The RGBA drawing on the canvas (white ink on black), or None before the first stroke."""
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key="digit_canvas",
        on_change=_use_canvas,
    )
    # The PNG is decoded here, bounded by its header, never by the component (whose `image_data`
    # decodes whatever arrives): a forged message cannot make the server decode a huge image.
    try:
        png_bytes = result.image_bytes
        return None if png_bytes is None else decode_drawing(png_bytes)
    except (ValueError, TypeError, AttributeError) as error:  # A forged message: not a data URL, not base64.
        st.toast(str(error) if isinstance(error, ValueError) and str(error).startswith("The drawing") else "The drawing could not be read.")
        return None


def _use_canvas() -> None:
    st.session_state[SOURCE_KEY] = "canvas"
    _stop_playing()


def _pick_test_digit() -> None:
    try:
        _, labels = resources.test_images()
    except MnistUnavailableError as error:
        st.session_state["test_digit_error"] = str(error)
        return
    st.session_state.pop("test_digit_error", None)
    st.session_state[TEST_INDEX_KEY] = int(np.random.default_rng().integers(len(labels)))
    st.session_state[SOURCE_KEY] = "test"
    _stop_playing()


def show_test_digit(index: int) -> None:
    """Open MNIST test image `index` in this view (used by the evaluation gallery)."""
    st.session_state[TEST_INDEX_KEY] = int(index)
    st.session_state[SOURCE_KEY] = "test"
    _stop_playing()


def _current_digit(rgba: np.ndarray | None) -> tuple[np.ndarray | None, int | None, str | None]:
    """The 28×28 image to show, its true label if known, and a message when the drawing is unusable."""
    if st.session_state.get(SOURCE_KEY) == "test" and TEST_INDEX_KEY in st.session_state:
        try:
            images, labels = resources.test_images()
        except MnistUnavailableError as error:
            return None, None, str(error)
        index = st.session_state[TEST_INDEX_KEY]
        return images[index].astype(np.float32) / 255.0, int(labels[index]), None
    if rgba is None:
        return None, None, None
    try:
        return canvas_to_mnist(rgba), None, None
    except ValueError as error:
        return None, None, f"That drawing could not be read: {error}"


def render() -> None:
    st.title("Draw a digit, watch an LSTM read it")
    loaded = resources.active_classifier()
    if loaded is None:
        return
    st.caption(
        f"Using the {loaded.label}. The network reads your drawing the way it read MNIST: "
        "as 28 rows of 28 pixels, top to bottom, one row at a time."
    )
    drawing_section(loaded)


@st.fragment
def drawing_section(loaded: resources.LoadedModel) -> None:
    """Canvas, prediction and the reading below it: a stroke reruns this part of the page alone."""
    canvas_column, input_column, answer_column = st.columns([1.15, 1, 1.25], gap="medium")
    with canvas_column:
        stroke_width = st.slider("Brush width", 8, 40, 20, key="brush_width")
        rgba = draw_canvas(stroke_width)
        st.button("Try a test digit", on_click=_pick_test_digit, help="A random image from the 10,000 MNIST test digits")
        if "test_digit_error" in st.session_state:
            st.warning(st.session_state["test_digit_error"])
    image, true_label, problem = _current_digit(rgba)
    if problem:
        st.warning(problem)
    if image is None:
        with answer_column:
            st.info("Draw a digit from 0 to 9 on the black square, or press **Try a test digit**.")
            preload_plotly(key="plotly_preload")  # Fetched while the visitor draws; the reading figure needs it.
        return

    result = loaded.probe.run(image)
    decided = decision_row(result.running_probabilities)
    predicted = int(np.argmax(result.probabilities))
    with input_column:
        st.markdown("**What the network sees**")
        st.image(reading_charts.input_picture(image), width=INPUT_PICTURE_SIDE)
        source = (
            f"MNIST test digit #{st.session_state[TEST_INDEX_KEY]}, labelled {true_label}" if true_label is not None else "your drawing"
        )
        st.caption(f"The 28×28 image made from {source}: cropped, scaled into 20×20 and centred, as MNIST was.")
    with answer_column:
        st.metric("Prediction", str(predicted), f"{result.probabilities[predicted]:.1%} confident", delta_color="off", delta_arrow="off")
        st.markdown(
            f"**Decided after row {decided} of 28**: from that row on, its answer stays **{predicted}**."
            if decided < 28
            else f"**It only settled on {predicted} at the very last row.**"
        )
        st.caption("Below: the probability of every digit, and how it changed as the network read the image row by row.")

    st.divider()
    reading_section(image, result, loaded.probe, decided, true_label)


@st.fragment
def reading_section(image: np.ndarray, result: ProbeResult, probe, decided: int, true_label: int | None) -> None:
    """Row scrubber, play, and the row-by-row figure; reruns alone when the scrubber moves.

    Play steps the scrubber itself, one fragment rerun per row, so the figure is redrawn in place
    and the scrubber shows where the reading is.
    """
    if NEXT_ROW_KEY in st.session_state:  # Set by the previous step of Play, before the slider exists.
        st.session_state[ROW_KEY] = st.session_state.pop(NEXT_ROW_KEY)
    st.subheader("Watch it read, row by row")
    controls = st.columns([3, 1, 2])
    st.session_state.setdefault(ROW_KEY, 28)
    row = controls[0].slider("Row", 1, 28, key=ROW_KEY, help="Show the network's state after reading this many rows")
    controls[1].button("▶ Play", key="play_rows", on_click=_start_playing, help="Read the image row by row")
    view = controls[2].segmented_control("Show", ["Hidden state", "Cell state", "Gates"], default="Hidden state", key="state_view")
    view = view or "Hidden state"
    _reading_views(image, result, probe, row, decided, view, true_label)
    st.caption(_VIEW_CAPTIONS[view])
    if st.session_state.get(PLAYING_KEY):
        if row >= 28:
            st.session_state[PLAYING_KEY] = False
            return
        time.sleep(PLAY_SECONDS_PER_ROW)
        st.session_state[NEXT_ROW_KEY] = row + 1
        try:
            st.rerun(scope="fragment")
        except StreamlitAPIException:  # A full run (a new stroke) interrupted playing: stop there.
            st.session_state.pop(NEXT_ROW_KEY, None)
            st.session_state[PLAYING_KEY] = False


def _start_playing() -> None:
    st.session_state[ROW_KEY] = 1
    st.session_state[PLAYING_KEY] = True


def _stop_playing() -> None:
    st.session_state[PLAYING_KEY] = False
    st.session_state.pop(NEXT_ROW_KEY, None)


def _reading_views(image, result: ProbeResult, probe, row: int, decided: int, view: str, true_label: int | None) -> None:
    at_row = result.running_probabilities[row - 1]
    digit = int(np.argmax(at_row))
    st.metric(f"Answer after row {row}", str(digit), f"{at_row[digit]:.1%}", delta_color="off", delta_arrow="off")
    if view == "Gates":
        layer_gates = list(result.gates)
        figure = reading_charts.reading_gates_spec(result.running_probabilities, layer_gates, probe.unit_order, row, decided, true_label)
    else:
        states = result.hidden if view == "Hidden state" else result.cell
        limits = None if view == "Hidden state" else [max(float(np.abs(layer).max()), 1e-6) for layer in states]
        figure = reading_charts.reading_spec(
            image,
            result.running_probabilities,
            list(states),
            probe.unit_order,
            row,
            decided,
            probe.top_unit_groups,
            view.lower(),
            limits,
            true_label,
        )
    # One figure, kept mounted and redrawn in place (see ui/live_chart.py for what st.plotly_chart costs).
    live_plotly_chart(figure, key="reading_figure")


_VIEW_CAPTIONS = {
    "Hidden state": (
        "Top left: each coloured line is one digit, the probability the network would give it if it stopped reading "
        f"after that row (digits that never reach {reading_charts.NOTABLE_PROBABILITY:.0%} share the thin grey lines); "
        "the yellow line is the row you chose, "
        "the dashed line where its answer stopped changing. Top right: all ten "
        "probabilities after that row. Bottom: the image, and beside it, row for row, each layer's hidden state after "
        "reading that row: each column is one memory unit, red positive, blue negative, white zero. The hidden state is "
        "what a layer passes on; the top layer's units are grouped by the digit they push the answer towards (→7: these "
        "units vote for 7). Rows not read yet are dimmed."
    ),
    "Cell state": (
        "The cell state is the layer's long-term memory: it changes only where the gates let it, so it shows what "
        "the network keeps from the rows above. Colours are scaled to the largest value in each layer; red positive, "
        "blue negative."
    ),
    "Gates": (
        "Gates decide, for every unit after every row, how much new information to write (input gate), how much memory "
        "to keep (forget gate, bright means keep), what the new information is (candidate, −1 to 1) and how much of the "
        "memory to show to the next layer (output gate)."
    ),
}
