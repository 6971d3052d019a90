"""Benchmark the explanations: are the row rankings faithful?

Faithfulness: for seeded MNIST test digits, blank rows in each method's order of importance and
compare the area under the deletion curve with random order (lower area = the prediction falls
faster = the ranking found the rows that matter). Also how much of each method's credit lands on the
last five inked rows (plain gradients are said to over-credit them). Prints a report and writes it
to bench/results/explain_faithfulness.txt. The not-a-digit detector has its own benchmark,
bench/novelty_detectors.py.

    MNIST_NPZ=/path/to/mnist.npz python bench/explain_faithfulness.py [--digits 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from model.data import load_mnist  # noqa: E402
from model.explain import attribution as explain  # noqa: E402
from model.shapes import SHIPPED_MODEL_PATH  # noqa: E402
from model.weights import load_probe  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "explain_faithfulness.txt"
METHODS = ("occlusion", "integrated_gradients", "gradient")


def faithfulness_report(probe, images: np.ndarray) -> list[str]:
    areas = {method: [] for method in METHODS}
    random_areas, last_row_shares = [], {method: [] for method in METHODS}
    started = time.perf_counter()
    for image in images:
        digit = explain.predicted_digit(probe, image)
        inked = np.flatnonzero(image.sum(axis=1) > 0)
        last_rows = slice(max(inked[-1] - 4, 0), inked[-1] + 1)
        for method in METHODS:
            scores = explain.row_importance(probe, image, method, digit)
            result = explain.faithfulness(probe, image, scores, digit)
            areas[method].append(result.area)
            magnitude = np.abs(scores)
            last_row_shares[method].append(magnitude[last_rows].sum() / max(magnitude.sum(), 1e-12))
        random_areas.append(result.random_area)
    seconds = time.perf_counter() - started
    random_mean = float(np.mean(random_areas))
    lines = [f"Deletion area on {len(images)} seeded MNIST test digits (lower = more faithful; random = mean of 20 random orders):"]
    lines.append(f"  random order            area {random_mean:.3f}")
    for method in METHODS:
        method_areas = np.array(areas[method])
        beats = float((method_areas < np.array(random_areas)).mean())
        lines.append(
            f"  {explain.METHOD_NAMES[method]:<24}area {method_areas.mean():.3f}  score {1 - method_areas.mean() / random_mean:+.2f}"
            f"  beats random on {beats:.0%} of digits; share of credit on the last 5 inked rows {np.mean(last_row_shares[method]):.2f}"
        )
    lines.append(f"  ({seconds:.0f} s for all methods, under load from other jobs)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Faithfulness of the row rankings")
    parser.add_argument("--digits", type=int, default=50, help="seeded MNIST test digits for the deletion curves")
    arguments = parser.parse_args()
    probe = load_probe(SHIPPED_MODEL_PATH)
    _, (x_test, _) = load_mnist(None)
    chosen = np.random.default_rng(1).choice(len(x_test), arguments.digits, replace=False)
    lines = faithfulness_report(probe, x_test[chosen].astype(np.float64) / 255.0)
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(f"$ python bench/explain_faithfulness.py --digits {arguments.digits}\n{report}\n")


if __name__ == "__main__":
    main()
