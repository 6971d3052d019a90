"""model.explain.assets and novelty: the shipped assets match the shipped model, load without TensorFlow, and detect non-digits."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from model.drawings import NON_DIGIT_STROKES, STYLES, render, render_strokes
from model.explain.assets import AssetDefaults, compute_assets, load_assets, save_assets, weights_digest
from model.explain.backprop import replay
from model.explain.novelty import reading_features
from model.explain.outlier_score import OutlierExposureSettings
from model.preprocess import canvas_to_mnist
from model.shapes import SHIPPED_MODEL_PATH, explain_assets_path_for
from model.weights import load_probe
from tests.helpers import REPOSITORY


@pytest.fixture(scope="module")
def shipped_probe():
    return load_probe(SHIPPED_MODEL_PATH)


@pytest.fixture(scope="module")
def shipped_assets():
    return load_assets(explain_assets_path_for(SHIPPED_MODEL_PATH))


def _hidden(probe, images):
    result, _ = replay(probe, np.asarray(images, dtype=np.float64))
    return result.hidden


@pytest.mark.slow
def test_shipped_assets_belong_to_the_shipped_model_and_are_small(shipped_assets, shipped_probe):
    path = explain_assets_path_for(SHIPPED_MODEL_PATH)
    assert path.name == "lstm_mnist.explain.npz"
    assert path.stat().st_size < 1024 * 1024  # The detector's whitening (512×512, triangular) is most of it.
    assert shipped_assets.model_digest == weights_digest(shipped_probe)
    layers, units = len(shipped_probe.units), shipped_probe.units[-1]
    assert shipped_assets.pca_components.shape == (2, units)
    assert shipped_assets.driver_images.shape == (layers, units, 4, 28, 28)
    assert shipped_assets.class_centres.shape == (10, 2)


@pytest.mark.slow
def test_assets_load_without_tensorflow():
    code = (
        "import sys; from model.explain.assets import load_assets; "
        "load_assets('assets/lstm_mnist.explain.npz'); print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


@pytest.mark.slow
def test_shipped_detector_flags_one_percent_of_test_digits_and_clusters_separate(shipped_assets, shipped_probe, mnist):
    _, (x_test, y_test) = mnist
    hidden = _hidden(shipped_probe, x_test[:1000] / 255.0)
    flagged = np.mean(shipped_assets.detector.score(reading_features(hidden)) > shipped_assets.detector.threshold)
    assert flagged <= 0.02
    states = hidden[:, -1, -1]
    positions = shipped_assets.project(states)
    nearest_centre = np.argmin(((positions[:, None] - shipped_assets.class_centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest_centre == y_test[:1000]).mean() > 0.5, "the map's clusters should mostly hold their own digit"


@pytest.mark.slow
def test_unit_drivers_really_drive_their_unit(shipped_assets, shipped_probe):
    layer, unit = 1, 7
    images = shipped_assets.driver_images[layer, unit] / 255.0
    result = shipped_probe.run(images)
    peaks = result.hidden[:, layer, :, unit].max(axis=1)
    np.testing.assert_allclose(peaks, shipped_assets.driver_values[layer, unit], atol=2e-3)
    rows = result.hidden[:, layer, :, unit].argmax(axis=1)
    assert rows.tolist() == shipped_assets.driver_rows[layer, unit].tolist()


@pytest.mark.slow
def test_detector_tells_hand_made_digits_from_non_digits(shipped_assets, shipped_probe):
    """Issue 20: at least 85% of the project's non-digits flagged, none of its hand-made digits."""
    non_digits = [canvas_to_mnist(render_strokes(strokes, brush=brush)) for strokes in NON_DIGIT_STROKES.values() for brush in (12, 20, 30)]
    digits = [canvas_to_mnist(render(digit, **style)) for style in STYLES.values() for digit in range(10)]
    detector = shipped_assets.detector
    non_digit_rate = np.mean([detector.is_novel(hidden) for hidden in _hidden(shipped_probe, non_digits)])
    flagged_digits = [index for index, hidden in enumerate(_hidden(shipped_probe, digits)) if detector.is_novel(hidden)]
    assert non_digit_rate >= 0.85 and not flagged_digits, (non_digit_rate, flagged_digits)


def test_compute_save_and_load_round_trip(small_model, tmp_path):
    from model.probe import Probe

    generator = np.random.default_rng(0)
    images = generator.integers(0, 256, (200, 28, 28), dtype=np.uint8)
    labels = np.tile(np.arange(10), 20)
    defaults = AssetDefaults(
        map_points_per_digit=5, drivers_per_unit=2, training_digits=200, exposure_digits=100, canvas_digits=50,
        outlier_drawings=60, outlier_exposure=OutlierExposureSettings(epochs=2), batch_size=100,
    )  # fmt: skip
    arrays = compute_assets(Probe(small_model), images, labels, images, labels, "digest", defaults)
    path = save_assets(arrays, tmp_path / "model.explain.npz")
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"
    assets = load_assets(path)
    assert assets.model_digest == "digest" and assets.map_points.shape == (50, 2)
    assert assets.test_flagged_fraction <= 0.02
    (tmp_path / "broken.explain.npz").write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="not readable"):
        load_assets(tmp_path / "broken.explain.npz")
