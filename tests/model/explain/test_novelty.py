"""model.explain.novelty, outlier_score and outlier_strokes: thresholds and messages of the not-a-digit detector on fixed inputs."""

from __future__ import annotations

import numpy as np
import pytest

from model.explain.novelty import NoveltyDetector, combine, fit_distance, reading_features
from model.explain.outlier_score import OutlierExposureSettings, OutlierScore, train_outlier_score
from model.explain.outlier_strokes import canvas_style_digits, outlier_images

UNITS = 3


def _hidden(final_state: np.ndarray, rows: int = 4) -> np.ndarray:
    """Hidden states (1 layer, rows, units) whose final state and row mean are both `final_state`."""
    return np.repeat(np.asarray(final_state, dtype=np.float64)[None, None], rows, axis=1)


def _outlier_on_last_unit(weight: float = 1.0) -> OutlierScore:
    """A fixed outlier score that reads the last unit of the final state only (ReLU of it, times `weight`)."""
    first_kernel = np.zeros((2 * UNITS, 1))
    first_kernel[UNITS - 1, 0] = 1.0
    return OutlierScore(first_kernel, np.zeros(1), np.array([weight]), 0.0)


@pytest.fixture(scope="module")
def detector() -> NoveltyDetector:
    """Two digits, 0 round (0, 0, 0) and 1 round (10, 0, 0), unit spread; the outlier score grows with the third unit."""
    generator = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    labels = np.repeat([0, 1], 2000)
    train = centres[labels] + generator.normal(size=(4000, UNITS))
    test = centres[labels] + generator.normal(size=(4000, UNITS))
    features = lambda states: reading_features(np.stack([_hidden(state) for state in states]))  # noqa: E731
    return combine(fit_distance(features(train), labels), _outlier_on_last_unit(), features(test)), features(test)


def test_reading_features_are_each_layers_final_state_then_its_mean():
    hidden = np.arange(2 * 3 * 2, dtype=np.float64).reshape(2, 3, 2)  # layers, rows, units
    np.testing.assert_array_equal(reading_features(hidden), [4, 5, 10, 11, 2, 3, 8, 9])
    assert reading_features(np.stack([hidden, hidden])).shape == (2, 8)
    with pytest.raises(ValueError, match="layers, rows, units"):
        reading_features(np.zeros((3, 2)))


def test_the_threshold_flags_one_percent_of_test_digits(detector):
    detector, test_features = detector
    assert np.mean(detector.score(test_features) > detector.threshold) == pytest.approx(0.01, abs=0.002)


def test_an_ordinary_digit_is_not_flagged_and_has_no_reason(detector):
    detector, _ = detector
    verdict = detector.verdict(_hidden([9.8, 0.2, -0.3]))
    assert not verdict.novel and verdict.nearest_digit == 1 and verdict.reason == ""


def test_far_from_every_digit_says_so_with_the_nearest_digit(detector):
    detector, _ = detector
    verdict = detector.verdict(_hidden([5.0, 8.0, 0.0]))
    assert verdict.novel and verdict.nearest_digit in (0, 1)
    assert verdict.reason == f"closest to a {verdict.nearest_digit}, but farther from every digit than 99% of real ones"
    verdict = detector.verdict(_hidden([-0.5, 6.0, 0.0]))
    assert verdict.novel and verdict.reason.startswith("closest to a 0, but farther")


def test_near_a_digit_but_like_a_scribble_says_that_instead(detector):
    """A reading whose outlier score stands out more than its distance is flagged for that reason."""
    detector, test_features = detector
    louder = combine(detector.distance, _outlier_on_last_unit(weight=10.0), test_features)
    verdict = louder.verdict(_hidden([0.0, 0.0, 4.0]))
    assert verdict.novel and verdict.nearest_digit == 0
    assert verdict.reason == "closest to a 0, but it reads more like the scribbles and shapes it was shown than 99.8% of real digits do"


def test_outlier_exposure_separates_what_it_was_shown():
    generator = np.random.default_rng(1)
    digits, non_digits = generator.normal(0, 1, (400, 4)), generator.normal(3, 1, (100, 4))
    score = train_outlier_score(digits, non_digits, OutlierExposureSettings(epochs=10, seed=2))
    assert np.mean(score.score(non_digits) > np.median(score.score(digits))) > 0.95
    again = train_outlier_score(digits, non_digits, OutlierExposureSettings(epochs=10, seed=2))
    np.testing.assert_array_equal(score.first_kernel, again.first_kernel)  # Same seed, same detector.
    with pytest.raises(ValueError, match="both digits and non-digits"):
        train_outlier_score(digits, non_digits[:0])


def test_procedural_drawings_are_seeded_canvas_images():
    images = outlier_images(12, seed=5)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    np.testing.assert_array_equal(images, outlier_images(12, seed=5))
    assert not np.array_equal(images, outlier_images(12, seed=6))
    with pytest.raises(ValueError, match="at least one"):
        outlier_images(0, seed=5)
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[6:22, 12:16] = 255
    redrawn = canvas_style_digits(digit[None], seed=0)
    assert redrawn.shape == (1, 28, 28) and redrawn.max() == pytest.approx(1.0)
