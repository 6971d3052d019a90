"""End to end in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run app.py`.

It draws digits with mouse strokes on the canvas and reads the prediction and the row-by-row
charts, then starts a tiny training run from the page, watches its curve grow, and stops it.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.browser import CHROMIUM, CHROMIUM_FLAGS, ONE, SEVEN, ZERO, draw_strokes, streamlit_server
from tests.conftest import mnist_path

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    environment = {"LSTM_DEMO_RUNS_DIR": str(tmp_path_factory.mktemp("runs"))}
    if mnist_path() is not None:
        environment["MNIST_NPZ"] = str(mnist_path())
    with streamlit_server(environment) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _prediction(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").first
    metric.wait_for(timeout=TIMEOUT_MS)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _wait_for_prediction_change(page, previous: str | None) -> str:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            value = _prediction(page)
        except playwright_api.Error:
            value = None
        if value is not None and value != previous:
            return value
        time.sleep(0.2)
    raise AssertionError(f"the prediction never changed from {previous!r}")


def _clear_canvas(page) -> None:
    page.get_by_role("button", name=re.compile("reset|clear|delete", re.I)).first.click()


def test_drawing_digits_shows_prediction_and_row_by_row_charts(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=TIMEOUT_MS)
    canvas = page.locator("canvas").last
    canvas.wait_for(timeout=TIMEOUT_MS)
    box = canvas.bounding_box()

    draw_strokes(page, box, SEVEN)
    assert _wait_for_prediction_change(page, None) == "7"
    page.get_by_text(re.compile(r"Decided after row \d+ of 28|only settled")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("The answer as it reads, row by row").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("LSTM layer 1: hidden state").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("LSTM layer 2: hidden state").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1

    # The figure is redrawn in place, not remounted: switching to the gates keeps the same graph.
    page.evaluate("() => { document.querySelector('.live-plotly-chart').dataset.marked = 'yes'; }")
    page.get_by_text("Gates", exact=True).click()
    page.get_by_text("layer 2: output gate").wait_for(timeout=TIMEOUT_MS)
    assert page.locator(".live-plotly-chart").get_attribute("data-marked") == "yes"
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 8

    _clear_canvas(page)
    page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=TIMEOUT_MS)
    draw_strokes(page, box, ONE)
    assert _wait_for_prediction_change(page, None) == "1"

    _clear_canvas(page)
    page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=TIMEOUT_MS)
    draw_strokes(page, box, ZERO)
    assert _wait_for_prediction_change(page, None) == "0"
    page.close()


@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_tiny_training_run_grows_a_live_curve_and_stops(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(app_url + "/train", wait_until="domcontentloaded")
    page.get_by_text("Train the LSTM and watch it learn").wait_for(timeout=TIMEOUT_MS)
    subset = page.get_by_label(re.compile("Training images"))
    subset.fill("3000")
    subset.press("Enter")
    epochs = page.get_by_label("Epochs")
    epochs.fill("20")
    epochs.press("Enter")
    time.sleep(1)
    page.locator(".st-key-start_training button").click()
    page.locator(".st-key-stop_training button").wait_for(timeout=TIMEOUT_MS)

    def curve_points() -> int:
        return page.evaluate(
            """() => {
                const plot = document.querySelector('.st-key-live_curves .js-plotly-plot');
                if (!plot || !plot.data) return 0;
                const trace = plot.data.find(t => t.name === 'training loss');
                if (!trace) return 0;
                return trace.x.length;
            }"""
        )

    deadline = time.monotonic() + 120
    first = 0
    while time.monotonic() < deadline and first == 0:
        first = curve_points()
        time.sleep(0.5)
    assert first > 0, "no live training curve appeared"
    grown = first
    while time.monotonic() < deadline and grown <= first:
        grown = curve_points()
        time.sleep(0.5)
    assert grown > first, "the live curve did not grow"

    page.locator(".st-key-stop_training button").click()
    page.get_by_text(re.compile(r"run-\S+ stopped: [\d.]+% accuracy")).wait_for(timeout=120_000)
    page.locator(".st-key-start_training button").wait_for(timeout=TIMEOUT_MS)
    page.close()
