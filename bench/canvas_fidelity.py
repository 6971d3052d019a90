"""Check that `render_strokes` stands in for the app's canvas: the same strokes drawn with the mouse in Chromium.

`bench/robustness.py` paints its hand-made drawings with PIL (`model.drawings.render_strokes`). Here
the same writers' strokes (`bench/robustness_sets.py`, tuning seeds, brush 20 as the canvas's
default) are drawn with the mouse on the real canvas (`bench/floor_app.py`, which saves each drawing
the server receives) in Debian's Chromium, one page per drawing, each stroke once the server has
received the one before (`--no-pause`: all at once), and both are turned into 28×28 by
`canvas_to_mnist`. Prints, per style, the mean absolute difference of the two 28×28 images, their
correlation, and how often the shipped model (and any `--candidate`) reads both the same; writes
the report to bench/results/canvas_fidelity.txt. Run it alone (one Chromium at a time):

    flock /tmp/browser.lock python bench/canvas_fidelity.py [--per-style 10] [--candidate runs/x.keras]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from playwright.sync_api import sync_playwright  # noqa: E402
from robustness_sets import CANVAS_SIDE, DEFAULT_BRUSH, DIGIT_SHAPES, HAND_STYLES, TUNING_SEED, writer_strokes  # noqa: E402

from bench.browser_tools import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, draw_strokes, streamlit_server  # noqa: E402
from model.drawings import render_strokes  # noqa: E402
from model.preprocess import canvas_to_mnist  # noqa: E402
from model.shapes import SHIPPED_MODEL_PATH  # noqa: E402
from model.weights import file_digest, load_probe  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "canvas_fidelity.txt"
# Styles a mouse can draw: the ones that change the brush or the source are left to PIL alone.
QUIET_SECONDS = 1.0
STROKE_TIMEOUT_SECONDS = 10.0
STYLES = ("plain", "mouse, jagged", "slanted", "narrow or wide", "small in a corner", "off the edge")


def drawings(per_style: int) -> list[tuple[str, int, list]]:
    """(style, digit, strokes) for `per_style` writers in each mouse-drawable style, shapes taken in turn."""
    rng = np.random.default_rng(TUNING_SEED + 7)
    shapes = [(digit, shape) for digit, by_name in DIGIT_SHAPES.items() for shape in by_name.values()]
    chosen = []
    for style_name in STYLES:
        for index in rng.choice(len(shapes), size=per_style, replace=False):
            digit, shape = shapes[index]
            strokes, _ = writer_strokes(shape, HAND_STYLES[style_name], rng)
            chosen.append((style_name, digit, strokes))
    return chosen


def draw_in_browser(page, url: str, strokes, saved: Path, wait_per_stroke: bool = True) -> np.ndarray:
    """Open a fresh page, draw the strokes with the mouse, and return the drawing the server received.

    With `wait_per_stroke`, each stroke is drawn once the server has saved the drawing with the one
    before (a writer lifting the pen); without, the strokes follow each other at once.
    """
    saved.unlink(missing_ok=True)
    page.goto(url, wait_until="networkidle")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    # Strokes off the canvas are clipped to it, as a visitor's mouse leaving the canvas would be.
    clipped = [[(min(max(x, 0.0), 0.999), min(max(y, 0.0), 0.999)) for x, y in stroke] for stroke in strokes]
    for stroke in clipped if wait_per_stroke else [None]:
        before = saved.stat().st_mtime_ns if saved.exists() else 0
        draw_strokes(page, box, [stroke] if stroke is not None else clipped)
        _wait_for_save(saved, before)
    if not saved.exists():
        raise RuntimeError("the canvas sent no drawing")
    return np.load(saved)


def _wait_for_save(saved: Path, before: int) -> None:
    """Wait until the server has saved a drawing newer than `before` and then been quiet for QUIET_SECONDS.

    A stroke that runs only along the canvas's edge draws nothing and sends nothing: after
    STROKE_TIMEOUT_SECONDS the drawing goes on without it.
    """
    deadline = time.monotonic() + STROKE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if saved.exists() and saved.stat().st_mtime_ns > before and time.time() - saved.stat().st_mtime > QUIET_SECONDS:
            return
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-style", type=int, default=5)
    parser.add_argument("--candidate", action="append", default=[])
    parser.add_argument("--no-pause", action="store_true", help="draw each drawing's strokes one after the other at once")
    arguments = parser.parse_args(argv)
    probes = [load_probe(path) for path in [SHIPPED_MODEL_PATH, *arguments.candidate]]
    names = ["shipped"] + [f"cand.{index}" for index in range(1, len(probes))]
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        saved = Path(folder) / "drawing.npy"
        with streamlit_server({"FLOOR_SAVE_DRAWING": str(saved)}, "bench/floor_app.py") as url:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 900, "height": 900})
            for style_name, digit, strokes in drawings(arguments.per_style):
                in_browser = canvas_to_mnist(draw_in_browser(page, url, strokes, saved, not arguments.no_pause))
                clipped = [[(min(max(x, 0.0), 0.999), min(max(y, 0.0), 0.999)) for x, y in stroke] for stroke in strokes]
                painted = canvas_to_mnist(render_strokes(clipped, CANVAS_SIDE, DEFAULT_BRUSH))
                reads = [probe.predict(np.stack([in_browser, painted])).argmax(axis=1) for probe in probes]
                rows.append((style_name, digit, in_browser, painted, reads))
            browser.close()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPOSITORY).stdout.strip()
    command = f"python bench/canvas_fidelity.py {' '.join(argv if argv is not None else sys.argv[1:])}"
    lines = [command, f"commit {commit}; Debian's Chromium headless"]
    models = [SHIPPED_MODEL_PATH, *arguments.candidate]
    lines += [f"  {name}: {path} (SHA-256 {file_digest(path)[:12]}…)" for name, path in zip(names, models)]
    lines.append(f"  {'style':<22}{'n':>4}{'mean |diff|':>13}{'correlation':>13}" + "".join(f"{name + ' same':>14}" for name in names))
    for style_name in (*STYLES, "all"):
        chosen = [row for row in rows if style_name in ("all", row[0])]
        differences = [np.abs(browser_image - painted).mean() for _, _, browser_image, painted, _ in chosen]
        correlations = [np.corrcoef(browser_image.ravel(), painted.ravel())[0, 1] for _, _, browser_image, painted, _ in chosen]
        same = [np.mean([reads[index][0] == reads[index][1] for *_, reads in chosen]) for index in range(len(probes))]
        lines.append(
            f"  {style_name:<22}{len(chosen):>4}{np.mean(differences):>13.3f}{np.mean(correlations):>13.3f}"
            + "".join(f"{value:>14.0%}" for value in same)
        )
    right = [[np.mean([reads[index][which] == digit for _, digit, *_, reads in rows]) for which in (0, 1)] for index in range(len(probes))]
    for name, (chromium, pil) in zip(names, right):
        lines.append(f"  {name} reads right: {chromium:.0%} drawn in Chromium, {pil:.0%} painted by PIL")
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
