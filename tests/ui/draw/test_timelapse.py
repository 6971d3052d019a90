"""ui.draw.timelapse: the Epoch slider replays a reading through a run's weight snapshots (AppTest)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from model.shapes import snapshot_path_for
from tests.helpers import (
    APP_SCRIPT,
    add_run,
    canvas_of,
    make_record,
    metric,
    mnist_path,
    reading_figures,
    run_script,
)
from ui import state as keys

needs_mnist = pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")


@pytest.fixture(scope="module")
def run_with_snapshots(tmp_path_factory, mnist):
    from model.training.train import TrainConfig, save_result, train

    folder = tmp_path_factory.mktemp("snapshot_runs")
    config = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=1024, learning_rate=5e-3)
    result = train(config, mnist, watched_images=mnist[1][0][:10].astype(np.float32) / 255)
    return save_result(result, folder / "run-tiny.keras")


@pytest.mark.slow
@needs_mnist
def test_the_epoch_slider_replays_the_reading_through_the_snapshots(environment, runs_folder, mnist, run_with_snapshots):
    for file in run_with_snapshots.parent.iterdir():
        shutil.copy(file, runs_folder / file.name)
    path = runs_folder / run_with_snapshots.name
    assert snapshot_path_for(path).is_file()
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.session_state[keys.ACTIVE_MODEL] = str(path)
    environment(None)  # Before a digit the slider already stands in its place (the page keeps its layout on the first stroke).
    app.run()
    assert [slider.label for slider in app.select_slider] == ["Epoch"]
    environment(canvas_of(mnist[1][0][3]))
    app.run()
    assert not app.exception, app.exception
    (slider,) = [slider for slider in app.select_slider if slider.label == "Epoch"]
    assert slider.options[0] == "before training" and slider.options[-1] == "epoch 2"
    final_figures = reading_figures(app)
    final_prediction = metric(app, "Prediction").value
    slider.set_value(0).run()
    assert not app.exception
    assert reading_figures(app) != final_figures, "the reading changes with the moment chosen"
    untrained_confidence = metric(app, "Prediction").delta
    slider = next(slider for slider in app.select_slider if slider.label == "Epoch")
    slider.set_value(len(slider.options) - 1).run()
    assert metric(app, "Prediction").value == final_prediction and metric(app, "Prediction").delta != untrained_confidence


def test_the_shipped_model_has_no_epoch_slider(environment, mnist):
    environment(canvas_of(mnist[1][0][0]))
    app = run_script(APP_SCRIPT)
    assert not [slider for slider in app.select_slider if slider.label == "Epoch"]


def test_a_damaged_snapshots_file_is_one_plain_sentence_and_numpy_s_detail_goes_to_the_log(environment, runs_folder, capfd):
    from streamlit.testing.v1 import AppTest

    path = add_run(runs_folder, "run-pickled", make_record().to_json())
    np.savez(snapshot_path_for(path), epochs_done=np.array([0.0, 1.0]), lstm0_kernel=np.array([object(), None], dtype=object))
    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.session_state["active_model_path"] = str(path)
    app.run()
    assert not app.exception, app.exception
    shown = [caption.value for caption in app.caption if "snapshots" in caption.value]
    sentence = "run-pickled.snapshots.npz is damaged: it is not a snapshots file this app wrote."
    assert shown == [f"This model's training snapshots cannot be replayed: {sentence}"]
    assert "allow_pickle" in capfd.readouterr().err, "NumPy's words are in the server's log"
