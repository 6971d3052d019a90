"""A held-out set of non-digit drawings for the not-a-digit benchmark, kept apart from all tuning.

Letters, shapes, marks and scribbles drawn as canvas strokes, chosen to differ from the project's
own non-digits (`model.drawings.NON_DIGIT_STROKES`: other letters, other shapes) and from the
procedural families the detector is trained on (`model.explain.outlier_strokes`): lowercase and
other uppercase letters, pictograms, punctuation-like marks, and scribbles from generators used
nowhere else (Lissajous figures and Bézier curves, their own seeds). Letters that a careful writer
could take for a digit (O, I, l, S, Z, b, g, q) are left out. Only `bench/novelty_detectors.py` reads
it, and only to report; nothing is fitted or chosen on it.
"""

from __future__ import annotations

import numpy as np

BRUSHES = (12, 20, 30)


def _arc(cx, cy, rx, ry, start, end, points=18):
    angles = np.radians(np.linspace(start, end, points))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def _lissajous(seed: int):
    generator = np.random.default_rng(seed)
    a, b = generator.integers(2, 6, 2)
    phase = generator.uniform(0, np.pi)
    t = np.linspace(0, 2 * np.pi, 120)
    return [list(zip(0.5 + 0.35 * np.sin(a * t + phase), 0.5 + 0.35 * np.sin(b * t)))]


def _bezier(seed: int):
    generator = np.random.default_rng(seed)
    controls = generator.uniform(0.1, 0.9, (7, 2))
    t = np.linspace(0, 1, 80)[:, None, None]
    points = np.repeat(controls[None], len(t), axis=0)  # (steps, controls, 2): De Casteljau on every t at once.
    while points.shape[1] > 1:
        points = points[:, :-1] * (1 - t) + points[:, 1:] * t
    return [[tuple(point) for point in points[:, 0]]]


HELD_OUT_STROKES = {
    "lowercase a": [_arc(0.45, 0.6, 0.2, 0.22, 0, 360), [(0.65, 0.38), (0.67, 0.85)]],
    "lowercase e": [[(0.28, 0.55), (0.72, 0.55)] + _arc(0.5, 0.55, 0.22, 0.25, 0, -300)],
    "lowercase h": [[(0.3, 0.1), (0.3, 0.9)], [(0.3, 0.6)] + _arc(0.48, 0.6, 0.18, 0.15, 180, 360) + [(0.66, 0.9)]],
    "lowercase k": [[(0.32, 0.1), (0.32, 0.9)], [(0.68, 0.45), (0.32, 0.68), (0.7, 0.9)]],
    "lowercase m": [
        [(0.15, 0.85), (0.15, 0.4)] + _arc(0.29, 0.5, 0.14, 0.12, 180, 360) + [(0.43, 0.85)],
        _arc(0.57, 0.5, 0.14, 0.12, 180, 360) + [(0.71, 0.85)],
    ],
    "lowercase n": [[(0.3, 0.85), (0.3, 0.4)] + _arc(0.5, 0.52, 0.2, 0.15, 180, 360) + [(0.7, 0.85)]],
    "lowercase r": [[(0.35, 0.85), (0.35, 0.4)], _arc(0.52, 0.55, 0.17, 0.13, 190, 320)],
    "lowercase u": [[(0.3, 0.35)] + _arc(0.5, 0.62, 0.2, 0.22, 180, 0) + [(0.7, 0.35), (0.72, 0.85)]],
    "lowercase w": [[(0.12, 0.35), (0.3, 0.82), (0.5, 0.45), (0.7, 0.82), (0.88, 0.35)]],
    "lowercase y": [[(0.3, 0.3), (0.5, 0.62)], [(0.72, 0.3), (0.4, 0.95), (0.28, 0.9)]],
    "lowercase f": [_arc(0.58, 0.25, 0.14, 0.13, 0, -180) + [(0.44, 0.9)], [(0.28, 0.48), (0.64, 0.48)]],
    "lowercase t": [[(0.45, 0.12), (0.45, 0.8)] + _arc(0.55, 0.78, 0.1, 0.08, 180, 60), [(0.25, 0.35), (0.68, 0.35)]],
    "letter D": [[(0.3, 0.15), (0.3, 0.85)], [(0.3, 0.15)] + _arc(0.35, 0.5, 0.35, 0.35, -90, 90) + [(0.3, 0.85)]],
    "letter G": [_arc(0.5, 0.5, 0.32, 0.35, -40, -320) + [(0.82, 0.55), (0.58, 0.55)]],
    "letter L": [[(0.32, 0.12), (0.32, 0.85), (0.75, 0.85)]],
    "letter P": [[(0.32, 0.88), (0.32, 0.12)], [(0.32, 0.12)] + _arc(0.32, 0.32, 0.34, 0.2, -90, 90) + [(0.32, 0.52)]],
    "letter U": [[(0.28, 0.12)] + _arc(0.5, 0.6, 0.22, 0.28, 180, 0) + [(0.72, 0.12)]],
    "letter V": [[(0.2, 0.12), (0.5, 0.88), (0.8, 0.12)]],
    "circled cross": [_arc(0.5, 0.5, 0.38, 0.38, 0, 360, 32), [(0.5, 0.12), (0.5, 0.88)], [(0.12, 0.5), (0.88, 0.5)]],
    "arrow right": [[(0.1, 0.5), (0.88, 0.5)], [(0.65, 0.28), (0.88, 0.5), (0.65, 0.72)]],
    "arrow up": [[(0.5, 0.9), (0.5, 0.12)], [(0.28, 0.35), (0.5, 0.12), (0.72, 0.35)]],
    "house": [
        [(0.2, 0.88), (0.2, 0.45), (0.5, 0.12), (0.8, 0.45), (0.8, 0.88), (0.2, 0.88)],
        [(0.42, 0.88), (0.42, 0.65), (0.58, 0.65), (0.58, 0.88)],
    ],
    "diamond": [[(0.5, 0.1), (0.8, 0.5), (0.5, 0.9), (0.2, 0.5), (0.5, 0.1)]],
    "crescent": [_arc(0.5, 0.5, 0.35, 0.38, 60, 300) + _arc(0.62, 0.5, 0.25, 0.3, 250, 110)],
    "cloud": [
        _arc(0.3, 0.58, 0.14, 0.14, 90, 270)
        + _arc(0.45, 0.42, 0.16, 0.16, 180, 360)
        + _arc(0.68, 0.55, 0.15, 0.15, 250, 450)
        + [(0.3, 0.72)]
    ],
    "lightning bolt": [[(0.6, 0.08), (0.32, 0.52), (0.58, 0.5), (0.38, 0.92)]],
    "envelope": [[(0.12, 0.25), (0.88, 0.25), (0.88, 0.75), (0.12, 0.75), (0.12, 0.25), (0.5, 0.55), (0.88, 0.25)]],
    "sun": [_arc(0.5, 0.5, 0.16, 0.16, 0, 360)]
    + [
        [(0.5 + 0.24 * np.cos(a), 0.5 + 0.24 * np.sin(a)), (0.5 + 0.4 * np.cos(a), 0.5 + 0.4 * np.sin(a))]
        for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)
    ],
    "musical note": [[(0.6, 0.75), (0.6, 0.12), (0.8, 0.3)], _arc(0.5, 0.76, 0.1, 0.08, 0, 360)],
    "equals sign": [[(0.15, 0.4), (0.85, 0.4)], [(0.15, 0.62), (0.85, 0.62)]],
    "tally marks": [[(x, 0.2), (x, 0.8)] for x in (0.25, 0.4, 0.55, 0.7)] + [[(0.15, 0.7), (0.82, 0.3)]],
    "question mark": [_arc(0.5, 0.3, 0.18, 0.17, 180, 420) + [(0.5, 0.62)], [(0.5, 0.82), (0.5, 0.86)]],
    "crossed box": [[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)], [(0.2, 0.2), (0.8, 0.8)], [(0.8, 0.2), (0.2, 0.8)]],
}
HELD_OUT_STROKES.update({f"lissajous {seed}": _lissajous(seed) for seed in range(101, 105)})
HELD_OUT_STROKES.update({f"bezier scribble {seed}": _bezier(seed) for seed in range(201, 205)})
