"""On a GPU machine: prove the LSTM runs on the cuDNN kernel and time a training step both ways.

Builds the seed network twice, with `use_cudnn=True` and with `use_cudnn=False`, times training
steps of each side by side, and looks in the profiler for cuDNN's own RNN kernels (torch backend).
Prints one JSON line and writes it to the path given as the first argument, if any.

    KERAS_BACKEND=torch python bench/gpu_check.py gpu_check.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from model.network import build_model, detect_device  # noqa: E402
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS  # noqa: E402

STEPS = 60
BATCH_SIZE = 32


def time_steps(use_cudnn, images, labels) -> float:
    network = build_model(use_cudnn=use_cudnn)
    network.train_on_batch(images, labels)  # Warm-up: kernels chosen, graphs traced.
    network.train_on_batch(images, labels)
    started = time.perf_counter()
    for _ in range(STEPS):
        network.train_on_batch(images, labels)
    float(np.asarray(network.predict_on_batch(images[:1])).sum())  # Wait for the device.
    return (time.perf_counter() - started) / STEPS


def cudnn_kernels_seen(images) -> list[str]:
    if keras.backend.backend() != "torch":
        return []
    import torch

    if not torch.cuda.is_available():
        return []
    network = build_model(use_cudnn=True)
    activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=activities) as profile:
        network.predict_on_batch(images)
        torch.cuda.synchronize()
    names = {event.name for event in profile.events()}
    return sorted(name for name in names if "rnn" in name.lower() or "lstm" in name.lower())


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (BATCH_SIZE, IMAGE_ROWS, IMAGE_COLUMNS)).astype("float32")
    labels = rng.integers(0, 10, BATCH_SIZE)
    report = {"device": detect_device().describe(), "backend": keras.backend.backend(), "batch_size": BATCH_SIZE}
    report["cudnn_kernels"] = cudnn_kernels_seen(images)
    report["seconds_per_step_cudnn"] = time_steps(True, images, labels)
    report["seconds_per_step_fallback"] = time_steps(False, images, labels)
    report["fallback_over_cudnn"] = report["seconds_per_step_fallback"] / report["seconds_per_step_cudnn"]
    line = json.dumps(report)
    print(line)
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(line + "\n")


if __name__ == "__main__":
    main()
