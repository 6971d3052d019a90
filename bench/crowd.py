"""Many visitors at once: K browser sessions draw concurrently, on the app and on Streamlit's floor.

Starts `streamlit run app.py` and `streamlit run bench/floor_app.py` (the same canvas, echoing a
number), opens K sessions (separate Chromium contexts) on one of them, and has all K draw the same
strokes concurrently; then the same on the other; the two take turns for ROUNDS rounds so that
the load from elsewhere on the machine hits both alike. Visitors arrive as a crowd does: their
first strokes spread over about one stroke's cycle and their pauses vary (seeded, the same
schedule for both servers); `--lockstep` has all K lift their pens at the same instant instead,
a burst that measures the worst case: every session's first answer at once. For every stroke it times, inside the page,
the mouse-up to the page's answer (the prediction or echo changed, and the page quiet again), and
notes the websocket frames the page sent and got meanwhile, so a stroke left without an answer
shows whether the canvas never sent it or the server never answered. Prints errors, stuck
sessions (a stroke without an answer within 60 s), p50/p95 round trips as ratios to the floor's,
the p95 of the server's part of each round trip (the canvas's websocket message to the rerun's
last message; the rest is the browsers drawing, which here share the servers' two cores), the CPU
time per stroke of the server and of the browsers (the machine's two cores are the budget both
share), and both servers' memory side by side: before any session, peak, once all sessions have closed,
and after the disconnected-session TTL and a margin (when the app has given freed memory back).

    MALLOC_ARENA_MAX=2 flock /tmp/browser.lock python bench/crowd.py 4 8      # K = 4, then K = 8
    MALLOC_ARENA_MAX=2 flock /tmp/browser.lock python bench/crowd.py 8 --lockstep   # the burst: every first stroke at once
    MALLOC_ARENA_MAX=2 flock /tmp/browser.lock python bench/crowd.py --long 220   # one session, 220 strokes: memory over time
    MALLOC_ARENA_MAX=2 flock /tmp/browser.lock python bench/crowd.py 8 --explain  # K = 8 ask "Which rows mattered" at once

With `--explain`, the app alone: K sessions each draw a seven, then all ask *Which rows mattered*
at the same moment (the server explains two at a time and asks the others to try again; they
retry every second until theirs is shown). Prints the seconds each waited for its explanation and
the server's memory before, at its peak during the explanations (sampled every half second),
once all are shown, once all sessions have closed, and after the TTL. Goal: at most 300 MB.

(`MALLOC_ARENA_MAX=2`, as the Dockerfile sets it: glibc's default heaps keep more memory.)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from playwright.async_api import async_playwright  # noqa: E402

from bench.browser_tools import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    browser_pids,
    cpu_seconds,
    resident_megabytes,
)
from bench.crowd_plan import ROUNDS, STROKES, STROKES_PER_SESSION, Schedule, percentile, schedules  # noqa: E402
from bench.crowd_session import MemoryWatch, SessionResult, open_session, run_session, serve  # noqa: E402

SESSION_TTL_SECONDS = 60  # server.disconnectedSessionTTL in .streamlit/config.toml: closed sessions are kept that long.
# Past the TTL, the app's memory watcher's margin (10 s) and its poll (5 s): by then the app has released.
AFTER_CLOSE_SECONDS = 90


@dataclass
class CpuUse:
    """CPU seconds used while the sessions drew (from their first stroke to their last), by the server and by the browsers."""

    server: float = 0.0
    browsers: float = 0.0

    def __add__(self, other: CpuUse) -> CpuUse:
        return CpuUse(self.server + other.server, self.browsers + other.browsers)


async def crowd_phase(
    browser, url: str, pid: int, sessions: int, plan: list[Schedule], eager: bool = False
) -> tuple[list[SessionResult], float, CpuUse]:
    """K sessions open, then all draw, each on its schedule; returns their results, the server's peak memory and
    the CPU used while drawing."""
    with MemoryWatch(pid) as memory:
        opened = await asyncio.gather(*(open_session(browser, url, eager) for _ in range(sessions)))
        strokes = STROKES[:STROKES_PER_SESSION]
        browsers = browser_pids()  # Every renderer is up once its page is open, and stays until its context closes.
        server_before, browsers_before = cpu_seconds([pid]), cpu_seconds(browsers)
        await asyncio.gather(
            *(
                run_session(page, box, frames, result, strokes, schedule=schedule)
                for (_, page, box, frames, result), schedule in zip(opened, plan)
            )
        )
        used = CpuUse(cpu_seconds([pid]) - server_before, cpu_seconds(browsers) - browsers_before)
        for context, *_ in opened:
            await context.close()
    return [result for *_, result in opened], memory.peak, used


def report(name: str, results: list[SessionResult], peak_mb: float, idle_mb: float, cpu: CpuUse) -> dict:
    trips = [trip for result in results for trip in result.round_trips_ms]
    stuck = [result for result in results if result.stuck_strokes]
    errors = [error for result in results for error in result.errors]
    firsts = [trip for result in results for trip in result.first_stroke_ms]
    later = list(trips)
    for first in firsts:
        later.remove(first)
    summary = {
        "p50": statistics.median(trips) if trips else float("nan"),
        "p95": percentile(trips, 0.95),
        "later p95": percentile(later, 0.95),
        "first p50": statistics.median(firsts) if firsts else float("nan"),
        "server p95": percentile([ms for result in results for ms in result.server_ms], 0.95),
        "server cpu": 1000 * cpu.server / max(1, len(trips)),
        "browser cpu": 1000 * cpu.browsers / max(1, len(trips)),
    }
    print(
        f"  {name:5}: {len(trips)} answered strokes, {sum(len(r.stuck_strokes) for r in results)} stuck strokes in "
        f"{len(stuck)} stuck sessions, {len(errors)} errors; round trip p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms "
        f"(each session's first stroke: p50 {summary['first p50']:.0f} ms; the others: p95 {summary['later p95']:.0f} ms; "
        f"the server's part: p95 {summary['server p95']:.0f} ms); "
        f"server memory {idle_mb:.0f} MB before, {peak_mb:.0f} MB peak; CPU per stroke: server {summary['server cpu']:.0f} ms, "
        f"browsers {summary['browser cpu']:.0f} ms",
        flush=True,
    )
    for result in stuck:
        for detail in result.stuck_strokes:
            print(f"         stuck: {detail}", flush=True)
    for error in errors[:5]:
        print(f"         error: {error}", flush=True)
    return summary


async def crowd(counts: list[int], eager: bool = False, rounds: int = ROUNDS, lockstep: bool = False) -> None:
    environment = {"LSTM_DEMO_MODE": "public"}
    with serve("bench/floor_app.py", environment) as (floor_url, floor_pid), serve("app.py", environment) as (app_url, app_pid):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            memory = {"floor": [0.0, 0.0], "app": [0.0, 0.0]}  # Before any session, peak over all phases.
            for count in counts:
                arrivals = "in lockstep (every first stroke at the same instant)" if lockstep else "arrivals staggered"
                print(f"K = {count} sessions drawing at once, {STROKES_PER_SESSION} strokes each, {rounds} rounds, floor and app in turn, "
                      f"{arrivals}:")  # fmt: skip
                gathered = {"floor": ([], 0.0, 0.0, CpuUse()), "app": ([], 0.0, 0.0, CpuUse())}
                for round_index in range(rounds):
                    plan = schedules(count, STROKES_PER_SESSION, lockstep, round_index)
                    for name, url, pid in (("floor", floor_url, floor_pid), ("app", app_url, app_pid)):
                        idle = resident_megabytes(pid)
                        results, peak, used = await crowd_phase(browser, url, pid, count, plan, eager)
                        previous, previous_peak, first_idle, previous_cpu = gathered[name]
                        gathered[name] = (previous + results, max(previous_peak, peak), first_idle or idle, previous_cpu + used)
                for name in memory:
                    memory[name] = [memory[name][0] or gathered[name][2], max(memory[name][1], gathered[name][1])]
                floor = report("floor", *gathered["floor"])
                app = report("app", *gathered["app"])
                ratios = (
                    f"p50 {app['p50'] / floor['p50']:.2f}, p95 {app['p95'] / floor['p95']:.2f}, "
                    f"p95 without first strokes {app['later p95'] / floor['later p95']:.2f}, "
                    f"p95 of the server's part {app['server p95'] / floor['server p95']:.2f}"
                )
                print(f"  ratio app / floor at K = {count}: {ratios} (goal: p95 at most 1.5)")
            await browser.close()
            closed = {name: resident_megabytes(pid) for name, pid in (("floor", floor_pid), ("app", app_pid))}
            await asyncio.sleep(AFTER_CLOSE_SECONDS)
            later = {name: resident_megabytes(pid) for name, pid in (("floor", floor_pid), ("app", app_pid))}
            memory_table(memory, closed, later)


EXPLAINED = "The two bar charts measure different things"  # Shown once a "Which rows mattered" reading is computed.
EXPLANATIONS_BUSY = "The server is explaining other visitors' readings right now"


async def explain_on_page(page) -> float:
    """Ask "Which rows mattered" for the reading on show, retrying while the server's slots are taken; seconds to the charts."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await page.get_by_text("Which rows mattered", exact=True).click(timeout=120_000)
    while True:
        await page.get_by_role("button", name="Explain this reading").click(timeout=180_000)
        await page.get_by_text(EXPLAINED).or_(page.get_by_text(EXPLANATIONS_BUSY)).first.wait_for(timeout=180_000)
        if await page.get_by_text(EXPLAINED).count():
            return loop.time() - started
        await asyncio.sleep(1.0)


async def explaining_crowd(count: int) -> None:
    """K sessions draw a seven, then all ask "Which rows mattered" at once: the server's memory during and after."""
    with serve("app.py", {"LSTM_DEMO_MODE": "public"}) as (url, pid):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            before = resident_megabytes(pid)
            opened = await asyncio.gather(*(open_session(browser, url) for _ in range(count)))
            await asyncio.gather(*(run_session(page, box, frames, result, STROKES[:1]) for _, page, box, frames, result in opened))
            drawn = resident_megabytes(pid)
            with MemoryWatch(pid) as memory:
                waited = await asyncio.gather(*(explain_on_page(page) for _, page, *_ in opened))
                explained = resident_megabytes(pid)
            errors = [error for *_, result in opened for error in result.errors]
            for context, *_ in opened:
                await context.close()
            await browser.close()
            closed = resident_megabytes(pid)
            await asyncio.sleep(AFTER_CLOSE_SECONDS)
            later = resident_megabytes(pid)
    ordered = sorted(waited)
    print(
        f"K = {count} sessions ask 'Which rows mattered' at once (two computed at a time): waited "
        f"{', '.join(f'{seconds:.1f}' for seconds in ordered)} s; {len(errors)} errors",
        flush=True,
    )
    highest = max(memory.peak, explained, drawn, before)
    print(
        f"server memory (MiB): {before:.0f} before, {drawn:.0f} after the drawings, {memory.peak:.0f} peak during the explanations, "
        f"{explained:.0f} once all were shown, {closed:.0f} all closed, {later:.0f} {AFTER_CLOSE_SECONDS} s later "
        f"(goal: at most 300 MB; highest {highest * 1.048576:.0f} MB)",
        flush=True,
    )


def memory_table(memory: dict[str, list[float]], closed: dict[str, float], later: dict[str, float]) -> None:
    """The servers' resident memory side by side: before any session, peak, all sessions closed, after the TTL."""
    print(f"server memory (MB)  before   peak   all closed   {AFTER_CLOSE_SECONDS} s later (TTL {SESSION_TTL_SECONDS} s + margin)")
    for name in ("floor", "app"):
        before, peak = memory[name]
        print(f"  {name:5}            {before:6.0f} {peak:6.0f} {closed[name]:12.0f} {later[name]:12.0f}", flush=True)
    print(
        f"  app - floor       {memory['app'][0] - memory['floor'][0]:6.0f} {memory['app'][1] - memory['floor'][1]:6.0f} "
        f"{closed['app'] - closed['floor']:12.0f} {later['app'] - later['floor']:12.0f}",
        flush=True,
    )


async def long_session(strokes: int) -> None:
    """One visitor, many strokes (the canvas reset every 4): the server's memory must stay flat."""
    with serve("app.py", {"LSTM_DEMO_MODE": "public"}) as (url, pid):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context, page, box, frames, result = await open_session(browser, url)
            samples = [(0, resident_megabytes(pid))]

            def sample(index: int) -> None:
                if (index + 1) % 20 == 0:
                    samples.append((index + 1, resident_megabytes(pid)))

            plan = [STROKES[index % 4] for index in range(strokes)]  # Four strokes make one drawing.
            await run_session(page, box, frames, result, plan, reset_every=4, on_stroke=sample)
            await context.close()
            await browser.close()
            answered, stuck = len(result.round_trips_ms), len(result.stuck_strokes)
            print(f"one session, {strokes} strokes (reset every 4): {answered} answered, {stuck} stuck")
            print("server memory (MB) after N strokes: " + ", ".join(f"{count}: {megabytes:.0f}" for count, megabytes in samples))
            growth = samples[-1][1] - samples[1][1] if len(samples) > 2 else float("nan")
            print(f"growth from stroke {samples[1][0]} to stroke {samples[-1][0]}: {growth:+.0f} MB")
            await asyncio.sleep(AFTER_CLOSE_SECONDS)  # Past server.disconnectedSessionTTL, the closed session is gone.
            print(f"{AFTER_CLOSE_SECONDS} s after the session closed: {resident_megabytes(pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[4, 8], help="numbers of sessions drawing at once")
    parser.add_argument("--long", type=int, metavar="STROKES", help="one session drawing this many strokes instead")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of floor then app per K (default {ROUNDS})")
    parser.add_argument("--lockstep", action="store_true", help="every session's first stroke at the same instant, fixed pauses: a burst")
    parser.add_argument("--eager", action="store_true", help="draw as soon as the canvas shows, before the page has settled")
    parser.add_argument("--explain", action="store_true", help="K sessions ask 'Which rows mattered' at once: the app's memory")
    arguments = parser.parse_args()
    if arguments.explain:
        for count in arguments.counts:
            asyncio.run(explaining_crowd(count))
    elif arguments.long:
        asyncio.run(long_session(arguments.long))
    else:
        asyncio.run(crowd(arguments.counts, arguments.eager, arguments.rounds, arguments.lockstep))


if __name__ == "__main__":
    main()
