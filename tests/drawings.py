"""Hand-made drawings of the ten digits, as strokes, rendered the way a person's canvas would be.

Each digit is a list of strokes (polylines in canvas fractions, 0–1). `render` paints them onto an
RGBA canvas with a round brush, optionally thicker or thinner, smaller, off-centre or slanted, so
the shipped model can be checked on drawings that are not MNIST.
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


def render(
    digit: int, side: int = 280, brush: int = 20, scale: float = 1.0, shift=(0.0, 0.0), slant: float = 0.0, stretch_x: float = 1.0
) -> np.ndarray:
    """Paint one digit white on black, as the app's canvas returns it (H×W×4 uint8)."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    for stroke in DIGIT_STROKES[digit]:
        points = []
        for x, y in stroke:
            x = 0.5 + (x - 0.5) * scale * stretch_x + slant * (0.5 - y) * scale + shift[0]
            y = 0.5 + (y - 0.5) * scale + shift[1]
            points.append((x * side, y * side))
        pen.line(points, fill=(255, 255, 255, 255), width=brush, joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse([x - brush / 2, y - brush / 2, x + brush / 2, y + brush / 2], fill=(255, 255, 255, 255))
    return np.asarray(image)
