"""ui.draw.reading_summary: the paragraph says when the network answered, changed its mind and became sure."""

from __future__ import annotations

import numpy as np
import pytest

from ui.draw.reading_summary import answer_changes, summarise_reading, sure_row


def _running(segments: list[tuple[int, int, float]]) -> np.ndarray:
    """28 rows; each (first row, digit, probability) holds from its row until the next one; the rest spread evenly."""
    running = np.full((28, 10), 0.1)
    for index, (row, digit, probability) in enumerate(segments):
        end = segments[index + 1][0] - 1 if index + 1 < len(segments) else 28
        running[row - 1 : end] = (1 - probability) / 9
        running[row - 1 : end, digit] = probability
    return running


def test_the_issues_example_reads_as_written():
    running = _running([(1, 0, 0.1), (10, 1, 0.6), (17, 4, 0.7), (18, 4, 0.97)])
    assert answer_changes(running) == [(10, 1), (17, 4)]
    assert sure_row(running) == 18
    assert summarise_reading(running) == (
        "It answered 1 after row 10 (over 50%), changed its mind to 4 at row 17, and was sure (over 90%) "
        "from row 18 on. Final answer: 4 (97.0%)."
    )


def test_an_answer_that_never_changes():
    running = _running([(1, 7, 0.95)])
    assert summarise_reading(running) == (
        "It answered 7 from the first row and was sure (over 90%) from the first row on. Final answer: 7 (95.0%)."
    )


def test_a_reading_that_never_becomes_sure_and_the_true_label():
    text = summarise_reading(_running([(1, 3, 0.2), (6, 3, 0.7)]), true_label=5)
    assert "answered 3 after row 6 (over 50%)" in text and "never became sure (70% at the end)" in text
    assert text.endswith("That is wrong: the image is labelled 5.")


def test_many_changes_are_summarised():
    running = _running([(1, 1, 0.6), (3, 2, 0.6), (5, 3, 0.6), (7, 4, 0.6), (9, 5, 0.6), (11, 6, 0.99)])
    text = summarise_reading(running)
    assert "changed its mind 4 times between rows 3 and 9" in text and "changed its mind to 6 at row 11" in text


def test_no_clear_answer_at_all():
    running = np.full((28, 10), 0.1)
    running[:, 2], running[:, 8] = 0.3, 0.2
    running /= running.sum(axis=1, keepdims=True)
    assert summarise_reading(running).startswith("It never gave any digit as much as 50%: after the last row it leans to 2")


def test_an_answer_that_fades_at_the_end():
    running = _running([(1, 1, 0.1), (5, 9, 0.8), (27, 2, 0.45)])
    text = summarise_reading(running)
    assert "answered 9 after row 5 (over 50%) and ended unsure, leaning to 2 (45%)" in text
    assert "Its top digit is 2 from row 27 on (the dashed line)." in text


def test_the_row_the_dashed_line_marks_is_named_when_it_is_not_the_last_change_of_mind():
    # The top digit becomes 1 at row 19 (40%, under the answer threshold) and passes 50% at row 20: as the newcomer's flagged 1.
    running = _running([(1, 0, 0.1), (15, 9, 0.6), (19, 1, 0.4), (20, 1, 0.8), (22, 1, 0.95)])
    text = summarise_reading(running)
    assert "changed its mind to 1 at row 20" in text and "Its top digit is 1 from row 19 on (the dashed line)." in text


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        summarise_reading(np.zeros(10))
    with pytest.raises(ValueError):
        summarise_reading(np.full((28, 10), np.nan))
