"""What one "Which rows mattered" costs the server: the memory it adds at its peak, and its time.

Both methods (occlusion and integrated gradients) with their faithfulness check, on a hand-drawn
7, through the shipped model's NumPy probe, in a fresh process: the peak resident memory added
(`ru_maxrss`) and the seconds. The serving goal is a server within 300 MB under any load a public
server allows, so one explanation must add a small, bounded amount.

    python bench/explain_memory.py
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import model  # noqa: E402,F401  (first, as in the serving process: NumPy's BLAS on one thread)

# isort: split
from model.drawings import render  # noqa: E402
from model.explain import attribution  # noqa: E402
from model.preprocess import canvas_to_mnist  # noqa: E402
from model.shapes import SHIPPED_MODEL_PATH  # noqa: E402
from model.weights import load_probe  # noqa: E402


def peak_mebibytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB.


def main() -> int:
    probe = load_probe(SHIPPED_MODEL_PATH)
    image = canvas_to_mnist(render(7))
    attribution.row_importance(probe, image, "occlusion")  # Warm up: NumPy's first calls allocate once.
    before = peak_mebibytes()
    started = time.perf_counter()
    for method in ("occlusion", "integrated_gradients"):
        scores = attribution.row_importance(probe, image, method)
        attribution.faithfulness(probe, image, scores)
    seconds = time.perf_counter() - started
    added = peak_mebibytes() - before
    print(f"one 'Which rows mattered' (both methods and their faithfulness): peak memory added {added:.0f} MiB, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
