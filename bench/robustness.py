"""Benchmark how well models read digits unlike MNIST's: per-digit and per-style accuracy and the commonest slips, side by side.

Every model named is read, in one run, on the same sets (`bench/robustness_sets.py`): MNIST test
itself, the hand-made drawings (scripted writers, eleven styles, painted and read as the canvas's
drawings are) and MNIST test digits degraded in ten measured ways on the canvas. By default only
the tuning split is read; `--held-out` reads the held-out split too, which is kept for the final
measurement of a model already chosen, never for choosing one. The shipped model is always the
first column. Prints a report and writes it to bench/results/robustness.txt (or `--out`).

    MNIST_NPZ=/path/to/mnist.npz python bench/robustness.py [--candidate runs/x.keras ...] [--held-out]
"""

from __future__ import annotations

import argparse
import collections
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "bench"))

from robustness_sets import DEGRADATIONS, HAND_STYLES, degraded_mnist_set, hand_made_set  # noqa: E402

from model.data import load_mnist  # noqa: E402
from model.shapes import NUMBER_OF_CLASSES, SHIPPED_MODEL_PATH  # noqa: E402
from model.weights import file_digest, load_probe  # noqa: E402

RESULTS = REPOSITORY / "bench" / "results" / "robustness.txt"
CONFUSIONS_SHOWN = 8


def accuracy_line(name: str, right_by_model: list[np.ndarray], chosen: np.ndarray) -> str:
    cells = [f"{right[chosen].mean():8.1%}" if chosen.any() else f"{'–':>8}" for right in right_by_model]
    return f"  {name:<30}{int(chosen.sum()):>6}" + "".join(cells)


def report_set(title: str, labels: np.ndarray, groups: list[str], group_names, predictions: list[np.ndarray], model_names) -> list[str]:
    """The lines for one set: all, each digit, each style or degradation, and the commonest confusions."""
    right_by_model = [predicted == labels for predicted in predictions]
    header = f"  {'':<30}{'n':>6}" + "".join(f"{name:>8}" for name in model_names)
    lines = [f"== {title} ==", header, accuracy_line("all", right_by_model, np.ones(len(labels), bool))]
    lines += [accuracy_line(f"digit {digit}", right_by_model, labels == digit) for digit in range(NUMBER_OF_CLASSES)]
    groups = np.array(groups)
    lines += [accuracy_line(name, right_by_model, groups == name) for name in group_names]
    counts = [collections.Counter(zip(labels[~right].tolist(), read[~right].tolist())) for right, read in zip(right_by_model, predictions)]
    commonest = sorted(set().union(*counts), key=lambda pair: (-sum(count[pair] for count in counts), pair))[:CONFUSIONS_SHOWN]
    shown = ", ".join(f"{true}→{read} " + "/".join(str(count[(true, read)]) for count in counts) for true, read in commonest)
    lines.append(f"  commonest slips (true→read, count per model): {shown or 'none'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", action="append", default=[], help="a .keras model to read beside the shipped one (repeatable)")
    parser.add_argument("--held-out", action="store_true", help="also read the held-out split (only for the final measurement)")
    parser.add_argument("--per-degradation", type=int, default=150, help="MNIST test digits per degradation and split")
    parser.add_argument("--data", default=None, help="mnist.npz (else $MNIST_NPZ, else Keras)")
    parser.add_argument("--out", default=str(RESULTS))
    arguments = parser.parse_args(argv)

    paths = [SHIPPED_MODEL_PATH, *map(Path, arguments.candidate)]
    probes = [load_probe(path) for path in paths]
    model_names = ["shipped"] + [f"cand.{index}" for index in range(1, len(paths))]
    _, (test_images, test_labels) = load_mnist(arguments.data)
    started = time.perf_counter()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPOSITORY).stdout.strip()
    lines = [
        f"python bench/robustness.py {' '.join(argv if argv is not None else sys.argv[1:])}",
        f"commit {commit}; {platform.machine()}, Python {platform.python_version()}; models read by the NumPy probe",
    ]
    lines += [f"  {name}: {path} (SHA-256 {file_digest(path)[:12]}…)" for name, path in zip(model_names, paths)]

    mnist = test_images.astype(np.float32) / 255
    predictions = [probe.predict(mnist).argmax(axis=1) for probe in probes]
    right = [predicted == test_labels for predicted in predictions]
    lines += ["== MNIST test (10,000) ==", accuracy_line("all", right, np.ones(len(test_labels), bool))]
    lines += [accuracy_line(f"digit {digit}", right, test_labels == digit) for digit in range(NUMBER_OF_CLASSES)]

    splits = ["tuning", "held-out"] if arguments.held_out else ["tuning"]
    for split in splits:
        images, labels, styles = hand_made_set(split)
        predictions = [probe.predict(images).argmax(axis=1) for probe in probes]
        title = f"hand-made drawings, {split} split ({len(labels)} drawings)"
        lines += report_set(title, labels, styles, HAND_STYLES, predictions, model_names)
        images, labels, kinds = degraded_mnist_set(split, test_images, test_labels, arguments.per_degradation)
        predictions = [probe.predict(images).argmax(axis=1) for probe in probes]
        title = f"degraded MNIST test digits, {split} split ({len(labels)} images)"
        lines += report_set(title, labels, kinds, DEGRADATIONS, predictions, model_names)
    if not arguments.held_out:
        lines.append("The held-out split was not read (--held-out reads it, for the final measurement only).")
    lines.append(f"{time.perf_counter() - started:.0f} s")
    report = "\n".join(lines)
    print(report)
    Path(arguments.out).write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
