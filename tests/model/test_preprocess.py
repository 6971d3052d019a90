"""model.preprocess: a drawing becomes an MNIST-like 28×28 image, whatever its colours and size."""

from __future__ import annotations

import numpy as np
import pytest

from model.preprocess import canvas_to_mnist


def _draw_bar(height=280, width=280, ink=(255, 255, 255, 255), background=(0, 0, 0, 255), box=(60, 120, 220, 160)):
    """An RGBA canvas with a filled rectangle of ink (top, left, bottom, right)."""
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    canvas[:] = background
    top, left, bottom, right = box
    canvas[top:bottom, left:right] = ink
    return canvas


def _centre_of_mass(image):
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (columns * image).sum() / image.sum()


def test_output_is_28_by_28_float32_in_unit_range():
    image = canvas_to_mnist(_draw_bar())
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(1.0)


def test_digit_fits_a_20_pixel_box_keeping_aspect_ratio():
    # A tall bar 160 high and 40 wide becomes 20 high and 5 wide.
    image = canvas_to_mnist(_draw_bar())
    inked_rows = np.flatnonzero(image.max(axis=1) > 0.05)
    inked_columns = np.flatnonzero(image.max(axis=0) > 0.05)
    assert inked_rows[-1] - inked_rows[0] + 1 == 20
    assert 5 <= inked_columns[-1] - inked_columns[0] + 1 <= 6


def test_centred_by_mass_wherever_it_was_drawn():
    for box in [(10, 10, 90, 40), (190, 230, 270, 270), (100, 100, 180, 140)]:
        image = canvas_to_mnist(_draw_bar(box=box))
        row, column = _centre_of_mass(image)
        assert abs(row - 13.5) <= 0.6 and abs(column - 13.5) <= 0.6


def test_white_on_black_black_on_white_and_transparent_agree():
    white_on_black = canvas_to_mnist(_draw_bar())
    black_on_white = canvas_to_mnist(_draw_bar(ink=(0, 0, 0, 255), background=(255, 255, 255, 255)))
    transparent = canvas_to_mnist(_draw_bar(ink=(20, 30, 200, 255), background=(0, 0, 0, 0)))
    np.testing.assert_allclose(white_on_black, black_on_white, atol=1e-6)
    np.testing.assert_allclose(white_on_black, transparent, atol=1e-6)


def test_downscaling_is_anti_aliased():
    # A one-pixel checkerboard shrinks to flat grey, not to aliasing stripes.
    canvas = np.zeros((200, 200, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[::2, ::2, :3] = 255
    canvas[1::2, 1::2, :3] = 255
    image = canvas_to_mnist(canvas)
    interior = image[6:22, 6:22]
    assert interior.std() < 0.05


def test_blank_and_near_blank_canvases_return_none():
    assert canvas_to_mnist(np.zeros((280, 280, 4), dtype=np.uint8)) is None
    speck = _draw_bar(box=(100, 100, 101, 102))
    assert canvas_to_mnist(speck) is None
    white = np.full((280, 280, 4), 255, dtype=np.uint8)
    assert canvas_to_mnist(white) is None


@pytest.mark.slow
def test_large_canvas_is_accepted():
    image = canvas_to_mnist(_draw_bar(height=4096, width=4096, box=(500, 1800, 3500, 2300)))
    assert image.shape == (28, 28)


def test_small_drawing_is_scaled_up():
    image = canvas_to_mnist(_draw_bar(box=(100, 100, 110, 104)))
    inked_rows = np.flatnonzero(image.max(axis=1) > 0.05)
    assert inked_rows[-1] - inked_rows[0] + 1 >= 19


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((280, 280, 3), dtype=np.uint8), "H×W×4"),
        (np.zeros((280, 280), dtype=np.uint8), "H×W×4"),
        (np.zeros((280, 280, 4), dtype=np.int32), "uint8"),
        (np.full((280, 280, 4), np.nan, dtype=np.float32), "NaN"),
        (np.full((280, 280, 4), 300.0), "between 0 and 255"),
        (np.zeros((5000, 10, 4), dtype=np.uint8), "between 8 and 4096"),
        (np.zeros((4, 4, 4), dtype=np.uint8), "between 8 and 4096"),
        ([[1, 2, 3, 4]], "numpy array"),
    ],
)
def test_malformed_input_raises_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        canvas_to_mnist(bad)


def test_drawn_mnist_digits_come_back_like_themselves(mnist):
    # MNIST digits enlarged onto a canvas come back close to the originals, give or take a pixel of shift.
    (_, _), (x_test, _) = mnist
    for digit in x_test[:20]:
        enlarged = np.kron(digit, np.ones((10, 10), dtype=np.uint8))
        canvas = np.zeros((280, 280, 4), dtype=np.uint8)
        canvas[..., :3] = enlarged[..., None]
        canvas[..., 3] = 255
        image = canvas_to_mnist(canvas)
        original = digit / 255.0
        best = max(
            np.corrcoef(np.roll(image, (dy, dx), axis=(0, 1)).ravel(), original.ravel())[0, 1] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
        )
        assert best > 0.8


def test_blank_rows_follow_an_image_or_a_batch():
    from model.preprocess import with_blank_rows

    image = np.ones((28, 28), np.float32)
    assert with_blank_rows(image, 5).shape == (33, 28) and with_blank_rows(image, 5).dtype == np.float32
    batch = with_blank_rows(np.stack([image, image]), 3)
    assert batch.shape == (2, 31, 28) and np.all(batch[:, 28:] == 0) and np.all(batch[:, :28] == 1)
