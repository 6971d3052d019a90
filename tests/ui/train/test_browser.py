"""End to end in a real browser: a small run started from the Train page finishes, is kept, and time-lapses.

Its row in the saved-runs table offers a download and a delete; with it active, the Draw page
shows the `Epoch` slider, and moving it to the untrained network changes the reading. Run it
inside `flock /tmp/browser.lock` so that only one browser runs at a time.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.browser import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, SEVEN, draw_strokes, streamlit_server
from tests.helpers import mnist_path

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.slow,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)"),
]

TIMEOUT_MS = 60_000
TRAINING_TIMEOUT_MS = 240_000


def _set_number(page, label, value: int) -> None:
    field = page.get_by_role("spinbutton", name=label)
    field.fill(str(value))
    field.press("Enter")
    time.sleep(0.5)


def _prediction_text(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").first
    metric.wait_for(timeout=TIMEOUT_MS)
    return metric.inner_text()


def test_a_run_from_the_page_is_kept_downloadable_deletable_and_time_lapsed(tmp_path):
    environment = {"LSTM_DEMO_RUNS_DIR": str(tmp_path / "runs"), "MNIST_NPZ": str(mnist_path())}
    with playwright_api.sync_playwright() as playwright, streamlit_server(environment) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1800}, accept_downloads=True)
        page.goto(url + "/train", wait_until="domcontentloaded")
        page.get_by_text("Train the LSTM and watch it learn").wait_for(timeout=TIMEOUT_MS)

        # A small run: one epoch on 1,000 images with 16 units per layer.
        _set_number(page, re.compile("Training images"), 1000)
        _set_number(page, "Epochs", 1)
        units = page.locator('[data-testid="stSlider"]').filter(has_text="Units per layer").get_by_role("slider")
        units.focus()
        units.press("Home")
        page.get_by_text("Units per layer").wait_for()
        time.sleep(1)
        page.locator(".st-key-start_training button").click()
        page.get_by_text(re.compile(r"Run run-\S+ finished: [\d.]+% accuracy")).wait_for(timeout=TRAINING_TIMEOUT_MS)
        run_name = re.search(r"Run (run-\S+) finished", page.get_by_text(re.compile(r"Run run-\S+ finished")).inner_text()).group(1)

        # The actions under the table apply to the newest run first: a download of the model and a delete.
        page.locator(f".st-key-use_{run_name}").wait_for(timeout=TIMEOUT_MS)
        download_button = page.locator(f".st-key-download_{run_name} button")
        download_button.wait_for(timeout=TIMEOUT_MS)
        with page.expect_download() as download:
            download_button.click()
        assert download.value.suggested_filename == f"{run_name}.keras"
        assert page.locator(f".st-key-delete_{run_name} button").is_visible()

        # Use it, then read a drawing on the Draw page through its snapshots.
        page.locator(".st-key-use_new_model button").click()
        page.get_by_text("This model is now the one the drawing view uses").wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("link", name="Draw").click()
        canvas = page.locator(DRAWING_CANVAS).last
        canvas.wait_for(timeout=TIMEOUT_MS)
        draw_strokes(page, canvas.bounding_box(), SEVEN)
        epoch_slider = page.locator('[data-testid="stSlider"]').filter(has_text="Epoch").get_by_role("slider")
        epoch_slider.wait_for(timeout=TIMEOUT_MS)
        assert "epoch 1" in page.locator('[data-testid="stSlider"]').filter(has_text="Epoch").inner_text()
        before = _prediction_text(page)
        epoch_slider.focus()
        epoch_slider.press("Home")  # Back to the untrained network.
        page.locator('[data-testid="stSlider"]').filter(has_text="before training").wait_for(timeout=TIMEOUT_MS)
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline and _prediction_text(page) == before:
            time.sleep(0.3)
        assert _prediction_text(page) != before, "the reading did not change with the moment chosen"
        browser.close()
