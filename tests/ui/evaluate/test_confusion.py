"""ui.evaluate.confusion: a clicked cell of the confusion matrix, forged clicks skipped, accuracy on each digit."""

from __future__ import annotations

import numpy as np

from ui.evaluate import confusion


def test_a_clicked_confusion_cell_picks_those_mistakes_and_per_digit_accuracy_reads_the_diagonal():
    assert confusion.chosen_cell({"selection": {"points": [{"x": "3", "y": "5", "z": 1.2}]}}) == (5, 3)
    assert confusion.chosen_cell({"selection": {"points": [{"x": "4", "y": "4"}]}}) is None, "the diagonal holds no mistakes"
    assert confusion.chosen_cell({"selection": {"points": []}}) is None and confusion.chosen_cell(None) is None
    forged = [{"x": float("inf"), "y": "1"}, "not a point", {"x": None, "y": 2}, {"x": "2", "y": "7"}]
    assert confusion.chosen_cell({"selection": {"points": forged}}) == (7, 2), "forged points are skipped"
    matrix = np.diag([90, 100, 0, 0, 0, 0, 0, 0, 0, 0])
    matrix[0, 1] = 10
    accuracy = confusion.class_accuracy(matrix)
    assert accuracy[:2] == [0.9, 1.0] and np.isnan(accuracy[2])
