"""ui.train.charts: learning curves that read well from the first report, comparisons, per-digit accuracy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from model.config import BatchProgress
from tests.test_run_record import make_record
from ui.components import charts
from ui.evaluate import charts as evaluate_charts
from ui.train import charts as training_charts

RECORD = make_record()


def test_log_ticks_always_give_at_least_two_labels():
    assert charts.log_ticks([0.05, 0.4]) == [0.05, 0.1, 0.2]
    assert len(charts.log_ticks([0.11, 0.13])) >= 2
    assert charts.log_ticks([0.02, 2.3]) == [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
    assert charts.log_ticks([float("nan")]) == [0.1, 1.0]


def test_the_first_live_report_draws_a_point_in_a_frame_of_the_whole_run():
    first = [BatchProgress(epoch=1, epochs=2, batch=1, batches_per_epoch=10, samples_seen=128, seconds=0.3, loss=2.3, accuracy=0.1)]
    figure = training_charts.training_curves(first, [], "samples_seen", x_end=2560)
    training_loss = next(trace for trace in figure.data if trace.name == "training loss")
    assert "markers" in training_loss.mode, "one point must be visible"
    assert list(figure.layout.xaxis.range) == [0, 2560] and list(figure.layout.xaxis2.range) == [0, 2560]
    assert len(figure.layout.yaxis.tickvals) >= 2 and figure.layout.yaxis.type == "log"


def test_training_curves_of_a_record():
    figure = training_charts.training_curves(RECORD.batches, RECORD.epochs, "seconds", smoothing=0.5)
    names = [trace.name for trace in figure.data]
    assert names == ["batch loss", "training loss", "validation loss", "batch accuracy", "training accuracy", "validation accuracy"]
    assert list(figure.data[0].x) == [batch.seconds for batch in RECORD.batches]
    assert figure.layout.xaxis.rangemode == "tozero"
    with pytest.raises(ValueError):
        training_charts.training_curves(RECORD.batches, RECORD.epochs, "epochs")


def test_compare_runs_draws_training_and_validation_for_each_run():
    figure = evaluate_charts.compare_runs({"a": RECORD, "b": make_record(test_accuracy=0.5)})
    names = {trace.name for trace in figure.data}
    assert names == {"a: validation", "a: training", "b: validation", "b: training"}
    assert len(figure.data) == 8  # Two runs × two kinds × (accuracy, loss).


def test_per_digit_accuracy_charts():
    bars = evaluate_charts.class_accuracy_bars([0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9])
    assert list(bars.data[0].x) == [str(d) for d in range(10)] and bars.data[0].y[0] == 0.99
    grid = training_charts.class_accuracy_by_epoch(RECORD.epochs)
    assert np.asarray(grid.data[0].z).shape == (2, 10) and list(grid.data[0].y) == ["epoch 1", "epoch 2"]


def test_watched_digits_grid_marks_right_and_wrong_answers():
    images = np.random.default_rng(0).uniform(size=(3, 28, 28))
    answers = [np.eye(10)[[0, 5, 2]], np.eye(10)[[0, 1, 2]]]
    figure = training_charts.watched_digits_grid(images, [0, 1, 2], answers, ["epoch 1", "epoch 2"])
    colours = [annotation.font.color for annotation in figure.layout.annotations]
    assert len(colours) == 6 and colours.count("#FF6B6B") == 1, "one wrong answer: the 1 read as 5 after epoch 1"


def _every_figure():
    return {
        "training_curves": training_charts.training_curves(RECORD.batches, RECORD.epochs, x_end=512),
        "compare_runs": evaluate_charts.compare_runs({"a": RECORD, "b": RECORD}, "seconds"),
        "class_accuracy_bars": evaluate_charts.class_accuracy_bars([0.9] * 10),
        "class_accuracy_by_epoch": training_charts.class_accuracy_by_epoch(RECORD.epochs),
        "watched_digits_grid": training_charts.watched_digits_grid(np.zeros((2, 28, 28)), [0, 1], [np.eye(10)[[0, 1]]], ["epoch 1"]),
    }


@pytest.mark.parametrize("name", list(_every_figure()))
def test_every_figure_passes_plotlys_full_validation(name):
    go.Figure(_every_figure()[name].to_dict())
