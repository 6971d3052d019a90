"""Is this drawing a digit at all? A distance from the top layer's final state to the digits the network learned.

The network always answers with a digit, even for a zig-zag. `NoveltyDetector` looks at the top
LSTM layer's hidden state after the last row (the state the classifier head reads) and measures
how far it lies from the nearest class, either as a plain Euclidean distance to the class centroid
or as a Mahalanobis distance with one covariance shared by all classes (Lee et al., 2018). Centroids
and covariance are fitted on TRAINING digits; the only thing chosen on the MNIST test set is the
threshold, set so that a given fraction (1%) of test digits is flagged. Scoring a drawing is one
small matrix product, cheap enough for every stroke. No Streamlit, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOVELTY_METHODS = ("euclidean", "mahalanobis")
FLAGGED_TEST_FRACTION = 0.01
COVARIANCE_RIDGE = 1e-3  # Added to the covariance's diagonal (relative to its mean variance) so it inverts stably.


@dataclass(frozen=True)
class NoveltyDetector:
    """Class centroids of the top layer's final state, a metric, and the distance above which a drawing is flagged."""

    method: str
    centroids: np.ndarray  # (classes, units)
    precision: np.ndarray | None  # (units, units) inverse shared covariance, for "mahalanobis"
    threshold: float

    def distances(self, final_states: np.ndarray) -> np.ndarray:
        """Distance of each final state (N, units) or (units,) to every class centroid: (N, classes)."""
        states = np.atleast_2d(np.asarray(final_states, dtype=np.float64))
        offsets = states[:, None, :] - self.centroids[None]
        if self.method == "euclidean":
            return np.sqrt((offsets**2).sum(axis=-1))
        return np.sqrt(np.maximum(((offsets @ self.precision) * offsets).sum(axis=-1), 0.0))

    def score(self, final_states: np.ndarray) -> np.ndarray:
        """Distance to the nearest class: higher is less like any digit the network saw."""
        return self.distances(final_states).min(axis=1)

    def is_novel(self, final_state: np.ndarray) -> bool:
        """True when one drawing's final top-layer state lies beyond the threshold."""
        return bool(self.score(final_state)[0] > self.threshold)


def fit_detector(
    train_states: np.ndarray,
    train_labels: np.ndarray,
    test_states: np.ndarray,
    method: str,
    flagged_fraction: float = FLAGGED_TEST_FRACTION,
) -> NoveltyDetector:
    """Centroids (and covariance) from training states; the threshold flags `flagged_fraction` of test states."""
    if method not in NOVELTY_METHODS:
        raise ValueError(f"Unknown novelty method {method!r}; choose one of {', '.join(NOVELTY_METHODS)}.")
    if not 0 < flagged_fraction < 1:
        raise ValueError(f"The flagged fraction must lie between 0 and 1, got {flagged_fraction}.")
    train_states = np.asarray(train_states, dtype=np.float64)
    train_labels = np.asarray(train_labels)
    classes = np.unique(train_labels)
    if len(classes) < 2 or len(train_states) != len(train_labels):
        raise ValueError("Fitting needs training states with one label each, from at least two classes.")
    centroids = np.stack([train_states[train_labels == label].mean(axis=0) for label in classes])
    precision = None
    if method == "mahalanobis":
        centred = train_states - centroids[np.searchsorted(classes, train_labels)]
        covariance = centred.T @ centred / len(centred)
        covariance += COVARIANCE_RIDGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
        precision = np.linalg.inv(covariance)
    detector = NoveltyDetector(method, centroids, precision, threshold=np.inf)
    threshold = float(np.quantile(detector.score(test_states), 1.0 - flagged_fraction))
    return NoveltyDetector(method, centroids, precision, threshold)
