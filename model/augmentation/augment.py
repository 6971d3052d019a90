"""Random distortions of MNIST digits, so the network also reads real drawings well.

People draw thicker or thinner, slanted, a little rotated or off-centre. `augment_batch` applies a
random affine transform (rotation, shear, scale, shift) and a random change of stroke width to a
batch of 28×28 images. With `style="canvas"` each distorted digit is then redrawn as the app's
canvas would deliver it (`model.augmentation.redraw`: brush width, solid ink, jagged lines, low
resolution, blur, a cut edge, cropped and centred as `canvas_to_mnist` does). It is plain NumPy,
so it runs the same under every Keras backend, and it is only used at training time; see
`model.training.train`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from model.augmentation.redraw import add_continental_strokes, bilinear_sample, redraw_batch, spread

MAXIMUM_ROTATION_DEGREES = 12.0
MAXIMUM_SHEAR = 0.25
SCALE_RANGE = (0.85, 1.1)
MAXIMUM_SHIFT_PIXELS = 2.0
THICKEN_PROBABILITY = 0.3
THIN_PROBABILITY = 0.15


AugmentStyle = Literal["affine", "canvas"]
CANVAS_SHARE = 0.75  # With style="canvas", the share of each batch redrawn as the canvas would; the rest as "affine".


def augment_batch(
    images: np.ndarray, rng: np.random.Generator, style: AugmentStyle = "affine", labels: np.ndarray | None = None
) -> np.ndarray:
    """Return a distorted float32 copy in [0, 1] of a (N, 28, 28) batch of images in [0, 1].

    `style`: "affine" rotates, shears, scales, shifts and changes the stroke width; "canvas" does the
    same to a quarter of the batch and redraws the rest as the app's canvas would (`model.augmentation.redraw`),
    and, given the `labels`, first draws some 1s with a continental flag and some 7s with a crossbar.
    """
    if style not in ("affine", "canvas"):
        raise ValueError(f"style must be affine or canvas, got {style!r}")
    images = np.asarray(images, dtype=np.float32)
    if style == "canvas" and labels is not None:
        images = add_continental_strokes(images, labels, rng)
    distorted = _random_affine(images, rng)
    if style == "affine":
        return _random_stroke_width(distorted, rng)
    redrawn = rng.uniform(size=len(images)) < CANVAS_SHARE
    result = _random_stroke_width(distorted, rng)
    if redrawn.any():
        result[redrawn] = redraw_batch(distorted[redrawn], rng)
    return result


def _random_affine(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    count, height, width = images.shape
    angle = np.deg2rad(rng.uniform(-MAXIMUM_ROTATION_DEGREES, MAXIMUM_ROTATION_DEGREES, count))
    shear = rng.uniform(-MAXIMUM_SHEAR, MAXIMUM_SHEAR, count)
    scale = rng.uniform(*SCALE_RANGE, count)
    shift = rng.uniform(-MAXIMUM_SHIFT_PIXELS, MAXIMUM_SHIFT_PIXELS, (count, 2))

    # The inverse map, from each output pixel back to where it samples the input.
    cos, sin = np.cos(angle), np.sin(angle)
    inverse = np.empty((count, 2, 2))
    inverse[:, 0, 0] = cos / scale
    inverse[:, 0, 1] = (sin + shear * cos) / scale
    inverse[:, 1, 0] = -sin / scale
    inverse[:, 1, 1] = (cos - shear * sin) / scale

    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    offsets = (np.stack([rows, columns], axis=-1).reshape(-1, 2) - centre).astype(np.float32)  # (pixels, 2)
    inverse = inverse.astype(np.float32)
    source_rows = inverse[:, 0, 0, None] * offsets[None, :, 0] + inverse[:, 0, 1, None] * offsets[None, :, 1]
    source_columns = inverse[:, 1, 0, None] * offsets[None, :, 0] + inverse[:, 1, 1, None] * offsets[None, :, 1]
    source_rows += np.float32(centre[0]) - shift[:, 0, None].astype(np.float32)
    source_columns += np.float32(centre[1]) - shift[:, 1, None].astype(np.float32)
    return bilinear_sample(images, source_rows, source_columns).reshape(count, height, width)


def _random_stroke_width(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    choice = rng.uniform(size=len(images))
    thicken = choice < THICKEN_PROBABILITY
    thin = (choice >= THICKEN_PROBABILITY) & (choice < THICKEN_PROBABILITY + THIN_PROBABILITY)
    result = images.copy()
    if thicken.any():
        # Blend towards the dilated image, for strokes between one and three pixels wider.
        amount = rng.uniform(0.5, 1.0, thicken.sum())[:, None, None]
        dilated = spread(images[thicken], np.maximum, square=False)
        result[thicken] = (1 - amount) * images[thicken] + amount * dilated
    if thin.any():
        eroded = spread(images[thin], np.minimum, square=False)
        # Keep eroded strokes visible: never thin away more than half of the ink.
        keep = eroded.sum(axis=(1, 2)) > 0.5 * images[thin].sum(axis=(1, 2))
        thinned = images[thin].copy()
        thinned[keep] = eroded[keep] / np.maximum(eroded[keep].max(axis=(1, 2), keepdims=True), 1e-6)
        result[thin] = thinned
    return np.clip(result, 0.0, 1.0).astype(np.float32)
