"""End to end in Chromium: open the unit inspector and click a unit, then blank a row by clicking the image.

Run it inside `flock /tmp/browser.lock` when others share the machine. `python -m tests.screenshots assets`
takes the README's screenshot of the unit inspector by the same steps.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.browser import CHROMIUM, TIMEOUT_MS, draw_a_seven, open_inspector_and_click_a_unit, plot_area

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]


def test_clicking_a_unit_opens_it_and_clicking_a_row_blanks_it(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    draw_a_seven(page, app_url)
    page.get_by_text("Why this answer?").wait_for(timeout=TIMEOUT_MS)

    before, after = open_inspector_and_click_a_unit(page, column_fraction=0.62)
    assert after != before, "clicking a column of the hidden-state map opens that unit"
    page.get_by_text(re.compile(r"MNIST test digits that drive unit \d+ highest")).wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".katex").count() >= 1, "the LSTM equations with the unit's numbers"

    page.get_by_text("What if", exact=True).click()
    box = plot_area(page, "Click a row to blank it")
    row = 6  # The seven's top bar: blanking it matters.
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (row - 0.5) / 28)
    note = page.get_by_text(re.compile(r"What-if edits in force:\s*row \d+ blanked")).first
    note.wait_for(timeout=TIMEOUT_MS)
    blanked = int(re.search(r"row (\d+) blanked", note.inner_text()).group(1))
    assert abs(blanked - row) <= 1, f"clicked near row {row}, row {blanked} was blanked"
    box = plot_area(page, "Click a row to blank it")  # The note above the panel moved the image down.
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (row - 0.5) / 28)
    page.get_by_text("What-if edits in force").first.wait_for(state="detached", timeout=TIMEOUT_MS)  # Beside the answer too.
    page.close()
