"""The "Why an LSTM?" page: one drawing read by a plain RNN, a GRU and an LSTM, and their memory across a gap.

The tutorial's argument, shown with real networks: three twins of the seed network that differ
only in their recurrent cell, each trained with blank rows after the digits so that remembering
is part of the task (`assets/cells/`). The visitor's last drawing (or an example) is read by all
three, followed by as many blank rows as the slider says; each network's running answer and
hidden state continue through the gap. Beside them: the shipped memory test (MNIST accuracy
against blank rows, `bench/memory_test.py`), how far back each cell's gradient reaches for this
drawing, and the LSTM's forget gate and cell state at work. Nothing here runs on a stroke: the
page is computed only when it is open.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from model.drawings import render
from model.explain.backprop import row_gradients
from model.preprocess import canvas_to_mnist, with_blank_rows
from model.shapes import IMAGE_ROWS, NUMBER_OF_CLASSES
from ui import resources
from ui import state as keys
from ui.compare import charts, summary

DEFAULT_BLANK_ROWS = 56
EXAMPLE_CHOICE = "An example"
LAST_DRAWING_CHOICE = "Your last drawing"
_INTRO = (
    "A feed-forward network takes all 784 pixels of a digit at once. A **recurrent** network reads the 28 rows one at a time "
    "and carries a state from row to row: whatever it will answer must survive in that state until the last row. "
    "The **plain RNN** rewrites its whole state at every row; the **LSTM** (and the lighter **GRU**) adds gates that decide "
    "what to keep, what to write and what to show, the tutorial's answer to *long-term dependencies*. "
    "Below, three networks that differ only in that cell read the same drawing: two layers of 128 units, the same Dense head, "
    "the same training, in which every other batch of digits was followed by up to 112 blank rows so that remembering was "
    "part of the task. Trained at length like this, all three learn to remember; the difference the gates make shows in "
    "how readily a network learns it (*Learning to remember*, below), and a network never asked to remember, like the "
    "Draw page's, forgets."
)


def render_page() -> None:
    st.title("Why an LSTM? Three cells read your drawing")
    st.markdown(_INTRO)
    twins, problems = resources.memory_twins()
    for problem in problems:
        st.warning(problem, icon=":material/error:")
    if not twins:
        return
    figures, figures_problem = resources.memory_test_figures()
    image, description = _digit_to_compare()
    blank_rows = _blank_rows_slider()
    extended = with_blank_rows(image, blank_rows)
    readings = {cell: probe.run(extended) for cell, probe in twins.items()}
    st.markdown(f"**Reading {description}**, then {blank_rows} blank rows. " + summary.reading_sentence(
        {cell: reading.running_probabilities for cell, reading in readings.items()}, blank_rows))  # fmt: skip
    shipped = resources.shipped_classifier()
    if shipped is not None:  # The contrast: the same drawing and gap, read by a network trained without gaps.
        st.markdown(summary.shipped_sentence(shipped.probe.run(extended).running_probabilities, blank_rows))
    columns = st.columns(len(readings), gap="medium")
    for column, (cell, reading) in zip(columns, readings.items()):
        with column:
            _cell_column(cell, reading, figures, blank_rows)
    st.subheader("Memory in numbers")
    memory_column, gradient_column = st.columns(2, gap="large")
    with memory_column:
        if figures is None:
            st.info(figures_problem)
        else:
            st.plotly_chart(
                charts.memory_curve_figure(figures["blank_rows"], figures["accuracy"], figures.get("shipped_accuracy"), marked=blank_rows),
                key="compare_memory_curve",
            )
            st.caption(summary.memory_sentence(figures, blank_rows))
    with gradient_column:
        profiles = {cell: row_gradients(twins[cell], extended) for cell in twins}
        st.plotly_chart(
            charts.gradient_reach_figure(profiles, f"Where the gradient goes: this drawing, {blank_rows} blank rows"),
            key="compare_gradient",
        )
        st.caption(summary.gradient_sentence(profiles))
    _learning_to_remember()
    if "lstm" in readings:
        _lstm_memory(readings["lstm"], twins["lstm"].gate_names)


def _learning_to_remember() -> None:
    """The short-training benchmark: which cell learns to carry a digit across a long gap, from the same data and time."""
    st.subheader("Learning to remember")
    figures, problem = resources.memory_training_figures()
    if figures is None:
        st.info(problem)
        return
    chart_column, text_column = st.columns([2, 1], gap="large")
    with chart_column:
        st.plotly_chart(charts.learning_to_remember_figure(figures["runs"], figures["gap"]), key="compare_learning")
    with text_column:
        st.markdown(summary.learning_sentence(figures))
        st.caption(f"Measured by `{figures['command']}` and shipped; the page never trains.")


def _digit_to_compare() -> tuple[np.ndarray, str]:
    """The Draw page's last digit when there is one, else (or by choice) a hand-made example."""
    last = st.session_state.get(keys.LAST_DIGIT)
    choices = [LAST_DRAWING_CHOICE, EXAMPLE_CHOICE] if last is not None else [EXAMPLE_CHOICE]
    source_column, example_column = st.columns([2, 1])
    with source_column:
        source = st.segmented_control("Digit to read", choices, default=choices[0], key=keys.COMPARE_SOURCE) or choices[0]
    if source == LAST_DRAWING_CHOICE and last is not None:
        image, description = last
        return np.asarray(image, dtype=np.float32), description
    with example_column:
        digits = list(range(NUMBER_OF_CLASSES))
        digit = st.selectbox("Example", digits, index=7, key=keys.COMPARE_EXAMPLE, format_func=lambda d: f"a hand-drawn {d}")
    return canvas_to_mnist(render(digit)).astype(np.float32), f"a hand-drawn {digit}"


def _blank_rows_slider() -> int:
    """The slider's value, checked first: a forged value gets a plain message and the default."""
    if keys.COMPARE_BLANK_ROWS in st.session_state:
        try:
            summary.checked_blank_rows(st.session_state[keys.COMPARE_BLANK_ROWS])
        except ValueError as error:
            st.warning(str(error), icon=":material/error:")
            st.session_state[keys.COMPARE_BLANK_ROWS] = DEFAULT_BLANK_ROWS
    return st.slider(
        "Blank rows read after the drawing",
        0,
        summary.MAX_BLANK_ROWS,
        DEFAULT_BLANK_ROWS,
        step=1,
        key=keys.COMPARE_BLANK_ROWS,
        help="Each network reads the drawing's 28 rows, then this many rows of nothing, and only then answers.",
    )


def _cell_column(cell: str, reading, figures: dict | None, blank_rows: int) -> None:
    digit = int(np.argmax(reading.probabilities))
    label = charts.CELL_LABELS[cell]
    st.metric(
        f"{label}: answer after row {IMAGE_ROWS + blank_rows}",
        f"{digit}",
        f"{reading.probabilities[digit]:.0%} sure",
        delta_color="off",
        delta_arrow="off",
    )
    st.plotly_chart(charts.cell_reading_figure(cell, reading.running_probabilities, reading.hidden[-1]), key=f"compare_reading_{cell}")
    if figures is not None:
        index_112 = figures["blank_rows"].index(112) if 112 in figures["blank_rows"] else -1
        accuracy = figures["accuracy"].get(cell)
        if accuracy is not None:
            st.caption(
                f"{figures['parameters'][cell]:,} parameters · MNIST test accuracy {accuracy[0]:.1%} with no blank rows, "
                f"{accuracy[index_112]:.1%} after {figures['blank_rows'][index_112]}."
            )


def _lstm_memory(reading, gate_names: tuple[str, ...]) -> None:
    st.subheader("The LSTM's memory at work")
    forget = reading.gates[-1, :, gate_names.index("forget")]
    write = reading.gates[-1, :, gate_names.index("input")]
    cell_state = reading.cell[-1]
    chart_column, text_column = st.columns([2, 1], gap="large")
    with chart_column:
        st.plotly_chart(charts.lstm_memory_figure(forget, write, cell_state), key="compare_lstm_memory")
    with text_column:
        st.markdown(summary.lstm_memory_sentence(forget, write, cell_state))
