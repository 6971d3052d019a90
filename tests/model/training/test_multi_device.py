"""Multi-device training for real: MirroredStrategy over two logical CPUs runs a short training through `train()`.

Logical devices must be configured before TensorFlow initialises, so the training runs in a fresh
Python process; it is the same code path a machine with several GPUs takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPOSITORY, mnist_path

pytestmark = pytest.mark.slow  # Trains across two logical devices.

PROGRAM = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
from model.data import load_mnist
from model.training.train import TrainConfig, train
config = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=1024, learning_rate=5e-3)
result = train(config, load_mnist(sys.argv[1]))
print(json.dumps({
    "replicas": result.model.distribute_strategy.num_replicas_in_sync,
    "strategy": type(result.model.distribute_strategy).__name__,
    "logical_cpus": len(tf.config.list_logical_devices("CPU")),
    "status": result.history.status,
    "epochs": len(result.history.epochs),
    "test_accuracy": result.history.test_accuracy,
    "snapshots": list(result.history.snapshots),
}))
"""


@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_mirrored_strategy_over_two_logical_cpus_trains():
    environment = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(mnist_path())], cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["logical_cpus"] == 2
    assert outcome["strategy"] == "MirroredStrategy" and outcome["replicas"] == 2
    assert outcome["status"] == "finished" and outcome["epochs"] == 2
    assert outcome["test_accuracy"] > 0.2, "it learned: two epochs on 1,024 images beat chance (10%) twice over"
    assert outcome["snapshots"][-1] == 2.0
