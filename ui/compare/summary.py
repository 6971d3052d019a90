"""The sentences of the "Why an LSTM?" page, written from the numbers on screen.

Pure functions, no Streamlit: each takes the readings or the shipped figures and says in plain
words what the figure beside it shows, so a sentence never claims what the numbers do not.
"""

from __future__ import annotations

import numpy as np

from model.shapes import IMAGE_ROWS, MAX_BLANK_ROWS
from ui.compare.charts import CELL_LABELS


def checked_blank_rows(value: object) -> int:
    """A number of blank rows a visitor may ask for (0 to `MAX_BLANK_ROWS`); raises ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) <= MAX_BLANK_ROWS:
        raise ValueError(f"The number of blank rows must be a whole number from 0 to {MAX_BLANK_ROWS}; it was reset.")
    return int(value)


def _answer(running: np.ndarray, row: int) -> tuple[int, float]:
    probabilities = running[row - 1]
    digit = int(probabilities.argmax())
    return digit, float(probabilities[digit])


def reading_sentence(running_by_cell: dict[str, np.ndarray], blank_rows: int) -> str:
    """What each network answers after the drawing, and, with blank rows, after the gap."""
    after_drawing = {cell: _answer(running, IMAGE_ROWS) for cell, running in running_by_cell.items()}
    said = ", ".join(f"the {CELL_LABELS[cell]} {digit} ({share:.0%})" for cell, (digit, share) in after_drawing.items())
    sentence = f"After the drawing's {IMAGE_ROWS} rows: {said}."
    if not blank_rows:
        return sentence + " Move the slider to make each network read blank rows after the drawing before it answers."
    after_gap = {cell: _answer(running, len(running)) for cell, running in running_by_cell.items()}
    kept = [cell for cell in running_by_cell if after_gap[cell][0] == after_drawing[cell][0]]
    lost = [cell for cell in running_by_cell if cell not in kept]
    parts = []
    for group, verb in ((kept, "still answers"), (lost, "now answers")):
        for cell in group:
            digit, share = after_gap[cell]
            parts.append(f"the {CELL_LABELS[cell]} {verb} {digit} ({share:.0%})")
    return sentence + f" After {blank_rows} blank rows more, " + "; ".join(parts) + "."


def memory_sentence(figures: dict, blank_rows: int = 112) -> str:
    """The shipped memory test in one sentence, at the gap length nearest `blank_rows` that was measured."""
    measured = figures["blank_rows"]
    index = int(np.argmin([abs(gap - blank_rows) for gap in measured]))
    gap = measured[index]
    said = ", ".join(f"the {CELL_LABELS[cell]} {values[index]:.1%}" for cell, values in figures["accuracy"].items())
    shipped = figures.get("shipped_accuracy")
    tail = f"; the shipped LSTM, never trained to remember, {shipped[index]:.1%}" if shipped else ""
    return (
        f"On {figures['images']:,} MNIST test digits, each followed by {gap} blank rows, the networks are right: {said}{tail}. "
        "Guessing would be right 10% of the time."
    )


def shipped_sentence(running: np.ndarray, blank_rows: int) -> str:
    """What the shipped LSTM, trained on digits alone, answers after the drawing and after the gap."""
    digit, share = _answer(running, IMAGE_ROWS)
    if not blank_rows:
        return f"**For contrast**, the Draw page's LSTM, trained on digits alone with no gaps, answers {digit} ({share:.0%})."
    after, after_share = _answer(running, len(running))
    verb = "still answers" if after == digit else "now answers"
    return (
        f"**For contrast**, the Draw page's LSTM, trained on digits alone with no gaps, answered {digit} ({share:.0%}) "
        f"after the drawing and after {blank_rows} blank rows {verb} {after} ({after_share:.0%}): "
        "a network keeps what it was trained to keep."
    )


def learning_sentence(figures: dict) -> str:
    """The short-training benchmark in words: which cell learned to carry a digit across the gap, with growing gaps."""
    growing = {run["cell"]: run for run in figures["runs"] if run["curriculum"]}
    ranked = sorted(growing.values(), key=lambda run: run["accuracy_after_gap"], reverse=True)
    if not ranked:
        return "The short-training measurement holds no run with growing gaps to compare."
    said = ", ".join(f"the {CELL_LABELS[run['cell']]} {run['accuracy_after_gap']:.0%}" for run in ranked)
    best = ranked[0]["cell"]
    verdict = (
        "gates make memory easier to learn, not merely possible."
        if best != "rnn"
        else "here the plain RNN learned it as well as the gated cells, so this measurement shows no advantage for the gates."
    )
    return (
        f"The networks above were trained at length, and all three learned to remember. Trained briefly instead, the same way "
        f"({figures['images']:,} digits, {figures['epochs']} epochs, gaps of up to {figures['gap']} rows growing over the first "
        f"half), they read digits after {figures['gap']} blank rows as follows: {said}. With the same data and time, the "
        f"{CELL_LABELS[best]} learned the long gap best: {verdict}"
    )


def gradient_sentence(profiles: dict[str, np.ndarray]) -> str:
    """How much weaker the gradient is at the drawing's middle row than at its strongest row, per cell."""
    parts = []
    for cell, profile in profiles.items():
        profile = np.asarray(profile, dtype=float)
        strongest = float(profile.max())
        middle = float(profile[IMAGE_ROWS // 2 - 1])
        if strongest <= 0 or middle <= 0:
            parts.append(f"the {CELL_LABELS[cell]}'s does not reach row {IMAGE_ROWS // 2} at all")
            continue
        orders = np.log10(strongest / middle)
        parts.append(f"the {CELL_LABELS[cell]}'s is {_orders_of_magnitude(orders)} at row {IMAGE_ROWS // 2}")
    return (
        "Each line says how much a small change to a row would move the answer: the gradient that training follows. "
        "Compared with its strongest row, " + "; ".join(parts) + ". Training follows this gradient: what reaches a row only "
        "faintly is learned slowly, which is why a plain RNN is the slowest to learn to remember (below)."
    )


def _orders_of_magnitude(orders: float) -> str:
    if orders < 0.5:
        return "about as strong"
    if orders < 1:
        return f"{10**orders:.0f}× weaker"
    if orders < 7:
        return f"about {10 ** round(orders):,}× weaker"
    return f"about 10{str(round(orders)).translate(_SUPERSCRIPTS)}× weaker"  # 10¹², not 10^12.


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def lstm_memory_sentence(forget_gate: np.ndarray, input_gate: np.ndarray, cell_state: np.ndarray) -> str:
    """What the LSTM's gates do through the blank rows (rows × units each), in numbers."""
    if len(cell_state) <= IMAGE_ROWS:
        return (
            "The forget gate (1: keep the cell's memory, 0: erase it) and the input gate (how much new is written) "
            "decide what the cell state carries from row to row. Add blank rows to watch them hold a memory."
        )
    gap = slice(IMAGE_ROWS, None)
    forget, write = float(forget_gate[gap].mean()), float(input_gate[gap].mean())
    start, end = cell_state[IMAGE_ROWS - 1], cell_state[-1]
    kept = float(np.corrcoef(start, end)[0, 1]) if start.std() > 0 and end.std() > 0 else 0.0
    if kept >= 0.9:
        state = f"the cell state after the last blank row is nearly the one after the drawing (correlation {kept:.2f})"
    elif kept >= 0.6:
        state = f"the cell state after the last blank row still resembles the one after the drawing (correlation {kept:.2f})"
    else:
        state = (
            f"the cell state has drifted from the one after the drawing (correlation {kept:.2f}): "
            "the gates keep what the answer needs, not every unit"
        )
    return (
        f"Through the {len(cell_state) - IMAGE_ROWS} blank rows the forget gate averages {forget:.2f} (1 keeps everything) "
        f"and the input gate {write:.2f} (0 writes nothing new): {state}. That gate-controlled memory is what a plain RNN "
        "lacks: its only state is rewritten through a squashing function at every row."
    )
