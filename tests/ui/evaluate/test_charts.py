"""ui.evaluate.charts: the confusion matrix, accuracy on each digit, and runs compared, each valid Plotly."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from tests.helpers import assert_valid_figure, make_record
from ui.evaluate import charts, confusion

RECORD = make_record()


def test_confusion_matrix():
    matrix = np.diag(np.full(10, 98))
    matrix[4, 9] = 2
    figure = charts.confusion_matrix(matrix)
    assert isinstance(figure, go.Figure)
    np.testing.assert_array_equal(figure.data[0].customdata, matrix)
    # A click lands on an invisible marker at the cell's centre, whose x and y are the cell's digits.
    clicks = figure.data[1]
    cell = next(i for i, (x, y) in enumerate(zip(clicks.x, clicks.y)) if (x, y) == ("9", "4"))
    assert clicks.mode == "markers" and clicks.marker.opacity == 0 and clicks.customdata[cell] == 2
    assert confusion.chosen_cell({"selection": {"points": [{"x": clicks.x[cell], "y": clicks.y[cell]}]}}) == (4, 9)


def test_compare_runs_draws_training_and_validation_for_each_run():
    figure = charts.compare_runs({"a": RECORD, "b": make_record(test_accuracy=0.5)})
    names = {trace.name for trace in figure.data}
    assert names == {"a: validation", "a: training", "b: validation", "b: training"}
    assert len(figure.data) == 8  # Two runs × two kinds × (accuracy, loss).


def test_accuracy_on_each_digit():
    bars = charts.class_accuracy_bars([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9])
    assert list(bars.data[0].x) == [str(d) for d in range(10)] and bars.data[0].y[0] == 0.99


def _every_figure():
    return {
        "confusion_matrix": charts.confusion_matrix(np.eye(10, dtype=int) * 5),
        "class_accuracy_bars": charts.class_accuracy_bars([0.9] * 10),
        "compare_runs": charts.compare_runs({"a": RECORD, "b": RECORD}),
        "compare_runs_in_seconds": charts.compare_runs({"a": RECORD, "b": RECORD}, "seconds"),
    }


@pytest.mark.parametrize("name", list(_every_figure()))
def test_every_figure_is_valid_plotly_with_its_colour_scales_spelled_out(name):
    assert_valid_figure(_every_figure()[name])
