"""Why the network answered what it did: which rows mattered, and what-if readings.

Row importance for the predicted digit, measured two ways: `occlusion` (how much that digit's
probability drops when one row alone is blanked; the 28 variants are read as one batch) and
`integrated_gradients` (gradients along the straight path from a blank image, summed per row;
complete, so the 28 scores add up to p(image) − p(blank)). `deletion_curve` checks either ranking:
blanking rows in the order a faithful method gives should lower the prediction much faster than a
random order. The what-if readings (rows blanked, rows read bottom-up, a unit silenced) return
full `ProbeResult`s so every view can show them. Pure NumPy: no TensorFlow, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.explain.backprop import probability_gradient, replay
from model.probe import ProbeResult

METHODS = ("occlusion", "integrated_gradients", "gradient")
METHOD_NAMES = {"occlusion": "Occlusion", "integrated_gradients": "Integrated gradients", "gradient": "Plain gradient × input"}


@dataclass(frozen=True)
class ExplainDefaults:
    """Every setting of the explanations, in one place; callers override by name."""

    first_steps: int = 128  # Integrated gradients start with this many midpoint steps…
    most_steps: int = 1024  # …and double them up to this many until complete within the tolerance.
    completeness_target: float = 0.01  # |Σ scores − (p(image) − p(blank))| aimed for.
    steps_per_batch: int = 32  # Path points read and differentiated at once (memory: about 15 MB per 32 for the seed model).
    random_orders: int = 20  # Random deletion orders averaged for the faithfulness baseline.
    random_seed: int = 0


DEFAULTS = ExplainDefaults()


@dataclass(frozen=True)
class IntegratedGradients:
    """Per-pixel integrated gradients, with the evidence that they are complete."""

    pixels: np.ndarray  # (rows, width) attribution of every pixel
    steps: int  # midpoint steps used
    probability: float  # p(image) for the digit
    baseline_probability: float  # p(blank image) for the digit

    @property
    def rows(self) -> np.ndarray:
        return self.pixels.sum(axis=1)

    @property
    def completeness_gap(self) -> float:
        return float(abs(self.pixels.sum() - (self.probability - self.baseline_probability)))


@dataclass(frozen=True)
class Faithfulness:
    """Deletion curves of one ranking and of random orders, with their areas (lower is more faithful)."""

    curve: np.ndarray  # (rows + 1,) in the method's order
    random_curve: np.ndarray  # (rows + 1,) mean over random orders
    area: float
    random_area: float

    @property
    def score(self) -> float:
        """How much of random order's area the method's order avoids: 1 is perfect, 0 no better than chance."""
        return 0.0 if self.random_area <= 0 else 1.0 - self.area / self.random_area


def _as_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"Expected one image (rows × width), got shape {image.shape}.")
    if not np.isfinite(image).all():
        raise ValueError("The image contains NaN or infinite values.")
    return image


def predicted_digit(probe, image: np.ndarray) -> int:
    return int(np.argmax(probe.run(_as_image(image)).probabilities))


EXACT_BATCH = 64  # Images read at once for exact probabilities, no states kept: a bounded, small buffer.


def _probabilities(probe, images: np.ndarray) -> np.ndarray:
    """Final probabilities in float64: near certainty, float32 would round small differences to ties."""
    return probe.predict(images, batch_size=EXACT_BATCH, precise=True)


def occlusion(probe, image: np.ndarray, digit: int | None = None) -> np.ndarray:
    """For every row, the drop in the digit's probability when that row alone is blanked."""
    image = _as_image(image)
    rows = image.shape[0]
    variants = np.repeat(image[None], rows + 1, axis=0)
    variants[np.arange(1, rows + 1), np.arange(rows)] = 0.0
    probabilities = _probabilities(probe, variants)
    digit = int(np.argmax(probabilities[0])) if digit is None else digit
    return probabilities[0, digit] - probabilities[1:, digit]


def _path_gradient_mean(probe, image: np.ndarray, digit: int, steps: int, defaults: ExplainDefaults) -> np.ndarray:
    """Mean gradient at the midpoints (k + ½)/steps of the straight path from blank to the image."""
    total = np.zeros_like(image)
    alphas = (np.arange(steps) + 0.5) / steps
    for start in range(0, steps, defaults.steps_per_batch):
        chunk = alphas[start : start + defaults.steps_per_batch]
        _, gradients = probability_gradient(probe, chunk[:, None, None] * image[None], digit)
        total += gradients.sum(axis=0)
    return total / steps


def integrated_gradients(probe, image: np.ndarray, digit: int | None = None, defaults: ExplainDefaults = DEFAULTS) -> IntegratedGradients:
    """Integrated gradients from a blank image, doubling the steps until complete within the target."""
    image = _as_image(image)
    ends = _probabilities(probe, np.stack([image, np.zeros_like(image)]))
    digit = int(np.argmax(ends[0])) if digit is None else digit
    steps = defaults.first_steps
    while True:
        pixels = image * _path_gradient_mean(probe, image, digit, steps, defaults)
        result = IntegratedGradients(pixels, steps, float(ends[0, digit]), float(ends[1, digit]))
        if result.completeness_gap <= defaults.completeness_target or steps * 2 > defaults.most_steps:
            return result
        steps *= 2


def plain_gradient(probe, image: np.ndarray, digit: int | None = None) -> np.ndarray:
    """Gradient × input per row at the image itself: the method that over-credits the last rows."""
    image = _as_image(image)
    digit = predicted_digit(probe, image) if digit is None else digit
    _, gradient = probability_gradient(probe, image, digit)
    return (gradient * image).sum(axis=1)


def row_importance(probe, image: np.ndarray, method: str, digit: int | None = None) -> np.ndarray:
    """28 scores, one per row, of how much that row supports the digit (the predicted one by default)."""
    if method == "occlusion":
        return occlusion(probe, image, digit)
    if method == "integrated_gradients":
        return integrated_gradients(probe, image, digit).rows
    if method == "gradient":
        return plain_gradient(probe, image, digit)
    raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")


def deletion_curves(probe, image: np.ndarray, orders, digit: int | None = None) -> np.ndarray:
    """One deletion curve per order, read as one batch: (orders, rows + 1)."""
    image = _as_image(image)
    orders = np.atleast_2d(np.asarray(orders, dtype=int))
    rows = image.shape[0]
    for order in orders:
        if sorted(order.tolist()) != list(range(rows)):
            raise ValueError(f"The order must list every row 0–{rows - 1} once, got {order.tolist()}.")
    variants = np.repeat(image[None, None], rows + 1, axis=1).repeat(len(orders), axis=0)
    for curve_index, order in enumerate(orders):
        for position, row in enumerate(order):
            variants[curve_index, position + 1 :, row] = 0.0
    probabilities = _probabilities(probe, variants.reshape(-1, *image.shape)).reshape(len(orders), rows + 1, -1)
    digit = int(np.argmax(probabilities[0, 0])) if digit is None else digit
    return probabilities[:, :, digit]


def deletion_curve(probe, image: np.ndarray, order, digit: int | None = None) -> np.ndarray:
    """The digit's probability as the rows in `order` are blanked one after another (first value: untouched)."""
    return deletion_curves(probe, image, [order], digit)[0]


def deletion_area(curve: np.ndarray) -> float:
    """Area under a deletion curve, with the rows deleted scaled to 0–1 (trapezoids)."""
    curve = np.asarray(curve, dtype=np.float64)
    return float((curve[:-1] + curve[1:]).sum() / (2 * (len(curve) - 1)))


def importance_order(scores: np.ndarray) -> np.ndarray:
    """Rows from most to least important (ties keep reading order)."""
    return np.argsort(-np.asarray(scores), kind="stable")


def faithfulness(
    probe, image: np.ndarray, scores: np.ndarray, digit: int | None = None, defaults: ExplainDefaults = DEFAULTS
) -> Faithfulness:
    """Deletion in the scores' order against the mean of random orders (seeded)."""
    image = _as_image(image)
    digit = predicted_digit(probe, image) if digit is None else digit
    generator = np.random.default_rng(defaults.random_seed)
    orders = [importance_order(scores)] + [generator.permutation(image.shape[0]) for _ in range(defaults.random_orders)]
    curves = deletion_curves(probe, image, orders, digit)
    random_curve = curves[1:].mean(axis=0)
    return Faithfulness(curves[0], random_curve, deletion_area(curves[0]), deletion_area(random_curve))


# What-if readings: each returns a full ProbeResult, so every view can show the edited reading.


def blank_rows(image: np.ndarray, rows) -> np.ndarray:
    """A copy of the image with the given rows (0-based) set to 0."""
    image = _as_image(image).copy()
    rows = [int(row) for row in rows]
    if any(not 0 <= row < image.shape[0] for row in rows):
        raise ValueError(f"Rows must lie in 0–{image.shape[0] - 1}, got {rows}.")
    image[rows] = 0.0
    return image


def edited_image(image: np.ndarray, blanked_rows=(), bottom_up: bool = False) -> np.ndarray:
    """The image the network reads after the what-if edits: rows blanked, then the row order reversed."""
    edited = blank_rows(image, blanked_rows)
    return edited[::-1].copy() if bottom_up else edited


def read_with_rows_blanked(probe, image: np.ndarray, rows) -> ProbeResult:
    return probe.run(blank_rows(image, rows))


def read_bottom_up(probe, image: np.ndarray) -> ProbeResult:
    """The reading when the rows are fed last row first."""
    return probe.run(_as_image(image)[::-1].copy())


def read_with_unit_silenced(probe, image: np.ndarray, layer: int, unit: int) -> ProbeResult:
    """The reading with one unit's hidden output held at 0 at every row (its cell still runs)."""
    result, _ = replay(probe, _as_image(image), {int(layer): [int(unit)]})
    return result


def read(probe, image: np.ndarray, silenced: dict[int, list[int]] | None = None) -> ProbeResult:
    """The reading of an (already edited) image, with units silenced if any are given."""
    if not silenced or not any(silenced.values()):
        return probe.run(image)
    result, _ = replay(probe, _as_image(image), silenced)
    return result
