"""What the browser tests share: touch strokes, the strokes of a few digits, and the steps that reach a view.

The server on a free port, Chromium's flags and mouse strokes are the benchmarks' own
(`bench/browser_tools.py`), re-exported here. The README's screenshots take the same steps
(`tests/screenshots.py`).
"""

from __future__ import annotations

import re
import time

from bench.browser_tools import APP_ANSWERED, CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, draw_strokes, free_port, streamlit_server  # noqa: F401 (re-exported for the tests)


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


TIMEOUT_MS = 90_000


def draw_a_seven(page, url: str) -> None:
    """Open the Draw page, draw a 7 with the mouse and wait for the answer."""
    page.goto(url, wait_until="domcontentloaded")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=TIMEOUT_MS)
    draw_strokes(page, canvas.bounding_box(), SEVEN)
    page.wait_for_function(APP_ANSWERED, timeout=TIMEOUT_MS)


def open_comparison_of_a_seven(page, url: str) -> None:
    """Draw a 7, follow the link to "Why an LSTM?" and wait until all three cells and the charts have read it."""
    draw_a_seven(page, url)
    page.locator("[data-testid='stMain']").get_by_role("link", name="Why an LSTM?").click()  # The one under the canvas.
    page.get_by_text("Reading your drawing").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("LSTM: answer after row 84").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stPlotlyChart']").nth(5).wait_for(timeout=TIMEOUT_MS)  # Three readings, memory, gradient, the LSTM's gates.


def plot_area(page, title: str) -> dict:
    """The bounding box of the plotting area of the Plotly chart whose title contains `title`."""
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text=title).first
    chart.wait_for(timeout=TIMEOUT_MS)
    area = chart.locator(".nsewdrag").first
    area.wait_for(timeout=TIMEOUT_MS)
    area.scroll_into_view_if_needed()
    time.sleep(0.5)  # Plotly lays the chart out once more after it is attached.
    return area.bounding_box()


def inspected_unit(page) -> str:
    """The unit the inspector shows, as its heading names it ("Unit 17 of layer 2")."""
    text = page.get_by_text(re.compile(r"Unit \d+ of layer \d after row")).first
    text.wait_for(timeout=TIMEOUT_MS)
    return re.search(r"Unit (\d+) of layer (\d)", text.inner_text()).group(0)


def open_inspector_and_click_a_unit(page, column_fraction: float) -> tuple[str, str]:
    """Open the unit inspector, click the hidden-state map at `column_fraction` of its width; the units before and after."""
    page.get_by_text("Unit inspector", exact=True).click()
    before = inspected_unit(page)
    box = plot_area(page, "click a unit")
    page.mouse.click(box["x"] + box["width"] * column_fraction, box["y"] + box["height"] * 0.5)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline and inspected_unit(page) == before:
        time.sleep(0.2)
    return before, inspected_unit(page)
