"""ui.reading_charts: the reading figures, checked on their data, labels, colour bars and row marks without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui import charts, reading_charts


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
    figure = reading_charts.states_figure(image, states, orders, current_row, decision_row, groups, **extra)
    return figure, image, states, orders


def _shapes(figure, **match):
    return [shape for shape in figure.layout.shapes if all(getattr(shape, key) == value for key, value in match.items())]


def test_running_answer_has_a_labelled_line_per_notable_digit_and_bars_after_the_chosen_row():
    figure = reading_charts.answer_figure(_running(), current_row=10, decision_row=16, true_label=4)
    lines = {trace.name: trace for trace in figure.data if trace.type == "scatter"}
    bars = next(trace for trace in figure.data if trace.type == "bar")
    # Digits that reach 15% (2 and 7) and the true label (4) get their own line; the rest share a grey one.
    assert set(lines) == {"2", "4", "7", reading_charts.OTHER_DIGITS}
    assert list(lines["7"].x) == list(range(1, 29))
    np.testing.assert_allclose(lines["2"].y, _running()[:, 2])
    assert lines["7"].line.width > lines["2"].line.width  # The final answer stands out.
    assert all(lines[d].line.color == charts.DIGIT_COLOURS[int(d)] for d in ("2", "4", "7"))
    quiet = lines[reading_charts.OTHER_DIGITS]
    assert sorted(set(quiet.customdata)) == [0, 1, 3, 5, 6, 8, 9] and quiet.line.color == charts.QUIET_GREY
    assert np.isnan(np.asarray(quiet.y, dtype=float)).sum() == 7  # One break between digits, so no line joins two of them.
    labels = {a.text: (a.x, a.y) for a in figure.layout.annotations if a.xref == "x"}
    assert labels["<b>7</b>"][1] == 0.9 and labels["<b>2</b>"][1] == 0.5  # Each label sits on its line's peak.
    np.testing.assert_allclose(bars.y, _running()[9])  # The bars show the answer after row 10.
    assert list(bars.marker.color) == charts.DIGIT_COLOURS  # Bars wear the digits' colours, as the lines do.
    assert bars.marker.opacity[2] == 1.0 and bars.marker.opacity[7] < 1.0


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
    figure = reading_charts.answer_figure(_running(), current_row=10, decision_row=16)
    current = _shapes(figure, type="line", x0=10)
    decided = _shapes(figure, type="line", x0=16)
    assert current[0].line.color == charts.CURRENT_ROW and decided[0].line.color == charts.DECIDED_ROW
    assert decided[0].line.dash == "dash"
    colours = {charts.CURRENT_ROW, charts.DECIDED_ROW, charts.QUIET_GREY}
    assert not colours & set(charts.DIGIT_COLOURS) and len(set(charts.DIGIT_COLOURS)) == 10


def test_states_show_the_input_and_each_layer_row_for_row():
    figure, image, states, orders = _states()
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    np.testing.assert_allclose(heatmaps[0].z, image)
    np.testing.assert_allclose(heatmaps[2].z, states[1][:, orders[1]])  # Units in the probe's order.
    assert all(h.zmid == 0 and (h.zmin, h.zmax) == (-1, 1) for h in heatmaps[1:])
    assert figure.layout.yaxis2.matches == "y" and figure.layout.yaxis3.matches == "y"  # Rows line up.
    assert [text.split(">")[2][0] for text in figure.layout.xaxis3.ticktext] == ["0", "3", "8"]  # Digit groups, coloured.
    assert figure.layout.xaxis3.title.text == reading_charts.TOP_LAYER_ORDER
    assert figure.layout.xaxis2.title.text == reading_charts.LOWER_LAYER_ORDER


def test_each_diverging_layer_has_a_symmetric_labelled_colour_bar_saying_its_scaling():
    figure, *_ = _states()
    layers = [trace for trace in figure.data if trace.type == "heatmap"][1:]
    assert all(layer.showscale for layer in layers)
    assert [list(layer.colorbar.ticktext) for layer in layers] == [["−1", "0", "+1"]] * 2
    assert all("fixed range" in layer.colorbar.title.text for layer in layers)
    cell, *_ = _states(state_name="cell state", symmetric_limits=[2.5, 0.5])
    layers = [trace for trace in cell.data if trace.type == "heatmap"][1:]
    assert [(h.zmin, h.zmax) for h in layers] == [(-2.5, 2.5), (-0.5, 0.5)]
    assert all("this layer's largest" in layer.colorbar.title.text for layer in layers)
    assert list(layers[0].colorbar.tickvals) == [-2.5, 0, 2.5]
    assert "layer 1 cell state" in [annotation.text for annotation in cell.layout.annotations]


def test_every_panel_marks_the_current_and_decision_rows_dims_unread_rows_and_can_outline_a_row():
    figure, *_ = _states(current_row=10, decision_row=16)
    for axis in ("y", "y2", "y3"):
        rows = sorted(shape.y0 for shape in _shapes(figure, yref=axis, type="line"))
        assert rows == [10, 16]
        dimmed = [shape for shape in _shapes(figure, yref=axis, type="rect") if shape.name is None]
        assert len(dimmed) == 1 and dimmed[0].y0 == 10.5
        (outline,) = _shapes(figure, yref=axis, name=reading_charts.ROW_HIGHLIGHT_Y)
        assert outline.visible is False
    assert all(trace.meta == {"rows": "y"} for trace in figure.data)
    answer = reading_charts.answer_figure(_running(), 10, 16)
    assert len(_shapes(answer, name=reading_charts.ROW_HIGHLIGHT_X)) == 1
    assert all(trace.meta == {"rows": "x"} for trace in answer.data if trace.type == "scatter")
    last_row, *_ = _states(current_row=28)
    assert not [shape for shape in _shapes(last_row, type="rect") if shape.name is None]


def test_gates_show_four_gates_per_layer_with_their_ranges_and_titles_that_do_not_collide():
    gates = [np.random.default_rng(2).uniform(0, 1, (28, 4, 5))] * 2
    spec = reading_charts.gates_spec(gates, [np.arange(5)] * 2, current_row=2, decision_row=9)
    figure = go.Figure({"data": spec["data"], "layout": spec["layout"]})
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    assert len(heatmaps) == 8
    assert [h.zmin for h in heatmaps[:4]] == [0, 0, -1, 0]
    np.testing.assert_allclose(heatmaps[1].z, gates[0][:, 1])
    titles = [annotation for annotation in figure.layout.annotations]
    assert [t.text for t in titles] == list(reading_charts.GATE_TITLES)  # Gate names once, above the columns.
    assert [figure.layout[f"yaxis{'' if i == 1 else i}"].title.text for i in (1, 5)] == ["layer 1: row", "layer 2: row"]
    scales = [h for h in heatmaps if h.showscale]
    assert len(scales) == 2 and {tuple(h.colorbar.ticktext) for h in scales} == {("0", "0.5", "1"), ("−1", "0", "+1")}
    # On a narrow screen the titles shorten (the live chart applies these changes).
    assert spec["narrow"]["layout"]["annotations[1].text"] == "forget"


def test_the_data_table_has_a_line_per_row():
    rng = np.random.default_rng(4)
    image = rng.uniform(size=(28, 28))
    table = reading_charts.reading_table(_running(), image, {"layer1_hidden": rng.uniform(size=(28, 3))})
    lines = table.strip().split("\n")
    header = lines[0].split(",")
    assert len(lines) == 29 and header[:3] == ["row", "answer", "p_0"] and header[-1] == "layer1_hidden_2"
    first = lines[1].split(",")
    assert first[0] == "1" and first[1] == "2" and float(first[12]) == float(f"{image[0, 0]:.6g}")


def test_input_picture_is_the_image_enlarged():
    image = np.random.default_rng(0).uniform(size=(28, 28))
    picture = reading_charts.input_picture(image, scale=8)
    assert picture.shape == (224, 224) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[::8, ::8], (image * 255).round().astype(np.uint8))
