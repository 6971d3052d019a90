"""What one page asks of another: open a test digit in the Draw page, and switch there.

The Evaluate page's mistakes open in the Draw page, and the Draw page itself opens test digits
(its Test digit button, an address naming one). Both write the same few keys of session state,
here, so that neither page imports the other. `remember_draw_page` is called by `app.py`, which
builds the pages; `follow_switch` is called by a page after the callback that asked for the switch.
"""

from __future__ import annotations

import streamlit as st

from ui import state as keys


def remember_draw_page(page) -> None:
    """Keep the Draw page's object (an `st.Page`), so that other pages can switch to it."""
    st.session_state[keys.DRAW_PAGE] = page


def open_test_digit(index: int, mistake: bool = False) -> None:
    """Make MNIST test image `index` the digit the Draw page reads (`mistake`: opened from the Evaluate page's mistakes).

    The canvas is cleared, so that the canvas and the reading never disagree.
    """
    st.session_state.pop(keys.TEST_DIGIT_ERROR, None)
    st.session_state[keys.TEST_INDEX] = int(index)
    st.session_state[keys.FROM_MISTAKES] = bool(mistake)
    st.session_state[keys.SOURCE] = "test"
    st.session_state[keys.CANVAS_GENERATION] = st.session_state.get(keys.CANVAS_GENERATION, 0) + 1


def open_mistake_in_draw_page(index: int) -> None:
    """A callback: open test digit `index` as a mistake, and switch to the Draw page on the next run."""
    open_test_digit(index, mistake=True)
    st.session_state[keys.SWITCH_TO_DRAW] = True


def follow_switch() -> None:
    """Switch to the Draw page when a callback asked for it (a callback may not switch pages itself)."""
    if st.session_state.pop(keys.SWITCH_TO_DRAW, False):
        st.switch_page(st.session_state[keys.DRAW_PAGE])
