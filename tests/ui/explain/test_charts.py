"""ui.explain.charts: every figure is valid Plotly, and says what the arrays say."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui.explain import charts as explain_charts


@pytest.fixture
def image():
    return np.random.default_rng(0).uniform(0, 1, (28, 28))


def test_row_importance_bars_run_along_the_rows_coloured_by_sign(image):
    scores = {"Occlusion": np.linspace(-1, 1, 28), "Integrated gradients": np.linspace(1, -1, 28)}
    figure = explain_charts.row_importance_figure(image, scores, digit=7)
    go.Figure(figure)  # Validates in full.
    heatmap, *bars = figure.data
    assert heatmap.type == "heatmap" and len(bars) == 2
    for bar, values in zip(bars, scores.values()):
        assert list(bar.y) == list(range(1, 29))
        np.testing.assert_allclose(bar.x, values)
        assert [colour == explain_charts.SUPPORTS for colour in bar.marker.color] == [value >= 0 for value in values]
    assert figure.layout.yaxis.autorange == "reversed", "row 1 at the top, as in the image"
    assert "7" in figure.layout.title.text
    assert [figure.layout.xaxis2.title.text, figure.layout.xaxis3.title.text] == [
        "<b>Occlusion</b><br>Δ probability",
        "<b>Integrated gradients</b><br>Δ probability",
    ], "each method named under its own bars"
    assert figure.layout.xaxis2.tickformat == ".3~%", "probabilities as percentages, never SI prefixes (2μ)"


def test_each_row_importance_chart_names_its_own_unit(image):
    """Issue 19: occlusion and integrated gradients measure different things; each chart's axis says which."""
    scores = {"Occlusion": np.zeros(28), "Integrated gradients": np.zeros(28)}
    titles = {"Occlusion": "drop in p(7) if blanked", "Integrated gradients": "share of p(7)'s rise"}
    figure = explain_charts.row_importance_figure(image, scores, 7, titles)
    assert [figure.layout.xaxis2.title.text, figure.layout.xaxis3.title.text] == [
        f"<b>{name}</b><br>{title}" for name, title in titles.items()
    ]


def test_deletion_figure_plots_every_curve_from_zero_to_28_rows_blanked():
    curves = {"Occlusion order": np.linspace(1, 0, 29), "Integrated-gradients order": np.linspace(1, 0.1, 29)}
    figure = explain_charts.deletion_figure(curves, np.linspace(1, 0.5, 29), digit=3)
    random_trace, *method_traces = figure.data
    assert random_trace.name == "random order" and random_trace.line.dash == "dot"
    assert [trace.name for trace in method_traces] == list(curves)
    assert list(random_trace.x) == list(range(29))


def test_what_if_image_shades_blanked_rows_and_every_click_names_its_row(image):
    figure = explain_charts.what_if_figure(image, [0, 12])
    heatmap, grid = figure.data
    assert [(shape.y0, shape.y1) for shape in figure.layout.shapes] == [(0.5, 1.5), (12.5, 13.5)]
    assert len(grid.x) == 28 * 28 and grid.marker.opacity == 0
    customdata = np.asarray(grid.customdata)
    np.testing.assert_array_equal(customdata[:, 0] + 1, grid.y)  # The row a click reports is the row under the pointer.
    np.testing.assert_array_equal(customdata[:, 1] + 1, grid.x)


def test_unit_picker_reports_the_unit_under_the_pointer_in_display_order():
    hidden = np.random.default_rng(1).uniform(-1, 1, (28, 6))
    order = np.array([3, 0, 5, 1, 4, 2])
    figure = explain_charts.unit_picker_figure(hidden, order, selected_unit=5, layer=1)
    heatmap, grid = figure.data
    np.testing.assert_allclose(heatmap.z, hidden[:, order])
    customdata = np.asarray(grid.customdata)
    np.testing.assert_array_equal(customdata[:, 1], order[np.asarray(grid.x) - 1])
    (outline,) = figure.layout.shapes
    assert (outline.x0, outline.x1) == (2.5, 3.5), "unit 5 sits third in display order"


def test_unit_trace_and_its_equations_use_the_real_numbers():
    rows = np.arange(28)
    gates = np.stack([np.full(28, 0.5), np.full(28, 0.9), np.full(28, -0.4), np.full(28, 0.8)], axis=1)
    cell = 0.1 * rows
    figure = explain_charts.unit_trace_figure(np.tanh(cell) * 0.8, cell, gates, row=6, unit=9, layer=0)
    assert [trace.name for trace in figure.data] == ["hidden h", "cell c", *explain_charts.GATE_NAMES]
    assert all(shape.x0 == 6 for shape in figure.layout.shapes)
    latex = explain_charts.unit_equations(gates[5], previous_cell=0.4, cell=0.16, hidden=0.13, row=6)
    assert r"c_{6} &= f \cdot c_{5} + i \cdot g \\&= 0.90 \times (+0.40) + 0.50 \times (-0.40) = +0.16" in latex
    assert r"h_{6} &= o \cdot \tanh(c_{6}) \\&= 0.80 \times \tanh(+0.16) = +0.13" in latex


def test_driver_picture_outlines_the_peak_row():
    digit = np.zeros((28, 28), dtype=np.uint8)
    picture = explain_charts.driver_picture(digit, row=10, scale=4)
    assert picture.shape == (112, 112, 3)
    assert tuple(picture[39, 0]) == (213, 94, 0) and tuple(picture[44, 0]) == (213, 94, 0)
    assert tuple(picture[41, 0]) == (0, 0, 0), "the row itself is left as it is"


def test_state_map_draws_clusters_the_path_and_the_current_row():
    generator = np.random.default_rng(2)
    points, labels = generator.normal(size=(100, 2)), np.arange(100) % 10
    path = np.cumsum(generator.normal(size=(28, 2)), axis=0)
    figure = explain_charts.state_map_figure(points, labels, generator.normal(size=(10, 2)), path, row=9, explained=[0.2, 0.1])
    go.Figure(figure)
    names = [trace.name for trace in figure.data]
    path_trace = figure.data[names.index("this drawing")]
    assert len(path_trace.x) == 28
    current = figure.data[-1]
    assert (current.x[0], current.y[0]) == tuple(path[8]) and current.text[0] == "row 9"
    assert [trace.name for trace in figure.data[:10]] == [f"test {digit}s" for digit in range(10)]
    assert "20%" in figure.layout.xaxis.title.text
    # Issue 19: the axis titles stand clear of their tick labels, with room for both inside the figure.
    for axis in (figure.layout.xaxis, figure.layout.yaxis):
        assert axis.automargin and axis.title.standoff >= 8
    assert figure.layout.margin.l >= 48 and figure.layout.margin.b >= 48
