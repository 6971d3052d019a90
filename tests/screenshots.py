"""The README's and the docs' pictures, taken in Chromium by the browser tests' own steps.

`python -m tests.screenshots assets` rewrites every screenshot in `assets/`: the Draw page with
numbered callouts, the Train and Evaluate pages, the unit inspector and "Why an LSTM?". It needs
Debian's Chromium and MNIST (`$MNIST_NPZ`, else the shared copy beside the repository).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from tests.browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    TIMEOUT_MS,
    draw_a_seven,
    open_comparison_of_a_seven,
    open_inspector_and_click_a_unit,
    streamlit_server,
)
from tests.helpers import mnist_path

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


def draw_page(browser, url: str, path: Path) -> None:
    """The Draw page reading a 7, stopped at row 17 to show the faded unread rows, with the numbered callouts."""
    page = browser.new_page(viewport={"width": 1400, "height": 1560}, device_scale_factor=1)
    draw_a_seven(page, url)
    page.locator(".st-key-play_rows").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stSlider'] input[aria-label='Row']").focus()
    for _ in range(11):
        page.keyboard.press("ArrowLeft")
        time.sleep(0.4)
    time.sleep(3)
    page.mouse.move(10, 10)
    page.evaluate(ANNOTATE, CALLOUTS)
    page.screenshot(path=path)
    page.close()


def plain_page(browser, url: str, view: str, ready: str, path: Path) -> None:
    """A page as it first opens (`train`, `evaluate`), once `ready` is on it."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, device_scale_factor=1)
    page.goto(f"{url}/{view}", wait_until="domcontentloaded")
    page.get_by_text(ready).first.wait_for(timeout=300_000)
    time.sleep(4)
    page.screenshot(path=path)
    page.close()


def unit_inspector(browser, url: str, path: Path) -> None:
    """A 7 with the unit inspector open on a unit of layer 2, clipped to the "Why this answer?" panel."""
    # Tall enough that the whole page fits without scrolling: Streamlit scrolls an inner element, not the page.
    page = browser.new_page(viewport={"width": 1400, "height": 3400}, device_scale_factor=1)
    draw_a_seven(page, url)
    page.get_by_text("Why this answer?").wait_for(timeout=TIMEOUT_MS)
    open_inspector_and_click_a_unit(page, column_fraction=0.62)
    page.get_by_text(re.compile(r"MNIST test digits that drive unit \d+ highest")).wait_for(timeout=TIMEOUT_MS)
    time.sleep(3)
    top = page.get_by_text("Why this answer?").bounding_box()["y"]
    page.screenshot(path=path, clip={"x": 0, "y": top - 10, "width": 1400, "height": 1080})
    page.close()


def comparison(browser, url: str, path: Path) -> None:
    """ "Why an LSTM?" reading a 7 with the three cells."""
    page = browser.new_page(viewport={"width": 1400, "height": 1900}, device_scale_factor=1)
    open_comparison_of_a_seven(page, url)
    time.sleep(3)
    page.screenshot(path=path)
    page.close()


def take_screenshots(directory: Path) -> None:
    from playwright.sync_api import sync_playwright

    mnist = mnist_path()
    environment = {"MNIST_NPZ": str(mnist)} if mnist is not None else {}
    with sync_playwright() as playwright, streamlit_server(environment) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        draw_page(browser, url, directory / "screenshot_draw.png")
        plain_page(browser, url, "train", "Train the LSTM and watch it learn", directory / "screenshot_train.png")
        plain_page(browser, url, "evaluate", "Its most confident mistakes", directory / "screenshot_evaluate.png")
        unit_inspector(browser, url, directory / "screenshot_unit_inspector.png")
        comparison(browser, url, directory / "screenshot_compare.png")
        browser.close()


if __name__ == "__main__":
    take_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "assets"))
