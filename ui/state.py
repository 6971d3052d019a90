"""The names of everything the drawing page keeps in `st.session_state`, in one place.

Widgets and callbacks of several modules meet in session state; a key spelled twice is a bug
waiting to happen, so each is spelled here once and imported. Other views may add their own keys
below, each with a line saying what it holds.
"""

from __future__ import annotations

# What is being read.
SOURCE = "digit_source"  # "canvas", "test" (an MNIST test digit) or "shared" (a drawing from the address).
TEST_INDEX = "test_digit_index"  # The MNIST test digit's index when SOURCE is "test".
FROM_MISTAKES = "test_digit_is_mistake"  # True when that test digit was opened from the Evaluate view's mistakes.
SHARED_IMAGE = "shared_drawing"  # The 28×28 image decoded from the address when SOURCE is "shared".
TEST_DIGIT_ERROR = "test_digit_error"  # Why a test digit could not be loaded, shown under the canvas.
CANVAS_GENERATION = "canvas_generation"  # Bumped to give the canvas a new key: a blank canvas.
BRUSH_WIDTH = "brush_width"  # The brush width slider.

# Which row is shown, and Play.
DRAWING_SIGNATURE = "reading_signature"  # Identifies the digit last read: a new one reopens at row 28.
ROW = "reading_row"  # The row shown (1–28): the one truth the slider, the metric and every panel follow.
ROW_SLIDER_GENERATION = "reading_row_slider_generation"  # A new drawing gets a fresh slider widget.
PLAYING = "playing_rows"  # True while Play steps through the rows.
PLAY_SPEED = "play_speed"  # The speed control's choice.
STATE_VIEW = "state_view"  # "Hidden state", "Cell state" or "Gates".

# The address.
ADDRESS_READ = "address_read"  # The address was read into the session once, at its start.
ADDRESS_NOTICE = "address_notice"  # A short note on a part of the address that could not be used.

# Cached per session.
READING_CACHE = "reading_cache"  # (signature, ProbeResult, decision row) of the digit last read.


def row_slider(generation: int) -> str:
    """The widget key of the Row slider for the given drawing generation."""
    return f"reading_row_slider_{generation}"


def canvas(generation: int) -> str:
    """The widget key of the canvas for the given generation."""
    return f"digit_canvas_{generation}" if generation else "digit_canvas"


# The "Why an LSTM?" page (ui/compare/).
COMPARE_PAGE = "compare_page"  # The page object, so the Draw page can link to it.
LAST_DIGIT = "last_digit"  # (28×28 image, description) of the digit the Draw page read last: what the comparison reads.
COMPARE_SOURCE = "compare_source"  # "Your last drawing" or "An example".
COMPARE_EXAMPLE = "compare_example"  # The hand-drawn example digit (0–9) read when no drawing is chosen.
COMPARE_BLANK_ROWS = "compare_blank_rows"  # The blank-rows slider: rows of nothing read after the drawing.
