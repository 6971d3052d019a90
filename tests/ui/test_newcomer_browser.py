"""Issue 19 in a real browser: what a newcomer trips over, checked where it was found (Chromium, 1400×1000 and a phone).

The Teach it choice pushes Play down instead of covering it and acknowledges a pick at once; the canvas's toolbar
covers no caption and the whole canvas is in view; Play's icon is drawn from the page's icon font; the address holds
the drawing soon after the answer, and Copy link carries it; the state map's axis titles clear their tick labels; the
saved-runs table is one table that fits a phone without the page scrolling sideways. Run it under
`flock /tmp/browser.lock` when others share the machine.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.browser import APP_ANSWERED, CHROMIUM, DRAWING_CANVAS, SEVEN, draw_strokes
from tests.helpers import mnist_path

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]

TIMEOUT_MS = 60_000


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def _settled_box(locator, seconds: float = 5.0) -> dict:
    """The element's box once it has stayed put for a quarter of a second (or after `seconds`)."""
    deadline = time.monotonic() + seconds
    box = locator.bounding_box()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        latest = locator.bounding_box()
        if latest == box:
            return box
        box = latest
    return box


# The canvas's toolbar (in the component's shadow root) and the canvas's visible width inside its column.
_CANVAS_GEOMETRY = """() => {
  const hosts = [...document.querySelectorAll("[class*='st-key-digit_canvas'] *")];
  const host = hosts.find((node) => node.shadowRoot && node.shadowRoot.querySelector('.dc-toolbar'));
  const toolbar = host.shadowRoot.querySelector('.dc-toolbar').getBoundingClientRect();
  const canvas = document.querySelector("[class*='st-key-digit_canvas']").getBoundingClientRect();
  return {toolbarTop: toolbar.top, toolbarBottom: toolbar.bottom, canvasWidth: canvas.width};
}"""


def test_a_newcomer_on_a_wide_screen(app_url, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Each line is one digit: watch the answer form as the rows are read").is_visible()
    assert page.get_by_text("Draw a digit first: these panels explain").is_visible()
    assert page.get_by_role("button", name="Deploy").count() == 0, "visitors get no developer menu (.streamlit/config.toml)"
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=TIMEOUT_MS)
    page.mouse.move(canvas.bounding_box()["x"] + 40, canvas.bounding_box()["y"] + 40)  # Hover: where the toolbar used to float.
    time.sleep(0.5)
    geometry = page.evaluate(_CANVAS_GEOMETRY)
    caption = page.get_by_text("Using the shipped model").bounding_box()
    assert geometry["toolbarTop"] >= caption["y"] + caption["height"], "the toolbar covers no part of the caption"
    assert geometry["canvasWidth"] >= 280, "the whole canvas is in view"

    draw_strokes(page, canvas.bounding_box(), SEVEN)
    page.wait_for_function(APP_ANSWERED, timeout=TIMEOUT_MS)
    answered = time.monotonic()
    page.wait_for_function("() => location.search.includes('drawing=')", timeout=TIMEOUT_MS)
    assert time.monotonic() - answered < 3, "the address follows the drawing within moments of the answer"
    page.wait_for_function("() => document.querySelector('.reading-actions').dataset.link.includes('drawing=')", timeout=TIMEOUT_MS)
    link = page.evaluate("() => document.querySelector('.reading-actions').dataset.link")
    assert "drawing=" in link and "model=" in link

    # Play's icon is a glyph of the page's own icon font, not a box.
    play = page.locator(".st-key-play_rows button:visible").first  # The one in view (a stale copy may linger hidden).
    icon = play.locator("[data-testid='stIconMaterial']").first
    assert icon.inner_text().strip() == "play_arrow"
    assert icon.bounding_box()["width"] < 32, "drawn as one glyph of the icon font, not spelled out or a box"

    # Teach it opens in the page's flow: Play moves down, nothing covers it, and a pick is acknowledged at once.
    play_before = play.bounding_box()
    page.locator("summary").filter(has_text="Teach it").first.click()
    pick = page.locator(".st-key-teach_label button").filter(has_text="It's a 1")
    pick.wait_for(timeout=TIMEOUT_MS)
    play_after = _settled_box(play)  # The expander opens with an animation: measure once the layout has settled.
    assert play_after["y"] > play_before["y"] and not _overlap(pick.bounding_box(), play_after)
    pick.click()
    page.get_by_text("1 drawing collected").wait_for(timeout=5_000)

    # The state map's axis titles stand clear of their tick labels.
    page.get_by_text("State map", exact=True).last.click()
    page.locator(".st-key-explain_state_map .xtitle").wait_for(timeout=TIMEOUT_MS)
    for title, ticks in ((".xtitle", ".xtick text"), (".ytitle", ".ytick text")):
        title_box = page.locator(f".st-key-explain_state_map {title}").bounding_box()
        for tick in page.locator(f".st-key-explain_state_map {ticks}").all():
            assert not _overlap(title_box, tick.bounding_box()), f"{title} overlaps a tick label"
    page.close()


@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_the_saved_runs_table_fits_a_phone(app_url, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{app_url}/train", wait_until="domcontentloaded")
    page.get_by_text("Saved runs").wait_for(timeout=TIMEOUT_MS)
    table = page.locator("[data-testid='stDataFrame']").last
    table.wait_for(timeout=TIMEOUT_MS)
    assert table.bounding_box()["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "the page does not scroll sideways"
    assert page.locator(".st-key-" + "use_lstm_mnist").count() == 1
    # No chart toolbar stays over a chart's title on a touch screen (ui/page_style.py); the page title fits.
    page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(timeout=TIMEOUT_MS)
    hidden = page.locator(".modebar-container").evaluate_all("(bars) => bars.map((bar) => getComputedStyle(bar).display === 'none')")
    assert hidden and all(hidden), "Plotly's toolbar is hidden on a touch screen"
    assert page.locator("h1").first.evaluate("(title) => parseFloat(getComputedStyle(title).fontSize)") <= 28
    context.close()
