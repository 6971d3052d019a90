"""ui.charts: the training and evaluation figures, and the convention every figure builder follows."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from tests.test_reading_charts import _running, _states
from ui import charts, reading_charts


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
        "answer_figure": reading_charts.answer_figure(_running(), 10, 16, 4),
        "states_figure": _states()[0],
        "gates_figure": reading_charts.gates_figure([rng.uniform(size=(28, 4, 5))] * 2, [np.arange(5)] * 2, 3, 9),
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
