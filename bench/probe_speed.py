"""Probe speed: the whole row-by-row probe of one drawing against one `model.predict` call, side by side.

It also times the whole of a stroke's work on the server outside Streamlit itself: the drawing
turned into the 28×28 input, the probe, and both reading figures' specs built and serialised as
the page's renderer receives them (`ui/components/reading_figure.py`).

The probe serves every stroke of every visitor, so it must cost a small fraction of a prediction
(goal: at most a fifth of one `model.predict` on one image). Both are timed here in one run, on
the shipped model, with the median of many repetitions after a warm-up.

    python bench/probe_speed.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import model  # noqa: E402,F401  (first, as in the serving process: NumPy's BLAS on one thread, see model/__init__.py)

# isort: split
import numpy as np  # noqa: E402

from model.drawings import render  # noqa: E402
from model.explain.backprop import row_gradients  # noqa: E402
from model.preprocess import canvas_to_mnist, with_blank_rows  # noqa: E402
from model.probe import Probe, decision_row  # noqa: E402
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS, MEMORY_TWIN_PATHS, SHIPPED_MODEL_PATH  # noqa: E402
from model.training.store import load_model  # noqa: E402
from model.weights import load_probe  # noqa: E402
from ui.compare import charts as compare_charts  # noqa: E402
from ui.components.live_chart import figure_json  # noqa: E402
from ui.draw import reading_charts  # noqa: E402

REPETITIONS = 200


def median_seconds(function, repetitions: int = REPETITIONS) -> float:
    for _ in range(5):
        function()
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def digit_of(drawing: np.ndarray) -> np.ndarray:
    return canvas_to_mnist(drawing).astype(np.float32)


def compare_page_seconds(image: np.ndarray, blank_rows: int = 56) -> float:
    """What the "Why an LSTM?" page computes when opened: each twin reads the drawing and blank rows, with its gradient profile."""
    twins = {cell: load_probe(path) for cell, path in MEMORY_TWIN_PATHS.items()}
    extended = with_blank_rows(image, blank_rows)

    def open_page() -> None:
        readings = {cell: twin.run(extended) for cell, twin in twins.items()}
        profiles = {cell: row_gradients(twin, extended) for cell, twin in twins.items()}
        for cell, reading in readings.items():
            compare_charts.cell_reading_figure(cell, reading.running_probabilities, reading.hidden[-1]).to_json()
        compare_charts.gradient_reach_figure(profiles).to_json()

    return median_seconds(open_page, repetitions=10)


def main() -> None:
    keras_model = load_model(SHIPPED_MODEL_PATH)
    probe = Probe(keras_model)
    image = np.random.default_rng(0).uniform(0, 1, (IMAGE_ROWS, IMAGE_COLUMNS)).astype(np.float32)
    batch = image[None]
    predict = median_seconds(lambda: keras_model.predict(batch, verbose=0))
    direct_call = median_seconds(lambda: np.asarray(keras_model(batch, training=False)))
    probe_time = median_seconds(lambda: probe.run(image))
    print(f"model.predict, one image:        {predict * 1e3:8.2f} ms")
    print(f"model(x) direct call, one image: {direct_call * 1e3:8.2f} ms")
    print(f"Probe.run, one image (all rows, states, gates): {probe_time * 1e3:8.2f} ms")
    print(f"probe / predict ratio: {probe_time / predict:.3f} (goal: at most 0.2)")
    print(f"probe / direct call ratio: {probe_time / direct_call:.3f}")

    drawing = render(7)
    groups = probe.top_unit_groups

    def stroke() -> None:
        digit = canvas_to_mnist(drawing)
        result = probe.run(digit)
        decided = decision_row(result.running_probabilities)
        figure_json(reading_charts.answer_spec(result.running_probabilities, IMAGE_ROWS, decided))
        figure_json(reading_charts.states_spec(digit, list(result.hidden), probe.unit_order, IMAGE_ROWS, decided, groups))

    stroke_time = median_seconds(stroke, repetitions=50)
    print(f"a stroke's server work (preprocess, probe, both figures built and serialised): {stroke_time * 1e3:8.2f} ms")
    print(f"the 'Why an LSTM?' page's work on opening, 56 blank rows: {compare_page_seconds(digit_of(drawing)) * 1e3:8.2f} ms"
          "  (three readings and three backward passes, figures built; never on a stroke)")  # fmt: skip
    test_set = np.random.default_rng(1).uniform(0, 1, (10_000, IMAGE_ROWS, IMAGE_COLUMNS)).astype(np.float32)
    evaluation = median_seconds(lambda: probe.predict(test_set), repetitions=3)
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"Probe.predict, 10,000 images (an evaluation), OPENBLAS_NUM_THREADS={threads}: {evaluation:6.2f} s")


if __name__ == "__main__":
    main()
