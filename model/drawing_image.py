"""Decode the canvas's PNG into an RGBA array, refusing anything too big before it is decoded.

The drawing arrives from the browser as PNG bytes, and anyone can send any bytes in its place: a
13000×13000 PNG is under 1 MB on the wire but takes about 2 GB and seconds of CPU to decode. So
the size is read from the PNG header (its IHDR chunk) and checked against the canvas limits of
`model.preprocess` before a single pixel is decoded; garbage and other formats are refused with a
`ValueError` whose message the page can show. This module does no preprocessing (see
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


def decode_drawing(png_bytes: bytes) -> np.ndarray:
    """The canvas PNG as an H×W×4 uint8 RGBA array; raises ValueError for anything else.

    Nothing is decoded unless the header declares a size within the canvas limits.
    """
    width, height = png_size(png_bytes)
    if not (MINIMUM_CANVAS_SIDE <= width <= MAXIMUM_CANVAS_SIDE and MINIMUM_CANVAS_SIDE <= height <= MAXIMUM_CANVAS_SIDE):
        raise ValueError(
            f"The drawing must be between {MINIMUM_CANVAS_SIDE} and {MAXIMUM_CANVAS_SIDE} pixels on each side, got {width}×{height}."
        )
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
