"""The style every page shares, on top of Streamlit's theme: what keeps a phone's screen readable.

- On a narrow screen the page title shrinks, so that the canvas and the prediction under it fit
  on one screen, and every page's title reads alike.
- On a touch screen Plotly's toolbar would stay shown over every chart's title (there is no
  hover to hide it); it is hidden there (a pinch still zooms the page).
- A wide equation (the unit inspector's LSTM equations with their numbers) scrolls sideways in
  its own box instead of running off the screen.
"""

from __future__ import annotations

import streamlit as st

PAGE_CSS = """<style>
@media (max-width: 640px) { h1 { font-size: 1.7rem !important; padding-top: 0 !important; } }
@media (hover: none) { .modebar-container { display: none !important; } }
.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 0.2rem; }
</style>"""


def apply() -> None:
    """Add the shared style to the page (once per run, from `app.py`)."""
    st.html(PAGE_CSS)
