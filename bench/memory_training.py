"""Learning to remember: can each cell learn a task with long gaps, with and without a curriculum?

The twins in `assets/cells/` learned to carry a digit across up to 112 blank rows with a
curriculum (the gaps grow over the first half of the run). This benchmark asks what happens
without one: each cell is trained from scratch, the same recipe for all three, on a subset of
MNIST with blank rows after half the batches, either growing (curriculum) or at their full range
from the first batch, and scored on the MNIST test set with no blank rows and after 112. It is
the tutorial's argument measured in training rather than in reading: a gradient that vanishes
across the gap leaves a plain RNN nothing to learn from.

    MNIST_NPZ=../shared/data/mnist.npz python bench/memory_training.py [--images 12000] [--epochs 4]

Writes `results/memory_training.txt` and the figures the "Why an LSTM?" page charts under
"Learning to remember" (`assets/cells/memory_training.json`, shipped, never recomputed per visitor).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import model  # noqa: E402,F401  (quiet TensorFlow logs first)

# isort: split
import numpy as np  # noqa: E402

from model.config import TrainConfig  # noqa: E402
from model.data import load_mnist  # noqa: E402
from model.files import write_atomically  # noqa: E402
from model.preprocess import with_blank_rows  # noqa: E402
from model.probe import Probe  # noqa: E402
from model.shapes import MEMORY_TRAINING_PATH  # noqa: E402
from model.training.train import train  # noqa: E402

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "memory_training.txt"
TEST_GAP = 112


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="mnist.npz or a folder of IDX files (else $MNIST_NPZ, else Keras)")
    parser.add_argument("--images", type=int, default=12000, help="training images per run")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--test-images", type=int, default=2000)
    arguments = parser.parse_args(argv)
    data = load_mnist(arguments.data)
    x_test = data[1][0][: arguments.test_images].astype(np.float32) / 255
    y_test = data[1][1][: arguments.test_images].astype(int)
    with_gap = with_blank_rows(x_test, TEST_GAP)
    lines = [
        f"python bench/memory_training.py --images {arguments.images} --epochs {arguments.epochs} --test-images {len(x_test)}",
        f"{platform.machine()} CPU; each run: batch 128, Adam 1e-3 cosine, gradient clipping 1.0, "
        "blank rows up to 112 after half the batches",
        "",
        f"{'cell':<6}{'curriculum':<12}{'0 blank rows':>14}{f'{TEST_GAP} blank rows':>16}{'seconds':>9}",
    ]
    print("\n".join(lines), flush=True)
    runs = []
    for cell in ("rnn", "gru", "lstm"):
        for curriculum in (False, True):
            config = TrainConfig(
                cell=cell, max_blank_rows=112, blank_rows_curriculum=curriculum, epochs=arguments.epochs, batch_size=128,
                learning_rate=1e-3, gradient_clip_norm=1.0, train_subset=arguments.images, seed=0,
            )  # fmt: skip
            started = time.perf_counter()
            probe = Probe(train(config, data).model)
            seconds = time.perf_counter() - started
            scores = [float((probe.predict(images).argmax(axis=1) == y_test).mean()) for images in (x_test, with_gap)]
            line = f"{cell:<6}{'on' if curriculum else 'off':<12}{scores[0]:>14.1%}{scores[1]:>16.1%}{seconds:>9.0f}"
            lines.append(line)
            print(line, flush=True)
            runs.append(
                {"cell": cell, "curriculum": curriculum, "accuracy": round(scores[0], 4), "accuracy_after_gap": round(scores[1], 4),
                 "seconds": round(seconds)}
            )  # fmt: skip
    RESULTS_PATH.write_text("\n".join(lines) + "\n")
    figures = {"command": lines[0], "images": arguments.images, "epochs": arguments.epochs, "test_images": len(x_test),
               "gap": TEST_GAP, "runs": runs}  # fmt: skip
    write_atomically(MEMORY_TRAINING_PATH, lambda stream: stream.write(json.dumps(figures, indent=1).encode()))
    print(f"wrote {RESULTS_PATH} and {MEMORY_TRAINING_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
