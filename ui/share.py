"""The shareable address of a reading: what the page's query parameters hold, encoded and checked.

A reading is fully described by what is read (a drawing, or an MNIST test digit by index, or one
of the model's mistakes by test index), which model reads it, and which row is shown. A drawing
travels as its 28×28 image, quantised to bytes, compressed with zlib and written in URL-safe
base64 without padding: a digit typically takes 200–400 characters.

Pure functions, no Streamlit: `encode_image`/`decode_image` for the image, `parse_address` for
the whole address. Anything a visitor can type into the address bar is checked strictly, and
every problem is a `ValueError` with a short message the page can show as it is.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass

import numpy as np

from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS

TEST_IMAGE_COUNT = 10_000
MAXIMUM_ENCODED_LENGTH = 2_000  # A 28×28 byte image never compresses to more than ~1,100 characters.
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
# Query parameter names, short because they live in the address bar.
DRAWING_PARAMETER = "drawing"
TEST_PARAMETER = "test"
MISTAKE_PARAMETER = "mistake"
MODEL_PARAMETER = "model"
ROW_PARAMETER = "row"
READING_PARAMETERS = (DRAWING_PARAMETER, TEST_PARAMETER, MISTAKE_PARAMETER)


def quantise(image: np.ndarray) -> np.ndarray:
    """The image as the address stores it (whole 1/255 steps, as MNIST's bytes), so a copied link reads the very same image."""
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255.0) / 255.0


def encode_image(image: np.ndarray) -> str:
    """A 28×28 image with values in [0, 1] as a compact URL-safe string."""
    image = np.asarray(image, dtype=np.float64)
    if image.shape != (IMAGE_ROWS, IMAGE_COLUMNS):
        raise ValueError(f"The image must be {IMAGE_ROWS}×{IMAGE_COLUMNS}, got shape {image.shape}.")
    if not np.isfinite(image).all():
        raise ValueError("The image contains NaN or infinite values.")
    pixels = (quantise(image) * 255.0).astype(np.uint8)
    compressed = zlib.compress(pixels.tobytes(), 9)
    return base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_image(text: str) -> np.ndarray:
    """The 28×28 float image (values in [0, 1]) written by `encode_image`; ValueError for anything else."""
    if not isinstance(text, str) or not text:
        raise ValueError("The drawing in the address is empty.")
    if len(text) > MAXIMUM_ENCODED_LENGTH:
        raise ValueError("The drawing in the address is too long to be a 28×28 image.")
    if not _BASE64URL.match(text):
        raise ValueError("The drawing in the address is not URL-safe base64.")
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("The drawing in the address is not valid base64.") from error
    expected = IMAGE_ROWS * IMAGE_COLUMNS
    decompressor = zlib.decompressobj()
    try:
        # Never inflate more than one image's worth, however the data claims to expand.
        pixels = decompressor.decompress(compressed, expected + 1)
    except zlib.error as error:
        raise ValueError("The drawing in the address is damaged (it does not decompress).") from error
    if len(pixels) != expected or decompressor.unconsumed_tail or decompressor.unused_data or not decompressor.eof:
        raise ValueError(f"The drawing in the address is not a {IMAGE_ROWS}×{IMAGE_COLUMNS} image (it may have been cut short).")
    return np.frombuffer(pixels, dtype=np.uint8).reshape(IMAGE_ROWS, IMAGE_COLUMNS).astype(np.float32) / 255.0


def parse_index(text: str, count: int = TEST_IMAGE_COUNT) -> int:
    """A test-image index written in the address: a whole number from 0 to count − 1."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise ValueError(f"The test digit in the address must be a number from 0 to {count - 1:,}.")
    index = int(text)
    if index >= count:
        raise ValueError(f"The test digit in the address must be a number from 0 to {count - 1:,}, got {index:,}.")
    return index


def parse_row(text: str) -> int:
    """A row written in the address: a whole number from 1 to 28."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 2 or not 1 <= int(text) <= IMAGE_ROWS:
        raise ValueError(f"The row in the address must be a number from 1 to {IMAGE_ROWS}.")
    return int(text)


@dataclass(frozen=True)
class SharedReading:
    """What an address asks to show. At most one of image, test_index is set; row is 1–28."""

    image: np.ndarray | None = None
    test_index: int | None = None
    mistake: bool = False
    model_name: str | None = None
    row: int = IMAGE_ROWS

    @property
    def has_digit(self) -> bool:
        return self.image is not None or self.test_index is not None


def single_values(parameters: dict[str, str | list[str]]) -> tuple[dict[str, str], list[str]]:
    """The parameters given once each, and the names of those given more than once (never resolved: dropped)."""
    single, repeated = {}, []
    for name, value in parameters.items():
        values = [value] if isinstance(value, str) else list(value)
        if len(values) == 1:
            single[name] = values[0]
        else:
            repeated.append(name)
    return single, repeated


def parse_address(parameters: dict[str, str | list[str]], model_names: list[str]) -> tuple[SharedReading, list[str]]:
    """Read the query parameters into a SharedReading, and the problems found (each a short sentence).

    A part that does not check out is dropped and reported; the rest is kept, so a bad row never
    loses a good drawing. A part given twice (`?test=1&test=2`) is dropped too: no guess at which
    was meant. `model_names` are the names of the models this server has.
    """
    problems: list[str] = []
    parameters, repeated = single_values(parameters)
    known = [name for name in repeated if name in (*READING_PARAMETERS, MODEL_PARAMETER, ROW_PARAMETER)]
    if known:
        problems.append(f"The address gives {', '.join(f'`{name}=`' for name in known)} more than once; that part was not used.")
    image, test_index, mistake = None, None, False
    given = [name for name in READING_PARAMETERS if parameters.get(name)]
    if len(given) > 1:
        problems.append("The address names more than one digit to read; none was opened.")
    elif given == [DRAWING_PARAMETER]:
        try:
            image = decode_image(parameters[DRAWING_PARAMETER])
        except ValueError as error:
            problems.append(str(error))
    elif given:
        try:
            test_index = parse_index(parameters[given[0]])
            mistake = given[0] == MISTAKE_PARAMETER
        except ValueError as error:
            problems.append(str(error))
    model_name = parameters.get(MODEL_PARAMETER) or None
    if model_name is not None and model_name not in model_names:
        problems.append("The model named in the address is not on this server; the current model is used.")
        model_name = None
    row = IMAGE_ROWS
    if parameters.get(ROW_PARAMETER):
        try:
            row = parse_row(parameters[ROW_PARAMETER])
        except ValueError as error:
            problems.append(str(error))
    return SharedReading(image, test_index, mistake, model_name, row), problems


def address_parameters(image: np.ndarray | None, test_index: int | None, mistake: bool, model_name: str | None, row: int) -> dict[str, str]:
    """The query parameters that describe a reading (the inverse of `parse_address`)."""
    parameters: dict[str, str] = {}
    if test_index is not None:
        parameters[MISTAKE_PARAMETER if mistake else TEST_PARAMETER] = str(int(test_index))
    elif image is not None:
        parameters[DRAWING_PARAMETER] = encode_image(image)
    has_digit = bool(parameters)
    if model_name:
        parameters[MODEL_PARAMETER] = model_name
    if has_digit and row != IMAGE_ROWS:
        parameters[ROW_PARAMETER] = str(int(row))
    return parameters
