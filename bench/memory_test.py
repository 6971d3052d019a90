"""The memory test: MNIST test accuracy after blank rows, and how far back each cell's gradient reaches.

Each network reads a test digit's 28 rows, then N blank rows, and answers. A network that
remembers answers as well after the gap as without it; one that forgets falls towards guessing
(10%). Measured for the three memory-trained twins (plain RNN, GRU, LSTM, `assets/cells/`) and
the shipped main model (an LSTM trained without gaps), through the NumPy probe the app serves.

It also measures, per cell, the size of the gradient of the answer's probability with respect to
each row read (‖d p / d row t‖, `model.explain.backprop.row_gradients`), averaged over test
digits, with and without blank rows: the plain RNN's falls away with distance (vanishing
gradients), the gated cells' reaches back.

Writes the figures the "Why an LSTM?" page charts (`assets/cells/memory_test.json`, shipped, never
recomputed per visitor) and a table (`bench/results/memory_test.txt`).

    MNIST_NPZ=../shared/data/mnist.npz python bench/memory_test.py [--images 10000] [--gradient-images 500]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import model  # noqa: E402,F401  (first, as in the serving process: NumPy's BLAS on one thread, see model/__init__.py)

# isort: split
import numpy as np  # noqa: E402

from model.data import load_mnist  # noqa: E402
from model.explain.backprop import row_gradients  # noqa: E402
from model.files import write_atomically  # noqa: E402
from model.preprocess import with_blank_rows  # noqa: E402
from model.shapes import MEMORY_TEST_PATH, MEMORY_TWIN_PATHS, SHIPPED_MODEL_PATH  # noqa: E402
from model.weights import load_probe  # noqa: E402

BLANK_ROWS = (0, 7, 14, 28, 42, 56, 84, 112, 168, 224)
GRADIENT_BLANK_ROWS = (0, 56, 112)
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "memory_test.txt"


def accuracy_after_gaps(probe, images: np.ndarray, labels: np.ndarray) -> list[float]:
    return [float((probe.predict(with_blank_rows(images, gap)).argmax(axis=1) == labels).mean()) for gap in BLANK_ROWS]


def gradient_profiles(probe, images: np.ndarray) -> dict[str, list[float]]:
    """Per gap length, the mean over images of ‖d p(answer) / d row t‖ for every row read."""
    return {
        str(gap): [float(value) for value in row_gradients(probe, with_blank_rows(images, gap)).mean(axis=0)] for gap in GRADIENT_BLANK_ROWS
    }


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="mnist.npz or a folder of IDX files (else $MNIST_NPZ, else Keras)")
    parser.add_argument("--images", type=int, default=10000, help="test digits for the accuracies (default: all 10,000)")
    parser.add_argument("--gradient-images", type=int, default=500, help="test digits averaged for the gradient profiles")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the shipped figures and the results file alone")
    arguments = parser.parse_args(argv)
    _, (x_test, y_test) = load_mnist(arguments.data)
    images, labels = x_test[: arguments.images].astype(np.float32) / 255, y_test[: arguments.images].astype(int)
    probes = {cell: load_probe(path) for cell, path in MEMORY_TWIN_PATHS.items()}
    shipped = load_probe(SHIPPED_MODEL_PATH)
    started = time.perf_counter()
    accuracy = {cell: accuracy_after_gaps(probe, images, labels) for cell, probe in probes.items()}
    shipped_accuracy = accuracy_after_gaps(shipped, images, labels)
    gradient_images = images[: arguments.gradient_images].astype(np.float64)
    profiles = {cell: gradient_profiles(probe, gradient_images) for cell, probe in probes.items()}
    seconds = time.perf_counter() - started
    parameters = {cell: _parameter_count(probe) for cell, probe in probes.items()}

    lines = [
        f"python bench/memory_test.py --images {len(images)} --gradient-images {len(gradient_images)}",
        f"commit {_commit()}, {platform.machine()} CPU, {seconds:.0f} s",
        "",
        "MNIST test accuracy after N blank rows",
        f"{'network':<32}" + "".join(f"{gap:>7}" for gap in BLANK_ROWS),
    ]
    for cell, values in accuracy.items():
        lines.append(f"{cell + f' twin ({parameters[cell]:,} parameters)':<32}" + "".join(f"{value:>7.1%}" for value in values))
    lines.append(f"{'shipped LSTM (no gaps in training)':<32}" + "".join(f"{value:>7.1%}" for value in shipped_accuracy))
    lines += ["", "Mean ‖d p(answer) / d row t‖ over test digits, at rows 1, 14, 28 and the last (log10)"]
    for gap in GRADIENT_BLANK_ROWS:
        for cell, by_gap in profiles.items():
            profile = np.asarray(by_gap[str(gap)])
            marks = [profile[0], profile[13], profile[27], profile[-1]]
            lines.append(f"{gap:>4} blank rows, {cell:<5}" + "".join(f"{np.log10(max(mark, 1e-300)):>8.1f}" for mark in marks))
    report = "\n".join(lines)
    print(report)
    if arguments.no_write:
        return 0
    shipped_figures = {
        "blank_rows": list(BLANK_ROWS),
        "accuracy": accuracy,
        "shipped_accuracy": shipped_accuracy,
        "gradient_blank_rows": list(GRADIENT_BLANK_ROWS),
        "gradient_profiles": profiles,
        "parameters": parameters,
        "images": len(images),
        "gradient_images": len(gradient_images),
        "command": lines[0],
    }
    write_atomically(MEMORY_TEST_PATH, lambda stream: stream.write(json.dumps(shipped_figures, indent=1).encode()))
    RESULTS_PATH.write_text(report + "\n")
    print(f"wrote {MEMORY_TEST_PATH} and {RESULTS_PATH}")
    return 0


def _parameter_count(probe) -> int:
    arrays = [array for layer in probe.layers for array in layer.arrays()] + [
        array for dense in probe.head for array in (dense.kernel, dense.bias)
    ]
    return int(sum(array.size for array in arrays))


if __name__ == "__main__":
    sys.exit(main())
