"""Decode the canvas's PNG into an RGBA array, refusing anything too big before it is decoded.

The drawing arrives from the browser as PNG bytes, and anyone can send any bytes in its place: a
13000×13000 PNG is under 1 MB on the wire but takes about 2 GB and seconds of CPU to decode. So
the size is read from the PNG header (its IHDR chunk) and checked before a single pixel is decoded:
against what the page's canvas can send (`canvas_side` CSS pixels times a high-density screen's
pixel ratio, at most `MAXIMUM_PIXEL_RATIO`), else against the canvas limits of `model.preprocess`;
garbage and other formats are refused with a `ValueError` whose message the page can show. This module does no preprocessing (see
`model.preprocess.canvas_to_mnist`) and imports no Streamlit.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image

from model.preprocess import MAXIMUM_CANVAS_SIDE, MINIMUM_CANVAS_SIDE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The canvas sends a few kilobytes; even a full-size canvas of noise compresses to far less.
MAXIMUM_DRAWING_BYTES = 4 * 1_000_000
_IHDR = struct.Struct(">I4sII")  # chunk length, chunk type, width, height
# The canvas sends its drawing at the screen's device pixel ratio: 1 on most desktops, 2-3.5 on
# phones and high-density laptops; 4 leaves a margin. A 280-pixel canvas sends at most 1,120 pixels.
MAXIMUM_PIXEL_RATIO = 4


def png_size(png_bytes: bytes) -> tuple[int, int]:
    """The (width, height) a PNG declares in its header, read without decoding; raises ValueError."""
    if not isinstance(png_bytes, bytes | bytearray | memoryview):
        raise ValueError("The drawing did not arrive as image bytes.")
    if len(png_bytes) > MAXIMUM_DRAWING_BYTES:
        raise ValueError(f"The drawing is {len(png_bytes):,} bytes; a canvas drawing is at most {MAXIMUM_DRAWING_BYTES:,}.")
    if bytes(png_bytes[: len(PNG_SIGNATURE)]) != PNG_SIGNATURE:
        raise ValueError("The drawing is not a PNG image.")
    if len(png_bytes) < len(PNG_SIGNATURE) + _IHDR.size:
        raise ValueError("The drawing is a truncated PNG image.")
    length, chunk_type, width, height = _IHDR.unpack_from(png_bytes, len(PNG_SIGNATURE))
    if chunk_type != b"IHDR" or length != 13:
        raise ValueError("The drawing is a damaged PNG image (it does not start with its header).")
    return width, height


def decode_drawing(png_bytes: bytes, canvas_side: int | None = None) -> np.ndarray:
    """The canvas PNG as an H×W×4 uint8 RGBA array; raises ValueError for anything else.

    Nothing is decoded unless the header declares a size the canvas could send: at most
    `canvas_side × MAXIMUM_PIXEL_RATIO` on each side when the canvas's side is given.
    """
    width, height = png_size(png_bytes)
    largest = MAXIMUM_CANVAS_SIDE if canvas_side is None else min(MAXIMUM_CANVAS_SIDE, canvas_side * MAXIMUM_PIXEL_RATIO)
    if not (MINIMUM_CANVAS_SIDE <= width <= largest and MINIMUM_CANVAS_SIDE <= height <= largest):
        raise ValueError(f"The drawing must be between {MINIMUM_CANVAS_SIDE} and {largest} pixels on each side, got {width}×{height}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(bytes(png_bytes)), formats=["PNG"]) as image:
                if image.size != (width, height):
                    raise ValueError("The drawing is a damaged PNG image (its sizes disagree).")
                rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8)
    except ValueError:
        raise
    except Exception as error:  # Pillow raises many kinds for damaged data (OSError, SyntaxError, zlib errors).
        raise ValueError(f"The drawing is a damaged PNG image ({type(error).__name__}).") from error
    return rgba
