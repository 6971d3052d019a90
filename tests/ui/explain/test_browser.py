"""End to end in Chromium: open the unit inspector and click a unit, then blank a row by clicking the image.

Run it inside `flock /tmp/browser.lock`. `python -m tests.ui.explain.test_browser assets/screenshot_unit_inspector.png`
takes the README's screenshot of the unit inspector the same way.
"""

from __future__ import annotations

import os
import re
import sys
import time

import pytest

from tests.browser import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, SEVEN, draw_strokes, streamlit_server

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]

TIMEOUT_MS = 60_000


def _plot_area(page, title: str):
    """The bounding box of the plotting area of the Plotly chart whose title contains `title`."""
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text=title).first
    chart.wait_for(timeout=TIMEOUT_MS)
    area = chart.locator(".nsewdrag").first
    area.wait_for(timeout=TIMEOUT_MS)
    area.scroll_into_view_if_needed()
    time.sleep(0.5)  # Plotly lays the chart out once more after it is attached.
    return area.bounding_box()


def _open_page_with_a_seven(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=TIMEOUT_MS)
    draw_strokes(page, canvas.bounding_box(), SEVEN)
    page.get_by_text("Why this answer?").wait_for(timeout=TIMEOUT_MS)


def _inspected_unit(page) -> str:
    text = page.get_by_text(re.compile(r"Unit \d+ of layer \d after row")).first
    text.wait_for(timeout=TIMEOUT_MS)
    return re.search(r"Unit (\d+) of layer (\d)", text.inner_text()).group(0)


def _open_inspector_and_click_a_unit(page, column_fraction: float) -> tuple[str, str]:
    page.get_by_text("Unit inspector", exact=True).click()
    before = _inspected_unit(page)
    box = _plot_area(page, "click a unit")
    page.mouse.click(box["x"] + box["width"] * column_fraction, box["y"] + box["height"] * 0.5)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline and _inspected_unit(page) == before:
        time.sleep(0.2)
    return before, _inspected_unit(page)


def test_clicking_a_unit_opens_it_and_clicking_a_row_blanks_it():
    environment = {}
    with playwright_api.sync_playwright() as playwright, streamlit_server(environment) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        _open_page_with_a_seven(page, url)

        before, after = _open_inspector_and_click_a_unit(page, column_fraction=0.62)
        assert after != before, "clicking a column of the hidden-state map opens that unit"
        page.get_by_text(re.compile(r"MNIST test digits that drive unit \d+ highest")).wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".katex").count() >= 1, "the LSTM equations with the unit's numbers"

        page.get_by_text("What if", exact=True).click()
        box = _plot_area(page, "Click a row to blank it")
        row = 6  # The seven's top bar: blanking it matters.
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (row - 0.5) / 28)
        note = page.get_by_text(re.compile(r"What-if edits in force:\s*row \d+ blanked")).first
        note.wait_for(timeout=TIMEOUT_MS)
        blanked = int(re.search(r"row (\d+) blanked", note.inner_text()).group(1))
        assert abs(blanked - row) <= 1, f"clicked near row {row}, row {blanked} was blanked"
        box = _plot_area(page, "Click a row to blank it")  # The note above the panel moved the image down.
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (row - 0.5) / 28)
        page.get_by_text("What-if edits in force").wait_for(state="detached", timeout=TIMEOUT_MS)
        browser.close()


def take_inspector_screenshot(path: str) -> None:
    """Draw a 7, open the unit inspector on a unit, and save a screenshot of it (the README's picture)."""
    with playwright_api.sync_playwright() as playwright, streamlit_server({}) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        # Tall enough that the whole page fits without scrolling: Streamlit scrolls an inner element, not the page.
        page = browser.new_page(viewport={"width": 1400, "height": 3400}, device_scale_factor=1)
        _open_page_with_a_seven(page, url)
        _open_inspector_and_click_a_unit(page, column_fraction=0.62)
        page.get_by_text(re.compile(r"MNIST test digits that drive unit \d+ highest")).wait_for(timeout=TIMEOUT_MS)
        time.sleep(3)
        top = page.get_by_text("Why this answer?").bounding_box()["y"]
        page.screenshot(path=path, clip={"x": 0, "y": top - 10, "width": 1400, "height": 1080})
        browser.close()


if __name__ == "__main__":
    take_inspector_screenshot(sys.argv[1] if len(sys.argv) > 1 else "assets/screenshot_unit_inspector.png")
