"""Time to accuracy: the default `TrainConfig` against the seed recipe, side by side, on this machine.

Runs the seed recipe (batch 32, Adam 1e-3, 3 epochs) and the default config one after the other
with the real `model.training.train.train`, both validating on the 10,000 test images after every
epoch as the seed article does, and prints each run's wall time, its test accuracy after every
epoch, and the ratio of its time to 98.5% over the seed's 3-epoch wall time. Each run trains in a
fresh Python process of its own, so that every run pays the same start-up and a run may use
another Keras backend. Extra candidates are JSON overrides of `TrainConfig`, with an optional
`"backend"` (`tensorflow`, `jax`, `torch`: the backend must be installed), e.g.
`--candidate '{"batch_size": 512, "learning_rate": 0.02}' --candidate '{"backend": "jax"}'`.

    MNIST_NPZ=../shared/data/mnist.npz python bench/time_to_accuracy.py [--candidate JSON ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.config import SEED_RECIPE, TrainConfig  # noqa: E402

TARGET_ACCURACY = 0.985
SEED_RECIPE_OVERRIDES = {name: value for name, value in vars(SEED_RECIPE).items() if getattr(TrainConfig(), name) != value}


def measure_here(overrides: dict) -> dict:
    """Train one recipe in this process (its backend already chosen) and return its row."""
    from model.data import load_mnist
    from model.network import detect_device
    from model.training.train import train

    config = TrainConfig().with_overrides(**overrides)
    result = train(config, load_mnist(), on_progress=lambda report: None)
    epochs = [(epoch.epoch, epoch.seconds, epoch.val_accuracy) for epoch in result.history.epochs]
    reached = next((seconds for _, seconds, accuracy in epochs if accuracy >= TARGET_ACCURACY), None)
    return {
        "device": detect_device().describe(),
        "config": overrides,
        "train_seconds": result.history.train_seconds,
        "test_accuracy": result.history.test_accuracy,
        "seconds_to_target": reached,
        "epochs": epochs,
    }


def measure(name: str, overrides: dict) -> dict:
    """Train one recipe in a fresh process, under the backend it names (TensorFlow by default)."""
    overrides = dict(overrides)
    backend = overrides.pop("backend", "tensorflow")
    environment = {**os.environ, "KERAS_BACKEND": backend}
    finished = subprocess.run(
        [sys.executable, __file__, "--run-one", json.dumps(overrides)], env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise SystemExit(f"{name} ({backend}) failed:\n{finished.stderr[-3000:]}")
    row = {"name": name, "backend": backend, **json.loads(finished.stdout.strip().splitlines()[-1])}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", action="append", default=[], help='JSON overrides of TrainConfig, optionally with "backend"')
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--skip-default", action="store_true", help="measure only the seed recipe and the candidates")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)  # A child: train these overrides, print the row as JSON.
    arguments = parser.parse_args()
    if arguments.run_one is not None:
        print(json.dumps(measure_here(json.loads(arguments.run_one))), flush=True)
        return
    rows = []
    if not arguments.skip_seed:
        rows.append(measure("seed recipe", SEED_RECIPE_OVERRIDES))
    if not arguments.skip_default:
        rows.append(measure("default TrainConfig", {}))
    for index, overrides in enumerate(arguments.candidate):
        rows.append(measure(f"candidate {index + 1}", json.loads(overrides)))

    print(f"\n{'run':<22}{'backend':<12}{'wall s':>9}{'test acc':>10}{'s to 98.5%':>12}")
    for row in rows:
        reached = f"{row['seconds_to_target']:.0f}" if row["seconds_to_target"] else "never"
        print(f"{row['name']:<22}{row['backend']:<12}{row['train_seconds']:>9.1f}{row['test_accuracy']:>10.4f}{reached:>12}")
    if not arguments.skip_seed:
        seed = rows[0]
        for row in rows[1:]:
            reached = row["seconds_to_target"]
            verdict = "beats" if reached and reached < seed["train_seconds"] else "does not beat"
            to_target = f"{reached / seed['train_seconds']:.2f}" if reached else "never"
            print(
                f"{row['name']}: time to 98.5% / the seed's 3 epochs = {to_target}; whole run / the seed's = "
                f"{row['train_seconds'] / seed['train_seconds']:.2f}; it {verdict} the seed"
            )


if __name__ == "__main__":
    main()
