"""The reading figures' wire format: the specs `ui/draw/reading_charts.py` builds and `reading_figure.js` paints.

Each spec is a plain dict (sent as JSON, its arrays as typed arrays); these types name every key the
renderer reads, so that the Python side and the JavaScript side agree on one list. Two kinds:
`AnswerSpec` (the running answer: lines and bars) and `HeatmapsSpec` (the layers' states or gates,
and the 28×28 input picture, as heatmap panels with colour bars). Both carry the same row `Marks`.
No Streamlit, no computing: types only.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

import numpy as np

Scale = Literal["diverging", "sequential", "ink"]


class Margin(TypedDict):
    l: int  # noqa: E741  (the renderer's name)
    r: int
    t: int
    b: int


class Marks(TypedDict):
    """The row marks every reading figure carries: the row shown, the row the answer settled at, and their colours."""

    rows: int
    current_row: int
    decided_row: int | None
    current_colour: str
    decided_colour: str


class Line(TypedDict):
    """One digit's line in the running answer, labelled at `label` = [row, probability]."""

    digit: int
    colour: str
    width: float
    label: list[float]
    label_size: int


class QuietDigits(TypedDict):
    """The digits drawn as thin grey lines without labels."""

    digits: list[int]
    colour: str
    note: str


class Bars(TypedDict):
    """All ten probabilities after the row shown."""

    row: int
    values: np.ndarray
    answer: int
    title: str


class AnswerSpec(TypedDict):
    kind: Literal["answer"]
    height: int
    margin: Margin
    title: str
    narrow_title: str
    x_title: str
    narrow_x_title: str
    running: np.ndarray | None  # rows × 10 probabilities; None before a digit.
    lines: list[Line]
    quiet: QuietDigits
    bars: Bars | None
    digit_colours: list[str]
    marks: Marks
    note: NotRequired[str]  # Said in the figure's place before a digit.


class GroupTicks(TypedDict):
    """Where each digit's group of top-layer units sits."""

    centres: list[float]
    digits: list[int]
    boundaries: list[int]


class Panel(TypedDict):
    """One heatmap: rows down, columns across, placed at fractions `x`, `y` of the plot area."""

    z: np.ndarray | None  # None: the panel's place, without values.
    scale: Scale
    limits: list[float]
    x: list[float]
    narrow_x: list[float]  # The same on a phone's narrow figure (an input panel wide enough to read).
    y: list[float]
    hover_name: str
    title: str
    narrow_title: str
    row_title: str
    x_title: str
    narrow_x_title: str
    units: list[int] | None  # The unit shown in each column.
    groups: GroupTicks | None


class ColourBar(TypedDict):
    x: list[float]
    narrow_x: list[float]  # The same on a phone's narrow figure (an input panel wide enough to read).
    scale: Scale
    limits: list[float]
    title: str
    narrow_title: str
    ticks: list[float]
    tick_text: list[str]


class HeatmapsSpec(TypedDict):
    kind: Literal["heatmaps", "picture"]
    height: int
    margin: Margin
    colour_bar_offset: int
    panels: list[Panel]
    colour_bars: list[ColourBar]
    scales: dict[str, list]
    digit_colours: list[str]
    marks: Marks
    width: NotRequired[int]  # The input picture's fixed width.
    note: NotRequired[str]


ReadingSpec = AnswerSpec | HeatmapsSpec
