"""Where a stroke's round trip goes: the phases of one stroke, the real app beside Streamlit's floor.

`bench/stroke_latency.py` gives one number per stroke; this splits it, inside the page, into
  canvas  mouse-up → the canvas component's value sent on the websocket (the PNG encoded),
  server  that send → the last websocket message of the rerun (the script ran, deltas arrived),
  render  that message → the last change of the page's DOM (Streamlit and the charts drawn),
and names the parts of the page whose changes came last. The pages take turns stroke by stroke.

    python bench/stroke_anatomy.py
    python bench/stroke_anatomy.py --first 6   # a visitor's first stroke: 6 fresh browser contexts per page
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_tools import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, SOCKET_TIMES, draw_strokes, streamlit_server  # noqa: E402
from bench.stroke_latency import OBSERVER, QUIET_MS, ROUNDS, STROKES, WARM_UP_STROKES, reset_canvas  # noqa: E402

# Installed before any page script, with SOCKET_TIMES (the websocket's sends and receives): every
# mouse-up, and every DOM change with the element it happened in (the nearest with a key or a data-testid).
RECORDER = """(() => {
  const marks = window.__anatomy = {up: [], mutations: []};
  document.addEventListener('mouseup', () => marks.up.push(performance.now()), true);
  const where = (node) => {
    let element = node.nodeType === 1 ? node : node.parentElement;
    while (element && element !== document.body) {
      const keyed = [...(element.classList || [])].find((name) => name.startsWith('st-key-'));
      if (keyed) return keyed;  // An element with a key: the reading figures, the canvas, the row slider...
      if (element.dataset && element.dataset.testid) return element.dataset.testid;
      element = element.parentElement;
    }
    return 'body';
  };
  const start = () => new MutationObserver((records) => {
    const now = performance.now();
    for (const record of records) marks.mutations.push([now, where(record.target)]);
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();"""

PHASES = """async (quiet) => {
  const marks = window.__anatomy, sockets = window.__sockets;
  const up = marks.up[marks.up.length - 1];
  const deadline = performance.now() + 30000;
  while (performance.now() < deadline) {
    const after = marks.mutations.filter(([t]) => t > up + 1);
    const last = after.length ? after[after.length - 1][0] : null;
    if (last !== null && performance.now() - last > quiet) {
      const sent = sockets.sent.find((t) => t > up);
      const received = sockets.received.filter((t) => t > (sent || up) && t <= last);
      const lastReceived = received.length ? received[received.length - 1] : sent;
      const late = {};
      for (const [t, place] of after) if (t >= lastReceived) late[place] = Math.max(late[place] || 0, t - lastReceived);
      return {total: last - up, canvas: (sent || up) - up, server: lastReceived - (sent || up), render: last - lastReceived,
              messages: received.length, late};
    }
    await new Promise(r => setTimeout(r, 20));
  }
  return null;
}"""


def _open(url: str, browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()  # Nothing cached from another page.
    page.add_init_script(SOCKET_TIMES)
    page.add_init_script(RECORDER)
    page.goto(url, wait_until="networkidle")
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=60_000)
    time.sleep(2)
    page.evaluate(OBSERVER)  # What reset_canvas waits on.
    return page, canvas.bounding_box()


def _report(phases: dict[str, list[dict]]) -> None:
    for name, measured in phases.items():
        medians = {phase: statistics.median(m[phase] for m in measured) for phase in ("total", "canvas", "server", "render", "messages")}
        print(f"{name:5}  total {medians['total']:6.1f} ms = canvas {medians['canvas']:6.1f} + server {medians['server']:6.1f} "
              f"+ render {medians['render']:6.1f}   ({medians['messages']:.0f} messages, {len(measured)} strokes)")  # fmt: skip


def first_strokes(contexts: int) -> None:
    """Each page's first stroke, in `contexts` fresh browser contexts per page, the pages taking turns."""
    phases: dict[str, list[dict]] = {"floor": [], "app": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with streamlit_server({}, "bench/floor_app.py") as floor_url, streamlit_server({}, "app.py") as app_url:
            for _ in range(contexts):
                for name, url in (("floor", floor_url), ("app", app_url)):
                    page, box = _open(url, browser)
                    draw_strokes(page, box, STROKES[0])
                    measured = page.evaluate(PHASES, QUIET_MS)
                    if measured is not None:
                        phases[name].append(measured)
                    page.context.close()
        browser.close()
    _report(phases)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--first":
        first_strokes(int(sys.argv[2]))
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        with streamlit_server({}, "bench/floor_app.py") as floor_url, streamlit_server({}, "app.py") as app_url:
            pages = {"floor": _open(floor_url, browser), "app": _open(app_url, browser)}
            phases: dict[str, list[dict]] = {name: [] for name in pages}
            for round_number in range(ROUNDS):
                for index, stroke in enumerate(STROKES):
                    for name, (page, box) in pages.items():
                        draw_strokes(page, box, stroke)
                        measured = page.evaluate(PHASES, QUIET_MS)
                        time.sleep(0.3)
                        if measured is not None and round_number * len(STROKES) + index >= WARM_UP_STROKES:
                            phases[name].append(measured)
                for page, _ in pages.values():
                    reset_canvas(page)
        browser.close()
    _report(phases)
    for name, measured in phases.items():
        places: dict[str, list[float]] = {}
        for m in measured:
            for place, after in m["late"].items():
                places.setdefault(place, []).append(after)
        print(f"{name}: the parts of the page that changed last")
        for place, afters in sorted(places.items(), key=lambda item: -statistics.median(item[1]))[:8]:
            after = statistics.median(afters)
            print(f"         {place[:60]:60} median {after:6.1f} ms after the last message ({len(afters)} strokes)")


if __name__ == "__main__":
    main()
