"""model.augmentation.redraw: each canvas-style distortion on fixed inputs, and the fit that matches canvas_to_mnist."""

from __future__ import annotations

import numpy as np
import pytest

from model.augmentation.redraw import (
    add_continental_strokes,
    change_stroke_width,
    cut_at_an_edge,
    fit_as_canvas,
    gaussian_blur,
    lower_resolution,
    redraw_batch,
    stroke_segment,
    stroke_width,
    warp,
)
from model.drawings import render
from model.preprocess import canvas_to_mnist


def bar(top=6, bottom=22, left=12, right=15) -> np.ndarray:
    """A 28×28 image holding one upright rectangle of full ink: a plain 1."""
    image = np.zeros((28, 28), np.float32)
    image[top : bottom + 1, left : right + 1] = 1.0
    return image


def box_of(image: np.ndarray, threshold: float = 0.1) -> tuple[int, int, int, int]:
    rows, columns = np.flatnonzero((image > threshold).any(axis=1)), np.flatnonzero((image > threshold).any(axis=0))
    return rows[0], rows[-1], columns[0], columns[-1]


def test_fit_as_canvas_fits_the_ink_into_the_20_pixel_box_centred_by_mass():
    small = bar(top=2, bottom=9, left=2, right=3)  # A small 1 in the top left corner, 8 pixels tall.
    (fitted,) = fit_as_canvas(small[None])
    top, bottom, left, right = box_of(fitted)
    assert bottom - top + 1 in (20, 21)  # Fitted to 20 rows (bilinear edges may touch one more).
    mass = fitted / fitted.sum()
    assert abs((mass.sum(axis=1) @ np.arange(28)) - 13.5) < 0.6
    assert abs((mass.sum(axis=0) @ np.arange(28)) - 13.5) < 0.6
    assert fitted.max() == pytest.approx(1.0)


def test_fit_as_canvas_matches_canvas_to_mnist_on_a_drawing():
    """A drawing rendered small and off-centre: fitting its 28×28 rendering agrees with the app's pipeline."""
    rgba = render(4, side=280, brush=20, scale=0.6, shift=(-0.15, 0.1))
    expected = canvas_to_mnist(rgba)
    small = rgba[..., 0].reshape(28, 10, 28, 10).mean(axis=(1, 3)).astype(np.float32) / 255  # The canvas at MNIST's scale.
    (fitted,) = fit_as_canvas(small[None])
    assert np.corrcoef(fitted.ravel(), expected.ravel())[0, 1] > 0.9
    assert np.abs(np.subtract(box_of(fitted), box_of(expected))).max() <= 1


def test_fit_as_canvas_stretches_and_leaves_a_blank_image_blank():
    images = np.stack([bar(), np.zeros((28, 28), np.float32)])
    narrow, blank = fit_as_canvas(images, np.array([1.0, 1.0]))
    wide, _ = fit_as_canvas(images, np.array([2.0, 1.0]))
    width = lambda image: box_of(image)[3] - box_of(image)[2] + 1  # noqa: E731
    assert width(wide) > width(narrow) + 2
    assert not blank.any()


def test_stroke_width_steps_widen_and_thin_a_bar():
    wide_bar = bar(left=11, right=16)  # Six columns.
    thinner, same, wider = change_stroke_width(np.repeat(wide_bar[None], 3, axis=0), np.array([-1, 0, 2]))
    np.testing.assert_array_equal(same, wide_bar)
    assert (thinner > 0.5).sum(axis=1).max() == 4  # One column lost at each side.
    assert (wider > 0.5).sum(axis=1).max() == 10  # One step of a cross, one of a square: two more each side.


def test_thinning_never_removes_more_than_half_of_the_ink():
    hairline = bar(left=13, right=13)
    (kept,) = change_stroke_width(hairline[None], np.array([-1]))
    np.testing.assert_array_equal(kept, hairline)


def test_a_jagged_warp_moves_ink_a_little_and_only_in_the_chosen_images():
    images = np.repeat(bar()[None], 2, axis=0)
    warped = warp(images, np.array([True, False]), 0.8, 0.6, np.random.default_rng(0))
    np.testing.assert_array_equal(warped[1], images[1])
    assert not np.allclose(warped[0], images[0])
    assert abs(warped[0].sum() - images[0].sum()) < 0.1 * images[0].sum()


def test_low_resolution_and_blur_soften_the_edges():
    image = bar()[None]
    soft = lower_resolution(image, np.array([True]), np.random.default_rng(1))
    blurred = gaussian_blur(image, np.array([1.0]))
    for result in (soft, blurred):
        grey = ((result > 0.05) & (result < 0.95)).sum()
        assert grey > ((image > 0.05) & (image < 0.95)).sum() + 10
    assert blurred.sum() == pytest.approx(image.sum(), rel=0.02)


def test_an_edge_cut_removes_a_band_at_one_side():
    (cut,) = cut_at_an_edge(bar()[None], np.array([True]), np.random.default_rng(2))
    top, bottom, left, right = box_of(cut)
    lost = (top - 6) + (22 - bottom) + (left - 12) + (15 - right)
    assert 1 <= lost <= 4
    assert cut.sum() < bar().sum()


def test_a_segment_is_a_round_ended_stroke_of_its_width():
    segment = stroke_segment((28, 28), (5.0, 5.0), (5.0, 20.0), 3.0)
    assert segment[5, 5:21].min() == 1.0
    assert (segment[:, 12] > 0.5).sum() == 3
    assert segment[5, 23] == 0.0 and segment[10, 12] == 0.0
    assert stroke_width(bar()) == 4.0


def test_continental_strokes_flag_a_1_and_cross_a_7_and_touch_nothing_else():
    seven = np.zeros((28, 28), np.float32)
    seven[5:7, 8:21] = 1.0  # The bar.
    seven[np.arange(7, 24), np.linspace(19, 12, 17).round().astype(int)] = 1.0  # The stem.
    images = np.stack([bar()] * 20 + [seven] * 20 + [bar()] * 5)
    labels = np.array([1] * 20 + [7] * 20 + [4] * 5)
    result = add_continental_strokes(images, labels, np.random.default_rng(3))
    changed = ~np.isclose(result, images).all(axis=(1, 2))
    assert 2 <= changed[:20].sum() <= 12 and 2 <= changed[20:40].sum() <= 12  # About 30% of each.
    assert not changed[40:].any()
    for flagged in result[:20][changed[:20]]:
        top, bottom, left, right = box_of(flagged)
        assert left < 12 and top >= 4 and bottom == 22  # The flag runs down to the left from the top.
    for crossed in result[20:40][changed[20:40]]:
        added_rows, added_columns = np.nonzero(crossed - seven > 0.5)
        assert added_rows.min() >= 9 and added_rows.max() <= 19  # Across the stem's middle, not at the top or bottom.
        assert added_columns.max() - added_columns.min() >= 4  # A bar, wider than the stem.
    assert np.all(result >= images)  # Strokes are added, never taken away.


def test_redraw_batch_is_reproducible_and_fitted_like_the_canvas(mnist):
    images = mnist[0][0][:64] / 255.0
    first = redraw_batch(images, np.random.default_rng(5))
    again = redraw_batch(images, np.random.default_rng(5))
    np.testing.assert_array_equal(first, again)
    assert first.shape == images.shape and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    heights = [box_of(image)[1] - box_of(image)[0] + 1 for image in first]
    widths = [box_of(image)[3] - box_of(image)[2] + 1 for image in first]
    assert all(max(height, width) in (19, 20, 21) for height, width in zip(heights, widths))
    correlations = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(images, first)]
    assert np.median(correlations) > 0.5
