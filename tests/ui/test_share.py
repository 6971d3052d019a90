"""ui.share: a reading survives the round trip through the address, and tampered addresses are refused clearly."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from model.drawings import render
from ui import share


def _digit() -> np.ndarray:
    from model.preprocess import canvas_to_mnist

    return canvas_to_mnist(render(7))


def test_a_drawing_round_trips_through_a_short_url_safe_string():
    image = _digit()
    text = share.encode_image(image)
    assert len(text) < 600 and share._BASE64URL.match(text)
    decoded = share.decode_image(text)
    assert decoded.shape == (28, 28) and decoded.dtype == np.float32
    np.testing.assert_allclose(decoded, share.quantise(image), atol=1e-7)
    assert np.abs(decoded - image).max() <= 0.5 / 255 + 1e-6


def test_quantised_images_encode_to_the_same_string():
    image = share.quantise(_digit())
    assert share.encode_image(share.decode_image(share.encode_image(image))) == share.encode_image(image)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("abc$def", "URL-safe base64"),
        ("A" * 5000, "too long"),
        ("abcd", "does not decompress"),
        (base64.urlsafe_b64encode(zlib.compress(bytes(100))).decode().rstrip("="), "28×28"),
        (base64.urlsafe_b64encode(zlib.compress(bytes(28 * 28 * 50))).decode().rstrip("="), "28×28"),
        (base64.urlsafe_b64encode(zlib.compress(bytes(784)) + b"trailing").decode().rstrip("="), "28×28"),
        ("A", "base64"),
    ],
)
def test_tampered_drawings_are_refused_with_a_short_message(text, message):
    with pytest.raises(ValueError, match=message):
        share.decode_image(text)


def test_a_truncated_drawing_is_refused():
    text = share.encode_image(_digit())
    for cut in (len(text) // 2, len(text) - 3):
        with pytest.raises(ValueError):
            share.decode_image(text[:cut])


def test_a_compression_bomb_is_not_inflated():
    bomb = base64.urlsafe_b64encode(zlib.compress(bytes(50_000_000), 9)).decode().rstrip("=")
    assert len(bomb) < share.MAXIMUM_ENCODED_LENGTH * 40  # Small on the wire, huge inflated.
    with pytest.raises(ValueError):
        share.decode_image(bomb[: share.MAXIMUM_ENCODED_LENGTH])


def test_encode_refuses_images_of_the_wrong_shape_or_with_nan():
    with pytest.raises(ValueError, match="28×28"):
        share.encode_image(np.zeros((27, 28)))
    with pytest.raises(ValueError, match="NaN"):
        share.encode_image(np.full((28, 28), np.nan))


def test_an_address_round_trips():
    image = share.quantise(_digit())
    parameters = share.address_parameters(image, None, False, "lstm_mnist.keras", 12)
    assert set(parameters) == {"drawing", "model", "row"}
    reading, problems = share.parse_address(parameters, ["lstm_mnist.keras"])
    assert problems == []
    np.testing.assert_allclose(reading.image, image, atol=1e-7)
    assert (reading.model_name, reading.row, reading.test_index) == ("lstm_mnist.keras", 12, None)

    mistake = share.address_parameters(None, 4321, True, None, 28)
    assert mistake == {"mistake": "4321"}
    reading, problems = share.parse_address(mistake, [])
    assert (reading.test_index, reading.mistake, reading.row, problems) == (4321, True, 28, [])
    assert share.address_parameters(None, None, False, "m.keras", 5) == {"model": "m.keras"}  # No digit, no row.


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [
        ({"test": "10000"}, "0 to 9,999"),
        ({"test": "-1"}, "0 to 9,999"),
        ({"mistake": "1e3"}, "0 to 9,999"),
        ({"test": "3", "drawing": "abc"}, "more than one"),
        ({"drawing": "%%%"}, "base64"),
        ({"model": "../../etc/passwd"}, "not on this server"),
        ({"row": "0"}, "1 to 28"),
        ({"row": "29"}, "1 to 28"),
        ({"row": "x"}, "1 to 28"),
        ({"row": "²"}, "1 to 28"),  # Unicode digits that int() refuses or reads.
        ({"test": "²"}, "0 to 9,999"),
        ({"test": "١٢"}, "0 to 9,999"),
    ],
)
def test_tampered_addresses_are_reported_and_the_bad_part_dropped(parameters, fragment):
    reading, problems = share.parse_address(parameters, ["lstm_mnist.keras"])
    assert len(problems) == 1 and fragment in problems[0]
    assert reading.row in range(1, 29)
    if "row" not in parameters:
        assert not reading.has_digit and reading.model_name is None


def test_a_bad_row_keeps_a_good_test_digit():
    reading, problems = share.parse_address({"test": "7", "row": "99"}, [])
    assert reading.test_index == 7 and reading.row == 28 and len(problems) == 1
