"""Probe speed: the whole row-by-row probe of one drawing against one `model.predict` call, side by side.

The probe serves every stroke of every visitor, so it must cost a small fraction of a prediction
(goal: at most a fifth of one `model.predict` on one image). Both are timed here in one run, on
the shipped model, with the median of many repetitions after a warm-up.

    python bench/probe_speed.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from model.probe import Probe  # noqa: E402
from model.store import load_model  # noqa: E402

REPETITIONS = 200
SHIPPED = Path(__file__).resolve().parent.parent / "assets" / "lstm_mnist.keras"


def median_seconds(function, repetitions: int = REPETITIONS) -> float:
    for _ in range(5):
        function()
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    model = load_model(SHIPPED)
    probe = Probe(model)
    image = np.random.default_rng(0).uniform(0, 1, (28, 28)).astype(np.float32)
    batch = image[None]
    predict = median_seconds(lambda: model.predict(batch, verbose=0))
    direct_call = median_seconds(lambda: np.asarray(model(batch, training=False)))
    probe_time = median_seconds(lambda: probe.run(image))
    print(f"model.predict, one image:        {predict * 1e3:8.2f} ms")
    print(f"model(x) direct call, one image: {direct_call * 1e3:8.2f} ms")
    print(f"Probe.run, one image (all rows, states, gates): {probe_time * 1e3:8.2f} ms")
    print(f"probe / predict ratio: {probe_time / predict:.3f} (goal: at most 0.2)")
    print(f"probe / direct call ratio: {probe_time / direct_call:.3f}")


if __name__ == "__main__":
    main()
