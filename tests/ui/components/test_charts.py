"""ui.components.charts: smoothing, log ticks and panels, the pieces every Plotly figure builder shares."""

from __future__ import annotations

import numpy as np
import pytest

from ui.components import charts


def test_smoothing():
    values = np.array([1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(charts.smooth(values, 0.0), values)
    smoothed = charts.smooth(values, 0.5)
    assert smoothed[0] == 1.0 and np.all(np.diff(smoothed) < 0)
    with pytest.raises(ValueError):
        charts.smooth(values, 1.0)


def test_log_ticks_always_give_at_least_two_labels():
    assert charts.log_ticks([0.05, 0.4]) == [0.05, 0.1, 0.2]
    assert len(charts.log_ticks([0.11, 0.13])) >= 2
    assert charts.log_ticks([0.02, 2.3]) == [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
    assert charts.log_ticks([float("nan")]) == [0.1, 1.0]


def test_panels_sit_side_by_side_each_with_its_axes_and_title():
    layout = charts.panels(("loss", "accuracy"))
    assert layout["xaxis"]["domain"][1] < layout["xaxis2"]["domain"][0]
    assert layout["yaxis2"]["anchor"] == "x2" and [note["text"] for note in layout["annotations"]] == ["loss", "accuracy"]
