"""Stroke round trip: from the end of a stroke to the page updated, the real app against Streamlit's floor.

Starts `streamlit run app.py` and `streamlit run bench/floor_app.py` (the same canvas, echoing a
number), draws the same strokes on each in Debian's Chromium, and times, inside the page, from the
mouse-up to the last change of the page's DOM that the stroke caused (the new answer and charts
drawn), the two pages taking turns stroke by stroke. Prints the medians and their ratio (goal: the app at most 1.5× the floor).

    python bench/stroke_latency.py
    python bench/stroke_latency.py --price-charts 0,2,6   # the floor app with 0, 2 and 6 extra charts
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_tools import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, draw_strokes, streamlit_server  # noqa: E402

STROKES = [
    [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]],
    [[(0.35, 0.52), (0.65, 0.52)]],
    [[(0.3, 0.3), (0.3, 0.8)]],
    [[(0.6, 0.1), (0.7, 0.9)]],
    [[(0.2, 0.6), (0.8, 0.65)]],
]
ROUNDS = 6
WARM_UP_STROKES = 2

OBSERVER = """() => {
  window.__marks = {up: [], mutations: []};
  document.addEventListener('mouseup', () => window.__marks.up.push(performance.now()), true);
  new MutationObserver(() => window.__marks.mutations.push(performance.now()))
    .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""

# The page has finished updating when its DOM has been quiet for QUIET_MS after the last change
# that followed the mouse-up; the latency is mouse-up to that last change (the charts drawn).
QUIET_MS = 600
WAIT_FOR_UPDATE = """async (quiet) => {
  const up = window.__marks.up[window.__marks.up.length - 1];
  const deadline = performance.now() + 30000;
  while (performance.now() < deadline) {
    const after = window.__marks.mutations.filter(t => t > up + 1);
    const last = after.length ? after[after.length - 1] : null;
    if (last !== null && performance.now() - last > quiet) return last - up;
    await new Promise(r => setTimeout(r, 20));
  }
  return null;
}"""


def _open(url: str, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(url, wait_until="networkidle")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=60_000)
    time.sleep(2)
    page.evaluate(OBSERVER)
    return page, canvas.bounding_box()


def timed_stroke(page, box, stroke) -> float:
    """Draw one stroke and return mouse-up to the last page change it caused, in ms."""
    draw_strokes(page, box, stroke)
    elapsed = page.evaluate(WAIT_FOR_UPDATE, QUIET_MS)
    if elapsed is None:
        raise RuntimeError("the page did not change within 30 s of a stroke")
    time.sleep(0.3)
    return elapsed


def reset_canvas(page) -> None:
    """Press the canvas's own reset and wait for the page to settle."""
    page.get_by_role("button", name="Reset canvas & history").click()
    page.evaluate(WAIT_FOR_UPDATE, QUIET_MS)
    time.sleep(0.5)


def measure_side_by_side(urls: list[str], browser) -> list[list[float]]:
    """Stroke timings per URL, the pages taking turns stroke by stroke so that drift hits all alike."""
    pages = [_open(url, browser) for url in urls]
    timings: list[list[float]] = [[] for _ in urls]
    for round_number in range(ROUNDS):
        for index, stroke in enumerate(STROKES):
            for (page, box), page_timings in zip(pages, timings):
                elapsed = timed_stroke(page, box, stroke)
                if round_number * len(STROKES) + index >= WARM_UP_STROKES:
                    page_timings.append(elapsed)
        for page, _ in pages:
            reset_canvas(page)
    for page, _ in pages:
        page.close()
    return timings


def measure(url: str, browser) -> list[float]:
    return measure_side_by_side([url], browser)[0]


def price_charts(counts: list[int]) -> None:
    """The floor app with N extra Plotly charts, for each N: what one chart costs the browser."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for count in counts:
            with streamlit_server({"FLOOR_EXTRA_CHARTS": str(count)}, "bench/floor_app.py") as url:
                print(f"floor app + {count} Plotly charts: median {statistics.median(measure(url, browser)):6.1f} ms", flush=True)
        browser.close()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--price-charts":
        price_charts([int(count) for count in sys.argv[2].split(",")])
        return
    environment = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with streamlit_server(environment, "bench/floor_app.py") as floor_url, streamlit_server(environment, "app.py") as app_url:
            floor, app = measure_side_by_side([floor_url, app_url], browser)
        browser.close()
    floor_median, app_median = statistics.median(floor), statistics.median(app)
    print(f"floor app (canvas + one number): median {floor_median:6.1f} ms over {len(floor)} strokes")
    print(f"the app (probe + all charts):    median {app_median:6.1f} ms over {len(app)} strokes")
    print(f"ratio app / floor: {app_median / floor_median:.2f} (must not pass 1.5; goal 1.3)")


if __name__ == "__main__":
    main()
