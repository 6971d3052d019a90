"""Many visitors at once, at the server alone: K clients replay real strokes over Streamlit's websocket.

`bench/crowd.py` runs K Chromium sessions on the same two cores as the server, so most of what it
measures at K = 8 is the browsers drawing their pages: in a real crowd each visitor's browser runs
on the visitor's own device. This bench takes the browsers out. One Chromium session per server
draws the crowd's strokes once while the websocket messages its page sends are recorded (the
page's first run, then each stroke's rerun request, with the canvas's PNG in it); then K plain
websocket clients (one asyncio process, a few ms of CPU per stroke) replay those messages as K
new sessions, on the app and on Streamlit's floor (`bench/floor_app.py`) in turn, on the same
schedule as crowd.py (arrivals staggered over ARRIVAL_SPREAD_SECONDS with varied pauses, or
`--lockstep`). Each stroke is timed from its message sent to the server's last message of that
rerun (its `script_finished`): the round trip a visitor's browser would wait for, before drawing.

Prints, per K: answered and unanswered strokes, p50/p95 of that round trip for both servers and
their ratios, and the CPU per stroke of each server and of the clients.

    python bench/server_crowd.py 4 8
    python bench/server_crowd.py 8 --lockstep
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets  # noqa: E402  (installed with Streamlit's server)
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.browser_tools import CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, cpu_seconds, draw_strokes, streamlit_process  # noqa: E402
from bench.crowd_plan import ROUNDS, STROKES, STROKES_PER_SESSION, Schedule, percentile, schedules  # noqa: E402

ANSWER_TIMEOUT_SECONDS = 60
DRAW_SECONDS = 0.3  # A stroke's own time before its message leaves (the hand, then the canvas encoding its PNG).
RECORD_QUIET_SECONDS = 1.5  # While recording: the page is left this long after each stroke, to settle.


@dataclass
class Recording:
    """What one visitor's page sent: its first run's messages, then each stroke's rerun request."""

    opening: list[bytes]
    strokes: list[bytes]


# Installed before the page's scripts: a copy of every binary message the page sends on its websocket, base64.
KEEP_SENT = """(() => {
  const kept = window.__sentMessages = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes) {
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      kept.push(btoa(text));
    }
    return send.call(this, data);
  };
})();"""


def record(url: str, strokes: list[list[tuple[float, float]]]) -> Recording:
    """Draw `strokes` in Chromium and keep the rerun requests the page sent: those before the first stroke, then one per stroke."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
        page.add_init_script(KEEP_SENT)
        page.goto(url, wait_until="networkidle")
        canvas = page.locator(DRAWING_CANVAS).last
        canvas.wait_for(timeout=120_000)
        time.sleep(2)
        box = canvas.bounding_box()

        def reruns_since(start: int) -> list[bytes]:
            kept = page.evaluate("window.__sentMessages")[start:]
            return [payload for payload in map(base64.b64decode, kept) if _is_rerun(payload)]

        opening = reruns_since(0)
        stroke_messages = []
        for stroke in strokes:
            start = page.evaluate("window.__sentMessages.length")
            draw_strokes(page, box, [stroke])
            time.sleep(RECORD_QUIET_SECONDS)
            reruns = reruns_since(start)
            if len(reruns) != 1:
                raise RuntimeError(f"a stroke sent {len(reruns)} rerun requests, not one: cannot replay it")
            stroke_messages.append(reruns[0])
        browser.close()
    if not opening:
        raise RuntimeError("the page sent no first-run request")
    return Recording(opening, stroke_messages)


def _is_rerun(payload: bytes) -> bool:
    message = BackMsg()
    message.ParseFromString(payload)
    return message.WhichOneof("type") == "rerun_script"


@dataclass
class ClientResult:
    round_trips_ms: list[float] = field(default_factory=list)
    unanswered: int = 0
    errors: list[str] = field(default_factory=list)


async def _until_finished(socket, timeout: float) -> bool:
    """Read the server's messages until a script run finishes; False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            frame = await asyncio.wait_for(socket.recv(), remaining)
        except TimeoutError:
            return False
        message = ForwardMsg()
        message.ParseFromString(frame)
        if message.WhichOneof("type") == "script_finished":
            return True


async def open_visitor(url: str, recording: Recording, result: ClientResult):
    """A new session that has run the page once, as a browser's first visit does; None if it could not."""
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        socket = await websockets.connect(address, subprotocols=["streamlit"], origin=url, max_size=None)
        for message in recording.opening:
            await socket.send(message)
            if not await _until_finished(socket, ANSWER_TIMEOUT_SECONDS):
                result.errors.append("the first run never finished")
                await socket.close()
                return None
        return socket
    except (OSError, websockets.WebSocketException) as error:
        result.errors.append(f"{type(error).__name__}: {error}")
        return None


async def draw(socket, recording: Recording, schedule: Schedule, result: ClientResult) -> None:
    """Each stroke on the visitor's schedule, timed to the end of its rerun."""
    try:
        await asyncio.sleep(schedule.start_seconds)
        for index, message in enumerate(recording.strokes):
            await asyncio.sleep(DRAW_SECONDS)
            sent = time.perf_counter()
            await socket.send(message)
            if await _until_finished(socket, ANSWER_TIMEOUT_SECONDS):
                result.round_trips_ms.append(1000 * (time.perf_counter() - sent))
            else:
                result.unanswered += 1
            await asyncio.sleep(schedule.think_seconds[index])
    except (OSError, websockets.WebSocketException) as error:
        result.errors.append(f"{type(error).__name__}: {error}")
    finally:
        await socket.close()


async def crowd_phase(url: str, pid: int, recording: Recording, plan: list[Schedule]) -> tuple[list[ClientResult], list[float]]:
    """K sessions open (each runs the page once), then all draw on their schedules; returns their results and the CPU
    seconds the server and these clients used while drawing."""
    results = [ClientResult() for _ in plan]
    sockets = await asyncio.gather(*(open_visitor(url, recording, result) for result in results))
    server_before, clients_before = cpu_seconds([pid]), time.process_time()
    await asyncio.gather(
        *(draw(socket, recording, schedule, result) for socket, schedule, result in zip(sockets, plan, results) if socket is not None)
    )
    return results, [cpu_seconds([pid]) - server_before, time.process_time() - clients_before]


def summary(results: list[ClientResult]) -> dict:
    trips = [trip for result in results for trip in result.round_trips_ms]
    return {
        "answered": len(trips),
        "unanswered": sum(result.unanswered for result in results),
        "errors": [error for result in results for error in result.errors],
        "p50": statistics.median(trips) if trips else float("nan"),
        "p95": percentile(trips, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[4, 8], help="numbers of visitors at once")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of floor then app per K (default {ROUNDS})")
    parser.add_argument("--lockstep", action="store_true", help="every visitor's first stroke at the same instant, fixed pauses")
    parser.add_argument("--frozen-floor", action="store_true", help="the floor freezes what it loaded (gc.freeze), as the app does")
    arguments = parser.parse_args()
    strokes = STROKES[:STROKES_PER_SESSION]
    environment = {"LSTM_DEMO_MODE": "public"}
    floor_environment = {**environment, "FLOOR_FREEZE_GC": "1" if arguments.frozen_floor else "0"}
    with streamlit_process(floor_environment, "bench/floor_app.py") as floor, streamlit_process(environment, "app.py") as app:
        servers = {"floor": floor, "app": app}
        recordings = {name: record(server.url, strokes) for name, server in servers.items()}
        sizes = {name: sum(map(len, recording.strokes)) // len(strokes) for name, recording in recordings.items()}
        print(
            f"recorded {len(strokes)} strokes per page: "
            + ", ".join(f"{name} {size} bytes per stroke request" for name, size in sizes.items())
        )
        for count in arguments.counts:
            arrivals = "in lockstep (every first stroke at the same instant)" if arguments.lockstep else "arrivals staggered"
            floor_kind = "the floor with gc.freeze" if arguments.frozen_floor else "the floor as plain Streamlit runs it"
            print(f"K = {count} visitors at once, {len(strokes)} strokes each, {arguments.rounds} rounds, {floor_kind} and the app "
                  f"in turn, {arrivals}:")  # fmt: skip
            gathered: dict[str, list[ClientResult]] = {"floor": [], "app": []}
            used = {name: [0.0, 0.0] for name in servers}  # Server CPU, clients' CPU (this process).
            for round_index in range(arguments.rounds):
                plan = schedules(count, len(strokes), arguments.lockstep, round_index)
                for name, server in servers.items():
                    results, cpu = asyncio.run(crowd_phase(server.url, server.process.pid, recordings[name], plan))
                    gathered[name] += results
                    used[name] = [total + seconds for total, seconds in zip(used[name], cpu)]
            figures = {name: summary(results) for name, results in gathered.items()}
            for name, figure in figures.items():
                per_stroke = [1000 * seconds / max(1, figure["answered"]) for seconds in used[name]]
                print(
                    f"  {name:5}: {figure['answered']} answered, {figure['unanswered']} unanswered, {len(figure['errors'])} errors; "
                    f"round trip p50 {figure['p50']:.0f} ms, p95 {figure['p95']:.0f} ms; "
                    f"CPU per stroke: server {per_stroke[0]:.0f} ms, clients {per_stroke[1]:.0f} ms",
                    flush=True,
                )
                for error in figure["errors"][:3]:
                    print(f"         error: {error}")
            app_figures, floor_figures = figures["app"], figures["floor"]
            goal = "" if arguments.frozen_floor else " (goal: p95 at most 1.5)"  # Issue 9's goal is against the plain floor.
            print(
                f"  ratio app / floor at K = {count}: p50 {app_figures['p50'] / floor_figures['p50']:.2f}, "
                f"p95 {app_figures['p95'] / floor_figures['p95']:.2f}{goal}",
                flush=True,
            )


if __name__ == "__main__":
    main()
