"""model.training.augment: distortions keep a digit a digit, and are reproducible."""

from __future__ import annotations

import numpy as np

from model.training.augment import augment_batch


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
