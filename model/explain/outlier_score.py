"""A small network that tells a digit's reading from a scribble's, trained by outlier exposure.

`OutlierScore` is one hidden layer of ReLUs over the reading's features (`model.explain.novelty`)
and one output: higher means the reading looks more like the procedural non-digits it was shown
(`model.explain.outlier_strokes`) than like digits. `train_outlier_score` fits it in NumPy (Adam,
class-balanced logistic loss, a little weight decay) from a seed, so the assets command gives the
same detector each time. Serving it is two small matrix products. No Streamlit, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutlierExposureSettings:
    """How the outlier-exposure network is trained."""

    hidden_units: int = 64
    epochs: int = 20
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0


@dataclass(frozen=True)
class OutlierScore:
    """Standardised features → ReLU layer → one logit (the input standardisation is folded into the first layer)."""

    first_kernel: np.ndarray  # (features, hidden)
    first_bias: np.ndarray  # (hidden,)
    second_kernel: np.ndarray  # (hidden,)
    second_bias: float

    def score(self, features: np.ndarray) -> np.ndarray:
        """The logit for each row of features (N, features): higher is more like a non-digit."""
        hidden = np.maximum(np.atleast_2d(features) @ self.first_kernel + self.first_bias, 0.0)
        return hidden @ self.second_kernel + self.second_bias


def train_outlier_score(
    digits: np.ndarray, non_digits: np.ndarray, settings: OutlierExposureSettings = OutlierExposureSettings()
) -> OutlierScore:
    """Fit the network on digit features (label 0) and non-digit features (label 1), the two classes weighed equally."""
    if len(digits) == 0 or len(non_digits) == 0:
        raise ValueError("Outlier exposure needs both digits and non-digits.")
    generator = np.random.default_rng(settings.seed)
    features = np.concatenate([digits, non_digits]).astype(np.float64)
    labels = np.concatenate([np.zeros(len(digits)), np.ones(len(non_digits))])
    weights = np.where(labels == 1, len(digits) / len(non_digits), 1.0)
    mean, spread = features.mean(axis=0), features.std(axis=0) + 1e-3
    features = (features - mean) / spread
    width, hidden_units = features.shape[1], settings.hidden_units
    parameters = [
        generator.normal(0, 1 / np.sqrt(width), (width, hidden_units)),
        np.zeros(hidden_units),
        generator.normal(0, 1 / np.sqrt(hidden_units), hidden_units),
        np.zeros(1),
    ]
    first_moments = [np.zeros_like(p) for p in parameters]
    second_moments = [np.zeros_like(p) for p in parameters]
    step = 0
    for _ in range(settings.epochs):
        order = generator.permutation(len(features))
        for start in range(0, len(features), settings.batch_size):
            batch = order[start : start + settings.batch_size]
            inputs, targets, batch_weights = features[batch], labels[batch], weights[batch]
            hidden = np.maximum(inputs @ parameters[0] + parameters[1], 0.0)
            logits = hidden @ parameters[2] + parameters[3]
            upstream = (1.0 / (1.0 + np.exp(-logits)) - targets) * batch_weights / len(batch)
            hidden_upstream = np.outer(upstream, parameters[2]) * (hidden > 0)
            gradients = [
                inputs.T @ hidden_upstream + settings.weight_decay * parameters[0],
                hidden_upstream.sum(axis=0),
                hidden.T @ upstream + settings.weight_decay * parameters[2],
                np.array([upstream.sum()]),
            ]
            step += 1
            for index, gradient in enumerate(gradients):
                first_moments[index] = 0.9 * first_moments[index] + 0.1 * gradient
                second_moments[index] = 0.999 * second_moments[index] + 0.001 * gradient**2
                corrected = first_moments[index] / (1 - 0.9**step)
                parameters[index] -= settings.learning_rate * corrected / (np.sqrt(second_moments[index] / (1 - 0.999**step)) + 1e-8)
    first_kernel = parameters[0] / spread[:, None]
    first_bias = parameters[1] - (mean / spread) @ parameters[0]
    return OutlierScore(first_kernel, first_bias, parameters[2], float(parameters[3][0]))
