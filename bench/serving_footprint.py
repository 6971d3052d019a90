"""What the serving process costs, beside Streamlit's floor, and how drawing fares while a run trains.

Part 1, memory and start-up: starts `streamlit run app.py` and `streamlit run bench/floor_app.py`
(the same canvas, echoing one number) in turns, and for each measures the time from launching the
process to the first answer on the page after a stroke, and the server's resident memory after a
dozen strokes. Goals: the app's memory at most 300 MB, its start to first prediction at most 2× the
floor's.

Part 2, drawing while training: on one app server, the stroke round trip (mouse-up to the page
updated, as in `bench/stroke_latency.py`) idle, then while a run started from the Train page
trains (in its own niced, thread-capped process), then idle again. Goal: the p95 while training
at most 2× the idle p95.

    MNIST_NPZ=/path/to/mnist.npz flock /tmp/browser.lock python bench/serving_footprint.py
    MNIST_NPZ=/path/to/mnist.npz python bench/serving_footprint.py --evaluation   # no browser

Part 3, explanations: on one app server, one visitor draws and asks *Which rows mattered* for
EXPLANATIONS readings in a row (each a new drawing: both methods and their faithfulness checks),
while the server's resident memory is sampled every 0.2 s. Prints the server's memory before, at
its peak during the explanations, just after them, and once the visitor has gone (its session past
the TTL and the memory watcher's release). Goal: at most 300 MB throughout.

    MNIST_NPZ=/path/to/mnist.npz flock /tmp/browser.lock python bench/serving_footprint.py --explanations-only

With `--evaluation`, it times what the Evaluate page does, the NumPy probe classifying the 10,000
test images, against Keras's `model.predict` on the same images.

Prints ratios measured side by side in one run and appends them to bench/results/serving_footprint.txt.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_tools import (  # noqa: E402
    APP_ANSWERED,
    CHROMIUM,
    CHROMIUM_FLAGS,
    DRAWING_CANVAS,
    child_pids,
    draw_strokes,
    resident_megabytes,
    streamlit_process,
)
from bench.stroke_latency import OBSERVER, STROKES, reset_canvas, timed_stroke  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
RESULTS = REPOSITORY / "bench" / "results" / "serving_footprint.txt"
FIRST_STROKE = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
STROKES_BEFORE_MEMORY = 12
START_UP_ROUNDS = 2
FLOOR_ANSWERED = "() => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(e => e.innerText.trim() !== '0')"
TRAINING_UNDER_WAY = re.compile(r"epoch \d+/\d+, batch \d+/\d+")
EXPLANATIONS = 6
EXPLAINED = "The two bar charts measure different things"  # Shown once a "Which rows mattered" reading is computed.
EXPLANATIONS_BUSY = "The server is explaining other visitors' readings right now"
# server.disconnectedSessionTTL (60 s) + the memory watcher's margin (10 s) and poll (5 s), as in bench/crowd.py.
AFTER_CLOSE_SECONDS = 90


def _canvas(page):
    canvas = page.locator(DRAWING_CANVAS).last
    canvas.wait_for(timeout=120_000)
    return canvas.bounding_box()


def start_and_fill(browser, script: str, environment: dict[str, str], directory: Path = REPOSITORY) -> tuple[float, float, float]:
    """Seconds from launch to the first answer, then resident and peak MiB after a dozen strokes."""
    with streamlit_process(environment, script, directory) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(server.url)
        box = _canvas(page)
        draw_strokes(page, box, FIRST_STROKE)
        if script == "app.py":
            page.wait_for_function(APP_ANSWERED, timeout=120_000)
        else:
            page.wait_for_function(FLOOR_ANSWERED, timeout=120_000)
        first_answer = time.perf_counter() - server.launched_at
        page.evaluate(OBSERVER)
        reset_canvas(page)  # A stroke drawn over the same ink changes nothing, and the page would not move.
        _strokes(page, box, STROKES_BEFORE_MEMORY)
        time.sleep(1)
        resident = resident_megabytes(server.process.pid)
        peak = resident_megabytes(server.process.pid, "VmHWM")
        page.close()
    return first_answer, resident, peak


def footprint(browser, environment: dict[str, str], app_directory: Path = REPOSITORY) -> list[str]:
    """Start-up and memory of the floor and of the app (the one in `app_directory`, e.g. an older checkout)."""
    measured = {"bench/floor_app.py": [], "app.py": []}
    for _ in range(START_UP_ROUNDS):  # Turns, so that the load of the moment hits both alike.
        for script, results in measured.items():
            results.append(start_and_fill(browser, script, environment, REPOSITORY if script != "app.py" else app_directory))
    lines = []
    for script, results in measured.items():
        starts, residents, peaks = zip(*results)
        lines.append(
            f"{script:20s} start to first answer: median {statistics.median(starts):5.2f} s ({', '.join(f'{s:.2f}' for s in starts)}); "
            f"resident after {STROKES_BEFORE_MEMORY + 1} strokes: {statistics.median(residents):6.1f} MiB (peak {max(peaks):6.1f})"
        )
    (floor_starts, floor_residents, _), (app_starts, app_residents, _) = (list(zip(*measured[s])) for s in measured)
    start_ratio = statistics.median(app_starts) / statistics.median(floor_starts)
    app_resident, floor_resident = statistics.median(app_residents), statistics.median(floor_residents)
    lines.append(f"ratio start to first answer, app / floor: {start_ratio:.2f} (goal: at most 2)")
    lines.append(f"app resident memory: {app_resident:.1f} MiB, {app_resident / floor_resident:.2f}x the floor's (goal: at most 300 MB)")
    return lines


def _strokes(page, box, count: int) -> list[float]:
    timings = []
    for index in range(count):
        timings.append(timed_stroke(page, box, STROKES[index % len(STROKES)]))
        if index % len(STROKES) == len(STROKES) - 1:
            reset_canvas(page)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def drawing_while_training(browser, environment: dict[str, str], strokes_per_phase: int) -> list[str]:
    with streamlit_process(environment, "app.py") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(server.url)
        box = _canvas(page)
        time.sleep(2)
        page.evaluate(OBSERVER)
        _strokes(page, box, 2)  # Warm-up: the probe loaded, the charts' code fetched.
        idle = _strokes(page, box, strokes_per_phase)

        trainer = browser.new_page(viewport={"width": 1400, "height": 1400})
        trainer.goto(server.url + "/train")
        trainer.get_by_role("button", name="Start training").click(timeout=120_000)
        trainer.get_by_text(TRAINING_UNDER_WAY).first.wait_for(timeout=300_000)
        training_children = child_pids(server.process.pid)
        training = _strokes(page, box, 2 * strokes_per_phase)
        still_training = bool(trainer.get_by_text(TRAINING_UNDER_WAY).count()) and trainer.get_by_text("(finished)").count() == 0
        server_resident = resident_megabytes(server.process.pid)
        child_resident = sum(resident_megabytes(pid) for pid in training_children if Path(f"/proc/{pid}").exists())
        trainer.get_by_role("button", name="Stop").click()
        trainer.get_by_text(re.compile(r"\((stopped|finished)\)")).first.wait_for(timeout=300_000)
        trainer.close()
        idle += _strokes(page, box, strokes_per_phase)
        page.close()
    idle_p95, training_p95 = percentile(idle, 0.95), percentile(training, 0.95)
    return [
        f"idle:           p50 {statistics.median(idle):6.1f} ms, p95 {idle_p95:6.1f} ms over {len(idle)} strokes",
        f"while training: p50 {statistics.median(training):6.1f} ms, p95 {training_p95:6.1f} ms over {len(training)} strokes"
        + ("" if still_training else " (the run ended before the last stroke)"),
        f"ratio p95 while training / idle: {training_p95 / idle_p95:.2f} (goal: at most 2)",
        f"while training: server {server_resident:.1f} MiB resident, training process {child_resident:.1f} MiB",
    ]


class MemorySampler:
    """Samples a process's resident memory every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, resident_megabytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exception) -> None:
        self._stop.set()
        self._thread.join()


def explain_reading(page, timeout_ms: int = 180_000) -> float:
    """Ask "Which rows mattered" for the reading on show (retrying while the server's slots are taken); seconds to the charts."""
    started = time.perf_counter()
    while True:
        page.get_by_role("button", name="Explain this reading").click(timeout=timeout_ms)
        answer = page.get_by_text(EXPLAINED).or_(page.get_by_text(EXPLANATIONS_BUSY))
        answer.first.wait_for(timeout=timeout_ms)
        if page.get_by_text(EXPLAINED).count():
            return time.perf_counter() - started
        time.sleep(1.0)


def explanations(browser, environment: dict[str, str], count: int) -> list[str]:
    """The server's memory while one visitor asks "Which rows mattered" for `count` readings in a row, and after."""
    with streamlit_process(environment, "app.py") as server:
        pid = server.process.pid
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(server.url)
        box = _canvas(page)
        draw_strokes(page, box, FIRST_STROKE)
        page.wait_for_function(APP_ANSWERED, timeout=120_000)
        page.evaluate(OBSERVER)
        time.sleep(1)
        before = resident_megabytes(pid)
        seconds = []
        with MemorySampler(pid) as sampler:
            page.get_by_text("Which rows mattered", exact=True).click()
            for index in range(count):
                if index:
                    if index % len(STROKES) == 0:
                        reset_canvas(page)
                    canvas = page.locator(DRAWING_CANVAS).last
                    canvas.scroll_into_view_if_needed()  # Explaining scrolled the page: the canvas is found anew.
                    timed_stroke(page, canvas.bounding_box(), STROKES[index % len(STROKES)])  # A new reading to explain.
                seconds.append(explain_reading(page))
            time.sleep(1)
        just_after = resident_megabytes(pid)
        page.close()
        time.sleep(AFTER_CLOSE_SECONDS)
        gone = resident_megabytes(pid)
    highest = max(sampler.peak, before, just_after)
    return [
        f"{count} 'Which rows mattered' in a row, one visitor: {statistics.median(seconds):.1f} s each (median; "
        f"{', '.join(f'{value:.1f}' for value in seconds)})",
        f"server resident memory: {before:.1f} MiB before, {sampler.peak:.1f} MiB peak during (sampled every 0.2 s), "
        f"{just_after:.1f} MiB just after, {gone:.1f} MiB {AFTER_CLOSE_SECONDS} s after the visitor left "
        f"(goal: at most 300 MB; highest {highest * 1.048576:.0f} MB)",
    ]


def evaluation_time() -> list[str]:
    """Seconds to classify the 10,000 test images: the NumPy probe (what the Evaluate page runs) against Keras."""
    import model  # noqa: F401  (before NumPy, as in the serving process: NumPy's BLAS on one thread, see model/__init__.py)

    # isort: split
    import numpy as np

    from model.data import load_mnist
    from model.shapes import SHIPPED_MODEL_PATH as shipped
    from model.training.store import load_model
    from model.weights import load_probe

    _, (images, labels) = load_mnist()
    images = images.astype(np.float32) / 255.0
    probe, keras_model = load_probe(shipped), load_model(shipped)
    keras_model.predict(images[:1000], batch_size=1000, verbose=0)  # Keras builds its graph once.
    started = time.perf_counter()
    from_probe = probe.predict(images, batch_size=1000)
    probe_seconds = time.perf_counter() - started
    started = time.perf_counter()
    from_keras = keras_model.predict(images, batch_size=1000, verbose=0)
    keras_seconds = time.perf_counter() - started
    agree = float((from_probe.argmax(axis=1) == from_keras.argmax(axis=1)).mean())
    return [
        f"10,000 test images: probe {probe_seconds:.1f} s, Keras {keras_seconds:.1f} s, ratio {probe_seconds / keras_seconds:.2f}; "
        f"same answer on {agree:.2%}, accuracy {float((from_probe.argmax(axis=1) == labels).mean()):.2%}"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=15, help="strokes per idle phase (twice as many while training)")
    parser.add_argument("--skip-footprint", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--app-directory", type=Path, default=REPOSITORY, help="measure the app of another checkout (e.g. an older commit)")
    parser.add_argument("--evaluation", action="store_true", help="only time the evaluation of the test set, probe against Keras")
    parser.add_argument("--skip-explanations", action="store_true")
    parser.add_argument("--explanations-only", action="store_true", help="only part 3: the server's memory during and after explanations")
    parser.add_argument("--explanations", type=int, default=EXPLANATIONS, help="readings explained in a row in part 3")
    arguments = parser.parse_args()
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    lines = [f"# python bench/serving_footprint.py, {started} (this 2-core machine; say in the results file how loaded it was)"]
    if arguments.evaluation:
        lines[0] = lines[0].replace(".py,", ".py --evaluation,")
        for line in evaluation_time():
            print(line, flush=True)
            lines.append(line)
        _append(lines)
        return
    with tempfile.TemporaryDirectory(prefix="footprint-runs-") as runs, sync_playwright() as playwright:
        environment = {"LSTM_DEMO_RUNS_DIR": runs}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        if arguments.explanations_only:
            arguments.skip_footprint = arguments.skip_training = True
            lines[0] = lines[0].replace(".py,", ".py --explanations-only,")
        if not arguments.skip_footprint:
            if arguments.app_directory.resolve() != REPOSITORY:
                lines[0] += f", the app of {arguments.app_directory}"
            for line in footprint(browser, environment, arguments.app_directory.resolve()):
                print(line, flush=True)
                lines.append(line)
        if not arguments.skip_training:
            for line in drawing_while_training(browser, environment, arguments.strokes):
                print(line, flush=True)
                lines.append(line)
        if not arguments.skip_explanations:
            for line in explanations(browser, {**environment, "LSTM_DEMO_MODE": "public"}, arguments.explanations):
                print(line, flush=True)
                lines.append(line)
        browser.close()
    _append(lines)


def _append(lines: list[str]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as results:
        results.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
