"""Helpers for the browser tests: touch strokes, the strokes of a few digits, and the README's screenshots.

The server on a free port, Chromium's flags and mouse strokes are the benchmarks' own
(`bench/browser_tools.py`), re-exported here.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bench.browser_tools import APP_ANSWERED, CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, draw_strokes, free_port, streamlit_server  # noqa: F401 (re-exported for the tests)

REPOSITORY = Path(__file__).resolve().parent.parent


def draw_touch_strokes(page, canvas_box: dict, strokes: list[list[tuple[float, float]]], steps: int = 8) -> None:
    """Draw polylines (canvas fractions) with a finger: real touch events, sent through Chromium's DevTools protocol."""
    session = page.context.new_cdp_session(page)

    def touch(kind: str, x: float | None = None, y: float | None = None) -> None:
        points = [] if x is None else [{"x": canvas_box["x"] + x * canvas_box["width"], "y": canvas_box["y"] + y * canvas_box["height"]}]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    for stroke in strokes:
        touch("touchStart", *stroke[0])
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for step in range(1, steps + 1):
                touch("touchMove", x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
        touch("touchEnd")
    session.detach()


SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
ONE = [[(0.5, 0.15), (0.5, 0.85)]]
ZERO = [[(0.5, 0.15), (0.3, 0.3), (0.28, 0.6), (0.5, 0.85), (0.7, 0.6), (0.7, 0.3), (0.5, 0.15)]]


# Numbered callouts laid over the drawing view for the README's "How to read the figure" picture.
ANNOTATE = """(notes) => {
  for (const [selector, number, dx, dy] of notes) {
    const target = document.querySelector(selector);
    if (!target) continue;
    const box = target.getBoundingClientRect();
    const badge = document.createElement("div");
    badge.textContent = number;
    badge.style.cssText = `position:fixed;left:${box.left + dx}px;top:${box.top + dy}px;z-index:99999;width:30px;height:30px;` +
      "border-radius:50%;background:#d55e00;color:white;font:bold 18px sans-serif;display:flex;align-items:center;" +
      "justify-content:center;box-shadow:0 1px 4px rgba(0,0,0,.4);";
    document.body.appendChild(badge);
  }
}"""
CALLOUTS = [
    ("[class*='st-key-digit_canvas']", "1", -12, -12),
    ("[data-testid='stMetric']", "2", -34, 0),
    (".st-key-reading_answer", "3", -36, -6),
    (".st-key-play_rows", "4", -14, -26),
    (".st-key-state_view", "5", -34, 0),
    (".st-key-reading_states", "6", -8, 10),
]


def take_screenshots(directory: str) -> None:
    """The README's pictures, in Chromium: the drawing view annotated, the Train view and the Evaluate view."""
    from playwright.sync_api import sync_playwright

    environment = {"MNIST_NPZ": os.environ.get("MNIST_NPZ", str(REPOSITORY.parent / "shared" / "data" / "mnist.npz"))}
    with sync_playwright() as playwright, streamlit_server(environment) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1560}, device_scale_factor=1)
        page.goto(url, wait_until="networkidle")
        canvas = page.locator(DRAWING_CANVAS).last
        canvas.wait_for(timeout=60_000)
        draw_strokes(page, canvas.bounding_box(), SEVEN)
        page.wait_for_function(APP_ANSWERED, timeout=60_000)
        page.locator(".st-key-play_rows").wait_for(timeout=60_000)
        page.locator("[data-testid='stSlider'] input[aria-label='Row']").focus()
        for _ in range(11):  # Row 17, to show the faded unread rows.
            page.keyboard.press("ArrowLeft")
            time.sleep(0.4)
        time.sleep(3)
        page.mouse.move(10, 10)
        page.evaluate(ANNOTATE, CALLOUTS)
        page.screenshot(path=f"{directory}/screenshot_draw.png")
        for view, ready in (("train", "Train the LSTM and watch it learn"), ("evaluate", "Its most confident mistakes")):
            page = browser.new_page(viewport={"width": 1400, "height": 1100}, device_scale_factor=1)
            page.goto(f"{url}/{view}", wait_until="networkidle")
            page.get_by_text(ready).first.wait_for(timeout=300_000)
            time.sleep(4)
            page.screenshot(path=f"{directory}/screenshot_{view}.png")
        browser.close()


if __name__ == "__main__":
    take_screenshots(sys.argv[1] if len(sys.argv) > 1 else "assets")
