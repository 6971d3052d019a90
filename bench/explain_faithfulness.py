"""Benchmark the explanations: are the row rankings faithful, and does the novelty detector tell digits from non-digits?

Faithfulness: for seeded MNIST test digits, blank rows in each method's order of importance and
compare the area under the deletion curve with random order (lower area = the prediction falls
faster = the ranking found the rows that matter). Also how much of each method's credit lands on the
last five inked rows (plain gradients are said to over-credit them). Novelty: the shipped detector
and the alternatives (Euclidean, Mahalanobis, low maximum probability), each with its threshold at
1% of MNIST test digits, on hand-made non-digit drawings and hand-made digits. Prints a report and
writes it to bench/results/explain_faithfulness.txt.

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
from model.drawings import NON_DIGIT_STROKES, STYLES, render, render_strokes  # noqa: E402
from model.explain import attribution as explain  # noqa: E402
from model.explain.assets import load_assets  # noqa: E402
from model.explain.backprop import replay  # noqa: E402
from model.explain.novelty import fit_detector  # noqa: E402
from model.preprocess import canvas_to_mnist  # noqa: E402
from model.shapes import NUMBER_OF_CLASSES, SHIPPED_MODEL_PATH, explain_assets_path_for  # noqa: E402
from model.weights import load_probe  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "explain_faithfulness.txt"
METHODS = ("occlusion", "integrated_gradients", "gradient")
NON_DIGIT_BRUSHES = (12, 20, 30)


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


def final_states(probe, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    result, _ = replay(probe, images)
    return result.hidden[:, -1, -1].astype(np.float64), result.probabilities.astype(np.float64)


def drawings_to_images(canvases) -> np.ndarray:
    return np.stack([canvas_to_mnist(canvas) for canvas in canvases]).astype(np.float64)


def novelty_report(probe, assets, mnist) -> list[str]:
    (x_train, y_train), (x_test, y_test) = mnist
    non_digits = drawings_to_images(
        [render_strokes(strokes, brush=brush) for strokes in NON_DIGIT_STROKES.values() for brush in NON_DIGIT_BRUSHES]
    )
    hand_digits = drawings_to_images([render(digit, **style) for style in STYLES.values() for digit in range(NUMBER_OF_CLASSES)])
    test_states, test_probabilities = final_states(probe, x_test.astype(np.float64) / 255.0)
    chosen = np.random.default_rng(0).permutation(len(x_train))[:10000]
    train_states, _ = final_states(probe, x_train[chosen].astype(np.float64) / 255.0)
    non_states, non_probabilities = final_states(probe, non_digits)
    hand_states, hand_probabilities = final_states(probe, hand_digits)
    sets = {"MNIST test": (test_states, test_probabilities), "hand-made digits": (hand_states, hand_probabilities)}
    sets["non-digit drawings"] = (non_states, non_probabilities)
    sizes = {"MNIST test": len(x_test), "hand-made digits": len(hand_digits), "non-digit drawings": len(non_digits)}
    lines = [
        f"Novelty: flagged fraction (threshold at 1% of MNIST test digits); {len(NON_DIGIT_STROKES)} non-digit drawings × "
        f"{len(NON_DIGIT_BRUSHES)} brushes, {len(hand_digits)} hand-made digits (10 digits × {len(STYLES)} styles):"
    ]
    header = "  " + f"{'detector':<44}" + "".join(f"{name} ({sizes[name]})".rjust(26) for name in sets)
    lines.append(header)

    def add_row(name, scorer, threshold):
        rates = [float((scorer(*sets[key]) > threshold).mean()) for key in sets]
        lines.append("  " + f"{name:<44}" + "".join(f"{rate:.1%}".rjust(26) for rate in rates))

    add_row(f"shipped: {assets.detector.method}, 60k train", lambda states, _: assets.detector.score(states), assets.detector.threshold)
    for method in ("euclidean", "mahalanobis"):
        detector = fit_detector(train_states, y_train[chosen], test_states, method)
        add_row(f"{method} to nearest centroid, 10k train", lambda states, _, d=detector: d.score(states), detector.threshold)
    low_confidence = 1.0 - test_probabilities.max(axis=1)
    threshold = float(np.quantile(low_confidence, 0.99))
    add_row("1 − max probability (baseline)", lambda _, probabilities: 1.0 - probabilities.max(axis=1), threshold)
    # The check and the probe timed turn about, so that load from other jobs falls on both alike.
    single = hand_digits[0]
    final_state = probe.run(single).hidden[-1, -1]
    check_seconds, probe_seconds = [], []
    for _ in range(300):
        started = time.perf_counter()
        assets.detector.is_novel(final_state)
        check_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        probe.run(single)
        probe_seconds.append(time.perf_counter() - started)
    check, probe_time = float(np.median(check_seconds)), float(np.median(probe_seconds))
    lines.append(
        f"  per stroke: the novelty check takes {check * 1e6:.0f} µs against {probe_time * 1e3:.2f} ms for probe.run "
        f"(ratio {check / probe_time:.4f}; medians of 300 turns about, under load)"
    )
    flagged = [name for name, state in zip(NON_DIGIT_STROKES, non_states[:: len(NON_DIGIT_BRUSHES)]) if assets.detector.is_novel(state)]
    lines.append(f"  shipped detector, brush 12, flags: {', '.join(flagged) or 'none'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Faithfulness of the row rankings and the novelty detector's rates")
    parser.add_argument("--digits", type=int, default=50, help="seeded MNIST test digits for the deletion curves")
    arguments = parser.parse_args()
    probe = load_probe(SHIPPED_MODEL_PATH)
    assets = load_assets(explain_assets_path_for(SHIPPED_MODEL_PATH))
    mnist = load_mnist(None)
    _, (x_test, _) = mnist
    chosen = np.random.default_rng(1).choice(len(x_test), arguments.digits, replace=False)
    lines = faithfulness_report(probe, x_test[chosen].astype(np.float64) / 255.0)
    lines += [""] + novelty_report(probe, assets, mnist)
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(f"$ python bench/explain_faithfulness.py --digits {arguments.digits}\n{report}\n")


if __name__ == "__main__":
    main()
