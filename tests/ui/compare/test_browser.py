"""End to end in Chromium: draw a digit, open "Why an LSTM?" in one click, move the blank-rows slider.

`python -m tests.screenshots assets` takes the README's screenshot of the comparison by the same steps.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, TIMEOUT_MS, open_comparison_of_a_seven

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]

CELL_NAMES = ("Plain RNN", "GRU", "LSTM")


def _answer_labels(page) -> list[str]:
    return [label.inner_text() for label in page.locator("[data-testid='stMetricLabel']").all()]


def test_the_comparison_reads_the_drawing_and_follows_the_blank_rows_slider(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_comparison_of_a_seven(page, app_url)
    assert _answer_labels(page) == [f"{name}: answer after row 84" for name in CELL_NAMES]
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 6  # Three readings, memory, gradient, the LSTM's gates.
    page.locator("[data-testid='stSlider']").filter(has_text="Blank rows read after the drawing").get_by_role("slider").focus()
    page.keyboard.press("End")  # 224 blank rows.
    page.get_by_text("LSTM: answer after row 252").wait_for(timeout=TIMEOUT_MS)
    assert _answer_labels(page) == [f"{name}: answer after row 252" for name in CELL_NAMES]
    assert page.get_by_text("After 224 blank rows more").count() == 1
    page.close()
