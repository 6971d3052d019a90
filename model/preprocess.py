"""Turn a drawing from the canvas into the 28×28 image the network was trained on.

`canvas_to_mnist(rgba)` prepares a drawing the way MNIST itself was prepared: crop to the ink,
fit it into a 20×20 box keeping its aspect ratio (anti-aliased), and centre it by its centre of
mass in a 28×28 field. It accepts white ink on black, black ink on white, and ink drawn on a
transparent background. It does not run the network; see `model.probe`.
"""

from __future__ import annotations

import numpy as np

from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS

DIGIT_BOX = 20
MAXIMUM_CANVAS_SIDE = 4096
MINIMUM_CANVAS_SIDE = 8
INK_THRESHOLD = 0.1  # Fraction of full ink under which a pixel counts as background.
MINIMUM_INK_FRACTION = 1e-4  # Less inked area than this (of the canvas) is a blank canvas.
MINIMUM_INK_PIXELS = 4


def canvas_to_mnist(rgba: np.ndarray) -> np.ndarray | None:
    """Return the 28×28 float32 image in [0, 1] for an H×W×4 RGBA drawing, or None if it is blank."""
    ink = ink_intensity(rgba)
    inked = ink > INK_THRESHOLD
    if inked.sum() < max(MINIMUM_INK_PIXELS, MINIMUM_INK_FRACTION * ink.size):
        return None
    rows = np.flatnonzero(inked.any(axis=1))
    columns = np.flatnonzero(inked.any(axis=0))
    cropped = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]

    scale = DIGIT_BOX / max(cropped.shape)
    new_height = max(1, round(cropped.shape[0] * scale))
    new_width = max(1, round(cropped.shape[1] * scale))
    digit = resample(cropped, new_height, new_width)
    peak = digit.max()
    if peak <= 0:
        return None
    digit = np.clip(digit / peak, 0.0, 1.0)
    return centre_by_mass(digit).astype(np.float32)


def ink_intensity(rgba: np.ndarray) -> np.ndarray:
    """Validate an RGBA drawing and return its ink as an H×W float64 array in [0, 1]."""
    if not isinstance(rgba, np.ndarray):
        raise ValueError(f"The drawing must be a numpy array, got {type(rgba).__name__}.")
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"The drawing must be an H×W×4 RGBA array, got shape {rgba.shape}.")
    height, width = rgba.shape[:2]
    if not (MINIMUM_CANVAS_SIDE <= height <= MAXIMUM_CANVAS_SIDE and MINIMUM_CANVAS_SIDE <= width <= MAXIMUM_CANVAS_SIDE):
        raise ValueError(
            f"The drawing must be between {MINIMUM_CANVAS_SIDE} and {MAXIMUM_CANVAS_SIDE} pixels on each side, got {height}×{width}."
        )
    if rgba.dtype == np.uint8:
        pixels = rgba.astype(np.float64) / 255.0
    elif np.issubdtype(rgba.dtype, np.floating):
        if not np.isfinite(rgba).all():
            raise ValueError("The drawing contains NaN or infinite values.")
        if rgba.min() < 0 or rgba.max() > 255:
            raise ValueError("A floating-point drawing must hold values between 0 and 255.")
        pixels = rgba.astype(np.float64) / 255.0
    else:
        raise ValueError(f"The drawing must be uint8 (or float in 0..255), got {rgba.dtype}.")

    alpha = pixels[..., 3]
    if alpha.min() < 0.98:
        # A transparent background: the ink is wherever something was painted.
        return alpha
    luminance = pixels[..., :3] @ np.array([0.299, 0.587, 0.114])
    border = np.concatenate([luminance[0], luminance[-1], luminance[:, 0], luminance[:, -1]])
    if np.median(border) > 0.5:
        return 1.0 - luminance  # Dark ink on a light background.
    return luminance


def resample(image: np.ndarray, new_height: int, new_width: int) -> np.ndarray:
    """Resize an image (H×W) or a batch (N×H×W) with a triangle filter widened when shrinking, so downscaling is anti-aliased."""
    vertical = _resampling_matrix(image.shape[-2], new_height)
    horizontal = _resampling_matrix(image.shape[-1], new_width)
    return vertical @ image @ horizontal.T


def _resampling_matrix(old_size: int, new_size: int) -> np.ndarray:
    scale = new_size / old_size
    support = max(1.0, 1.0 / scale)
    centres = (np.arange(new_size) + 0.5) / scale - 0.5
    distances = np.abs(np.arange(old_size)[None, :] - centres[:, None]) / support
    weights = np.clip(1.0 - distances, 0.0, None)
    totals = weights.sum(axis=1, keepdims=True)
    # A target pixel with no source within reach takes its nearest source pixel.
    empty = totals[:, 0] == 0
    if empty.any():
        nearest = np.clip(np.round(centres[empty]).astype(int), 0, old_size - 1)
        weights[np.flatnonzero(empty), nearest] = 1.0
        totals = weights.sum(axis=1, keepdims=True)
    return weights / totals


def centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place the digit in a 28×28 field so that its centre of mass lies at the field's centre."""
    field = np.zeros((IMAGE_ROWS, IMAGE_COLUMNS), dtype=np.float64)
    height, width = digit.shape
    mass = digit.sum()
    row_centre = (digit.sum(axis=1) @ np.arange(height)) / mass
    column_centre = (digit.sum(axis=0) @ np.arange(width)) / mass
    top = int(round((IMAGE_ROWS - 1) / 2 - row_centre))
    left = int(round((IMAGE_COLUMNS - 1) / 2 - column_centre))
    # Keep the whole digit inside the field even when its mass sits far from its middle.
    top = min(max(top, 0), IMAGE_ROWS - height)
    left = min(max(left, 0), IMAGE_COLUMNS - width)
    field[top : top + height, left : left + width] = digit
    return field


def with_blank_rows(images: np.ndarray, blank_rows: int) -> np.ndarray:
    """The image (rows × 28) or batch (N × rows × 28) followed by `blank_rows` rows of nothing, as the memory test reads it."""
    images = np.asarray(images)
    blank = np.zeros((*images.shape[:-2], blank_rows, images.shape[-1]), images.dtype)
    return np.concatenate([images, blank], axis=-2)
