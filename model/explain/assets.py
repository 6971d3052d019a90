"""What the explanations need to know about a model, computed once from MNIST and kept beside it.

For one model: the 2-D PCA map of the top layer's final hidden states (basis fitted on MNIST test
digits, ten labelled class centres and a small labelled sample of points), for every unit of every
LSTM layer the test digits (and the row) that drive its hidden value highest, with their images,
and the not-a-digit detector (`model.explain.novelty`: a distance fitted on training digits and a small
network trained on training digits against procedural scribbles; offsets and threshold on test digits).
`compute_assets` builds them; `save_assets` writes them atomically as a small `.npz` next to the
model (`lstm_mnist.explain.npz`); `load_assets` reads them back with NumPy alone, so the shipped
model's map and inspector work without MNIST or TensorFlow. Run it as a script:

    python -m model.explain.assets --model assets/lstm_mnist.keras --data /path/to/mnist.npz
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.explain.backprop import replay
from model.explain.novelty import DistanceScore, NoveltyDetector, combine, fit_distance, image_features, reading_features
from model.explain.outlier_score import OutlierExposureSettings, OutlierScore, train_outlier_score
from model.explain.outlier_strokes import canvas_style_digits, outlier_images
from model.files import open_plain_file, write_npz_atomically
from model.shapes import NUMBER_OF_CLASSES, REPOSITORY, SHIPPED_MODEL_PATH, explain_assets_path_for

FORMAT_VERSION = 2  # 2: the two-check not-a-digit detector; files of format 1 are recomputed.


@dataclass(frozen=True)
class AssetDefaults:
    """Every setting of the precomputation, in one place."""

    map_points_per_digit: int = 60  # Test digits drawn as faint points on the map, per class.
    drivers_per_unit: int = 4  # Test digits kept per unit, the ones that drive it highest.
    training_digits: int = 60000  # Training digits the not-a-digit distance is fitted on (all of them).
    exposure_digits: int = 20000  # Of those, the digits the outlier-exposure network is shown (as they are, and some redrawn).
    canvas_digits: int = 6000  # Training digits redrawn as a canvas draws them, shown to it as digits too.
    outlier_drawings: int = 6000  # Procedural non-digit drawings shown to it.
    outlier_exposure: OutlierExposureSettings = OutlierExposureSettings()
    batch_size: int = 500
    seed: int = 0


DEFAULTS = AssetDefaults()


@dataclass(frozen=True)
class ExplainAssets:
    """The per-model precomputation, as loaded from its `.npz`."""

    model_digest: str  # `weights_digest` of the network they were computed for
    pca_mean: np.ndarray  # (units,)
    pca_components: np.ndarray  # (2, units)
    pca_explained: np.ndarray  # (2,) fraction of the variance along each axis
    class_centres: np.ndarray  # (10, 2) median map position of each digit's test images
    map_points: np.ndarray  # (M, 2)
    map_labels: np.ndarray  # (M,)
    driver_indices: np.ndarray  # (layers, units, k) MNIST test index
    driver_rows: np.ndarray  # (layers, units, k) 0-based row where the unit peaks
    driver_values: np.ndarray  # (layers, units, k) the peak hidden value
    driver_images: np.ndarray  # (layers, units, k, 28, 28) uint8
    detector: NoveltyDetector
    test_flagged_fraction: float

    def project(self, top_hidden: np.ndarray) -> np.ndarray:
        """Map coordinates of top-layer hidden states (..., units) → (..., 2)."""
        return (np.asarray(top_hidden, dtype=np.float64) - self.pca_mean) @ self.pca_components.T


def weights_digest(probe) -> str:
    """SHA-256 of the probe's weights: ties assets to a network, however its file was re-saved."""
    digest = hashlib.sha256()
    for layer in probe.layers:
        for array in layer.arrays():
            digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    for dense in probe.head:
        for array in (dense.kernel, dense.bias):
            digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return digest.hexdigest()


def _states(probe, images: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per image: the top layer's final hidden state, every unit's peak hidden value and its row, the reading's features."""
    finals, peaks, peak_rows, features = [], [], [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].astype(np.float64) / 255.0
        result, _ = replay(probe, batch)
        hidden = result.hidden  # (N, layers, rows, units)
        finals.append(hidden[:, -1, -1])
        peaks.append(hidden.max(axis=2))
        peak_rows.append(hidden.argmax(axis=2).astype(np.uint8))
        features.append(reading_features(hidden))
    return np.concatenate(finals), np.concatenate(peaks), np.concatenate(peak_rows), np.concatenate(features)


def fit_novelty(probe, train_images, train_labels, test_features: np.ndarray, defaults: AssetDefaults = DEFAULTS) -> NoveltyDetector:
    """The not-a-digit detector: the distance from training digits, the outlier-exposure network, both scaled on test digits."""
    generator = np.random.default_rng(defaults.seed)
    chosen = generator.permutation(len(train_images))[: defaults.training_digits]
    train_features = image_features(probe, train_images[chosen] / 255.0, defaults.batch_size)
    distance = fit_distance(train_features, train_labels[chosen])
    exposure = min(defaults.exposure_digits, len(chosen))
    redrawn = chosen[exposure : exposure + defaults.canvas_digits] if len(chosen) > exposure else chosen[: defaults.canvas_digits]
    digits = np.concatenate(
        [train_features[:exposure], image_features(probe, canvas_style_digits(train_images[redrawn], defaults.seed), defaults.batch_size)]
    )
    non_digits = image_features(probe, outlier_images(defaults.outlier_drawings, defaults.seed), defaults.batch_size)
    outlier = train_outlier_score(digits, non_digits, defaults.outlier_exposure)
    return combine(distance, outlier, test_features)


def _pca(states: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = states.mean(axis=0)
    _, singular_values, directions = np.linalg.svd(states - mean, full_matrices=False)
    explained = singular_values**2 / (singular_values**2).sum()
    # A fixed sign per axis, so that refitting never mirrors the map.
    signs = np.sign(directions[:2].sum(axis=1, keepdims=True)) + (directions[:2].sum(axis=1, keepdims=True) == 0)
    return mean, directions[:2] * signs, explained[:2]


def compute_assets(probe, test_images, test_labels, train_images, train_labels, model_digest: str, defaults: AssetDefaults = DEFAULTS):
    """Every array `ExplainAssets` holds, as a dict ready for `save_assets`."""
    generator = np.random.default_rng(defaults.seed)
    test_final, test_peaks, test_peak_rows, test_features = _states(probe, test_images, defaults.batch_size)
    mean, components, explained = _pca(test_final)
    test_map = (test_final - mean) @ components.T
    classes = np.arange(NUMBER_OF_CLASSES)
    centres = np.stack([np.median(test_map[test_labels == digit], axis=0) for digit in classes])
    sample = np.concatenate(
        [generator.choice(np.flatnonzero(test_labels == digit), defaults.map_points_per_digit, replace=False) for digit in classes]
    )

    order = np.argsort(-test_peaks, axis=0)[: defaults.drivers_per_unit]  # (k, layers, units)
    driver_indices = np.transpose(order, (1, 2, 0))
    layer_index, unit_index = np.meshgrid(np.arange(test_peaks.shape[1]), np.arange(test_peaks.shape[2]), indexing="ij")
    driver_rows = test_peak_rows[driver_indices, layer_index[..., None], unit_index[..., None]]
    driver_values = test_peaks[driver_indices, layer_index[..., None], unit_index[..., None]]

    detector = fit_novelty(probe, train_images, train_labels, test_features, defaults)
    return {
        "format_version": np.array(FORMAT_VERSION),
        "model_digest": np.array(model_digest),
        "pca_mean": mean.astype(np.float32),
        "pca_components": components.astype(np.float32),
        "pca_explained": explained.astype(np.float32),
        "class_centres": centres.astype(np.float32),
        "map_points": test_map[sample].astype(np.float16),
        "map_labels": test_labels[sample].astype(np.uint8),
        "driver_indices": driver_indices.astype(np.uint16),
        "driver_rows": driver_rows.astype(np.uint8),
        "driver_values": driver_values.astype(np.float16),
        "driver_images": test_images[driver_indices].astype(np.uint8),
        **_detector_arrays(detector),
        "test_flagged_fraction": np.array(float((detector.score(test_features) > detector.threshold).mean())),
    }


_DETECTOR_SCALARS = ("distance_offset", "distance_scale", "outlier_offset", "outlier_scale", "threshold")


def _detector_arrays(detector: NoveltyDetector) -> dict:
    """The detector as named arrays (float32 matrices; the whitening is triangular, so it compresses to half)."""
    arrays = {
        "novelty_whitening": detector.distance.whitening.astype(np.float32),
        "novelty_whitened_centroids": detector.distance.whitened_centroids.astype(np.float32),
        "novelty_outlier_first_kernel": detector.outlier.first_kernel.astype(np.float32),
        "novelty_outlier_first_bias": detector.outlier.first_bias.astype(np.float32),
        "novelty_outlier_second_kernel": detector.outlier.second_kernel.astype(np.float32),
        "novelty_outlier_second_bias": np.array(detector.outlier.second_bias),
    }
    arrays.update({f"novelty_{name}": np.array(getattr(detector, name)) for name in _DETECTOR_SCALARS})
    return arrays


def _detector_from(data: dict) -> NoveltyDetector:
    matrix = {name: data[f"novelty_{name}"].astype(np.float32) for name in ("whitening", "whitened_centroids")}
    outlier = OutlierScore(
        data["novelty_outlier_first_kernel"].astype(np.float64),
        data["novelty_outlier_first_bias"].astype(np.float64),
        data["novelty_outlier_second_kernel"].astype(np.float64),
        float(data["novelty_outlier_second_bias"]),
    )
    scalars = {name: float(data[f"novelty_{name}"]) for name in _DETECTOR_SCALARS}
    return NoveltyDetector(DistanceScore(**matrix), outlier, **scalars)


def save_assets(arrays: dict, path: str | os.PathLike) -> Path:
    """Write the assets as a compressed `.npz`, atomically (a temporary file moved into place)."""
    return write_npz_atomically(path, arrays)


def load_assets(path: str | os.PathLike) -> ExplainAssets:
    """Read assets written by `save_assets`; raises ValueError if the file is missing or not ours."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No explanation assets at {path}.")
    try:
        with open_plain_file(path) as stream, np.load(stream, allow_pickle=False) as arrays:
            data = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path.name} is not readable explanation assets: {error}") from error
    if int(data.get("format_version", -1)) != FORMAT_VERSION:
        raise ValueError(f"{path.name} has an unknown format; recompute it with `python -m model.explain.assets`.")
    detector = _detector_from(data)
    return ExplainAssets(
        model_digest=str(data["model_digest"]),
        pca_mean=data["pca_mean"].astype(np.float64),
        pca_components=data["pca_components"].astype(np.float64),
        pca_explained=data["pca_explained"],
        class_centres=data["class_centres"].astype(np.float64),
        map_points=data["map_points"].astype(np.float64),
        map_labels=data["map_labels"],
        driver_indices=data["driver_indices"],
        driver_rows=data["driver_rows"],
        driver_values=data["driver_values"].astype(np.float64),
        driver_images=data["driver_images"],
        detector=detector,
        test_flagged_fraction=float(data["test_flagged_fraction"]),
    )


def build_assets_file(model_path: str | os.PathLike, data_path: str | os.PathLike | None, out: str | os.PathLike | None = None) -> Path:
    """Compute and write a model's assets from MNIST; returns the path written."""
    from model.data import load_mnist
    from model.weights import load_probe

    probe = load_probe(model_path)
    (x_train, y_train), (x_test, y_test) = load_mnist(data_path)
    arrays = compute_assets(probe, x_test, y_test, x_train, y_train, weights_digest(probe))
    return save_assets(arrays, out or explain_assets_path_for(model_path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(SHIPPED_MODEL_PATH.relative_to(REPOSITORY)), help="the .keras model file")
    parser.add_argument("--data", default=None, help="MNIST .npz (default: $MNIST_NPZ, else Keras's download)")
    parser.add_argument("--out", default=None, help="where to write (default: next to the model, name.explain.npz)")
    arguments = parser.parse_args(argv)
    path = build_assets_file(arguments.model, arguments.data, arguments.out)
    assets = load_assets(path)
    print(
        f"Wrote {path} ({path.stat().st_size / 1024:.0f} KiB): map axes explain {assets.pca_explained.sum():.0%} of the variance; "
        f"the not-a-digit detector flags {assets.test_flagged_fraction:.2%} of test digits."
    )


if __name__ == "__main__":
    main()
