"""The reading in words: one paragraph saying when the network answered, changed its mind and became sure.

It is the text twin of the running-answer chart, for screen readers and for anyone who reads
before they look. Each notion is said with its meaning: an answer is a digit over 50%, sure is over
90%, and the row from which the top digit no longer changes is the chart's dashed line
(`model.probe.decision_row`), named whenever it differs from the last change of mind. Pure
functions of the probe's running probabilities, testable without Streamlit.
"""

from __future__ import annotations

import numpy as np

from model.probe import decision_row

ANSWER_PROBABILITY = 0.5  # A digit counts as the network's answer after a row once it gets at least this.
SURE_PROBABILITY = 0.9  # From the row where the final answer stays at least this likely, the network is "sure".
MOST_CHANGES_LISTED = 3


def answer_changes(running: np.ndarray) -> list[tuple[int, int]]:
    """(row, digit) each time the answer changed, rows counted from 1; a digit is an answer at ≥ ANSWER_PROBABILITY."""
    running = _checked(running)
    changes: list[tuple[int, int]] = []
    for row, probabilities in enumerate(running, start=1):
        digit = int(np.argmax(probabilities))
        if probabilities[digit] >= ANSWER_PROBABILITY and (not changes or changes[-1][1] != digit):
            changes.append((row, digit))
    return changes


def sure_row(running: np.ndarray) -> int | None:
    """The first row from which the final answer stays at least SURE_PROBABILITY likely to the end, or None."""
    running = _checked(running)
    final = int(np.argmax(running[-1]))
    below = np.flatnonzero(running[:, final] < SURE_PROBABILITY)
    if below.size == 0:
        return 1
    return None if below[-1] == len(running) - 1 else int(below[-1]) + 2


def summarise_reading(running: np.ndarray, true_label: int | None = None) -> str:
    """One paragraph, e.g. "It answered 1 after row 10, changed its mind to 4 at row 17, and was sure from row 18 on." """
    running = _checked(running)
    final = int(np.argmax(running[-1]))
    final_probability = float(running[-1, final])
    changes = answer_changes(running)
    sure = sure_row(running)
    settled = decision_row(running)
    settled_note = f" Its top digit is {final} from row {settled} on (the dashed line)." if settled > 1 else ""
    if not changes:
        runner_up = int(np.argsort(running[-1])[-2])
        sentence = (
            f"It never gave any digit as much as {ANSWER_PROBABILITY:.0%}: after the last row it leans to {final} "
            f"({final_probability:.0%}), then {runner_up} ({running[-1, runner_up]:.0%})."
        )
        return sentence + settled_note + _label_note(final, true_label)
    first_row, first_digit = changes[0]
    threshold = f"(over {ANSWER_PROBABILITY:.0%})"
    clauses = [
        f"answered {first_digit} after row {first_row} {threshold}" if first_row > 1 else f"answered {first_digit} from the first row"
    ]
    later = changes[1:]
    if len(later) > MOST_CHANGES_LISTED:
        clauses.append(f"changed its mind {len(later) - 1} times between rows {later[0][0]} and {later[-2][0]}")
        later = later[-1:]
    clauses += [f"changed its mind to {digit} at row {row}" for row, digit in later]
    if changes[-1][1] != final:  # The last clear answer faded below the threshold by the end.
        clauses.append(f"ended unsure, leaning to {final} ({final_probability:.0%})")
    elif sure is not None:
        sure_words = f"was sure (over {SURE_PROBABILITY:.0%})"
        clauses.append(f"{sure_words} from the first row on" if sure == 1 else f"{sure_words} from row {sure} on")
    else:
        clauses.append(f"never became sure ({final_probability:.0%} at the end)")
    if len(clauses) == 2 and not later:
        sentence = f"It {clauses[0]} and {clauses[1]}"
    else:
        sentence = "It " + ", ".join(clauses[:-1]) + ", and " + clauses[-1]
    sentence += "."
    if changes[-1] != (settled, final):  # The dashed line is not where the last change of mind was said to be.
        sentence += settled_note
    sentence += f" Final answer: {final} ({final_probability:.1%})."
    return sentence + _label_note(final, true_label)


def _label_note(final: int, true_label: int | None) -> str:
    if true_label is None:
        return ""
    if true_label == final:
        return f" That is right: the image is labelled {true_label}."
    return f" That is wrong: the image is labelled {true_label}."


def _checked(running: np.ndarray) -> np.ndarray:
    running = np.asarray(running, dtype=float)
    if running.ndim != 2 or running.shape[0] < 1 or running.shape[1] < 2:
        raise ValueError(f"Running probabilities must have shape (rows, digits), got {running.shape}.")
    if not np.isfinite(running).all():
        raise ValueError("Running probabilities contain NaN or infinite values.")
    return running
