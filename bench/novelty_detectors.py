"""Benchmark the not-a-digit detectors: what each catches, what each falsely flags, and what it costs per stroke.

Every alternative is thresholded at 1% of MNIST test digits and scored on four sets: MNIST test
digits and the project's hand-made digits (false alarms), the project's own non-digits
(`model.drawings.NON_DIGIT_STROKES`, 39 drawings × 3 brushes) and a held-out set of other
non-digits (`bench/held_out_non_digits.py`, nothing tuned on it) (catch rates). The shipped
detector is read from the model's assets; the alternatives are fitted here on seeded training
digits (`--train-digits`) and, for outlier exposure, procedural scribbles
(`model.explain.outlier_strokes`). Then the shipped check, the previous detector's check (the
top layer's final state, Mahalanobis) and `probe.run` are timed turn about on one drawing.
Prints a report and writes it to bench/results/novelty_detectors.txt.

    MNIST_NPZ=/path/to/mnist.npz python bench/novelty_detectors.py [--train-digits 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from held_out_non_digits import BRUSHES as HELD_OUT_BRUSHES  # noqa: E402
from held_out_non_digits import HELD_OUT_STROKES  # noqa: E402

from model.cells import forward  # noqa: E402
from model.data import load_mnist  # noqa: E402
from model.drawings import NON_DIGIT_STROKES, STYLES, render, render_strokes  # noqa: E402
from model.explain.assets import DEFAULTS, load_assets  # noqa: E402
from model.explain.novelty import combine, fit_distance, reading_features  # noqa: E402
from model.explain.outlier_score import train_outlier_score  # noqa: E402
from model.explain.outlier_strokes import canvas_style_digits, outlier_images  # noqa: E402
from model.preprocess import canvas_to_mnist  # noqa: E402
from model.shapes import NUMBER_OF_CLASSES, SHIPPED_MODEL_PATH, explain_assets_path_for  # noqa: E402
from model.weights import load_probe  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "novelty_detectors.txt"
PROJECT_BRUSHES = (12, 20, 30)
SETS = ("MNIST test", "hand-made digits", "project non-digits", "held-out non-digits")


def hidden_states(probe, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """(N, layers, rows, units) float32, with the lean forward pass."""
    batches = []
    for start in range(0, len(images), batch_size):
        layer_inputs, hidden = np.asarray(images[start : start + batch_size], dtype=np.float64), []
        for layer in probe.layers:
            layer_inputs = forward(layer, layer_inputs, record=False)
            hidden.append(layer_inputs.astype(np.float32))
        batches.append(np.stack(hidden, axis=1))
    return np.concatenate(batches)


def drawings(strokes_by_name: dict, brushes) -> np.ndarray:
    return np.stack([canvas_to_mnist(render_strokes(strokes, brush=brush)) for strokes in strokes_by_name.values() for brush in brushes])


def features(hidden: np.ndarray, kind: str) -> np.ndarray:
    """The reading's features an alternative looks at."""
    if kind == "final top":
        return hidden[:, -1, -1].astype(np.float64)
    if kind == "final, layer 1":
        return hidden[:, 0, -1].astype(np.float64)
    if kind == "final, both layers":
        return hidden[:, :, -1].reshape(len(hidden), -1).astype(np.float64)
    if kind == "row mean, both layers":
        return hidden.mean(axis=2).reshape(len(hidden), -1).astype(np.float64)
    if kind == "final + row mean, both layers":
        return reading_features(hidden)
    raise ValueError(kind)


def logits(probe, top_final: np.ndarray) -> np.ndarray:
    values = top_final.astype(np.float64)
    for dense in probe.head[:-1]:
        values = probe.read_head(values, [dense])[-1]
    return values @ probe.head[-1].kernel + probe.head[-1].bias


def alternatives(probe, hidden: dict, train_hidden, train_labels, exposure: dict) -> dict:
    """name → {set → scores}; higher = less like a digit."""
    scores = {}
    for kind in ("final top", "final, layer 1", "final, both layers", "row mean, both layers", "final + row mean, both layers"):
        distance = fit_distance(features(train_hidden, kind), train_labels)
        scores[f"Mahalanobis, {kind}"] = {name: distance.distances(features(h, kind)).min(axis=1) for name, h in hidden.items()}
    # Per row: a distance fitted at each of eight rows, the largest (each over its training median) taken.
    rows = (6, 9, 12, 15, 18, 21, 24, 27)
    per_row = []
    for row in rows:
        distance = fit_distance(train_hidden[:, -1, row].astype(np.float64), train_labels)
        per_row.append((row, distance, np.median(distance.distances(train_hidden[:, -1, row].astype(np.float64)).min(axis=1))))
    scores["Mahalanobis per row (top), largest"] = {
        name: np.max([d.distances(h[:, -1, row].astype(np.float64)).min(axis=1) / median for row, d, median in per_row], axis=0)
        for name, h in hidden.items()
    }
    for name, h in hidden.items():
        values = logits(probe, h[:, -1, -1])
        top = np.sort(values, axis=1)
        probabilities = np.exp(values - top[:, -1:])
        scores.setdefault("1 − max probability", {})[name] = 1 - 1 / probabilities.sum(axis=1)
        scores.setdefault("energy (−logsumexp of the logits)", {})[name] = -(np.log(probabilities.sum(axis=1)) + top[:, -1])
        scores.setdefault("logit margin (top two)", {})[name] = top[:, -2] - top[:, -1]
    digit_features = np.concatenate([reading_features(exposure["digits"]), reading_features(exposure["canvas digits"])])
    for kind in ("final, both layers", "final + row mean, both layers"):
        digits_kind = np.concatenate([features(exposure["digits"], kind), features(exposure["canvas digits"], kind)])
        outlier = train_outlier_score(digits_kind, features(exposure["non-digits"], kind), DEFAULTS.outlier_exposure)
        scores[f"outlier exposure (MLP), {kind}"] = {name: outlier.score(features(h, kind)) for name, h in hidden.items()}
    distance = fit_distance(reading_features(train_hidden), train_labels)
    outlier = train_outlier_score(digit_features, reading_features(exposure["non-digits"]), DEFAULTS.outlier_exposure)
    ensemble = combine(distance, outlier, reading_features(hidden["MNIST test"]))
    scores["ensemble: Mahalanobis + outlier exposure (kept)"] = {name: ensemble.score(reading_features(h)) for name, h in hidden.items()}
    return scores


def rate_table(scores: dict, sizes: dict) -> list[str]:
    lines = ["  " + f"{'detector (threshold at 1% of MNIST test)':<52}" + "".join(f"{name} ({sizes[name]})".rjust(27) for name in SETS)]
    for name, by_set in scores.items():
        threshold = float(np.quantile(by_set["MNIST test"], 0.99))
        cells = []
        for set_name in SETS:
            flagged = by_set[set_name] > threshold
            cells.append(f"{flagged.mean():.1%}" + (f" ({int(flagged.sum())})" if set_name == "hand-made digits" else ""))
        lines.append("  " + f"{name:<52}" + "".join(cell.rjust(27) for cell in cells))
    return lines


def previous_check(final_state: np.ndarray, centroids: np.ndarray, precision: np.ndarray, threshold: float) -> bool:
    """The previous detector's per-stroke check, as it was: Mahalanobis from the top layer's final state to each centroid."""
    offsets = np.atleast_2d(final_state)[:, None, :] - centroids[None]
    return bool(np.sqrt(np.maximum(((offsets @ precision) * offsets).sum(axis=-1), 0.0)).min(axis=1)[0] > threshold)


def timing(probe, assets, train_hidden, train_labels, image, turns: int = 300) -> str:
    top = train_hidden[:, -1, -1].astype(np.float64)
    centroids = np.stack([top[train_labels == digit].mean(axis=0) for digit in range(NUMBER_OF_CLASSES)])
    centred = top - centroids[train_labels]
    covariance = centred.T @ centred / len(centred)
    precision = np.linalg.inv(covariance + 1e-3 * np.trace(covariance) / len(covariance) * np.eye(len(covariance)))
    hidden = probe.run(image).hidden
    seconds = {"kept": [], "previous": [], "probe": []}
    for _ in range(turns):  # Turn about, so that load from other jobs falls on all three alike.
        started = time.perf_counter()
        assets.detector.verdict(hidden)
        seconds["kept"].append(time.perf_counter() - started)
        started = time.perf_counter()
        previous_check(hidden[-1, -1], centroids, precision, 1.0)
        seconds["previous"].append(time.perf_counter() - started)
        started = time.perf_counter()
        probe.run(image)
        seconds["probe"].append(time.perf_counter() - started)
    kept, previous, probe_time = (float(np.median(seconds[name])) for name in ("kept", "previous", "probe"))
    return (
        f"  per stroke: the kept check (verdict with its reason) takes {kept * 1e6:.0f} µs, the previous detector's check "
        f"{previous * 1e6:.0f} µs (ratio {kept / previous:.1f}×), probe.run {probe_time * 1e3:.2f} ms "
        f"(the kept check is {kept / probe_time:.1%} of it); medians of {turns} turns about"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Catch and false-alarm rates of the not-a-digit detectors")
    parser.add_argument("--train-digits", type=int, default=20000, help="seeded training digits the alternatives are fitted on")
    parser.add_argument("--timing-only", action="store_true", help="only the per-stroke timing (to bench/results/novelty_timing.txt)")
    arguments = parser.parse_args()
    started = time.perf_counter()
    probe = load_probe(SHIPPED_MODEL_PATH)
    assets = load_assets(explain_assets_path_for(SHIPPED_MODEL_PATH))
    (x_train, y_train), (x_test, _) = load_mnist(None)
    chosen = np.random.default_rng(DEFAULTS.seed).permutation(len(x_train))[: arguments.train_digits]
    train_hidden = hidden_states(probe, x_train[chosen] / 255.0)
    if arguments.timing_only:
        line = timing(probe, assets, train_hidden, y_train[chosen], canvas_to_mnist(render(0)))
        print(line)
        command = f"$ python bench/novelty_detectors.py --timing-only --train-digits {arguments.train_digits}"
        (RESULTS.parent / "novelty_timing.txt").write_text(f"{command}\n{line}\n")
        return
    exposed = min(DEFAULTS.exposure_digits, len(chosen))
    redrawn = np.random.default_rng(DEFAULTS.seed).permutation(len(x_train))[exposed : exposed + DEFAULTS.canvas_digits]
    exposure = {
        "digits": train_hidden[:exposed],
        "canvas digits": hidden_states(probe, canvas_style_digits(x_train[redrawn], DEFAULTS.seed)),
        "non-digits": hidden_states(probe, outlier_images(DEFAULTS.outlier_drawings, DEFAULTS.seed)),
    }
    hand_made = np.stack([canvas_to_mnist(render(digit, **style)) for style in STYLES.values() for digit in range(NUMBER_OF_CLASSES)])
    images = {
        "MNIST test": x_test / 255.0,
        "hand-made digits": hand_made,
        "project non-digits": drawings(NON_DIGIT_STROKES, PROJECT_BRUSHES),
        "held-out non-digits": drawings(HELD_OUT_STROKES, HELD_OUT_BRUSHES),
    }
    hidden = {name: hidden_states(probe, batch) for name, batch in images.items()}
    scores = alternatives(probe, hidden, train_hidden, y_train[chosen], exposure)
    shipped_scores = {name: assets.detector.score(reading_features(h)) for name, h in hidden.items()}
    scores = {"shipped (assets file): ensemble, 60k train": shipped_scores, **scores}
    sizes = {name: len(batch) for name, batch in images.items()}
    lines = [
        f"Not-a-digit detectors: flagged fraction; alternatives fitted on {len(chosen)} seeded training digits, outlier exposure on "
        f"{exposed} of them + {DEFAULTS.canvas_digits} redrawn as a canvas draws + {DEFAULTS.outlier_drawings} procedural non-digits.",
        f"Project non-digits: {len(NON_DIGIT_STROKES)} drawings × {len(PROJECT_BRUSHES)} brushes; held-out: {len(HELD_OUT_STROKES)} × "
        f"{len(HELD_OUT_BRUSHES)}; hand-made digits: 10 × {len(STYLES)} styles (count flagged in brackets).",
    ]
    lines += rate_table(scores, sizes)
    lines.append(timing(probe, assets, train_hidden, y_train[chosen], hand_made[0]))
    shipped = assets.detector
    for set_name, strokes in (("project non-digits", NON_DIGIT_STROKES), ("held-out non-digits", HELD_OUT_STROKES)):
        brushes = len(images[set_name]) // len(strokes)
        missed = [name for name, h in zip(strokes, hidden[set_name][1::brushes]) if not shipped.verdict(h).novel]
        lines.append(f"  shipped detector, brush 20, misses on the {set_name}: {', '.join(missed) or 'none'}")
    lines.append(f"  ({time.perf_counter() - started:.0f} s in all)")
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(f"$ python bench/novelty_detectors.py --train-digits {arguments.train_digits}\n{report}\n")


if __name__ == "__main__":
    main()
