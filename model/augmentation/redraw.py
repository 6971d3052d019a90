"""Redraw MNIST training digits the way a drawing reaches the network from the app's canvas.

A drawing on the canvas differs from an MNIST digit in ways `canvas_to_mnist` cannot undo: the
brush is one width and one solid grey level from end to end; the stroke width relative to the
digit depends on how large the digit was drawn (a small digit in a corner becomes thick blobs once
it is scaled up into the 20×20 box, a large one drawn with a thin brush becomes faint hairlines);
a mouse draws jagged lines; a digit copied from a low-resolution or blurred source arrives soft or
blocky; a stroke that runs off the canvas is cut at its edge. `redraw_batch` imitates each of
these at random on a batch of 28×28 digits, then crops, fits into the 20×20 box and centres by mass
as `canvas_to_mnist` does (with bilinear sampling over the whole batch, not its per-image resize),
so the network trains on what the canvas pipeline produces.
It is plain NumPy, vectorised over the batch, and used only at training time
(`augment_batch(..., style="canvas")`); it does not replace the affine distortions in
`model.augmentation.augment`, which run first.
"""

from __future__ import annotations

import numpy as np

from model.preprocess import DIGIT_BOX, INK_THRESHOLD, resample
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS

UPSAMPLING = 2  # Stroke widths are changed on a grid twice as fine as MNIST's, in half-pixel steps.
SOLID_INK_PROBABILITY = 0.5  # The share of digits redrawn in one solid grey level, as a brush paints.
SOLID_INK_THRESHOLD = (0.25, 0.6)  # Where an MNIST grey level counts as ink when redrawn solid.
# Half-pixel steps of stroke width (negative thins) and how often each is drawn.
WIDTH_STEPS = np.array([-1, 0, 1, 2, 3, 4, 6, 8])
WIDTH_STEP_PROBABILITIES = np.array([0.12, 0.3, 0.15, 0.15, 0.12, 0.08, 0.05, 0.03])
SMOOTH_WARP_PROBABILITY = 0.5  # Elastic distortion: another writer's curves.
SMOOTH_WARP = (3.0, 1.5)  # Gaussian width of the displacement field and its largest RMS displacement, in pixels.
JAGGED_WARP_PROBABILITY = 0.3  # A mouse's jagged lines: a fine-grained displacement.
JAGGED_WARP = (0.8, 0.6)
# A soft source, one or the other: redrawn from a source this many pixels a side then scaled back up, or blurred.
LOW_RESOLUTION_PROBABILITY = 0.15
LOW_RESOLUTION_SIDES = (10, 16)
BLUR_PROBABILITY = 0.15
BLUR_SIGMA = (0.5, 1.6)  # Pixels of the 28×28 image.
SOFT_SOURCE_WIDEST_STEP = 3  # A soft source is not also drawn with the widest brushes: the digit would be a blob.
EDGE_CUT_PROBABILITY = 0.08  # A stroke that ran off the canvas: one side of the digit cut away.
EDGE_CUT_SHARE = (0.08, 0.22)  # The share of the digit's height or width cut away.
ASPECT_STRETCH = (0.75, 1.3)  # Drawn narrower or wider than the writer of the MNIST digit did.
# How continental writers draw a 1 and a 7, which MNIST's American writers rarely did.
FLAG_PROBABILITY = 0.3  # A 1 given a long flag down to the left from its top.
FLAG_LENGTH = (0.25, 0.5)  # Of the digit's height.
FLAG_ANGLE_DEGREES = (35.0, 65.0)  # Below the horizontal: steeper than a 7's bar.
CROSSBAR_PROBABILITY = 0.3  # A 7 given a bar across its stem.
CROSSBAR_HALF_LENGTH = (0.12, 0.24)  # Of the digit's height, each side of the stem.
CROSSBAR_HEIGHT = (0.4, 0.62)  # Where it crosses, as a share of the height from the top.


def redraw_batch(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return a (N, 28, 28) float32 batch in [0, 1] redrawn as the canvas would deliver it (see the module's docstring)."""
    images = np.asarray(images, dtype=np.float32)
    count = len(images)
    images = warp(images, rng.uniform(size=count) < SMOOTH_WARP_PROBABILITY, *SMOOTH_WARP, rng)
    images = warp(images, rng.uniform(size=count) < JAGGED_WARP_PROBABILITY, *JAGGED_WARP, rng)
    fine = resample(images, IMAGE_ROWS * UPSAMPLING, IMAGE_COLUMNS * UPSAMPLING)
    solid = rng.uniform(size=count) < SOLID_INK_PROBABILITY
    thresholds = rng.uniform(*SOLID_INK_THRESHOLD, count)[:, None, None]
    fine = np.where(solid[:, None, None], (fine > thresholds).astype(np.float32), fine)
    source = rng.uniform(size=count)
    low_resolution = source < LOW_RESOLUTION_PROBABILITY
    blurred = (source >= LOW_RESOLUTION_PROBABILITY) & (source < LOW_RESOLUTION_PROBABILITY + BLUR_PROBABILITY)
    steps = rng.choice(WIDTH_STEPS, size=count, p=WIDTH_STEP_PROBABILITIES)
    steps = np.where(low_resolution | blurred, np.minimum(steps, SOFT_SOURCE_WIDEST_STEP), steps)
    fine = change_stroke_width(fine, steps)
    images = resample(fine, IMAGE_ROWS, IMAGE_COLUMNS).astype(np.float32)
    images = lower_resolution(images, low_resolution, rng)
    if blurred.any():
        images[blurred] = gaussian_blur(images[blurred], rng.uniform(*BLUR_SIGMA, blurred.sum()))
    images = cut_at_an_edge(images, rng.uniform(size=count) < EDGE_CUT_PROBABILITY, rng)
    return fit_as_canvas(images, rng.uniform(*ASPECT_STRETCH, count))


def add_continental_strokes(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Give some 1s a long flag and some 7s a crossbar, drawn as strokes as wide as the digit's own."""
    result = np.asarray(images, dtype=np.float32).copy()
    labels = np.asarray(labels)
    top, bottom, left, right, has_ink = _ink_boxes(result)
    flagged = np.flatnonzero((labels == 1) & has_ink & (rng.uniform(size=len(labels)) < FLAG_PROBABILITY))
    crossed = np.flatnonzero((labels == 7) & has_ink & (rng.uniform(size=len(labels)) < CROSSBAR_PROBABILITY))
    for index in flagged:
        image, height = result[index], bottom[index] - top[index] + 1
        top_row = image[top[index] : top[index] + 2]
        column = float((top_row.sum(axis=0) @ np.arange(image.shape[1])) / max(top_row.sum(), 1e-6))
        length, angle = rng.uniform(*FLAG_LENGTH) * height, np.radians(rng.uniform(*FLAG_ANGLE_DEGREES))
        end = (top[index] + length * np.sin(angle), column - length * np.cos(angle))
        result[index] = np.maximum(image, stroke_segment(image.shape, (top[index] + 0.5, column), end, stroke_width(image)))
    for index in crossed:
        image, height = result[index], bottom[index] - top[index] + 1
        row = int(round(top[index] + rng.uniform(*CROSSBAR_HEIGHT) * (height - 1)))
        column = float((image[row] @ np.arange(image.shape[1])) / max(image[row].sum(), 1e-6))
        half, tilt = rng.uniform(*CROSSBAR_HALF_LENGTH) * height, rng.uniform(-0.05, 0.05) * height
        segment = stroke_segment(image.shape, (row + tilt, column - half), (row - tilt, column + half), stroke_width(image))
        result[index] = np.maximum(image, segment)
    return result


def stroke_width(image: np.ndarray) -> float:
    """The width of a digit's strokes in pixels: the median count of inked pixels across the rows of its lower half."""
    counts = (image > 0.5).sum(axis=1)
    inked_rows = np.flatnonzero(counts)
    if not len(inked_rows):
        return 2.0
    lower = counts[inked_rows[len(inked_rows) // 2 :]]
    return float(np.clip(np.median(lower), 1.5, 4.0))


def stroke_segment(shape: tuple[int, int], start: tuple[float, float], end: tuple[float, float], width: float) -> np.ndarray:
    """An anti-aliased straight stroke of `width` pixels from `start` to `end` (row, column), with round ends."""
    rows, columns = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    start_point, direction = np.asarray(start, dtype=np.float64), np.subtract(end, start)
    along = ((rows - start_point[0]) * direction[0] + (columns - start_point[1]) * direction[1]) / max(direction @ direction, 1e-9)
    along = np.clip(along, 0.0, 1.0)
    distance = np.hypot(rows - start_point[0] - along * direction[0], columns - start_point[1] - along * direction[1])
    return np.clip(width / 2 + 0.5 - distance, 0.0, 1.0).astype(np.float32)


def gaussian_matrices(side: int, sigmas: np.ndarray) -> np.ndarray:
    """(N, side, side) matrices that blur one axis with a Gaussian of each sigma; zero beyond the edges."""
    offsets = np.arange(side)[None, :, None] - np.arange(side)[None, None, :]
    weights = np.exp(-0.5 * (offsets / np.asarray(sigmas, dtype=np.float64)[:, None, None]) ** 2)
    return (weights / weights.sum(axis=2, keepdims=True)).astype(np.float32)


def gaussian_blur(images: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """Blur each image of a (N, H, W) batch with a Gaussian of its own sigma (pixels)."""
    rows = gaussian_matrices(images.shape[1], sigmas)
    columns = gaussian_matrices(images.shape[2], sigmas)
    return rows @ images @ columns.transpose(0, 2, 1)


def warp(images: np.ndarray, chosen: np.ndarray, sigma: float, largest_displacement: float, rng: np.random.Generator) -> np.ndarray:
    """Displace the chosen images' pixels by a random field smoothed over `sigma` pixels, of RMS up to `largest_displacement`."""
    if not chosen.any():
        return images
    selected = images[chosen]
    count, height, width = selected.shape
    noise = rng.uniform(-1, 1, (2, count, height, width)).astype(np.float32)
    smooth = gaussian_blur(noise.reshape(2 * count, height, width), np.full(2 * count, sigma)).reshape(2, count, height, width)
    rms = np.sqrt((smooth**2).mean(axis=(0, 2, 3), keepdims=True)) + 1e-6
    smooth *= rng.uniform(0.3, 1.0, (1, count, 1, 1)).astype(np.float32) * largest_displacement / rms
    rows, columns = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    source_rows = (rows + smooth[0]).reshape(count, -1)
    source_columns = (columns + smooth[1]).reshape(count, -1)
    result = images.copy()
    result[chosen] = bilinear_sample(selected, source_rows, source_columns).reshape(count, height, width)
    return result


def bilinear_sample(images: np.ndarray, source_rows: np.ndarray, source_columns: np.ndarray) -> np.ndarray:
    """Sample (N, pixels) points from zero-padded images, reading flat indices into one array."""
    count, height, width = images.shape
    padded_width = width + 2
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1))).reshape(-1)
    rows = np.clip(source_rows + 1, 0, height)
    columns = np.clip(source_columns + 1, 0, width)
    top = rows.astype(np.int32)  # Non-negative, so truncation is the floor.
    left = columns.astype(np.int32)
    down = rows - top
    right = columns - left
    base = (np.arange(count, dtype=np.int32) * (height + 2) * padded_width)[:, None] + top * padded_width + left
    top_left, top_right = padded[base], padded[base + 1]
    bottom_left, bottom_right = padded[base + padded_width], padded[base + padded_width + 1]
    upper = top_left + (top_right - top_left) * right
    lower = bottom_left + (bottom_right - bottom_left) * right
    return upper + (lower - upper) * down


def spread(images: np.ndarray, reduce, square: bool) -> np.ndarray:
    """One step of dilation (np.maximum) or erosion (np.minimum) with a cross, or a 3×3 square."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    height, width = images.shape[1:]
    neighbours = [(0, 1), (1, 0), (1, 2), (2, 1)] + ([(0, 0), (0, 2), (2, 0), (2, 2)] if square else [])
    result = images.copy()
    for row, column in neighbours:
        result = reduce(result, padded[:, row : row + height, column : column + width])
    return result


def change_stroke_width(images: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Dilate each image `steps` times (a rounded brush: cross and square in turn), or erode it for a negative step.

    An erosion that would leave less than half of the ink is not made: the stroke stays visible.
    """
    result = images.copy()
    for step in range(int(max(steps.max(initial=0), 0))):
        grow = steps > step
        result[grow] = spread(result[grow], np.maximum, square=step % 2 == 1)
    thin = steps < 0
    if thin.any():
        eroded = spread(result[thin], np.minimum, square=False)
        keep = eroded.sum(axis=(1, 2)) > 0.5 * result[thin].sum(axis=(1, 2))
        thinned = result[thin]
        thinned[keep] = eroded[keep]
        result[thin] = thinned
    return result


def lower_resolution(images: np.ndarray, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The chosen images scaled down to a few pixels a side and back up: half smoothly, half blocky (nearest pixel)."""
    result = images.copy()
    for index in np.flatnonzero(chosen):
        side = int(rng.integers(LOW_RESOLUTION_SIDES[0], LOW_RESOLUTION_SIDES[1] + 1))
        small = resample(images[index], side, side)
        if rng.uniform() < 0.5:
            result[index] = resample(small, IMAGE_ROWS, IMAGE_COLUMNS)
        else:
            nearest_rows = np.minimum((np.arange(IMAGE_ROWS) * side) // IMAGE_ROWS, side - 1)
            nearest_columns = np.minimum((np.arange(IMAGE_COLUMNS) * side) // IMAGE_COLUMNS, side - 1)
            result[index] = small[np.ix_(nearest_rows, nearest_columns)]
    return result


def _ink_boxes(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per image: the first and last inked row and column (as `canvas_to_mnist` crops), and whether it has ink."""
    peaks = images.max(axis=(1, 2), keepdims=True)
    inked = images > INK_THRESHOLD * np.maximum(peaks, 1e-6)
    any_rows, any_columns = inked.any(axis=2), inked.any(axis=1)
    top = any_rows.argmax(axis=1)
    bottom = any_rows.shape[1] - 1 - any_rows[:, ::-1].argmax(axis=1)
    left = any_columns.argmax(axis=1)
    right = any_columns.shape[1] - 1 - any_columns[:, ::-1].argmax(axis=1)
    return top, bottom, left, right, any_rows.any(axis=1) & (peaks[:, 0, 0] > 0)


def cut_at_an_edge(images: np.ndarray, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cut away a band (`EDGE_CUT_SHARE` of the digit) at one random side of each chosen image, as a canvas edge cuts a stroke."""
    result = images.copy()
    top, bottom, left, right, has_ink = _ink_boxes(images)
    for index in np.flatnonzero(chosen & has_ink):
        side = int(rng.integers(4))
        share = rng.uniform(*EDGE_CUT_SHARE)
        if side in (0, 1):
            band = max(1, int(round(share * (bottom[index] - top[index] + 1))))
            rows = slice(top[index], top[index] + band) if side == 0 else slice(bottom[index] + 1 - band, bottom[index] + 1)
            result[index, rows, :] = 0
        else:
            band = max(1, int(round(share * (right[index] - left[index] + 1))))
            columns = slice(left[index], left[index] + band) if side == 2 else slice(right[index] + 1 - band, right[index] + 1)
            result[index, :, columns] = 0
    return result


def fit_as_canvas(images: np.ndarray, aspect_stretch: np.ndarray | None = None) -> np.ndarray:
    """Crop each image to its ink, fit it into the 20×20 box and centre it by mass in 28×28, as `canvas_to_mnist` does.

    `aspect_stretch` (one factor per image, 1 by default) widens (>1) or narrows (<1) the digit before it is fitted.
    An image without ink stays blank.
    """
    images = np.asarray(images, dtype=np.float32)
    count = len(images)
    stretch = np.ones(count) if aspect_stretch is None else np.asarray(aspect_stretch, dtype=np.float64)
    top, bottom, left, right, has_ink = _ink_boxes(images)
    height, width = bottom - top + 1, (right - left + 1) * stretch
    fit = DIGIT_BOX / np.maximum(height, width)
    row_scale, column_scale = fit, fit * stretch
    # The crop, as canvas_to_mnist's: everything inside the ink's box, faint pixels too; its centre of mass.
    rows, columns = np.meshgrid(np.arange(IMAGE_ROWS), np.arange(IMAGE_COLUMNS), indexing="ij")
    inside = (
        (rows[None] >= top[:, None, None]) & (rows[None] <= bottom[:, None, None])
        & (columns[None] >= left[:, None, None]) & (columns[None] <= right[:, None, None])
    )  # fmt: skip
    cropped = np.where(inside, images, 0).astype(np.float32)
    total = np.maximum(cropped.sum(axis=(1, 2), dtype=np.float64), 1e-9)
    mass_row = (cropped.sum(axis=2, dtype=np.float64) @ np.arange(IMAGE_ROWS)) / total
    mass_column = (cropped.sum(axis=1, dtype=np.float64) @ np.arange(IMAGE_COLUMNS)) / total
    # As canvas_to_mnist: the box is resized to round(side × scale) pixels, each sampling the crop at its own centre
    # (clamped into the crop), and placed at whole pixels with its mass at the field's centre, kept inside the field.
    box_height = np.maximum(1, np.round(height * row_scale)).astype(int)
    box_width = np.maximum(1, np.round((right - left + 1) * column_scale)).astype(int)
    box_top = np.clip(np.round(IMAGE_ROWS / 2 - (mass_row - top + 0.5) * row_scale), 0, IMAGE_ROWS - box_height)
    box_left = np.clip(np.round(IMAGE_COLUMNS / 2 - (mass_column - left + 0.5) * column_scale), 0, IMAGE_COLUMNS - box_width)
    field_rows, field_columns = rows.reshape(1, -1), columns.reshape(1, -1)
    source_rows = top[:, None] + (field_rows - box_top[:, None] + 0.5) / row_scale[:, None] - 0.5
    source_columns = left[:, None] + (field_columns - box_left[:, None] + 0.5) / column_scale[:, None] - 0.5
    source_rows = np.clip(source_rows, top[:, None], bottom[:, None])
    source_columns = np.clip(source_columns, left[:, None], right[:, None])
    in_box = (
        (field_rows >= box_top[:, None]) & (field_rows < (box_top + box_height)[:, None])
        & (field_columns >= box_left[:, None]) & (field_columns < (box_left + box_width)[:, None])
    )  # fmt: skip
    fitted = bilinear_sample(cropped, source_rows.astype(np.float32), source_columns.astype(np.float32))
    fitted = np.where(in_box, fitted, 0).reshape(images.shape)
    fitted = np.where(has_ink[:, None, None], fitted, images)
    fitted /= np.maximum(fitted.max(axis=(1, 2), keepdims=True), 1e-6)
    return np.clip(fitted, 0.0, 1.0).astype(np.float32)
