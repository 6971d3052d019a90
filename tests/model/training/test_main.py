"""python -m model.training: flags for every TrainConfig field, a saved run, and clear errors."""

from __future__ import annotations

import dataclasses
import io

import pytest

from model.training.__main__ import ProgressBar, build_parser, main
from model.training.store import load_history, load_model
from model.training.train import BatchProgress, TrainConfig
from tests.helpers import mnist_path


def test_every_config_field_has_a_flag():
    flags = {action.dest for action in build_parser()._actions}
    assert {field.name for field in dataclasses.fields(TrainConfig)} <= flags
    assert {"data", "out"} <= flags


@pytest.mark.slow
@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_a_tiny_run_is_trained_and_saved(tmp_path, capsys):
    out = tmp_path / "tiny.keras"
    code = main(
        [
            "--epochs",
            "1",
            "--train-subset",
            "256",
            "--units",
            "8",
            "--dense-units",
            "8",
            "--data",
            str(mnist_path()),
            "--out",
            str(out),
            "--no-augment",
        ]
    )
    assert code == 0
    load_model(out)
    history = load_history(out)
    assert history.config.units == 8 and history.status == "finished"
    assert history.snapshots and out.with_name("tiny.snapshots.npz").is_file()
    error_output = capsys.readouterr().err
    assert "Training on CPU" in error_output or "Training on GPU" in error_output
    assert "test accuracy" in error_output


@pytest.mark.slow
def test_bad_settings_and_missing_data_exit_with_a_message(tmp_path, capsys):
    assert main(["--epochs", "0", "--out", str(tmp_path / "x.keras")]) == 2
    assert "epochs must be between" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "absent.npz"), "--out", str(tmp_path / "x.keras")]) == 2
    assert "absent.npz" in capsys.readouterr().err


def test_progress_bar_shows_progress_and_eta():
    stream = io.StringIO()
    ProgressBar(stream)(
        BatchProgress(epoch=1, epochs=2, batch=5, batches_per_epoch=10, samples_seen=320, seconds=10.0, loss=0.5, accuracy=0.8)
    )
    text = stream.getvalue()
    assert "epoch 1/2" in text and "25.0%" in text and "ETA    30s" in text
