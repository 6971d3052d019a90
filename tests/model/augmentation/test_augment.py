"""model.augmentation.augment: distortions keep a digit a digit, and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from model.augmentation.augment import augment_batch


def test_shape_range_and_reproducibility(mnist):
    images = mnist[0][0][:64] / 255.0
    first = augment_batch(images, np.random.default_rng(3))
    again = augment_batch(images, np.random.default_rng(3))
    other = augment_batch(images, np.random.default_rng(4))
    assert first.shape == images.shape and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_distorted_digits_stay_close_to_the_original(mnist):
    images = mnist[0][0][:64] / 255.0
    distorted = augment_batch(images, np.random.default_rng(0))
    correlations = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(images, distorted)]
    assert np.median(correlations) > 0.4
    ink_ratio = distorted.sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert np.all((ink_ratio > 0.3) & (ink_ratio < 3.0))


def test_canvas_style_redraws_most_of_the_batch_reproducibly(mnist):
    (x_train, y_train), _ = mnist
    images, labels = x_train[:128] / 255.0, y_train[:128]
    first = augment_batch(images, np.random.default_rng(7), "canvas", labels=labels)
    again = augment_batch(images, np.random.default_rng(7), "canvas", labels=labels)
    affine = augment_batch(images, np.random.default_rng(7))
    np.testing.assert_array_equal(first, again)
    assert first.shape == images.shape and first.dtype == np.float32
    assert first.min() >= 0 and first.max() <= 1
    # Redrawn digits are fitted as canvas_to_mnist fits a drawing: the longer side 20 pixels, the mass at the centre.
    assert share_fitted_like_the_canvas(first) > 0.65 and share_fitted_like_the_canvas(affine) < 0.2


def share_fitted_like_the_canvas(images: np.ndarray) -> float:
    fitted = []
    for image in images:
        inked = image > 0.1
        span = max(np.ptp(np.flatnonzero(inked.any(axis=1))), np.ptp(np.flatnonzero(inked.any(axis=0)))) + 1
        mass = image / image.sum()
        row, column = mass.sum(axis=1) @ np.arange(28), mass.sum(axis=0) @ np.arange(28)
        fitted.append(span in (19, 20, 21) and abs(row - 13.5) < 0.75 and abs(column - 13.5) < 0.75)
    return float(np.mean(fitted))


def test_an_unknown_style_is_refused(mnist):
    with pytest.raises(ValueError, match="affine or canvas"):
        augment_batch(mnist[0][0][:2] / 255.0, np.random.default_rng(0), "blurry")
