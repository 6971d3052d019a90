"""model.explain.assets and novelty: the shipped assets match the shipped model, load without TensorFlow, and detect non-digits."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from model.drawings import NON_DIGIT_STROKES, STYLES, render, render_strokes
from model.explain.assets import AssetDefaults, compute_assets, load_assets, save_assets, weights_digest
from model.explain.backprop import replay
from model.explain.novelty import fit_detector
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


def _final_states(probe, images):
    result, _ = replay(probe, np.asarray(images, dtype=np.float64))
    return result.hidden[:, -1, -1]


@pytest.mark.slow
def test_shipped_assets_belong_to_the_shipped_model_and_are_small(shipped_assets, shipped_probe):
    path = explain_assets_path_for(SHIPPED_MODEL_PATH)
    assert path.name == "lstm_mnist.explain.npz"
    assert path.stat().st_size < 512 * 1024
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
    states = _final_states(shipped_probe, x_test[:1000] / 255.0)
    flagged = np.mean([shipped_assets.detector.score(states) > shipped_assets.detector.threshold])
    assert flagged <= 0.02
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
    non_digits = [canvas_to_mnist(render_strokes(strokes)) for strokes in NON_DIGIT_STROKES.values()]
    digits = [canvas_to_mnist(render(digit, **STYLES["plain"])) for digit in range(10)]
    detector = shipped_assets.detector
    non_digit_rate = np.mean([detector.is_novel(state) for state in _final_states(shipped_probe, non_digits)])
    digit_rate = np.mean([detector.is_novel(state) for state in _final_states(shipped_probe, digits)])
    assert non_digit_rate >= 0.4 and digit_rate <= 0.1, (non_digit_rate, digit_rate)


def test_fit_detector_threshold_and_errors():
    generator = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    labels = np.repeat([0, 1], 500)
    train = centres[labels] + generator.normal(size=(1000, 2))
    test = centres[labels] + generator.normal(size=(1000, 2))
    for method in ("euclidean", "mahalanobis"):
        detector = fit_detector(train, labels, test, method)
        assert np.mean(detector.score(test) > detector.threshold) == pytest.approx(0.01, abs=0.002)
        assert detector.is_novel(np.array([5.0, 8.0])) and not detector.is_novel(np.array([10.0, 0.3]))
    with pytest.raises(ValueError, match="Unknown novelty method"):
        fit_detector(train, labels, test, "cosine")


def test_compute_save_and_load_round_trip(small_model, tmp_path):
    from model.probe import Probe

    generator = np.random.default_rng(0)
    images = generator.integers(0, 256, (200, 28, 28), dtype=np.uint8)
    labels = np.tile(np.arange(10), 20)
    defaults = AssetDefaults(map_points_per_digit=5, drivers_per_unit=2, training_digits=200, batch_size=100)
    arrays = compute_assets(Probe(small_model), images, labels, images, labels, "digest", defaults)
    path = save_assets(arrays, tmp_path / "model.explain.npz")
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"
    assets = load_assets(path)
    assert assets.model_digest == "digest" and assets.map_points.shape == (50, 2)
    assert assets.test_flagged_fraction <= 0.02
    (tmp_path / "broken.explain.npz").write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="not readable"):
        load_assets(tmp_path / "broken.explain.npz")
