"""ui.components.charts: the training and evaluation figures, and the convention every Plotly figure builder follows."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from tests.test_run_record import make_record
from ui.components import charts
from ui.evaluate import charts as evaluate_charts
from ui.train import charts as training_charts


def test_smoothing():
    values = np.array([1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(charts.smooth(values, 0.0), values)
    smoothed = charts.smooth(values, 0.5)
    assert smoothed[0] == 1.0 and np.all(np.diff(smoothed) < 0)
    with pytest.raises(ValueError):
        charts.smooth(values, 1.0)


def test_confusion_matrix():
    matrix = np.diag(np.full(10, 98))
    matrix[4, 9] = 2
    figure = evaluate_charts.confusion_matrix(matrix)
    assert isinstance(figure, go.Figure)
    np.testing.assert_array_equal(figure.data[0].customdata, matrix)


def _every_figure():
    record = make_record()
    return {
        "training_curves": training_charts.training_curves(record.batches, record.epochs),
        "compare_runs": evaluate_charts.compare_runs({"a": record, "b": record}),
        "class_accuracy_bars": evaluate_charts.class_accuracy_bars([0.9] * 10),
        "confusion_matrix": evaluate_charts.confusion_matrix(np.eye(10, dtype=int) * 5),
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
