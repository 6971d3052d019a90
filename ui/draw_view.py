"""The drawing view: draw a digit, see the prediction, and watch the LSTM read it row by row.

Data flows one way: canvas → `canvas_to_mnist` → probe → figures → page. The expensive part runs
once per stroke (one probe call); moving the row scrubber reruns only the reading section.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from model.data import MnistUnavailableError
from model.preprocess import canvas_to_mnist
from model.probe import ProbeResult, decision_row
from ui import charts, resources

CANVAS_SIDE = 280
SOURCE_KEY = "digit_source"  # "canvas" or "test"
TEST_INDEX_KEY = "test_digit_index"
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
    return result.image_data


def _use_canvas() -> None:
    st.session_state[SOURCE_KEY] = "canvas"


def _pick_test_digit() -> None:
    try:
        _, labels = resources.test_images()
    except MnistUnavailableError as error:
        st.session_state["test_digit_error"] = str(error)
        return
    st.session_state.pop("test_digit_error", None)
    st.session_state[TEST_INDEX_KEY] = int(np.random.default_rng().integers(len(labels)))
    st.session_state[SOURCE_KEY] = "test"


def show_test_digit(index: int) -> None:
    """Open MNIST test image `index` in this view (used by the evaluation gallery)."""
    st.session_state[TEST_INDEX_KEY] = int(index)
    st.session_state[SOURCE_KEY] = "test"


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
        return

    result = loaded.probe.run(image)
    with input_column:
        st.plotly_chart(charts.input_image(image), key="input_image", config={"displayModeBar": False})
        source = (
            f"MNIST test digit #{st.session_state[TEST_INDEX_KEY]}, labelled {true_label}" if true_label is not None else "your drawing"
        )
        st.caption(f"The 28×28 image made from {source}: cropped, scaled into 20×20 and centred, as MNIST was.")
    with answer_column:
        predicted = int(np.argmax(result.probabilities))
        st.metric("Prediction", str(predicted), f"{result.probabilities[predicted]:.1%} confident", delta_color="off", delta_arrow="off")
        st.plotly_chart(charts.probability_bars(result.probabilities), key="probability_bars", config={"displayModeBar": False})
        st.caption("How sure the network is of each digit after reading all 28 rows.")

    st.divider()
    reading_section(image, result, loaded.probe, true_label)


@st.fragment
def reading_section(image: np.ndarray, result: ProbeResult, probe, true_label: int | None) -> None:
    """Row scrubber, play, and the row-by-row charts; reruns alone when the scrubber moves."""
    st.subheader("Watch it read, row by row")
    decided = decision_row(result.running_probabilities)
    final = int(np.argmax(result.probabilities))
    st.markdown(
        f"**Decided after row {decided} of 28**: from that row on, its answer stays **{final}**."
        if decided < 28
        else f"**It only settled on {final} at the very last row.**"
    )
    controls = st.columns([3, 1, 2])
    row = controls[0].slider("Row", 1, 28, 28, key="reading_row", help="Show the network's state after reading this many rows")
    play = controls[1].button("▶ Play", key="play_rows", help="Read the image row by row")
    view = controls[2].segmented_control("Show", ["Hidden state", "Cell state", "Gates"], default="Hidden state", key="state_view")
    placeholder = st.empty()
    rows_to_show = range(1, 29) if play else [row]
    for shown_row in rows_to_show:
        with placeholder.container():
            _reading_charts(image, result, probe, shown_row, decided, view or "Hidden state", true_label)
        if play and shown_row < 28:
            time.sleep(PLAY_SECONDS_PER_ROW)


def _reading_charts(image, result: ProbeResult, probe, row: int, decided: int, view: str, true_label: int | None) -> None:
    at_row = result.running_probabilities[row - 1]
    digit = int(np.argmax(at_row))
    left, right = st.columns([1, 2.2])
    with left:
        st.metric(f"Answer after row {row}", str(digit), f"{at_row[digit]:.1%}", delta_color="off", delta_arrow="off")
        st.plotly_chart(
            charts.input_image(image, current_row=row, title=f"Rows 1–{row} read"), key="reading_input", config={"displayModeBar": False}
        )
    with right:
        st.plotly_chart(
            charts.running_probabilities(result.running_probabilities, row, decided, true_label),
            key="running_probabilities",
            config={"displayModeBar": False},
        )
        st.caption(
            "Each line is one digit: the probability the network would give it if it stopped reading after that row. "
            "The yellow line is the row you chose; the dashed line marks where its answer stopped changing."
        )
    layer_count = result.hidden.shape[0]
    top_groups = probe.preferred_digits()[probe.unit_order[-1]]
    for layer in range(layer_count):
        name = f"LSTM layer {layer + 1}"
        order = probe.unit_order[layer]
        groups = top_groups if layer == layer_count - 1 else None
        if view == "Hidden state":
            figure = charts.state_heatmap(result.hidden[layer], order, f"{name}: hidden state", row, decided, groups)
        elif view == "Cell state":
            figure = charts.state_heatmap(result.cell[layer], order, f"{name}: cell state", row, decided, groups, symmetric_limit=None)
        else:
            figure = charts.gate_heatmaps(result.gates[layer], order, f"{name}: gates", row, decided)
        st.plotly_chart(figure, key=f"state_layer_{layer}", config={"displayModeBar": False})
    st.caption(_VIEW_CAPTIONS[view])


_VIEW_CAPTIONS = {
    "Hidden state": (
        "Each column is one of the layer's memory units, each row one row of the image. Red is positive, blue negative, "
        "white zero. The hidden state is what a layer passes on after reading a row; the top layer's units are grouped "
        "by the digit they push the answer towards (→7 means: these units vote for 7)."
    ),
    "Cell state": (
        "The cell state is the layer's long-term memory: it is only changed where the gates let it, so it shows what "
        "the network keeps from the rows above. Colours are scaled to the largest value in the layer."
    ),
    "Gates": (
        "Gates decide, for every unit after every row, how much new information to write (input gate), how much memory "
        "to keep (forget gate, bright means keep), what the new information is (candidate, −1 to 1) and how much of the "
        "memory to show to the next layer (output gate)."
    ),
}
