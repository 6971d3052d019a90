"""Hand-made drawings as canvas strokes: the ten digits, and things that are not digits.

Each drawing is a list of strokes (polylines in canvas fractions, 0–1). `render_strokes` paints
strokes onto an RGBA canvas with a round brush, as the app's canvas returns a drawing, and
`render` paints one digit, optionally thicker or thinner, smaller, off-centre, slanted or
stretched. They pass through `canvas_to_mnist` as a visitor's drawing does, so the tests and the
benchmarks (`bench/probe_speed.py`, `bench/explain_faithfulness.py`) can check the model, and the
not-a-digit detector, on drawings that are not MNIST. Nothing in the app uses them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


def _ellipse(centre_x, centre_y, radius_x, radius_y, points=20):
    angles = np.linspace(0, 2 * np.pi, points + 1)
    return [(centre_x + radius_x * np.sin(a), centre_y - radius_y * np.cos(a)) for a in angles]


DIGIT_STROKES = {
    0: [_ellipse(0.5, 0.5, 0.2, 0.34)],
    1: [[(0.42, 0.24), (0.52, 0.15), (0.52, 0.85)]],
    2: [[(0.3, 0.3), (0.4, 0.18), (0.55, 0.15), (0.68, 0.22), (0.7, 0.35), (0.6, 0.5), (0.3, 0.85), (0.72, 0.85)]],
    3: [[(0.3, 0.2), (0.5, 0.14), (0.68, 0.22), (0.68, 0.38), (0.5, 0.48), (0.7, 0.58), (0.72, 0.75), (0.55, 0.86), (0.3, 0.8)]],
    4: [[(0.6, 0.85), (0.6, 0.15), (0.28, 0.62), (0.76, 0.62)]],
    5: [[(0.7, 0.15), (0.36, 0.15), (0.33, 0.45), (0.55, 0.42), (0.7, 0.55), (0.7, 0.72), (0.55, 0.85), (0.3, 0.8)]],
    6: [[(0.65, 0.15), (0.45, 0.3), (0.33, 0.55), (0.35, 0.78), (0.5, 0.86), (0.66, 0.76), (0.65, 0.58), (0.5, 0.5), (0.35, 0.6)]],
    7: [[(0.28, 0.18), (0.72, 0.18), (0.45, 0.85)]],
    8: [_ellipse(0.5, 0.31, 0.15, 0.16), _ellipse(0.5, 0.66, 0.19, 0.19)],
    9: [_ellipse(0.5, 0.33, 0.16, 0.17), [(0.66, 0.33), (0.62, 0.86)]],
}

STYLES = {
    "plain": dict(),
    "thick": dict(brush=34),
    "thin": dict(brush=9),
    "small": dict(scale=0.45),
    "off-centre": dict(scale=0.6, shift=(-0.2, 0.18)),
    "slanted right": dict(slant=0.3),
    "slanted left": dict(slant=-0.25),
    "wide": dict(stretch_x=1.5),
    "narrow": dict(stretch_x=0.6),
}


def _arc(centre_x, centre_y, radius_x, radius_y, start_degrees, end_degrees, points=16):
    angles = np.radians(np.linspace(start_degrees, end_degrees, points))
    return [(centre_x + radius_x * np.cos(a), centre_y + radius_y * np.sin(a)) for a in angles]


def _zigzag(seed: int, points: int = 9) -> list[list[tuple[float, float]]]:
    generator = np.random.default_rng(seed)
    xs = np.linspace(0.15, 0.85, points)
    ys = generator.uniform(0.15, 0.85, points)
    return [list(zip(xs, ys))]


def _scribble(seed: int, points: int = 14) -> list[list[tuple[float, float]]]:
    generator = np.random.default_rng(seed)
    return [[tuple(point) for point in generator.uniform(0.15, 0.85, (points, 2))]]


NON_DIGIT_STROKES = {
    "letter A": [[(0.25, 0.85), (0.5, 0.15), (0.75, 0.85)], [(0.35, 0.58), (0.65, 0.58)]],
    "letter B": [[(0.3, 0.15), (0.3, 0.85)], _arc(0.3, 0.32, 0.3, 0.17, -90, 90), _arc(0.3, 0.68, 0.36, 0.17, -90, 90)],
    "letter E": [[(0.7, 0.15), (0.3, 0.15), (0.3, 0.85), (0.7, 0.85)], [(0.3, 0.5), (0.62, 0.5)]],
    "letter F": [[(0.7, 0.15), (0.3, 0.15), (0.3, 0.85)], [(0.3, 0.48), (0.6, 0.48)]],
    "letter H": [[(0.28, 0.15), (0.28, 0.85)], [(0.72, 0.15), (0.72, 0.85)], [(0.28, 0.5), (0.72, 0.5)]],
    "letter K": [[(0.3, 0.15), (0.3, 0.85)], [(0.72, 0.15), (0.3, 0.52), (0.72, 0.85)]],
    "letter M": [[(0.2, 0.85), (0.25, 0.15), (0.5, 0.6), (0.75, 0.15), (0.8, 0.85)]],
    "letter N": [[(0.28, 0.85), (0.28, 0.15), (0.72, 0.85), (0.72, 0.15)]],
    "letter R": [[(0.3, 0.85), (0.3, 0.15)], _arc(0.3, 0.33, 0.35, 0.18, -90, 90), [(0.4, 0.5), (0.72, 0.85)]],
    "letter T": [[(0.2, 0.15), (0.8, 0.15)], [(0.5, 0.15), (0.5, 0.85)]],
    "letter W": [[(0.15, 0.15), (0.3, 0.85), (0.5, 0.35), (0.7, 0.85), (0.85, 0.15)]],
    "letter X": [[(0.25, 0.15), (0.75, 0.85)], [(0.75, 0.15), (0.25, 0.85)]],
    "letter Y": [[(0.25, 0.15), (0.5, 0.5), (0.75, 0.15)], [(0.5, 0.5), (0.5, 0.85)]],
    "letter Z": [[(0.25, 0.15), (0.75, 0.15), (0.25, 0.85), (0.75, 0.85)]],
    "check mark": [[(0.2, 0.55), (0.4, 0.78), (0.82, 0.2)]],
    "plus": [[(0.5, 0.15), (0.5, 0.85)], [(0.15, 0.5), (0.85, 0.5)]],
    "hash": [[(0.38, 0.15), (0.32, 0.85)], [(0.68, 0.15), (0.62, 0.85)], [(0.15, 0.38), (0.85, 0.38)], [(0.15, 0.64), (0.85, 0.64)]],
    "horizontal bar": [[(0.15, 0.5), (0.85, 0.5)]],
    "square": [[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)]],
    "triangle": [[(0.5, 0.15), (0.85, 0.82), (0.15, 0.82), (0.5, 0.15)]],
    "star": [[(0.5, 0.12), (0.62, 0.85), (0.15, 0.38), (0.85, 0.38), (0.38, 0.85), (0.5, 0.12)]],
    "heart": [_arc(0.35, 0.35, 0.15, 0.15, 180, 360) + _arc(0.65, 0.35, 0.15, 0.15, 180, 360) + [(0.8, 0.45), (0.5, 0.85), (0.2, 0.45)]],
    "smiley": [
        _arc(0.5, 0.5, 0.36, 0.36, 0, 360, 32),
        [(0.38, 0.36), (0.38, 0.42)],
        [(0.62, 0.36), (0.62, 0.42)],
        _arc(0.5, 0.52, 0.2, 0.16, 20, 160),
    ],
    "spiral": [[(0.5 + 0.04 * t * np.cos(t), 0.5 + 0.04 * t * np.sin(t)) for t in np.linspace(0, 9, 60)]],
    "filled blob": [[(0.5 + r * np.cos(t), 0.5 + r * np.sin(t)) for r in (0.3, 0.22, 0.14, 0.06) for t in np.linspace(0, 2 * np.pi, 24)]],
    "wave": [[(x, 0.5 + 0.2 * np.sin(x * 18)) for x in np.linspace(0.1, 0.9, 40)]],
    "grid": [[(0.2, y), (0.8, y)] for y in (0.2, 0.4, 0.6, 0.8)] + [[(x, 0.2), (x, 0.8)] for x in (0.2, 0.4, 0.6, 0.8)],
}
NON_DIGIT_STROKES.update({f"zig-zag {seed}": _zigzag(seed) for seed in range(6)})
NON_DIGIT_STROKES.update({f"scribble {seed}": _scribble(seed) for seed in range(6)})


def render_strokes(strokes, side: int = 280, brush: int = 20) -> np.ndarray:
    """Paint strokes white on black, as the app's canvas returns them (H×W×4 uint8)."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(float(x) * side, float(y) * side) for x, y in stroke]
        pen.line(points, fill=(255, 255, 255, 255), width=brush, joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse([x - brush / 2, y - brush / 2, x + brush / 2, y + brush / 2], fill=(255, 255, 255, 255))
    return np.asarray(image)


def render(
    digit: int, side: int = 280, brush: int = 20, scale: float = 1.0, shift=(0.0, 0.0), slant: float = 0.0, stretch_x: float = 1.0
) -> np.ndarray:
    """Paint one digit white on black, as the app's canvas returns it (H×W×4 uint8)."""
    strokes = [
        [
            (0.5 + (x - 0.5) * scale * stretch_x + slant * (0.5 - y) * scale + shift[0], 0.5 + (y - 0.5) * scale + shift[1])
            for x, y in stroke
        ]
        for stroke in DIGIT_STROKES[digit]
    ]
    return render_strokes(strokes, side, brush)
