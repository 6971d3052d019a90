"""ui.train.charts: learning curves that read well from the first report, per-digit accuracy after each epoch, watched digits."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import BatchProgress
from tests.helpers import assert_valid_figure, make_record
from ui.train import charts as training_charts

RECORD = make_record()


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


def test_accuracy_on_each_digit_after_each_epoch():
    grid = training_charts.class_accuracy_by_epoch(RECORD.epochs)
    assert np.asarray(grid.data[0].z).shape == (2, 10) and list(grid.data[0].y) == ["epoch 1", "epoch 2"]


def test_watched_digits_grid_marks_right_and_wrong_answers():
    images = np.random.default_rng(0).uniform(size=(3, 28, 28))
    answers = [np.eye(10)[[0, 5, 2]], np.eye(10)[[0, 1, 2]]]
    figure = training_charts.watched_digits_grid(images, [0, 1, 2], answers, ["epoch 1", "epoch 2"])
    colours = [annotation.font.color for annotation in figure.layout.annotations]
    assert len(colours) == 6 and colours.count("#cf222e") == 1, "one wrong answer: the 1 read as 5 after epoch 1"
    # Each answer sits in the band above its image, never over the strokes.
    canvas = np.asarray(figure.data[0].z)
    for annotation in figure.layout.annotations:
        assert annotation.yanchor == "bottom" and np.isnan(canvas[int(annotation.y), int(annotation.x)])
        assert not np.isnan(canvas[int(annotation.y) + 2, int(annotation.x)]), "right above the image"


def _every_figure():
    return {
        "training_curves": training_charts.training_curves(RECORD.batches, RECORD.epochs, x_end=512),
        "class_accuracy_by_epoch": training_charts.class_accuracy_by_epoch(RECORD.epochs),
        "watched_digits_grid": training_charts.watched_digits_grid(np.zeros((2, 28, 28)), [0, 1], [np.eye(10)[[0, 1]]], ["epoch 1"]),
    }


@pytest.mark.parametrize("name", list(_every_figure()))
def test_every_figure_is_valid_plotly_with_its_colour_scales_spelled_out(name):
    assert_valid_figure(_every_figure()[name])
