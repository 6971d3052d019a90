"""Is this drawing a digit at all? Two checks on the network's reading, either of which can say no.

The network always answers with a digit, even for a zig-zag. `NoveltyDetector` looks at the
reading's features (`reading_features`: each LSTM layer's hidden state after the last row and its
average over all rows) and asks two things:
- distance: how far they lie from the nearest digit, as a Mahalanobis distance with one covariance
  shared by all classes (Lee et al., 2018), fitted on TRAINING digits;
- outlier exposure: a small network (`model.explain.outlier_score`) trained to tell training
  digits, and training digits redrawn as a canvas draws, from procedural scribbles and shapes
  (`model.explain.outlier_strokes`; Hendrycks et al., 2019).
Each score is put on a common scale (its own threshold subtracted, divided by its spread on test
digits) and the drawing's score is the larger of the two. The only things chosen on the MNIST test
set are these offsets and the final threshold, set so that 1% of test digits is flagged. A verdict
also says why, in a few words. Scoring is a few small matrix products. No Streamlit, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.explain.outlier_score import OutlierScore

FLAGGED_TEST_FRACTION = 0.01  # Test digits flagged by the detector as a whole.
OUTLIER_MEMBER_FRACTION = 0.002  # Test digits the outlier-exposure check alone may flag (stricter: it was shown canvas strokes).
COVARIANCE_RIDGE = 1e-3  # Added to the covariance's diagonal (relative to its mean variance) so it inverts stably.


def reading_features(hidden: np.ndarray) -> np.ndarray:
    """Hidden states (..., layers, rows, units) → (..., 2 · layers · units): each layer's final state, then each layer's mean over rows."""
    hidden = np.asarray(hidden, dtype=np.float64)
    if hidden.ndim < 3:
        raise ValueError(f"Expected hidden states (..., layers, rows, units), got shape {hidden.shape}.")
    lead = hidden.shape[:-3]
    finals = hidden[..., -1, :].reshape(*lead, -1)
    means = hidden.mean(axis=-2).reshape(*lead, -1)
    return np.concatenate([finals, means], axis=-1)


@dataclass(frozen=True)
class DistanceScore:
    """Mahalanobis distance to each class centroid, computed as a Euclidean distance after whitening.

    In float32: a 512×512 product takes about a seventh of the time it takes in float64, and the
    distances it compares with thresholds of about 20 need no more than float32's seven digits.
    """

    whitening: np.ndarray  # (features, features) float32: precision = whitening @ whitening.T
    whitened_centroids: np.ndarray  # (classes, features) float32

    def distances(self, features: np.ndarray) -> np.ndarray:
        """(N, features) → (N, classes)."""
        whitened = np.atleast_2d(features).astype(np.float32) @ self.whitening
        offsets = whitened[:, None, :] - self.whitened_centroids[None]
        return np.sqrt((offsets**2).sum(axis=-1))


@dataclass(frozen=True)
class NoveltyVerdict:
    """One drawing's verdict: flagged or not, the digit it is closest to, and why, in a few words."""

    novel: bool
    nearest_digit: int
    reason: str  # "" when not flagged


@dataclass(frozen=True)
class NoveltyDetector:
    """The two checks, their common scale and the threshold on the larger of the two."""

    distance: DistanceScore
    outlier: OutlierScore
    distance_offset: float  # the distance flagging FLAGGED_TEST_FRACTION of test digits on its own
    distance_scale: float
    outlier_offset: float  # the outlier score flagging OUTLIER_MEMBER_FRACTION of test digits on its own
    outlier_scale: float
    threshold: float  # on the combined score

    def member_scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each check's score on the common scale (0 = its own threshold), for features (N, F)."""
        distance = self.distance.distances(features).min(axis=1)
        outlier = self.outlier.score(features)
        return (distance - self.distance_offset) / self.distance_scale, (outlier - self.outlier_offset) / self.outlier_scale

    def score(self, features: np.ndarray) -> np.ndarray:
        """The combined score of features (N, F) or (F,): higher is less like any digit."""
        return np.maximum(*self.member_scores(np.atleast_2d(features)))

    def verdict(self, hidden: np.ndarray) -> NoveltyVerdict:
        """The verdict on one reading's hidden states (layers, rows, units)."""
        features = reading_features(hidden)[None]
        distances = self.distance.distances(features)[0]
        nearest = int(np.argmin(distances))
        distance = (distances[nearest] - self.distance_offset) / self.distance_scale
        outlier = (self.outlier.score(features)[0] - self.outlier_offset) / self.outlier_scale
        if max(distance, outlier) <= self.threshold:
            return NoveltyVerdict(False, nearest, "")
        if distance >= outlier:
            reason = f"closest to a {nearest}, but farther from every digit than {1 - FLAGGED_TEST_FRACTION:.0%} of real ones"
        else:
            reason = (
                f"closest to a {nearest}, but it reads more like the scribbles and shapes it was shown "
                f"than {1 - OUTLIER_MEMBER_FRACTION:.1%} of real digits do"
            )
        return NoveltyVerdict(True, nearest, reason)

    def is_novel(self, hidden: np.ndarray) -> bool:
        return self.verdict(hidden).novel


def fit_distance(train_features: np.ndarray, train_labels: np.ndarray) -> DistanceScore:
    """Class centroids and one shared covariance from training features, as a whitening."""
    train_features = np.asarray(train_features, dtype=np.float64)
    train_labels = np.asarray(train_labels)
    classes = np.unique(train_labels)
    if len(classes) < 2 or len(train_features) != len(train_labels):
        raise ValueError("Fitting needs training features with one label each, from at least two classes.")
    centroids = np.stack([train_features[train_labels == label].mean(axis=0) for label in classes])
    centred = train_features - centroids[np.searchsorted(classes, train_labels)]
    covariance = centred.T @ centred / len(centred)
    covariance += COVARIANCE_RIDGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    whitening = np.linalg.cholesky(np.linalg.inv(covariance))
    return DistanceScore(whitening.astype(np.float32), (centroids @ whitening).astype(np.float32))


def combine(distance: DistanceScore, outlier: OutlierScore, test_features: np.ndarray) -> NoveltyDetector:
    """Put both checks on one scale with MNIST test digits and set the threshold flagging 1% of them."""
    test_distance = distance.distances(test_features).min(axis=1)
    test_outlier = outlier.score(test_features)
    provisional = NoveltyDetector(
        distance,
        outlier,
        float(np.quantile(test_distance, 1 - FLAGGED_TEST_FRACTION)),
        float(test_distance.std()),
        float(np.quantile(test_outlier, 1 - OUTLIER_MEMBER_FRACTION)),
        float(test_outlier.std()),
        threshold=np.inf,
    )
    threshold = float(np.quantile(provisional.score(test_features), 1 - FLAGGED_TEST_FRACTION))
    return NoveltyDetector(**{**provisional.__dict__, "threshold": threshold})


def image_features(probe, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """`reading_features` of many images (N, rows, width) in [0, 1], read in batches with the lean forward pass."""
    from model.cells import forward

    batches = []
    for start in range(0, len(images), batch_size):
        layer_inputs = np.asarray(images[start : start + batch_size], dtype=np.float64)
        hidden = []
        for layer in probe.layers:
            layer_inputs = forward(layer, layer_inputs, record=False)
            hidden.append(layer_inputs)
        batches.append(reading_features(np.stack(hidden, axis=1)))
    return np.concatenate(batches)
