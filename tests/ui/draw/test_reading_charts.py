"""ui.draw.reading_charts: the reading figures' specs, checked on their data, labels, colour bars and row marks without Streamlit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ui.components import charts, live_chart
from ui.draw import reading_charts


def _running():
    running = np.full((28, 10), 0.01)
    running[:, 2] = 0.5
    running[15:, 2] = 0.05
    running[15:, 7] = 0.9
    return running


def _states(current_row=10, decision_row=16, **extra):
    rng = np.random.default_rng(1)
    states = [rng.uniform(-1, 1, (28, 6)), rng.uniform(-1, 1, (28, 6))]
    orders = [np.arange(6), np.array([5, 4, 3, 2, 1, 0])]
    image = rng.uniform(size=(28, 28))
    groups = np.array([0, 0, 3, 3, 3, 8])
    figure = reading_charts.states_spec(image, states, orders, current_row, decision_row, groups, **extra)
    return figure, image, states, orders


def _as_sent(spec):
    """The spec as the page receives it (JSON, arrays as typed arrays), to check it survives the trip."""
    return json.loads(live_chart.figure_json(spec))


def test_running_answer_has_a_labelled_line_per_notable_digit_and_bars_after_the_chosen_row():
    figure = reading_charts.answer_spec(_running(), current_row=10, decision_row=16, true_label=4)
    lines = {line["digit"]: line for line in figure["lines"]}
    # Digits that reach 15% (2 and 7) and the true label (4) get their own line; the rest are grey and unlabelled.
    assert set(lines) == {2, 4, 7}
    assert figure["quiet"]["digits"] == [0, 1, 3, 5, 6, 8, 9] and figure["quiet"]["colour"] == charts.QUIET_GREY
    np.testing.assert_allclose(figure["running"], _running(), rtol=1e-6)
    assert lines[7]["width"] > lines[2]["width"] and lines[7]["label_size"] > lines[2]["label_size"]  # The final answer stands out.
    assert all(lines[d]["colour"] == charts.DIGIT_COLOURS[d] for d in (2, 4, 7))
    assert lines[7]["label"][1] == pytest.approx(0.9) and lines[2]["label"][1] == pytest.approx(0.5)  # Each label sits on its line's peak.
    bars = figure["bars"]
    np.testing.assert_allclose(bars["values"], _running()[9], rtol=1e-6)  # The bars show the answer after row 10.
    assert bars["answer"] == 2 and bars["title"] == "after row 10"
    assert figure["digit_colours"] == charts.DIGIT_COLOURS  # Bars wear the digits' colours, as the lines do.
    assert "Running answer" in figure["title"] and len(figure["narrow_title"]) < len(figure["title"])  # Shorter on a phone.
    sent = _as_sent(figure)
    assert sent["running"]["shape"] == "28,10" and sent["running"]["dtype"] == "f4"


def test_direct_labels_never_overlap():
    running = np.full((28, 10), 0.02)
    for digit in range(1, 9):  # Eight lines that all peak at row 14 with nearly the same probability.
        running[10:18, digit] = 0.3 + 0.01 * digit
    running[-1] = 0.01
    running[-1, 8] = 0.91
    positions = reading_charts.label_positions(running, list(range(1, 9)))
    placed = list(positions.values())
    for index, (x, y) in enumerate(placed):
        for other_x, other_y in placed[index + 1 :]:
            separate_rows, separate_values = reading_charts.LABEL_SEPARATION
            assert abs(x - other_x) >= separate_rows or abs(y - other_y) >= separate_values
    for digit, (row, value) in positions.items():
        assert value == running[row - 1, digit]  # Every label stays on its own line.


def test_one_meaning_per_colour_for_the_row_marks():
    marks = reading_charts.answer_spec(_running(), current_row=10, decision_row=16)["marks"]
    expected = {
        "rows": 28,
        "current_row": 10,
        "decided_row": 16,
        "current_colour": charts.CURRENT_ROW,
        "decided_colour": charts.DECIDED_ROW,
    }
    assert marks == expected
    colours = {charts.CURRENT_ROW, charts.DECIDED_ROW, charts.QUIET_GREY}
    assert not colours & set(charts.DIGIT_COLOURS) and len(set(charts.DIGIT_COLOURS)) == 10
    assert reading_charts.answer_spec(_running())["marks"]["decided_row"] is None


def test_states_show_the_input_and_each_layer_row_for_row():
    figure, image, states, orders = _states()
    panels = figure["panels"]
    assert [panel["title"] for panel in panels] == ["input", "layer 1 hidden state", "layer 2 hidden state"]
    np.testing.assert_allclose(panels[0]["z"], image, rtol=1e-6)
    np.testing.assert_allclose(panels[2]["z"], states[1][:, orders[1]], rtol=1e-6)  # Units in the probe's order...
    assert panels[2]["units"] == [5, 4, 3, 2, 1, 0]  # ...and the tooltip names each column's unit.
    assert all(panel["limits"] == [-1.0, 1.0] and panel["scale"] == "diverging" for panel in panels[1:])
    assert all(panel["y"] == [0.0, 1.0] for panel in panels)  # Rows line up across the panels.
    assert panels[0]["row_title"] == "row" and not panels[1]["row_title"]
    groups = panels[2]["groups"]
    assert groups["digits"] == [0, 3, 8] and groups["centres"] == [0.5, 3.0, 5.0] and groups["boundaries"] == [2, 5]
    assert panels[2]["x_title"] == reading_charts.TOP_LAYER_ORDER and panels[1]["x_title"] == reading_charts.LOWER_LAYER_ORDER
    assert panels[1]["groups"] is None
    left, right = panels[1]["x"], panels[2]["x"]
    assert panels[0]["x"][1] < left[0] < left[1] < right[0] < right[1] <= 1  # Side by side, never overlapping.
    assert set(figure["scales"]) >= {panel["scale"] for panel in panels}
    for scale in figure["scales"].values():  # What the page's renderer reads: positions 0…1 and #rrggbb colours.
        assert scale[0][0] == 0 and scale[-1][0] == 1 and all(len(colour) == 7 and colour[0] == "#" for _, colour in scale)
    assert _as_sent(figure)["panels"][1]["z"]["shape"] == "28,6"


def test_each_diverging_layer_has_a_symmetric_labelled_colour_bar_saying_its_scaling():
    figure, *_ = _states()
    bars = figure["colour_bars"]
    assert [bar["tick_text"] for bar in bars] == [["−1", "0", "+1"]] * 2
    assert all("fixed range" in bar["title"] for bar in bars)
    assert [bar["x"] for bar in bars] == [panel["x"] for panel in figure["panels"][1:]]  # Each under its own layer.
    cell, *_ = _states(state_name="cell state", symmetric_limits=[2.5, 0.5])
    assert [panel["limits"] for panel in cell["panels"][1:]] == [[-2.5, 2.5], [-0.5, 0.5]]
    assert all("this layer's largest" in bar["title"] for bar in cell["colour_bars"])
    assert cell["colour_bars"][0]["ticks"] == [-2.5, 0, 2.5] and cell["colour_bars"][0]["limits"] == [-2.5, 2.5]
    assert cell["panels"][1]["title"] == "layer 1 cell state"


def test_on_a_phone_the_input_panel_is_wide_enough_to_read_and_the_panels_do_not_overlap():
    figure, *_ = _states()
    for fit in ("x", "narrow_x"):
        spans = [panel[fit] for panel in figure["panels"]]
        assert all(left[1] < right[0] for left, right in zip(spans, spans[1:])) and spans[-1][1] <= 1.0, fit
        assert [bar[fit] for bar in figure["colour_bars"]] == spans[1:], "each colour bar under its own layer"
    input_share = figure["panels"][0]["narrow_x"][1] - figure["panels"][0]["narrow_x"][0]
    assert input_share >= 0.2 > figure["panels"][0]["x"][1], "28 columns beside 28 rows read on a 390 px screen"


def test_every_figure_carries_the_current_and_decision_rows():
    figure, *_ = _states(current_row=10, decision_row=16)
    assert figure["marks"]["current_row"] == 10 and figure["marks"]["decided_row"] == 16
    gates = reading_charts.gates_spec([np.zeros((28, 4, 3))] * 2, [np.arange(3)] * 2, current_row=3, decision_row=None)
    assert gates["marks"]["current_row"] == 3 and gates["marks"]["decided_row"] is None


def test_gates_show_four_gates_per_layer_with_their_ranges_and_titles_that_do_not_collide():
    gates = [np.random.default_rng(2).uniform(0, 1, (28, 4, 5))] * 2
    figure = reading_charts.gates_spec(gates, [np.arange(5)] * 2, current_row=2, decision_row=9)
    panels = figure["panels"]
    assert len(panels) == 8
    assert [panel["limits"][0] for panel in panels[:4]] == [0, 0, -1, 0]
    np.testing.assert_allclose(panels[1]["z"], gates[0][:, 1], rtol=1e-6)
    assert [panel["title"] for panel in panels if panel["title"]] == list(reading_charts.GATE_TITLES)  # Gate names once, above the columns.
    assert [panel["row_title"] for panel in panels if panel["row_title"]] == ["layer 1: row", "layer 2: row"]
    for index, panel in enumerate(panels):  # No two panels overlap.
        for other in panels[index + 1 :]:
            apart_x = panel["x"][1] <= other["x"][0] or other["x"][1] <= panel["x"][0]
            apart_y = panel["y"][1] <= other["y"][0] or other["y"][1] <= panel["y"][0]
            assert apart_x or apart_y
    assert {tuple(bar["tick_text"]) for bar in figure["colour_bars"]} == {("0", "0.5", "1"), ("−1", "0", "+1")}
    assert panels[1]["narrow_title"] == "forget"  # On a narrow screen the titles shorten.


def test_the_data_table_has_a_line_per_row():
    rng = np.random.default_rng(4)
    image = rng.uniform(size=(28, 28))
    table = reading_charts.reading_table(_running(), image, {"layer1_hidden": rng.uniform(size=(28, 3))})
    lines = table.strip().split("\n")
    header = lines[0].split(",")
    assert len(lines) == 29 and header[:3] == ["row", "answer", "p_0"] and header[-1] == "layer1_hidden_2"
    first = lines[1].split(",")
    assert first[0] == "1" and first[1] == "2" and float(first[12]) == float(f"{image[0, 0]:.6g}")


def test_input_picture_is_the_image_on_a_fixed_square_with_the_reading_marks():
    image = np.random.default_rng(0).uniform(-0.2, 1.2, size=(28, 28))
    picture = reading_charts.picture_spec(image, side=140, current_row=12, decision_row=9)
    assert picture["kind"] == "picture" and picture["width"] == picture["height"] == 140
    (panel,) = picture["panels"]
    np.testing.assert_array_equal(panel["z"], np.clip(image, 0, 1).astype(np.float32))
    assert panel["scale"] == "ink" and panel["limits"] == [0.0, 1.0] and panel["x"] == panel["y"] == [0.0, 1.0]
    assert picture["marks"]["current_row"] == 12 and picture["marks"]["decided_row"] == 9
    assert picture["colour_bars"] == [] and picture["margin"] == {"l": 0, "r": 0, "t": 0, "b": 0}


def test_the_waiting_input_picture_keeps_its_place_without_values():
    picture = reading_charts.picture_spec(None, side=140)
    assert picture["panels"][0]["z"] is None and picture["width"] == 140
