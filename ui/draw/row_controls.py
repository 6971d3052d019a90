"""Which row of the reading is shown, and Play: the one row state the slider, the metric and every panel follow.

The row lives in `st.session_state[ROW]` alone. A digit not seen before opens at row 28 (or the
row its address names) and stops Play; the slider, the step buttons and Play's ticks only change
that one value. Play keeps time in the browser (`browser_actions.play_clock`), which presses a
hidden "next row" button once per step, so a visitor's Pause, stroke or slider move always comes
first. No Streamlit layout of its own beyond the controls row; no knowledge of what is read.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from model.shapes import IMAGE_ROWS
from ui import state as keys
from ui.components.browser_actions import play_clock

SECONDS_PER_ROW = {"slow": 0.6, "normal": 0.25, "fast": 0.08}  # The wait before each next row, on top of its redraw.
# Play's step button is for the browser's clock alone.
HIDDEN_TICK_CSS = f"<style>.st-key-{keys.PLAY_TICK} {{ display: none !important; }}</style>"


def row_in_step(signature: str) -> int:
    """The row to show: row 28 (or the address's row) for a digit not seen before, else the one chosen."""
    previous = st.session_state.get(keys.DRAWING_SIGNATURE)
    if previous != signature:
        st.session_state[keys.DRAWING_SIGNATURE] = signature
        st.session_state[keys.ROW] = st.session_state.pop(keys.PENDING_ROW, IMAGE_ROWS)
        st.session_state[keys.PLAYING] = False
        if previous is None:
            # The slider left the page with the last digit: a slider that comes back under the same key
            # showed its old position while the page read row 28 (the Reset-then-draw bug), so it gets a new key.
            st.session_state[keys.ROW_SLIDER_GENERATION] = st.session_state.get(keys.ROW_SLIDER_GENERATION, 0) + 1
    row = int(np.clip(st.session_state.get(keys.ROW, IMAGE_ROWS), 1, IMAGE_ROWS))
    if st.session_state.get(keys.PLAYING) and row >= IMAGE_ROWS:
        st.session_state[keys.PLAYING] = False
    st.session_state[keys.ROW] = row
    return row


def forget_digit() -> None:
    st.session_state[keys.DRAWING_SIGNATURE] = None
    st.session_state[keys.PLAYING] = False


def _set_row(row: int) -> None:
    st.session_state[keys.ROW] = int(np.clip(row, 1, IMAGE_ROWS))


def _step(delta: int) -> None:
    st.session_state[keys.PLAYING] = False
    _set_row(st.session_state.get(keys.ROW, IMAGE_ROWS) + delta)


def _slider_moved(slider_key: str) -> None:
    st.session_state[keys.PLAYING] = False
    _set_row(st.session_state[slider_key])


def _toggle_play() -> None:
    if st.session_state.get(keys.PLAYING):
        st.session_state[keys.PLAYING] = False
        return
    if st.session_state.get(keys.ROW, IMAGE_ROWS) >= IMAGE_ROWS:
        st.session_state[keys.ROW] = 1
    st.session_state[keys.PLAYING] = True


def _play_tick() -> None:
    """One step of Play (pressed by the browser's clock, see `browser_actions.play_clock`)."""
    if not st.session_state.get(keys.PLAYING):
        return
    row = st.session_state.get(keys.ROW, IMAGE_ROWS) + 1
    _set_row(row)
    if row >= IMAGE_ROWS:
        st.session_state[keys.PLAYING] = False


def row_controls(row: int, running: np.ndarray | None) -> None:
    """Step back, Play/Pause, step forward, speed, the row slider and the answer after that row.

    `running` None: before there is a digit. Every control stands in its place, disabled, under the
    key it keeps once a digit arrives, so the first stroke updates them instead of building them;
    the slider takes the key the first digit's slider will have (`row_in_step` moves to the next
    generation when a digit follows none).
    """
    waiting = running is None
    playing = bool(st.session_state.get(keys.PLAYING))
    first_digit_help = "Draw a digit first"
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.button("◀", key="row_back", on_click=_step, args=(-1,), help="One row back (← key)", shortcut="Left",
                  disabled=waiting or row <= 1)  # fmt: skip
        st.button(
            "Pause" if playing else "Play",
            key="play_rows",
            icon=":material/pause:" if playing else ":material/play_arrow:",  # The page's own icon font, not a system glyph.
            on_click=_toggle_play,
            help=first_digit_help if waiting else "Pause on this row (K key)" if playing else "Read the image row by row (K key)",
            shortcut="K",
            disabled=waiting,
        )
        # Pressed by Play's clock in the browser, never by hand (hidden by _PAGE_CSS).
        st.button("Next row (Play)", key=keys.PLAY_TICK, on_click=_play_tick, disabled=waiting)
        st.button("▶", key="row_forward", on_click=_step, args=(1,), help="One row forward (→ key)", shortcut="Right",
                  disabled=waiting or row >= IMAGE_ROWS)  # fmt: skip
        st.segmented_control("Speed", list(SECONDS_PER_ROW), default="normal", key=keys.PLAY_SPEED, help="How fast Play reads")
        if waiting:
            st.metric(f"Answer after row {row}", "–", width="content")
        else:
            at_row = running[row - 1]
            digit = int(np.argmax(at_row))
            st.metric(f"Answer after row {row}", str(digit), f"{at_row[digit]:.1%}", delta_color="off", delta_arrow="off", width="content")
    slider_key = keys.row_slider(st.session_state.get(keys.ROW_SLIDER_GENERATION, 0) + (1 if waiting else 0))
    st.session_state[slider_key] = row
    st.slider(
        "Row",
        1,
        IMAGE_ROWS,
        key=slider_key,
        on_change=_slider_moved,
        args=(slider_key,),
        disabled=waiting,
        help=first_digit_help if waiting else "Show the network's state after reading this many rows (arrow keys move it one row)",
    )


def clock(row: int) -> dict:
    """What Play's clock in the browser needs (`browser_actions.play_clock`): while playing, ask for
    the next row after one step of the chosen speed."""
    speed = SECONDS_PER_ROW[st.session_state.get(keys.PLAY_SPEED) or "normal"]
    return play_clock(bool(st.session_state.get(keys.PLAYING)), speed, row, keys.PLAY_TICK)
