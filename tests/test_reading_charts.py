"""ui.reading_charts: the row-by-row figures, checked on their data and markers without Streamlit."""

from __future__ import annotations

import numpy as np

from ui import charts, reading_charts


def _running():
    running = np.full((28, 10), 0.01)
    running[:, 2] = 0.5
    running[15:, 2] = 0.05
    running[15:, 7] = 0.9
    return running


def _reading(current_row=10, decision_row=16, **extra):
    rng = np.random.default_rng(1)
    states = [rng.uniform(-1, 1, (28, 6)), rng.uniform(-1, 1, (28, 6))]
    orders = [np.arange(6), np.array([5, 4, 3, 2, 1, 0])]
    image = rng.uniform(size=(28, 28))
    groups = np.array([0, 0, 3, 3, 3, 8])
    figure = reading_charts.reading_figure(image, _running(), states, orders, current_row, decision_row, groups, **extra)
    return figure, image, states, orders


def test_reading_figure_has_a_line_per_digit_and_bars_after_the_chosen_row():
    figure, *_ = _reading(true_label=4)
    lines = {trace.name: trace for trace in figure.data if trace.type == "scatter"}
    bars = next(trace for trace in figure.data if trace.type == "bar")
    # Digits that reach 5% (2 and 7) and the true label (4) get their own line; the rest share a grey one.
    assert set(lines) == {"2", "4", "7", reading_charts.OTHER_DIGITS}
    assert list(lines["7"].x) == list(range(1, 29))
    np.testing.assert_allclose(lines["2"].y, _running()[:, 2])
    assert lines["7"].line.width > lines["2"].line.width  # The final answer stands out.
    quiet = lines[reading_charts.OTHER_DIGITS]
    assert sorted(set(quiet.customdata)) == [0, 1, 3, 5, 6, 8, 9]
    assert np.isnan(np.asarray(quiet.y, dtype=float)).sum() == 7  # One break between digits, so no line joins two of them.
    assert [annotation.text for annotation in figure.layout.annotations if annotation.xref in (None, "x")][:3] == ["2", "4", "7"]
    np.testing.assert_allclose(bars.y, _running()[9])  # The bars show the answer after row 10.
    assert bars.marker.color[2] == charts.ACCENT and bars.marker.color[7] != charts.ACCENT
    assert "true label: 4" in figure.layout.title.text


def test_reading_figure_shows_the_input_and_each_layer_row_for_row():
    figure, image, states, orders = _reading()
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    np.testing.assert_allclose(heatmaps[0].z, image)
    np.testing.assert_allclose(heatmaps[2].z, states[1][:, orders[1]])  # Units in the probe's order.
    assert all(h.zmid == 0 and (h.zmin, h.zmax) == (-1, 1) for h in heatmaps[1:])
    assert figure.layout.yaxis4.matches == "y3" and figure.layout.yaxis5.matches == "y3"  # Rows line up.
    assert list(figure.layout.xaxis5.ticktext) == ["→0", "→3", "→8"]


def test_reading_figure_marks_the_current_and_decision_rows_and_dims_unread_rows():
    figure, *_ = _reading(current_row=10, decision_row=16)
    vertical = sorted(shape.x0 for shape in figure.layout.shapes if shape.xref == "x" and shape.type == "line")
    assert vertical == [10, 16]
    for axis in ("y3", "y4", "y5"):
        rows = sorted(shape.y0 for shape in figure.layout.shapes if shape.yref == axis and shape.type == "line")
        assert rows == [10, 16]
        dimmed = [shape for shape in figure.layout.shapes if shape.yref == axis and shape.type == "rect"]
        assert len(dimmed) == 1 and dimmed[0].y0 == 10.5
    last_row, *_ = _reading(current_row=28)
    assert not [shape for shape in last_row.layout.shapes if shape.type == "rect"]


def test_cell_state_uses_each_layers_own_limit():
    figure, *_ = _reading(state_name="cell state", symmetric_limits=[2.5, 0.5])
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"][1:]
    assert [(h.zmin, h.zmax) for h in heatmaps] == [(-2.5, 2.5), (-0.5, 0.5)]
    assert "LSTM layer 1: cell state" in [annotation.text for annotation in figure.layout.annotations]


def test_gates_figure_shows_four_gates_per_layer_with_their_ranges():
    gates = [np.random.default_rng(2).uniform(0, 1, (28, 4, 5))] * 2
    figure = reading_charts.reading_gates_figure(_running(), gates, [np.arange(5)] * 2, current_row=2, decision_row=9)
    heatmaps = [trace for trace in figure.data if trace.type == "heatmap"]
    assert len(heatmaps) == 8
    assert [h.zmin for h in heatmaps[:4]] == [0, 0, -1, 0]
    np.testing.assert_allclose(heatmaps[1].z, gates[0][:, 1])


def test_input_picture_is_the_image_enlarged():
    image = np.random.default_rng(0).uniform(size=(28, 28))
    picture = reading_charts.input_picture(image, scale=8)
    assert picture.shape == (224, 224) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[::8, ::8], (image * 255).round().astype(np.uint8))
