"""End to end in Chromium: draw a digit, open "Why an LSTM?" in one click, move the blank-rows slider.

`python -m tests.ui.compare.test_browser assets/screenshot_compare.png` takes the README's screenshot
of the comparison the same way.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from tests.browser import APP_ANSWERED, CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, SEVEN, draw_strokes, streamlit_server

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]

TIMEOUT_MS = 90_000
CELL_NAMES = ("Plain RNN", "GRU", "LSTM")


def _answer_labels(page) -> list[str]:
    return [label.inner_text() for label in page.locator("[data-testid='stMetricLabel']").all()]


def _comparison_of_a_seven(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=TIMEOUT_MS)
    draw_strokes(page, canvas.bounding_box(), SEVEN)
    page.wait_for_function(APP_ANSWERED, timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Why an LSTM? Watch a plain RNN and a GRU read it too").click()
    page.get_by_text("Reading your drawing").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("LSTM: answer after row 84").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stPlotlyChart']").nth(5).wait_for(timeout=TIMEOUT_MS)  # Three readings, memory, gradient, the LSTM's gates.


def test_the_comparison_reads_the_drawing_and_follows_the_blank_rows_slider():
    with playwright_api.sync_playwright() as playwright, streamlit_server({}) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _comparison_of_a_seven(page, url)
        assert _answer_labels(page) == [f"{name}: answer after row 84" for name in CELL_NAMES]
        assert page.locator("[data-testid='stPlotlyChart']").count() >= 6  # Three readings, memory, gradient, the LSTM's gates.
        page.locator("[data-testid='stSlider']").filter(has_text="Blank rows read after the drawing").get_by_role("slider").focus()
        page.keyboard.press("End")  # 224 blank rows.
        page.get_by_text("LSTM: answer after row 252").wait_for(timeout=TIMEOUT_MS)
        assert _answer_labels(page) == [f"{name}: answer after row 252" for name in CELL_NAMES]
        assert page.get_by_text("After 224 blank rows more").count() == 1
        browser.close()


def take_screenshot(path: str) -> None:
    with playwright_api.sync_playwright() as playwright, streamlit_server({}) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1900}, device_scale_factor=1)
        _comparison_of_a_seven(page, url)
        time.sleep(3)
        page.screenshot(path=path, full_page=False)
        browser.close()


if __name__ == "__main__":
    take_screenshot(sys.argv[1] if len(sys.argv) > 1 else "assets/screenshot_compare.png")
