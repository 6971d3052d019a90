"""Time to accuracy: the default `TrainConfig` against the seed recipe, side by side, on this machine.

Runs the seed recipe (batch 32, Adam 1e-3, 3 epochs) and the default config one after the other
with the real `model.training.train.train`, both validating on the 10,000 test images after every epoch as
the seed article does, and prints each run's wall time, its test accuracy after every epoch, and
the ratio of wall times. Extra candidates can be given as JSON overrides, e.g.
`--candidate '{"batch_size": 512, "learning_rate": 0.005}'`.

    MNIST_NPZ=../shared/data/mnist.npz python bench/time_to_accuracy.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model.data import load_mnist  # noqa: E402
from model.network import detect_device  # noqa: E402
from model.training.train import SEED_RECIPE, TrainConfig, train  # noqa: E402

TARGET_ACCURACY = 0.985


def measure(name: str, config: TrainConfig, data) -> dict:
    epochs = []
    result = train(config, data, on_progress=lambda report: None)
    for epoch in result.history.epochs:
        epochs.append((epoch.epoch, epoch.seconds, epoch.val_accuracy))
    reached = next((seconds for _, seconds, accuracy in epochs if accuracy >= TARGET_ACCURACY), None)
    row = {
        "name": name,
        "config": {key: value for key, value in vars(config).items() if getattr(TrainConfig(), key) != value},
        "train_seconds": result.history.train_seconds,
        "test_accuracy": result.history.test_accuracy,
        "seconds_to_target": reached,
        "epochs": epochs,
    }
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", action="append", default=[], help="JSON overrides of TrainConfig")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--skip-default", action="store_true", help="measure only the seed recipe and the candidates")
    arguments = parser.parse_args()
    data = load_mnist()
    print(f"device: {detect_device().describe()}", flush=True)
    rows = []
    if not arguments.skip_seed:
        rows.append(measure("seed recipe", SEED_RECIPE, data))
    if not arguments.skip_default:
        rows.append(measure("default TrainConfig", TrainConfig(), data))
    for index, overrides in enumerate(arguments.candidate):
        rows.append(measure(f"candidate {index + 1}", TrainConfig().with_overrides(**json.loads(overrides)), data))

    print(f"\n{'run':<22}{'wall s':>9}{'test acc':>10}{'s to 98.5%':>12}")
    for row in rows:
        reached = f"{row['seconds_to_target']:.0f}" if row["seconds_to_target"] else "never"
        print(f"{row['name']:<22}{row['train_seconds']:>9.1f}{row['test_accuracy']:>10.4f}{reached:>12}")
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
