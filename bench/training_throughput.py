"""Training throughput: the speed levers of the default recipe, each against the plain default, side by side.

`time_to_accuracy.py` says how long a recipe takes to reach 98.5%; this says where a recipe's
seconds could come from. It trains the default network (`TrainConfig()`: batch 256, dropout 0.1)
on real MNIST images through `model.fit` on NumPy arrays, as `model.training.train` feeds it, at a
constant learning rate (the schedule changes no step's cost), and
measures training samples per second, then the same with one lever changed:

- `one tensor`: the images handed to `fit` as one `tf.data` pipeline over TensorFlow tensors;
- `threads 1+2`, `threads 1+1`: TensorFlow's inter-op + intra-op thread pools set by hand;
- `steps per call 8`: `compile(steps_per_execution=8)`, eight training steps per Python call;
- `bfloat16`: Keras's `mixed_bfloat16` policy (this CPU has AMX-BF16);
- `XLA`: `compile(jit_compile=True)`, which Keras leaves off on a CPU;
- `JAX`, `torch`: Keras's other backends, when installed (they are not project requirements);
- `batch 64`, `batch 512`: the same code at other batch sizes (the seed recipe's 32 is beside them).

It also times one validation pass over the 10,000 test images, which the recipe runs after every
epoch. Every measurement runs in a fresh Python process, and the list is run `--rounds` times
over, interleaved, so that a slow spell of this shared machine falls on every lever alike; the
figure of each is its median over rounds and the ratio divides it by the plain default's.

    MNIST_NPZ=../shared/data/mnist.npz python bench/training_throughput.py [--rounds 3] [--steps 40]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.training.estimate import MNIST_TRAIN_IMAGES  # noqa: E402

LEVERS = {
    "default": {},
    "one tensor": {"one_tensor": True},
    "threads 1+2": {"threads": [1, 2]},
    "threads 1+1": {"threads": [1, 1]},
    "steps per call 8": {"steps_per_execution": 8},
    "bfloat16": {"policy": "mixed_bfloat16"},
    "XLA": {"jit_compile": True},
    "JAX": {"backend": "jax"},
    "torch": {"backend": "torch"},
    "batch 32 (the seed's)": {"batch_size": 32},
    "batch 64": {"batch_size": 64},
    "batch 512": {"batch_size": 512},
}


def measure_here(lever: dict, steps: int) -> dict:
    """Train `steps` batches of real MNIST three times over with one lever set; samples per second of the fastest."""
    if "threads" in lever:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(lever["threads"][0])
        tf.config.threading.set_intra_op_parallelism_threads(lever["threads"][1])
    import keras

    if "policy" in lever:
        keras.mixed_precision.set_global_policy(lever["policy"])
    from model.config import TrainConfig
    from model.data import load_mnist
    from model.network import build_model
    from model.training.steps import validate

    config = TrainConfig()
    batch_size = lever.get("batch_size", config.batch_size)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    images = x_train[: batch_size * steps].astype("float32") / 255
    labels = y_train[: batch_size * steps]
    model = build_model(dropout_rate=config.dropout_rate, learning_rate=config.learning_rate)
    if "steps_per_execution" in lever or "jit_compile" in lever:
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=lever.get("steps_per_execution", 1),
            jit_compile=lever.get("jit_compile", "auto"),
        )
    if lever.get("one_tensor"):
        import tensorflow as tf

        pipeline = tf.data.Dataset.from_tensor_slices((tf.constant(images), tf.constant(labels)))
        fit_data = {"x": pipeline.shuffle(len(images), seed=0).batch(batch_size).prefetch(2)}
    else:
        fit_data = {"x": images, "y": labels, "batch_size": batch_size, "shuffle": True}
    model.fit(**fit_data, epochs=1, verbose=0)  # Warm-up: tracing and compiling.
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        model.fit(**fit_data, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    validate(model, x_test.astype("float32") / 255, y_test)
    return {"samples_per_second": len(images) / min(seconds), "validation_seconds": time.perf_counter() - started}


def measure(lever: dict, steps: int) -> dict | None:
    """One lever in a fresh process; None when it needs a backend that is not installed."""
    backend = lever.get("backend", "tensorflow")
    if importlib.util.find_spec(backend) is None:
        return None
    environment = {**os.environ, "KERAS_BACKEND": backend}
    command = [sys.executable, __file__, "--run-one", json.dumps(lever), "--steps", str(steps)]
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"{lever} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="how many times over the whole list is measured")
    parser.add_argument("--steps", type=int, default=40, help="training batches in each timed pass")
    parser.add_argument("--lever", action="append", choices=sorted(LEVERS), help="measure only these (and the default)")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)  # A child: measure this lever, print JSON.
    arguments = parser.parse_args()
    if arguments.run_one is not None:
        print(json.dumps(measure_here(json.loads(arguments.run_one), arguments.steps)), flush=True)
        return
    names = ["default", *[name for name in LEVERS if name != "default" and (not arguments.lever or name in arguments.lever)]]
    figures: dict[str, list[dict]] = {name: [] for name in names}
    for round_number in range(1, arguments.rounds + 1):
        for name in names:
            row = measure(LEVERS[name], arguments.steps)
            if row is not None:
                figures[name].append(row)
                print(json.dumps({"round": round_number, "lever": name, **row}), flush=True)
    default_speed = statistics.median(row["samples_per_second"] for row in figures["default"])
    print(f"\n{'lever':24} {'samples/s':>10} {'/ default':>10}   per round")
    for name in names:
        if not figures[name]:
            print(f"{name:24} {'not installed':>21}")
            continue
        speeds = [row["samples_per_second"] for row in figures[name]]
        rounds = ", ".join(f"{speed:.0f}" for speed in speeds)
        print(f"{name:24} {statistics.median(speeds):10.0f} {statistics.median(speeds) / default_speed:10.2f}   {rounds}")
    validation = statistics.median(row["validation_seconds"] for row in figures["default"])
    epoch = MNIST_TRAIN_IMAGES / default_speed
    print(f"\none validation pass (10,000 test images): {validation:.2f} s = {validation / epoch:.3f} of a default epoch ({epoch:.1f} s)")


if __name__ == "__main__":
    main()
