"""Procedural non-digit drawings for outlier exposure: random scribbles, marks and shapes as canvas strokes.

The not-a-digit detector (`model.explain.novelty`) learns what a digit's reading is not from these:
each call to `outlier_strokes(generator)` draws one drawing (a list of polylines in canvas
fractions, as `model.drawings` uses) from one of a few families, with a random brush width. They
are generated from a seed, never hand-drawn, and share no drawing with the project's evaluation
non-digits (`model.drawings.NON_DIGIT_STROKES`) or the benchmark's held-out set; families are kept
generic (tangles, hatching, polygons, stars, dabs, waves, grids of segments) so the detector is not
tuned to any one evaluation shape. No Streamlit, no TensorFlow.
"""

from __future__ import annotations

import numpy as np

from model.drawings import render_strokes
from model.preprocess import canvas_to_mnist

BRUSH_RANGE = (8, 36)  # Canvas brush widths drawn uniformly, the app's slider range.


def _tangle(generator):
    """A random walk that turns smoothly: a scribble."""
    steps = generator.integers(25, 70)
    turn = np.cumsum(generator.normal(0, generator.uniform(0.3, 0.9), steps))
    step = generator.uniform(0.03, 0.07)
    points = np.cumsum(np.stack([np.cos(turn), np.sin(turn)], axis=1) * step, axis=0)
    return [points]


def _polyline(generator):
    """Many random corners in one stroke."""
    return [generator.uniform(0, 1, (generator.integers(6, 16), 2))]


def _hatching(generator):
    """Parallel strokes at a random angle, sometimes crossed by a second set."""
    strokes = []
    for _ in range(generator.integers(1, 3)):
        angle = generator.uniform(0, np.pi)
        direction, normal = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
        count = generator.integers(3, 7)
        for offset in np.linspace(-0.35, 0.35, count):
            centre = 0.5 + normal * offset
            strokes.append(np.stack([centre - direction * 0.35, centre + direction * 0.35]))
    return strokes


def _polygon(generator):
    """A closed polygon of 3 to 8 corners, regular or jittered, sometimes with a second inside it."""
    strokes = []
    for radius in (0.4, 0.2)[: generator.integers(1, 3)]:
        corners = generator.integers(3, 9)
        angles = (
            np.sort(generator.uniform(0, 2 * np.pi, corners))
            if generator.random() < 0.5
            else np.linspace(0, 2 * np.pi, corners, endpoint=False)
        )
        angles += generator.uniform(0, 2 * np.pi)
        points = 0.5 + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        strokes.append(np.vstack([points, points[:1]]))
    return strokes


def _star(generator):
    """Lines through one point, or a star polygon."""
    spokes = generator.integers(3, 7)
    angles = np.linspace(0, np.pi, spokes, endpoint=False) + generator.uniform(0, np.pi)
    return [np.stack([0.5 - 0.4 * np.array([np.cos(a), np.sin(a)]), 0.5 + 0.4 * np.array([np.cos(a), np.sin(a)])]) for a in angles]


def _dabs(generator):
    """A few short marks scattered: dots and dashes."""
    strokes = []
    for _ in range(generator.integers(3, 10)):
        start = generator.uniform(0, 1, 2)
        strokes.append(np.stack([start, start + generator.normal(0, 0.06, 2)]))
    return strokes


def _wave(generator):
    """A wave or zig-zag across the canvas at a random angle."""
    xs = np.linspace(-0.4, 0.4, 60)
    cycles = generator.uniform(1.5, 5)
    shape = np.sin if generator.random() < 0.5 else (lambda t: 2 / np.pi * np.arcsin(np.sin(t)))
    ys = generator.uniform(0.08, 0.25) * shape(xs * cycles * 2 * np.pi / 0.8)
    angle = generator.uniform(0, np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return [0.5 + np.stack([xs, ys], axis=1) @ rotation.T]


def _segment_glyph(generator):
    """Random edges between the points of a 3×3 grid: letter-like glyphs of straight strokes."""
    grid = np.array([(x, y) for y in (0.15, 0.5, 0.85) for x in (0.2, 0.5, 0.8)])
    strokes = []
    for _ in range(generator.integers(3, 7)):
        first, second = generator.choice(9, 2, replace=False)
        strokes.append(grid[[first, second]] + generator.normal(0, 0.02, (2, 2)))
    return strokes


def _loops(generator):
    """A chain of loops along a line: cursive-like scribble."""
    loops = generator.uniform(3, 8)
    t = np.linspace(0, loops * 2 * np.pi, 150)
    radius = generator.uniform(0.08, 0.18)
    points = np.stack([np.linspace(0.1, 0.9, len(t)) + radius * np.cos(t), 0.5 + radius * 1.4 * np.sin(t)], axis=1)
    return [points]


FAMILIES = {
    "tangle": _tangle,
    "polyline": _polyline,
    "hatching": _hatching,
    "polygon": _polygon,
    "star": _star,
    "dabs": _dabs,
    "wave": _wave,
    "segment glyph": _segment_glyph,
    "loops": _loops,
}


def outlier_strokes(generator: np.random.Generator) -> tuple[list[np.ndarray], int]:
    """One random non-digit drawing from a random family, squeezed or stretched, and its brush width."""
    family = FAMILIES[list(FAMILIES)[generator.integers(len(FAMILIES))]]
    scale = generator.uniform(0.5, 1.0, 2)
    centre = generator.uniform(0.35, 0.65, 2)
    strokes = [np.clip(centre + (np.asarray(stroke) - 0.5) * scale, 0.02, 0.98) for stroke in family(generator)]
    return strokes, int(generator.integers(*BRUSH_RANGE, endpoint=True))


def outlier_images(count: int, seed: int, side: int = 140) -> np.ndarray:
    """`count` procedural non-digit drawings through the canvas pipeline: (count, 28, 28) float32 in [0, 1]."""
    if count < 1:
        raise ValueError(f"Ask for at least one drawing, got {count}.")
    generator = np.random.default_rng(seed)
    images = []
    while len(images) < count:
        strokes, brush = outlier_strokes(generator)
        image = canvas_to_mnist(render_strokes(strokes, side=side, brush=max(2, brush * side // 280)))
        if image is not None:
            images.append(image)
    return np.stack(images)


def _max_filter(image: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(image, radius)
    side_rows, side_columns = image.shape
    shifted = [padded[dy : dy + side_rows, dx : dx + side_columns] for dy in range(2 * radius + 1) for dx in range(2 * radius + 1)]
    return np.max(shifted, axis=0)


def canvas_style_digits(images: np.ndarray, seed: int, upscale: int = 4) -> np.ndarray:
    """MNIST digits redrawn as a canvas draws them: hard-edged ink of a random thickness, through `canvas_to_mnist`.

    A canvas stroke has a uniform width and sharp edges, unlike MNIST's soft pen. The detector learns
    digits from these as well as from MNIST itself, so that what it flags is the shape, not the
    canvas's rendering. They come from MNIST training digits, never from the hand-made drawings.
    """
    generator = np.random.default_rng(seed)
    images = np.asarray(images, dtype=np.float64)
    if images.max() > 1:
        images = images / 255.0
    redrawn = []
    for image in images:
        large = np.kron(image, np.ones((upscale, upscale)))
        ink = large > generator.uniform(0.25, 0.6)
        for _ in range(generator.integers(0, 3)):
            ink = _max_filter(ink, 1)
        canvas = np.zeros(ink.shape + (4,), dtype=np.uint8)
        canvas[..., :3] = ink[..., None] * 255
        canvas[..., 3] = 255
        result = canvas_to_mnist(canvas)
        redrawn.append(result if result is not None else image.astype(np.float32))
    return np.stack(redrawn)
