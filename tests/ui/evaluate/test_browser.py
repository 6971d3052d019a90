"""End to end in Chromium: a click on a cell of the confusion matrix shows that cell's mistakes."""

from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, TIMEOUT_MS, plot_area
from tests.helpers import mnist_path

pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)"),
]


def test_clicking_a_cell_of_the_confusion_matrix_shows_those_mistakes(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{app_url}/evaluate", wait_until="domcontentloaded")
    page.get_by_text("Its most confident mistakes").wait_for(timeout=TIMEOUT_MS)
    plot_area(page, "predicted digit")  # Laid out.
    true_digit, said = 9, 4  # The shipped model's commonest slip on MNIST test.
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="predicted digit").first
    column = chart.locator(".xtick text").filter(has_text=str(said)).first.bounding_box()
    row = chart.locator(".ytick text").filter(has_text=str(true_digit)).first.bounding_box()
    page.mouse.click(column["x"] + column["width"] / 2, row["y"] + row["height"] / 2)  # The cell's centre.
    page.get_by_text(f"{true_digit} read as {said}:").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Its most confident mistakes").count() == 0
    page.close()
