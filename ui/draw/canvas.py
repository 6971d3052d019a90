"""The Draw page's source of digits: the canvas, its buttons, a test digit, or a drawing from the address.

`draw_canvas` returns the canvas's RGBA drawing, decoded within bounds (a forged message cannot make
the server decode a huge image); `current_digit` turns whatever the visitor chose to read into one
`Digit`, a 28×28 image with where it came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from model.data import MnistUnavailableError
from model.drawing_image import decode_drawing
from model.preprocess import canvas_to_mnist
from ui import navigation, resources, share
from ui import state as keys

CANVAS_SIDE = 280
DEFAULT_BRUSH_WIDTH = 20


@dataclass(frozen=True)
class Digit:
    """A 28×28 image to read, and where it came from."""

    image: np.ndarray
    description: str
    true_label: int | None = None
    test_index: int | None = None
    mistake: bool = False

    @property
    def signature(self) -> str:
        origin = repr((self.test_index, self.mistake)).encode()
        return hashlib.sha1(np.ascontiguousarray(self.image, dtype=np.float32).tobytes() + origin).hexdigest()


def draw_canvas(stroke_width: int) -> np.ndarray | None:
    """The RGBA drawing on the canvas (white ink on black), or None before the first stroke."""
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=canvas_key(),
        on_change=_use_canvas,
    )
    # The PNG is decoded here, bounded by its header, never by the component (whose `image_data`
    # decodes whatever arrives): a forged message cannot make the server decode a huge image.
    try:
        png_bytes = result.image_bytes
        return None if png_bytes is None else decode_drawing(png_bytes, canvas_side=CANVAS_SIDE)  # At most 4 × 280 pixels a side.
    except (ValueError, TypeError, AttributeError) as error:  # A forged message: not a data URL, not base64.
        st.toast(str(error) if isinstance(error, ValueError) and str(error).startswith("The drawing") else "The drawing could not be read.")
        return None


def canvas_key() -> str:
    """The canvas's widget key: a new one (a blank canvas) each time the visitor clears it."""
    return keys.canvas(st.session_state.get(keys.CANVAS_GENERATION, 0))


def _use_canvas() -> None:
    st.session_state[keys.SOURCE] = "canvas"


def _clear_canvas() -> None:
    """A new, blank canvas (its key changes), and the canvas is what is read."""
    st.session_state[keys.CANVAS_GENERATION] = st.session_state.get(keys.CANVAS_GENERATION, 0) + 1
    st.session_state[keys.SOURCE] = "canvas"


def _pick_test_digit() -> None:
    try:
        _, labels = resources.test_images()
    except MnistUnavailableError as error:
        st.session_state[keys.TEST_DIGIT_ERROR] = str(error)
        return
    navigation.open_test_digit(int(np.random.default_rng().integers(len(labels))))


def current_digit(rgba: np.ndarray | None, loaded: resources.LoadedModel) -> tuple[Digit | None, str | None]:
    """The digit to read, or None (nothing drawn yet), and a message when it cannot be read (or a claim was dropped)."""
    source = st.session_state.get(keys.SOURCE, "canvas")
    if source == "test" and keys.TEST_INDEX in st.session_state:
        try:
            images, labels = resources.test_images()
        except MnistUnavailableError as error:
            return None, str(error)
        index = st.session_state[keys.TEST_INDEX]
        image = images[index].astype(np.float32) / 255.0
        mistake, note = bool(st.session_state.get(keys.FROM_MISTAKES)), None
        if mistake and int(np.argmax(loaded.probe.predict(image[None])[0])) == labels[index]:
            # Claimed by an address (or by Evaluate, for another model): this model reads it right.
            st.session_state[keys.FROM_MISTAKES] = mistake = False
            note = f"This model reads MNIST test digit #{index} right, so it is not one of its mistakes; it is shown as a test digit."
        kind = "one of this model's mistakes, MNIST test digit" if mistake else "MNIST test digit"
        return Digit(image, f"{kind} #{index} (labelled {labels[index]})", int(labels[index]), index, mistake), note
    if source == "shared" and keys.SHARED_IMAGE in st.session_state:
        return Digit(st.session_state[keys.SHARED_IMAGE], "the drawing in this page's address"), None
    if rgba is None:
        return None, None
    try:
        image = canvas_to_mnist(rgba)
    except ValueError as error:
        return None, f"That drawing could not be read: {error}"
    if image is None:
        return None, None
    # Stored as the address stores it, so that a copied link reads exactly this image.
    return Digit(share.quantise(image).astype(np.float32), "your drawing"), None


def canvas_buttons() -> None:
    with st.container(horizontal=True, gap="small"):
        st.button("Clear", key="clear_canvas", icon=":material/delete:", on_click=_clear_canvas, help="Start again on a blank canvas")
        st.button("Test digit", key="test_digit", icon=":material/casino:", on_click=_pick_test_digit,
                  help="Read a random image from the 10,000 MNIST test digits (clears the canvas)")  # fmt: skip
        with st.popover("Brush", icon=":material/brush:", help="Brush width"):
            st.slider("Brush width", 8, 40, DEFAULT_BRUSH_WIDTH, key=keys.BRUSH_WIDTH)
    if keys.TEST_DIGIT_ERROR in st.session_state:
        st.warning(st.session_state[keys.TEST_DIGIT_ERROR])
