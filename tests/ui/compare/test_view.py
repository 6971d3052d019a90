"""The "Why an LSTM?" page: its sentences and figures from numbers, and the page itself run headless with AppTest."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from model.shapes import MEMORY_TEST_PATH, MEMORY_TRAINING_PATH
from tests.helpers import REPOSITORY
from ui.compare import charts, summary

COMPARE_SCRIPT = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
from pathlib import Path
from ui import resources
from ui.compare import view
missing = {{}}
resources.MEMORY_TWIN_PATHS = {{cell: Path(missing.get(cell, path)) for cell, path in resources.MEMORY_TWIN_PATHS.items()}}
resources._SHIPPED_FIGURES = {{name: (Path(missing.get(name, path)), *rest) for name, (path, *rest) in resources._SHIPPED_FIGURES.items()}}
resources._shipped_figures.clear()
view.render_page()
"""
TIMEOUT = 120


def _running(digit_by_row: list[int], certainty: float = 0.9) -> np.ndarray:
    running = np.full((len(digit_by_row), 10), (1 - certainty) / 9)
    running[np.arange(len(digit_by_row)), digit_by_row] = certainty
    return running


def test_the_reading_sentence_says_which_network_kept_its_answer():
    kept, lost = _running([7] * 84), _running([7] * 28 + [1] * 56, 0.4)
    sentence = summary.reading_sentence({"rnn": lost, "lstm": kept}, blank_rows=56)
    assert "the Plain RNN 7 (90%)" not in sentence  # After the drawing the RNN said 7 at 40%.
    assert "After the drawing's 28 rows: the Plain RNN 7 (40%), the LSTM 7 (90%)." in sentence
    assert "the LSTM still answers 7 (90%)" in sentence and "the Plain RNN now answers 1 (40%)" in sentence
    assert "Move the slider" in summary.reading_sentence({"lstm": kept[:28]}, blank_rows=0)


@pytest.mark.parametrize("value", [-1, 225, 9999, 3.5, "56", None, True])
def test_a_number_of_blank_rows_out_of_range_is_refused(value):
    with pytest.raises(ValueError, match="from 0 to 224"):
        summary.checked_blank_rows(value)
    assert summary.checked_blank_rows(np.int64(112)) == 112


def test_the_memory_sentence_quotes_the_measured_gap_nearest_the_slider():
    figures = {"blank_rows": [0, 56, 112], "accuracy": {"rnn": [0.97, 0.95, 0.94], "lstm": [0.99, 0.99, 0.985]}, "images": 10000,
               "shipped_accuracy": [0.996, 0.05, 0.01]}  # fmt: skip
    sentence = summary.memory_sentence(figures, blank_rows=100)
    assert "each followed by 112 blank rows" in sentence
    assert "the Plain RNN 94.0%, the LSTM 98.5%; the shipped LSTM, never trained to remember, 1.0%" in sentence


def test_the_gradient_sentence_counts_orders_of_magnitude():
    profiles = {"rnn": np.geomspace(1e-6, 1.0, 40), "lstm": np.full(40, 0.5)}
    sentence = summary.gradient_sentence(profiles)
    assert "the LSTM's is about as strong at row 14" in sentence
    assert "the Plain RNN's is about 10,000× weaker at row 14" in sentence
    faint = np.r_[np.full(39, 1e-12), 1.0]  # Row 14 holds a trillionth of the strongest row's gradient.
    assert "about 10¹²× weaker" in summary.gradient_sentence({"rnn": faint}), "a power, not 10^12"


def test_the_lstm_memory_sentence_reads_the_gates_of_the_blank_rows():
    rows, units = 60, 8
    forget, write = np.full((rows, units), 0.2), np.full((rows, units), 0.7)
    forget[28:], write[28:] = 0.98, 0.03
    cell = np.tile(np.linspace(-1, 1, units), (rows, 1))
    sentence = summary.lstm_memory_sentence(forget, write, cell)
    assert "Through the 32 blank rows the forget gate averages 0.98" in sentence and "input gate 0.03" in sentence
    assert "(correlation 1.00)" in sentence
    assert "Add blank rows" in summary.lstm_memory_sentence(forget[:28], write[:28], cell[:28])


def test_the_lstm_memory_sentence_says_when_the_cell_state_has_drifted():
    rows, units = 60, 8
    gates = np.full((rows, units), 0.5)
    cell = np.tile(np.linspace(-1, 1, units), (rows, 1))
    cell[-1] = np.random.default_rng(1).permutation(cell[-1])  # Same values, other units: little correlation.
    sentence = summary.lstm_memory_sentence(gates, gates, cell)
    assert "has drifted from the one after the drawing" in sentence and "still resembles" not in sentence


def test_the_shipped_sentence_says_whether_the_network_trained_without_gaps_kept_its_answer():
    kept = summary.shipped_sentence(_running([7] * 40), 12)
    assert "answered 7 (90%) after the drawing and after 12 blank rows still answers 7 (90%)" in kept
    forgot = summary.shipped_sentence(_running([7] * 28 + [1] * 56), 56)
    assert "after 56 blank rows now answers 1" in forgot
    assert "answers 7 (90%)." in summary.shipped_sentence(_running([7] * 28), 0)


TRAINING = {
    "images": 12000, "epochs": 4, "gap": 112, "command": "python bench/memory_training.py",
    "runs": [
        {"cell": "rnn", "curriculum": True, "accuracy": 0.87, "accuracy_after_gap": 0.34},
        {"cell": "rnn", "curriculum": False, "accuracy": 0.87, "accuracy_after_gap": 0.30},
        {"cell": "lstm", "curriculum": True, "accuracy": 0.83, "accuracy_after_gap": 0.74},
        {"cell": "lstm", "curriculum": False, "accuracy": 0.81, "accuracy_after_gap": 0.43},
    ],
}  # fmt: skip


def test_learning_to_remember_is_said_from_the_measured_runs_best_first():
    sentence = summary.learning_sentence(TRAINING)
    assert "12,000 digits, 4 epochs, gaps of up to 112 rows" in sentence
    assert "the LSTM 74%, the Plain RNN 34%" in sentence and "the LSTM learned the long gap best" in sentence
    rnn_first = {**TRAINING, "runs": [{**run, "accuracy_after_gap": 0.9} if run["cell"] == "rnn" else run for run in TRAINING["runs"]]}
    assert "shows no advantage for the gates" in summary.learning_sentence(rnn_first), "the words follow the numbers"
    assert "no run with growing gaps" in summary.learning_sentence({**TRAINING, "runs": []})
    figure = charts.learning_to_remember_figure(TRAINING["runs"], 112)
    growing, full = figure.data
    assert list(growing.x) == ["Plain RNN", "LSTM"] and list(growing.y) == [0.34, 0.74] and list(full.y) == [0.30, 0.43]
    go.Figure(figure.to_dict())  # Full Plotly validation.


def test_the_shipped_learning_figures_have_every_cell_with_and_without_growing_gaps():
    figures = json.loads(MEMORY_TRAINING_PATH.read_text())
    assert {(run["cell"], run["curriculum"]) for run in figures["runs"]} == {(c, g) for c in ("rnn", "gru", "lstm") for g in (True, False)}
    assert all(0 <= run["accuracy_after_gap"] <= 1 for run in figures["runs"]) and figures["gap"] == 112


def test_each_figure_spans_the_drawing_and_the_blank_rows_and_validates():
    rng = np.random.default_rng(0)
    running, hidden = rng.dirichlet(np.ones(10), 84), rng.uniform(-1, 1, (84, 16))
    reading = charts.cell_reading_figure("gru", running, hidden)
    lines = [trace for trace in reading.data if trace.type == "scatter"]
    assert len(lines) == 10 and all(len(trace.x) == 84 for trace in lines)
    assert reading.data[-1].type == "heatmap" and np.asarray(reading.data[-1].z).shape == (16, 84)
    assert [shape.x0 for shape in reading.layout.shapes][:1] == [28.5]  # The blank rows are shaded.
    memory = charts.memory_curve_figure([0, 56, 112], {"rnn": [0.97, 0.95, 0.94], "lstm": [0.99, 0.99, 0.99]}, [0.99, 0.3, 0.01], marked=56)
    assert [trace.name for trace in memory.data] == ["Plain RNN", "LSTM", charts.SHIPPED_LABEL]
    gradient = charts.gradient_reach_figure({"rnn": np.geomspace(1e-9, 1, 84)})
    assert gradient.layout.yaxis.type == "log"
    lstm = charts.lstm_memory_figure(rng.uniform(0, 1, (84, 16)), rng.uniform(0, 1, (84, 16)), rng.normal(size=(84, 16)))
    for figure in (reading, memory, gradient, lstm):
        go.Figure(figure.to_dict())  # Full Plotly validation.
    with pytest.raises(ValueError, match="running answers"):
        charts.cell_reading_figure("lstm", running[:, :5], hidden)


def test_the_shipped_memory_test_has_every_cell_at_every_gap():
    figures = json.loads(MEMORY_TEST_PATH.read_text())
    assert set(figures["accuracy"]) == {"rnn", "gru", "lstm"}
    assert all(len(values) == len(figures["blank_rows"]) for values in figures["accuracy"].values())
    assert max(figures["blank_rows"]) >= 112 and figures["images"] == 10000
    assert all(values[0] >= 0.97 for values in figures["accuracy"].values())  # Each twin reads MNIST at 97% or more.


def _compare_page(missing: dict | None = None) -> AppTest:
    script = COMPARE_SCRIPT.replace("missing = {}", f"missing = {missing or {}!r}")
    return AppTest.from_string(script, default_timeout=TIMEOUT)


def _charted_rows(app: AppTest, cell: str) -> int:
    chart = next(element for element in app.get("plotly_chart") if element.proto.id and f"compare_reading_{cell}" in element.proto.id)
    rows = json.loads(chart.proto.spec)["data"][0]["x"]
    if isinstance(rows, dict):  # Plotly sends NumPy arrays as typed arrays.
        rows = np.frombuffer(base64.b64decode(rows["bdata"]), dtype=rows["dtype"])
    return len(rows)


@pytest.mark.slow
def test_the_page_reads_an_example_with_three_cells_and_follows_the_slider():
    app = _compare_page()
    app.run()
    assert not app.exception, app.exception
    labels = [metric.label for metric in app.metric]
    assert labels == [f"{name}: answer after row 84" for name in ("Plain RNN", "GRU", "LSTM")]
    assert [metric.value for metric in app.metric] == ["7", "7", "7"]  # The hand-drawn example 7, read by all three.
    assert [_charted_rows(app, cell) for cell in ("rnn", "gru", "lstm")] == [84, 84, 84]
    app.slider(key="compare_blank_rows").set_value(224).run()
    assert not app.exception, app.exception
    assert [metric.label for metric in app.metric] == [f"{name}: answer after row 252" for name in ("Plain RNN", "GRU", "LSTM")]
    assert [_charted_rows(app, cell) for cell in ("rnn", "gru", "lstm")] == [252, 252, 252]
    contrast = [text.value for text in app.markdown if "Draw page's LSTM, trained on digits alone" in text.value]
    assert len(contrast) == 1 and "after 224 blank rows" in contrast[0]
    assert any(header.value == "Learning to remember" for header in app.subheader)
    assert any("learned the long gap best" in markdown.value for markdown in app.markdown)


def test_missing_learning_figures_get_a_plain_message_and_the_rest_of_the_page_stands(tmp_path):
    app = _compare_page({"learning to remember": str(tmp_path / "gone.json")})
    app.run()
    assert not app.exception, app.exception
    assert any("learning to remember figures are missing" in info.value and "bench/memory_training.py" in info.value for info in app.info)
    assert len(app.metric) == 3


def test_a_forged_slider_value_gets_a_plain_message_and_the_default():
    app = _compare_page()
    app.session_state["compare_blank_rows"] = 9999
    app.run()
    assert not app.exception, app.exception
    assert any("from 0 to 224" in warning.value for warning in app.warning)
    assert app.slider(key="compare_blank_rows").value == 56


@pytest.mark.slow
def test_a_missing_twin_file_gets_a_plain_message_and_the_others_still_read(tmp_path):
    app = _compare_page({"gru": str(tmp_path / "gone.keras")})
    app.run()
    assert not app.exception, app.exception
    assert any(
        "GRU network of the comparison cannot be read" in warning.value and "No model file" in warning.value for warning in app.warning
    )
    assert [metric.label.split(":")[0] for metric in app.metric] == ["Plain RNN", "LSTM"]
