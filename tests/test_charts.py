"""ui.charts: pure figure builders, checked on their data and markers without Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ui import charts


def _running():
    running = np.full((28, 10), 0.05)
    running[:, 2] = 0.5
    running[15:, 2] = 0.05
    running[15:, 7] = 0.9
    return running


def test_probability_bars_highlight_the_prediction():
    probabilities = np.eye(10)[4] * 0.9 + 0.01
    figure = charts.probability_bars(probabilities)
    bar = figure.data[0]
    assert list(bar.x) == [str(d) for d in range(10)]
    np.testing.assert_allclose(bar.y, probabilities)
    assert bar.marker.color[4] == charts.ACCENT and bar.marker.color[3] != charts.ACCENT


def test_running_probabilities_has_a_line_per_digit_and_row_markers():
    figure = charts.running_probabilities(_running(), current_row=10, decision_row=16, true_label=7)
    assert len(figure.data) == 10
    assert list(figure.data[7].x) == list(range(1, 29))
    assert figure.data[7].line.width > figure.data[2].line.width  # The final answer stands out.
    vertical_lines = sorted(shape.x0 for shape in figure.layout.shapes)
    assert vertical_lines == [10, 16]
    assert "true label: 7" in figure.layout.title.text


def test_input_image_dims_unread_rows_and_frames_the_current_row():
    image = np.random.default_rng(0).uniform(size=(28, 28))
    figure = charts.input_image(image, current_row=5)
    np.testing.assert_allclose(figure.data[0].z, image)
    dimmed, frame = figure.layout.shapes
    assert dimmed.y0 == 5.5 and dimmed.y1 == 28.5
    assert frame.y0 == 4.5 and frame.y1 == 5.5
    assert len(charts.input_image(image, current_row=28).layout.shapes) == 1


def test_state_heatmap_orders_units_and_centres_the_scale():
    values = np.random.default_rng(1).uniform(-1, 1, (28, 6))
    order = np.array([5, 4, 3, 2, 1, 0])
    figure = charts.state_heatmap(values, order, "hidden", current_row=3, decision_row=9, unit_groups=np.array([0, 0, 3, 3, 3, 8]))
    heatmap = figure.data[0]
    np.testing.assert_allclose(heatmap.z, values[:, order])
    assert heatmap.zmid == 0 and heatmap.zmin == -1 and heatmap.zmax == 1
    assert list(figure.layout.xaxis.ticktext) == ["→0", "→3", "→8"]
    assert {shape.y0 for shape in figure.layout.shapes if shape.y0 == shape.y1} == {3, 9}


def test_cell_state_scales_to_its_largest_magnitude():
    values = np.zeros((28, 4))
    values[3, 1] = -2.5
    heatmap = charts.state_heatmap(values, np.arange(4), "cell", symmetric_limit=None).data[0]
    assert heatmap.zmin == -2.5 and heatmap.zmax == 2.5


def test_gate_heatmaps_show_four_gates_with_their_ranges():
    gates = np.random.default_rng(2).uniform(0, 1, (28, 4, 5))
    figure = charts.gate_heatmaps(gates, np.arange(5), "gates", current_row=2)
    assert len(figure.data) == 4
    assert [trace.zmin for trace in figure.data] == [0, 0, -1, 0]
    np.testing.assert_allclose(figure.data[1].z, gates[:, 1])


def test_smoothing():
    values = np.array([1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(charts.smooth(values, 0.0), values)
    smoothed = charts.smooth(values, 0.5)
    assert smoothed[0] == 1.0 and np.all(np.diff(smoothed) < 0)
    with pytest.raises(ValueError):
        charts.smooth(values, 1.0)


def test_training_curves_plot_batches_and_epochs_on_the_chosen_axis():
    batches = [{"samples_seen": 100 * i, "seconds": i / 2, "loss": 2 / i, "accuracy": 1 - 1 / (i + 1)} for i in range(1, 11)]
    epochs = [{"epoch": 1, "samples_seen": 500, "seconds": 2.5, "val_loss": 0.4, "val_accuracy": 0.9}]
    figure = charts.training_curves(batches, epochs, "seconds", smoothing=0.5)
    names = [trace.name for trace in figure.data]
    assert names == ["batch loss", "training loss", "validation loss", "batch accuracy", "training accuracy", "validation accuracy"]
    assert list(figure.data[0].x) == [b["seconds"] for b in batches]
    assert list(figure.data[2].x) == [2.5]
    with pytest.raises(ValueError):
        charts.training_curves(batches, epochs, "epochs")


def test_confusion_matrix_and_run_comparison():
    matrix = np.diag(np.full(10, 98))
    matrix[4, 9] = 2
    figure = charts.confusion_matrix(matrix)
    assert isinstance(figure, go.Figure)
    np.testing.assert_array_equal(figure.data[0].customdata, matrix)
    history = {"epochs": [{"epoch": 1, "seconds": 3.0, "val_accuracy": 0.9, "val_loss": 0.3}]}
    comparison = charts.compare_runs({"a": history, "b": history})
    assert len(comparison.data) == 4


def _every_figure():
    rng = np.random.default_rng(3)
    history = {"epochs": [{"epoch": 1, "seconds": 3.0, "val_accuracy": 0.9, "val_loss": 0.3}]}
    batches = [{"samples_seen": 100, "seconds": 1.0, "loss": 0.5, "accuracy": 0.8}]
    epochs = [{"epoch": 1, "samples_seen": 100, "seconds": 1.0, "val_loss": 0.4, "val_accuracy": 0.85}]
    return {
        "probability_bars": charts.probability_bars(rng.dirichlet(np.ones(10))),
        "input_image": charts.input_image(rng.uniform(size=(28, 28)), current_row=4),
        "running_probabilities": charts.running_probabilities(_running(), 3, 16, 7),
        "state_heatmap": charts.state_heatmap(rng.uniform(-1, 1, (28, 6)), np.arange(6), "h", 3, 9, np.array([0, 0, 1, 1, 2, 2])),
        "gate_heatmaps": charts.gate_heatmaps(rng.uniform(size=(28, 4, 5)), np.arange(5), "g", 3, 9),
        "training_curves": charts.training_curves(batches, epochs),
        "compare_runs": charts.compare_runs({"a": history, "b": history}),
        "confusion_matrix": charts.confusion_matrix(np.eye(10, dtype=int) * 5),
    }


@pytest.mark.parametrize("name", list(_every_figure()))
def test_every_figure_passes_plotlys_full_validation(name):
    # The builders skip Plotly's per-property validation for speed; here it runs in full.
    go.Figure(_every_figure()[name].to_dict())


@pytest.mark.parametrize("name", list(_every_figure()))
def test_colour_scales_are_spelled_out(name):
    # Plotly.js does not know Python-side names such as "RdBu_r"; unvalidated figures must carry lists.
    for trace in _every_figure()[name].to_dict()["data"]:
        if "colorscale" in trace:
            assert isinstance(trace["colorscale"], list | tuple), trace["colorscale"]
