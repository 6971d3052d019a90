"""The evaluation sets of `bench/robustness.py`: digits unlike MNIST's, each read through the app's canvas pipeline.

Two kinds, each in a tuning split and a held-out split, generated from code and seeds (nothing is
stored, no copy of MNIST is written):

- **Hand-made drawings** (`hand_made_set`): digits drawn as canvas strokes by scripted "writers".
  Every digit has several shapes (`DIGIT_SHAPES`: the continental 1 with its flag and the 7 with its
  crossbar, open and closed 4s, 9s with a straight or a curved tail, a looped 2, a flat-topped 3, ...).
  Each writer moves every control point a little, and draws in one `HAND_STYLES` style: plain, thick
  or thin brush, a mouse's jagged line, a finger's blob (thick, small, wobbly), slanted, narrow or
  wide, small in a corner, running off the canvas's edge, a copy from a low-resolution or blurred
  source, or two of these at once. They are painted by `model.drawings.render_strokes` (PIL, a round brush on a
  280×280 canvas, as the app's canvas returns a drawing) and read by `canvas_to_mnist`, as a
  visitor's drawing is.
- **Degraded MNIST test digits** (`degraded_mnist_set`): test digits put on the 280×280 canvas
  (scaled ×10) and degraded in measured ways (`DEGRADATIONS`: blurred, low resolution, thickened,
  thinned, jagged, slanted, solid ink, small in a corner, cut at an edge), then read by `canvas_to_mnist`.

The splits: tuning uses writers seeded from `TUNING_SEED` and test digits 0–4999; held-out uses
writers seeded from `HELD_OUT_SEED` and test digits 5000–9999. The held-out split is read only for
the final measurement, never while choosing augmentation, preprocessing or a model.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from model.drawings import render_strokes
from model.preprocess import canvas_to_mnist

CANVAS_SIDE = 280  # The app's canvas (ui/draw/view.py), at a pixel ratio of 1.
DEFAULT_BRUSH = 20  # The app's default brush width.
TUNING_SEED = 20_001
HELD_OUT_SEED = 90_017
SPLITS = ("tuning", "held-out")
MNIST_RANGES = {"tuning": (0, 5000), "held-out": (5000, 10_000)}


def _arc(cx, cy, rx, ry, start, end, points=18):
    angles = np.radians(np.linspace(start, end, points))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Shapes of each digit as strokes in canvas fractions (0–1); y runs down.
DIGIT_SHAPES: dict[int, dict[str, list]] = {
    0: {
        "oval": [_arc(0.5, 0.5, 0.2, 0.34, -90, 270, 24)],
        "round, overlapping start": [_arc(0.5, 0.5, 0.27, 0.32, -100, 290, 24)],
        "narrow": [_arc(0.5, 0.5, 0.12, 0.35, -90, 270, 24)],
    },
    1: {
        "stroke": [[(0.5, 0.15), (0.5, 0.85)]],
        "short flag": [[(0.42, 0.26), (0.52, 0.15), (0.52, 0.85)]],
        "continental, long flag": [[(0.3, 0.38), (0.55, 0.14), (0.55, 0.86)]],
        "flag and base": [[(0.38, 0.28), (0.52, 0.15), (0.52, 0.85)], [(0.36, 0.85), (0.68, 0.85)]],
    },
    2: {
        "curved": [_arc(0.5, 0.33, 0.2, 0.18, 200, 380) + [(0.62, 0.5), (0.3, 0.85), (0.72, 0.85)]],
        "looped base": [_arc(0.5, 0.33, 0.2, 0.18, 200, 380) + [(0.3, 0.8)] + _arc(0.34, 0.8, 0.06, 0.05, 180, 450) + [(0.74, 0.84)]],
        "angular (Z-like)": [[(0.3, 0.2), (0.7, 0.2), (0.3, 0.85), (0.72, 0.85)]],
    },
    3: {
        "round": [_arc(0.48, 0.32, 0.2, 0.17, 200, 450) + _arc(0.48, 0.67, 0.23, 0.19, 270, 520)],
        "flat top": [[(0.3, 0.16), (0.7, 0.16), (0.45, 0.45)] + _arc(0.47, 0.66, 0.23, 0.2, 270, 520)],
    },
    4: {
        "closed, one stroke": [[(0.6, 0.85), (0.6, 0.15), (0.28, 0.62), (0.76, 0.62)]],
        "open, two strokes": [[(0.32, 0.15), (0.28, 0.58), (0.76, 0.58)], [(0.62, 0.3), (0.62, 0.86)]],
        "open, tall stem": [[(0.35, 0.18), (0.3, 0.55), (0.72, 0.55)], [(0.6, 0.12), (0.6, 0.88)]],
    },
    5: {
        "two strokes": [[(0.35, 0.15), (0.33, 0.45)] + _arc(0.48, 0.64, 0.21, 0.2, 240, 480), [(0.35, 0.15), (0.7, 0.15)]],
        "one stroke": [[(0.7, 0.15), (0.36, 0.15), (0.33, 0.45)] + _arc(0.48, 0.64, 0.21, 0.2, 240, 480)],
    },
    6: {
        "curved stem": [[(0.64, 0.14)] + _arc(0.62, 0.6, 0.3, 0.46, 250, 180, 8) + _arc(0.5, 0.66, 0.18, 0.19, 180, 540, 20)],
        "straight stem": [[(0.55, 0.14), (0.34, 0.62)] + _arc(0.5, 0.67, 0.17, 0.18, 180, 540, 20)],
    },
    7: {
        "plain": [[(0.28, 0.18), (0.72, 0.18), (0.45, 0.85)]],
        "continental, crossbar": [[(0.28, 0.18), (0.72, 0.18), (0.45, 0.85)], [(0.38, 0.5), (0.7, 0.5)]],
        "serif hook": [[(0.28, 0.28), (0.28, 0.18), (0.72, 0.18), (0.5, 0.85)]],
        "curved stem": [[(0.28, 0.18), (0.72, 0.18)] + _arc(0.9, 0.85, 0.42, 0.67, 270, 180, 10)[1:]],
    },
    8: {
        "two loops": [_arc(0.5, 0.31, 0.15, 0.16, -90, 270, 20), _arc(0.5, 0.66, 0.19, 0.19, -90, 270, 20)],
        "one stroke, crossing": [
            [(0.66, 0.2)]
            + _arc(0.5, 0.3, 0.16, 0.15, -30, -270, 14)
            + [(0.66, 0.62)]
            + _arc(0.5, 0.68, 0.18, 0.17, -90, 180, 14)
            + [(0.66, 0.2)]
        ],
    },
    9: {
        "straight tail": [_arc(0.5, 0.33, 0.16, 0.17, 0, 360, 20), [(0.66, 0.33), (0.64, 0.86)]],
        "curved tail": [_arc(0.5, 0.33, 0.16, 0.17, 0, 360, 20) + _arc(0.38, 0.6, 0.28, 0.27, 0, 110, 10)],
        "one stroke, slanted tail": [_arc(0.52, 0.32, 0.17, 0.16, 10, 370, 20) + [(0.58, 0.62), (0.45, 0.87)]],
    },
}

# Each style: brush width range (canvas pixels), size, slant, stretch, mouse jitter, and a soft source.
HAND_STYLES: dict[str, dict] = {
    "plain": dict(brush=(16, 24)),
    "thick brush": dict(brush=(32, 44)),
    "thin brush": dict(brush=(5, 9)),
    "mouse, jagged": dict(brush=(10, 20), jitter=(0.006, 0.014)),
    "finger blobs": dict(brush=(30, 40), scale=(0.55, 0.8), jitter=(0.01, 0.02)),
    "slanted": dict(brush=(14, 24), slant=(0.25, 0.45), slant_sign=True),
    "narrow or wide": dict(brush=(14, 24), stretch=(0.55, 1.5)),
    "small in a corner": dict(brush=(14, 24), scale=(0.22, 0.38), corner=True),
    "off the edge": dict(brush=(16, 26), scale=(1.0, 1.15), edge=True),
    "low-resolution copy": dict(brush=(16, 26), low_resolution=(14, 24)),
    "blurred copy": dict(brush=(16, 26), blur=(5.0, 10.0)),
    "two styles at once": dict(mix=2),  # Two of the styles above but plain, drawn at random per drawing.
}


def _jagged(points: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """A polyline resampled every 0.01 canvas and shaken by a smoothed random walk: a mouse's jagged line."""
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    if lengths[-1] == 0:
        return points
    steps = np.linspace(0, lengths[-1], max(2, int(lengths[-1] / 0.01)))
    dense = np.stack([np.interp(steps, lengths, points[:, 0]), np.interp(steps, lengths, points[:, 1])], axis=1)
    walk = rng.normal(0, 1, dense.shape)
    walk = (walk + np.roll(walk, 1, axis=0) + np.roll(walk, -1, axis=0)) / 3
    return dense + amplitude * walk / max(walk.std(), 1e-9)


def _draw_hand_made(shape, style: dict, rng: np.random.Generator) -> np.ndarray | None:
    """One writer's drawing of `shape` in `style`: the 28×28 image canvas_to_mnist makes of it, or None if blank."""
    strokes, style = writer_strokes(shape, style, rng)
    rgba = render_strokes(strokes, CANVAS_SIDE, int(rng.integers(style["brush"][0], style["brush"][1] + 1)))
    return canvas_to_mnist(_soft_source(rgba, style, rng))


def writer_strokes(shape, style: dict, rng: np.random.Generator) -> tuple[list[list[tuple[float, float]]], dict]:
    """One writer's strokes of `shape` in `style` (canvas fractions), and the style drawn (a mix resolved to its parts)."""
    if "mix" in style:
        names = [name for name, other in HAND_STYLES.items() if name != "plain" and "mix" not in other]
        style = {key: value for name in rng.choice(names, size=style["mix"], replace=False) for key, value in HAND_STYLES[name].items()}
    scale = rng.uniform(*style.get("scale", (0.85, 1.0)))
    slant = rng.uniform(*style.get("slant", (-0.1, 0.15))) * (rng.choice([-0.7, 1.0]) if style.get("slant_sign") else 1.0)
    stretch = rng.uniform(*style.get("stretch", (0.9, 1.1)))
    shift = rng.uniform(-0.04, 0.04, 2)
    if style.get("corner"):
        margin = 0.5 - 0.5 * scale - 0.02
        shift = np.array([rng.choice([-1, 1]) * margin, rng.choice([-1, 1]) * margin])
    if style.get("edge"):
        axis, sign = rng.integers(2), rng.choice([-1, 1])
        shift[axis] = sign * rng.uniform(0.06, 0.12)
    jitter = rng.uniform(*style["jitter"]) if "jitter" in style else 0.0
    strokes = []
    for stroke in shape:
        points = np.asarray(stroke, dtype=np.float64) + rng.normal(0, 0.012, (len(stroke), 2))  # The writer's own hand.
        x = 0.5 + (points[:, 0] - 0.5) * scale * stretch + slant * (0.5 - points[:, 1]) * scale + shift[0]
        y = 0.5 + (points[:, 1] - 0.5) * scale + shift[1]
        points = np.stack([x, y], axis=1)
        if jitter:
            points = _jagged(points, jitter, rng)
        strokes.append([tuple(point) for point in points])
    return strokes, style


def _soft_source(rgba: np.ndarray, style: dict, rng: np.random.Generator) -> np.ndarray:
    """The canvas as a copy of a low-resolution (scaled down then up) or blurred source, when the style asks."""
    image = Image.fromarray(rgba)
    if "low_resolution" in style:
        side = int(rng.integers(*style["low_resolution"]))
        image = image.resize((side, side), Image.Resampling.BOX).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BILINEAR)
    if "blur" in style:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(*style["blur"])))
    return np.asarray(image)


def hand_made_set(split: str, writers_per_shape_and_style: int = 2) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(images N×28×28, labels, style of each) for one split: every shape of every digit in every style."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = np.random.default_rng(TUNING_SEED if split == "tuning" else HELD_OUT_SEED)
    images, labels, styles = [], [], []
    for digit, shapes in DIGIT_SHAPES.items():
        for shape in shapes.values():
            for style_name, style in HAND_STYLES.items():
                for _ in range(writers_per_shape_and_style):
                    image = _draw_hand_made(shape, style, rng)
                    if image is not None:
                        images.append(image)
                        labels.append(digit)
                        styles.append(style_name)
    return np.stack(images).astype(np.float32), np.array(labels), styles


# Each degradation of an MNIST test digit on the 280×280 canvas (scaled ×10), with its measure.
DEGRADATIONS: dict[str, str] = {
    "as drawn (scaled ×10)": "the test digit scaled ×10 onto the canvas, nothing else",
    "blurred": "Gaussian blur of 1.5 MNIST pixels (15 canvas pixels)",
    "low resolution": "scaled down to 10×10 pixels, then back up",
    "thickened": "every stroke 2 MNIST pixels wider (a 21-pixel maximum filter on the canvas)",
    "thinned": "every stroke 1 MNIST pixel narrower (an 11-pixel minimum filter)",
    "jagged": "every pixel displaced by a random field smooth over about 1.5 MNIST pixels, 0.6 pixel RMS",
    "slanted": "sheared by 0.4 (the top moves right by 0.4 of the height)",
    "solid ink": "grey levels above half made full ink, the rest background",
    "small in a corner": "scaled to 14×14 canvas pixels in a corner, a copy at half MNIST's resolution",
    "cut at an edge": "moved so that 15% of the digit lies outside the canvas",
}


def _edge_offset(large: np.ndarray, rng: np.random.Generator, share: float = 0.15) -> tuple[int, int]:
    """How far to move the canvas's digit (x, y) so that `share` of its width or height lies past one random edge."""
    axis = int(rng.integers(2))  # 0: cut at the left or right, 1: at the top or bottom.
    ink = np.flatnonzero(large.max(axis=axis) > 25)
    cut = share * (ink[-1] - ink[0])
    move = -int(ink[0] + cut) if rng.uniform() < 0.5 else int(CANVAS_SIDE - ink[-1] + cut)
    return (move, 0) if axis == 0 else (0, move)


def _degrade(digit: np.ndarray, degradation: str, rng: np.random.Generator) -> np.ndarray:
    """The 280×280 RGBA canvas holding one 28×28 uint8 test digit degraded as `degradation` says."""
    image = Image.fromarray(digit)
    if degradation == "jagged":
        rows, columns = np.meshgrid(np.arange(28.0), np.arange(28.0), indexing="ij")
        field = rng.normal(0, 1, (2, 28, 28))
        for _ in range(3):  # Three passes of a 3×3 box filter: a field smooth over about 1.5 pixels.
            field = sum(np.roll(np.roll(field, dr, axis=1), dc, axis=2) for dr in (-1, 0, 1) for dc in (-1, 0, 1)) / 9
        field *= 0.6 / np.sqrt((field**2).mean())
        source_rows, source_columns = np.clip(rows + field[0], 0, 27), np.clip(columns + field[1], 0, 27)
        lower_rows, lower_columns = np.floor(source_rows).astype(int), np.floor(source_columns).astype(int)
        upper_rows, upper_columns = np.minimum(lower_rows + 1, 27), np.minimum(lower_columns + 1, 27)
        down, right = source_rows - lower_rows, source_columns - lower_columns
        pixels = digit.astype(np.float64)
        warped = (
            pixels[lower_rows, lower_columns] * (1 - down) * (1 - right) + pixels[lower_rows, upper_columns] * (1 - down) * right
            + pixels[upper_rows, lower_columns] * down * (1 - right) + pixels[upper_rows, upper_columns] * down * right
        )  # fmt: skip
        image = Image.fromarray(warped.round().astype(np.uint8))
    if degradation == "solid ink":
        image = Image.fromarray(np.where(digit > 127, 255, 0).astype(np.uint8))
    if degradation == "low resolution":
        image = image.resize((10, 10), Image.Resampling.BOX).resize((28, 28), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (CANVAS_SIDE, CANVAS_SIDE), 0)
    if degradation == "small in a corner":
        small = image.resize((14, 14), Image.Resampling.BOX)
        corner = (int(rng.choice([4, CANVAS_SIDE - 18])), int(rng.choice([4, CANVAS_SIDE - 18])))
        canvas.paste(small, corner)
    else:
        large = image.resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BILINEAR)
        if degradation == "slanted":
            large = large.transform(
                large.size, Image.Transform.AFFINE, (1, 0.4, -0.4 * CANVAS_SIDE / 2, 0, 1, 0), Image.Resampling.BILINEAR
            )
        offset = _edge_offset(np.asarray(large), rng) if degradation == "cut at an edge" else (0, 0)
        canvas.paste(large, offset)
    if degradation == "blurred":
        canvas = canvas.filter(ImageFilter.GaussianBlur(15))
    if degradation == "thickened":
        canvas = canvas.filter(ImageFilter.MaxFilter(21))
    if degradation == "thinned":
        canvas = canvas.filter(ImageFilter.MinFilter(11))
    grey = np.asarray(canvas)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def degraded_mnist_set(split: str, test_images: np.ndarray, test_labels: np.ndarray, per_degradation: int = 300):
    """(images N×28×28, labels, degradation of each) for one split: `per_degradation` test digits of the split's range, each way."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = np.random.default_rng(TUNING_SEED + 1 if split == "tuning" else HELD_OUT_SEED + 1)
    first, last = MNIST_RANGES[split]
    images, labels, kinds = [], [], []
    for degradation in DEGRADATIONS:
        for index in rng.choice(np.arange(first, last), size=per_degradation, replace=False):
            image = canvas_to_mnist(_degrade(test_images[index], degradation, rng))
            if image is not None:
                images.append(image)
                labels.append(int(test_labels[index]))
                kinds.append(degradation)
    return np.stack(images).astype(np.float32), np.array(labels), kinds
