"""The reading figures drawn on a canvas in the page: the running answer, and the layers' states or gates.

A stroke redraws both figures, so they must be cheap in the browser. Plotly.js redrew them in
place, but still rebuilt each figure's SVG on every stroke: the page took 133 ms to draw a stroke's
answer, against 38 ms now (the render phase of `bench/stroke_anatomy.py`,
`bench/results/stroke_anatomy.txt`), and every visitor's browser had to load its 4.6 MB first.
This small renderer (`reading_figure.js`) paints the specs of `ui/draw/reading_charts.py` (their
wire format, typed: `ui/components/reading_spec.py`) on one
canvas per figure: heatmaps as pixels (the 28×28 input picture beside the prediction too),
the running answer as lines, with the same labels, colour bars and row marks, a tooltip on hover
(or tap), and the row under the pointer outlined in every reading figure at once.

The figure's data travels as typed arrays (`ui.components.live_chart.figure_json`), and a figure that has not
changed is not redrawn.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import streamlit as st

from ui.components.live_chart import figure_json
from ui.components.reading_spec import ReadingSpec

_RENDERER_JS = (Path(__file__).resolve().parent / "reading_figure.js").read_text(encoding="utf-8")


@st.cache_resource
def _component():
    return st.components.v2.component("lstm_demo.reading_figure", js=_RENDERER_JS, isolate_styles=False)


def reading_figure(spec: ReadingSpec, key: str, alt: str) -> None:
    """Draw a spec of `ui/draw/reading_charts.py` (its `kind` says which figure); the same key keeps the same canvas, redrawn in place.

    `alt` is what a screen reader says for the figure (its accessible name).
    """
    text = figure_json(spec)
    _component()(key=key, data={"figure": text, "revision": f"{zlib.crc32(text.encode()):08x}", "alt": alt})
