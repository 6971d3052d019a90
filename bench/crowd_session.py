"""One visitor's browser session in the crowd benchmarks, driven and timed: open, draw, wait for the answer.

`open_session` opens a page in its own Chromium context and installs an observer; `run_session`
draws strokes on the canvas, each timed from the mouse-up to the page's answer (the prediction
or the floor's echo changed, and the page quiet again), with the websocket frames sent and got
meanwhile, so a stroke left without an answer shows whether the canvas never sent it or the
server never answered. `serve` starts a Streamlit server and `MemoryWatch` samples its memory.
The scenarios that use them are in `bench/crowd.py`.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench.browser_tools import DRAWING_CANVAS, SOCKET_TIMES, resident_megabytes, streamlit_process
from bench.crowd_plan import Schedule, schedules

ANSWER_TIMEOUT_MS = 60_000
QUIET_MS = 500
# Installed once a session is ready: the last mouse-up, every change of the page, and what the server's
# answer to a stroke changes (the floor's echoed number, the app's prediction and the revision its
# 28×28 input picture was painted from).
OBSERVER = """() => {
  window.__crowd = {up: 0, mutations: [], signature: () => [
    ...document.querySelectorAll('[data-testid="stMetricValue"], .st-key-reading_input .reading-figure'),
  ].map(element => element.dataset.drawn || element.textContent).join('|')};
  document.addEventListener('mouseup', () => { window.__crowd.up = performance.now(); }, true);
  new MutationObserver(() => window.__crowd.mutations.push(performance.now()))
    .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
SIGNATURE = "() => window.__crowd.signature()"
WAIT_FOR_ANSWER = """async ([before, quiet, timeout]) => {
  const up = window.__crowd.up;
  const deadline = performance.now() + timeout;
  while (performance.now() < deadline) {
    if (window.__crowd.signature() !== before) {
      while (true) {
        const marks = window.__crowd.mutations;
        const last = marks.length ? marks[marks.length - 1] : up;
        if (performance.now() - last > quiet) {
          const sockets = window.__sockets;
          const sent = sockets.sent.find(t => t > up);
          const received = sockets.received.filter(t => t > sent && t <= last);
          const server = sent !== undefined && received.length ? received[received.length - 1] - sent : null;
          return {elapsed: Math.max(0, last - up), server};
        }
        await new Promise(resolve => setTimeout(resolve, 25));
      }
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
  return {elapsed: null, text: document.body.innerText.slice(0, 300)};
}"""


@dataclass
class SessionResult:
    round_trips_ms: list[float] = field(default_factory=list)
    first_stroke_ms: list[float] = field(default_factory=list)  # Each session's first: one-time costs in the browser.
    server_ms: list[float] = field(default_factory=list)  # The server's part: the canvas's message to the rerun's last message.
    stuck_strokes: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def serve(script: str, environment: dict[str, str]):
    """`streamlit run script` on a free loopback port; yields (url, process id)."""
    with streamlit_process(environment, script) as server:
        yield server.url, server.process.pid


class MemoryWatch:
    """Samples a process's resident memory every half second while a phase runs; keeps the peak."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._task = pid, 0.0, None

    async def _sample(self):
        while True:
            self.peak = max(self.peak, resident_megabytes(self.pid))
            await asyncio.sleep(0.5)

    def __enter__(self):
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exception):
        self._task.cancel()


async def open_session(browser, url: str, eager: bool = False):
    """A fresh context and page, loaded and ready for a first stroke; frames on its websocket are counted.

    `eager`: draw as soon as the canvas is on the page, as an impatient visitor does, without
    waiting for the page's first run to finish.
    """
    context = await browser.new_context(viewport={"width": 1400, "height": 1400})
    page = await context.new_page()
    result = SessionResult()
    frames = {"sent": 0, "received": 0}
    page.on("pageerror", lambda error: result.errors.append(f"page error: {error}"))

    def watch(socket):
        socket.on("framesent", lambda _: frames.__setitem__("sent", frames["sent"] + 1))
        socket.on("framereceived", lambda _: frames.__setitem__("received", frames["received"] + 1))

    page.on("websocket", watch)
    await page.add_init_script(SOCKET_TIMES)
    await page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    canvas = page.locator(DRAWING_CANVAS).last
    await canvas.wait_for(timeout=120_000)
    if not eager:
        # Ready when the first script run has finished: the app's invitation or the floor's echo is shown.
        ready = page.locator('[data-testid="stMetricValue"]').or_(page.get_by_text("Draw a digit from 0 to 9"))
        await ready.first.wait_for(timeout=120_000)
        await page.wait_for_load_state("networkidle", timeout=120_000)  # Whatever the page fetches after its first run is in.
        await asyncio.sleep(1.0)
    await page.evaluate(OBSERVER)
    return context, page, await canvas.bounding_box(), frames, result


async def draw(page, box: dict, stroke: list[tuple[float, float]]) -> None:
    points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*point, steps=6)
    await page.mouse.up()


async def run_session(page, box, frames, result: SessionResult, strokes, reset_every: int | None = None, on_stroke=None,
                      schedule: Schedule | None = None) -> None:  # fmt: skip
    schedule = schedule or schedules(1, len(strokes), lockstep=True, round_index=0)[0]
    await asyncio.sleep(schedule.start_seconds)
    for index, stroke in enumerate(strokes):
        if reset_every and index and index % reset_every == 0:
            await page.get_by_role("button", name="Reset canvas & history").click()
            await asyncio.sleep(1.0)
        before = await page.evaluate(SIGNATURE)
        sent, received = frames["sent"], frames["received"]
        await draw(page, box, stroke)
        answer = await page.evaluate(WAIT_FOR_ANSWER, [before, QUIET_MS, ANSWER_TIMEOUT_MS])
        if answer["elapsed"] is None:
            result.stuck_strokes.append(
                {
                    "stroke": index,
                    "frames sent after mouse-up": frames["sent"] - sent,
                    "frames received after mouse-up": frames["received"] - received,
                    "page said": " ".join(answer["text"].split())[:160],
                }
            )
        else:
            result.round_trips_ms.append(answer["elapsed"])
            if answer["server"] is not None:
                result.server_ms.append(answer["server"])
            if index == 0:
                result.first_stroke_ms.append(answer["elapsed"])
        exceptions = await page.locator('[data-testid="stException"]').count()
        if exceptions:
            result.errors.append(f"stroke {index}: {exceptions} exception(s) on the page")
        if on_stroke is not None:
            on_stroke(index)
        await asyncio.sleep(schedule.think_seconds[index])
