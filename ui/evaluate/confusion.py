"""What a confusion matrix says: each digit's accuracy, and which cell a click on its chart chose.

Pure functions, no Streamlit: `ui/evaluate/view.py` draws the matrix and the bars and asks these.
"""

from __future__ import annotations

import numpy as np


def class_accuracy(confusion: np.ndarray) -> list[float]:
    """The share of each true digit's images answered right (the matrix's diagonal over its rows); NaN for an absent digit."""
    confusion = np.asarray(confusion, dtype=float)
    totals = confusion.sum(axis=1)
    return [float(right / total) if total else float("nan") for right, total in zip(np.diag(confusion), totals)]


def chosen_cell(event) -> tuple[int, int] | None:
    """The (true digit, answer) of the clicked off-diagonal cell in a `st.plotly_chart` selection event, if any."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points:
        try:
            true_digit, said = int(point["y"]), int(point["x"])
        except (KeyError, TypeError, ValueError, OverflowError):  # The browser's event is untrusted.
            continue
        if true_digit != said:
            return true_digit, said
    return None
