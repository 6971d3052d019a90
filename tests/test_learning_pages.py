"""The learning pages headless (AppTest): malformed histories never break a page, the Epoch time-lapse, runs kept.

Runs are made by copying the shipped model into a temporary runs folder beside a history of our
choosing, or by a tiny real training saved with its snapshots; the pages are the real scripts.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from model.shapes import SHIPPED_MODEL_PATH, history_path_for, snapshot_path_for
from tests.helpers import mnist_path
from tests.test_app import (
    APP_SCRIPT,
    EVALUATE_SCRIPT,
    TRAIN_SCRIPT,
    _canvas_of,
    _live_figures,
    _metric,
    _reading_figures,
    _run,
)
from tests.test_run_record import make_record
from ui import resources
from ui import state as keys

needs_mnist = pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")


def _malformed(change) -> dict:
    data = json.loads(json.dumps(make_record().to_json()))
    change(data)
    return data


MALFORMED = {
    "string-accuracy": _malformed(lambda d: d.update(test_accuracy="99%")),
    "no-val-accuracy": _malformed(lambda d: [epoch.pop("val_accuracy") for epoch in d["epochs"]]),
    "wrong-types": _malformed(lambda d: d.update(batches="many", epochs=3)),
    "future-version": _malformed(lambda d: d.update(format=99)),
}


@pytest.fixture
def runs_folder(monkeypatch, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", folder)

    resources.training_supervisor.clear()
    return folder


def _add_run(folder, name: str, history: dict | None):
    path = folder / f"{name}.keras"
    shutil.copy(SHIPPED_MODEL_PATH, path)
    if history is not None:
        history_path_for(path).write_text(json.dumps(history))
    return path


@needs_mnist
@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_history_never_breaks_a_page(environment, runs_folder, mnist, name):
    path = _add_run(runs_folder, f"run-{name}", MALFORMED[name])
    _add_run(runs_folder, "run-good", make_record().to_json())
    environment(_canvas_of(mnist[1][0][0]))
    for script in (APP_SCRIPT, TRAIN_SCRIPT, EVALUATE_SCRIPT):
        from streamlit.testing.v1 import AppTest

        app = AppTest.from_string(script, default_timeout=120)
        app.session_state[keys.ACTIVE_MODEL] = str(path)
        app.run()
        assert not app.exception, (script[-40:], app.exception)
        if script is APP_SCRIPT:
            assert _metric(app, "Prediction").value.isdigit(), "the model still serves"
        if script is TRAIN_SCRIPT:
            problems = [caption.value for caption in app.caption if "No readable history" in caption.value]
            assert len(problems) == 1 and f"run-{name}.history.json" in problems[0]


def test_a_malformed_shipped_history_is_a_plain_message_on_the_train_page(environment, runs_folder, monkeypatch, tmp_path):
    shipped = tmp_path / "shipped" / "lstm_mnist.keras"
    shipped.parent.mkdir()
    shutil.copy(SHIPPED_MODEL_PATH, shipped)
    history_path_for(shipped).write_text(json.dumps(MALFORMED["string-accuracy"]))
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(shipped))
    app = _run(TRAIN_SCRIPT)
    assert any("cannot be shown" in warning.value and "test_accuracy" in warning.value for warning in app.warning)


def test_an_idle_train_page_shows_the_shipped_model_with_settings_help_and_runs(environment, runs_folder):
    _add_run(runs_folder, "run-good", make_record().to_json())
    app = _run(TRAIN_SCRIPT)
    assert any("How the shipped model learned" in header.value for header in app.subheader)
    # Issue 19: a real table (one dataframe with set column widths), the run's name beside a link that opens it on Draw.
    table = next(frame.value for frame in app.dataframe if "Draw with it" in frame.value.columns)
    assert {"Run", "Draw with it", "Test accuracy", "Learning rate", "Training images", "Device"} <= set(table.columns)
    assert list(table["Run"]) == ["shipped model", "run-good"]
    assert table["Draw with it"].iloc[1].endswith("draw?model=run-good.keras")
    assert app.selectbox(key=keys.RUN_ACTIONS_CHOICE).value == "run-good", "the actions apply to the newest run first"
    assert all(widget.help for widget in app.number_input) and all(widget.help for widget in app.select_slider)
    assert any("Estimated time" in caption.value or "no estimate" in caption.value for caption in app.caption)
    assert [button.label for button in app.button if button.label.startswith("Delete")] == ["Delete…"], "never the shipped model"
    app.button(key="delete_run-good").click().run()
    assert any("for good" in warning.value for warning in app.warning)
    app.button(key="confirm_delete").click().run()
    assert not app.exception
    assert not (runs_folder / "run-good.keras").exists() and not history_path_for(runs_folder / "run-good.keras").exists()


def test_on_a_public_server_only_the_operator_deletes_runs(environment, runs_folder, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    monkeypatch.setenv("LSTM_DEMO_OPERATOR_TOKEN", "the-operator-s-long-secret")
    _add_run(runs_folder, "run-good", make_record().to_json())
    visitor = _run(TRAIN_SCRIPT)
    assert not [button for button in visitor.button if button.label.startswith("Delete")]
    assert any("only its operator deletes runs" in caption.value for caption in visitor.caption)
    visitor.session_state[keys.CONFIRM_DELETE] = str(runs_folder / "run-good.keras")  # A forged confirm.
    visitor.run()
    assert not [button for button in visitor.button if button.key == "confirm_delete"]
    assert (runs_folder / "run-good.keras").exists()

    operator = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    operator.query_params["operator"] = "the-operator-s-long-secret"
    operator.run()
    operator.button(key="delete_run-good").click().run()
    operator.button(key="confirm_delete").click().run()
    assert not operator.exception, operator.exception
    assert not (runs_folder / "run-good.keras").exists()


@pytest.fixture(scope="module")
def run_with_snapshots(tmp_path_factory, mnist):
    from model.training.train import TrainConfig, save_result, train

    folder = tmp_path_factory.mktemp("snapshot_runs")
    config = TrainConfig(epochs=2, batch_size=64, units=16, dense_units=16, train_subset=1024, learning_rate=5e-3)
    result = train(config, mnist, watched_images=mnist[1][0][:10].astype(np.float32) / 255)
    return save_result(result, folder / "run-tiny.keras")


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
    environment(_canvas_of(mnist[1][0][3]))
    app.run()
    assert not app.exception, app.exception
    (slider,) = [slider for slider in app.select_slider if slider.label == "Epoch"]
    assert slider.options[0] == "before training" and slider.options[-1] == "epoch 2"
    final_figures = _reading_figures(app)
    final_prediction = _metric(app, "Prediction").value
    slider.set_value(0).run()
    assert not app.exception
    assert _reading_figures(app) != final_figures, "the reading changes with the moment chosen"
    untrained_confidence = _metric(app, "Prediction").delta
    slider = next(slider for slider in app.select_slider if slider.label == "Epoch")
    slider.set_value(len(slider.options) - 1).run()
    assert _metric(app, "Prediction").value == final_prediction and _metric(app, "Prediction").delta != untrained_confidence


def test_the_shipped_model_has_no_epoch_slider(environment, mnist):
    environment(_canvas_of(mnist[1][0][0]))
    app = _run(APP_SCRIPT)
    assert not [slider for slider in app.select_slider if slider.label == "Epoch"]


@needs_mnist
def test_corrections_are_collected_removed_and_taught(environment, runs_folder, monkeypatch, mnist):
    from model.config import FineTuneConfig

    monkeypatch.setattr("ui.draw.teach.SETTINGS", FineTuneConfig(steps=10))
    (x_train, _), _ = mnist
    environment(_canvas_of(x_train[4476]))  # A 2 the shipped model reads as 1.
    app = _run(APP_SCRIPT)
    assert _metric(app, "Prediction").value == "1"
    picks = app.button_group(key="teach_label")
    assert "It's a 1" not in picks.options and "It's a 2" in picks.options, "no choice for what it already says"
    picks.set_value(2).run()
    assert not app.exception
    assert any(header.value == "Teach it your handwriting" for header in app.subheader)
    # Issue 19: the pick is acknowledged at once, where it was made: what was added, how many, and the next step.
    note = [caption.value for caption in app.caption if "collected" in caption.value]
    assert note and "Added as a 2" in note[0] and "1 drawing collected" in note[0] and "Teach it" in note[0]
    assert [button.key for button in app.button if button.label == "Remove"] == ["teach_remove_0"]
    app.button(key="teach_remove_0").click().run()
    assert not [button for button in app.button if button.key == "teach_it"], "nothing left to teach"
    assert app.button_group(key="teach_label").value is None  # The pick does not stay chosen.
    app.button_group(key="teach_label").set_value(2).run()
    app.button(key="teach_it").click().run()
    assert not app.exception, app.exception
    run = resources.training_supervisor().current()
    assert run is not None and run.wait(300)
    app.run()
    assert not app.exception
    assert run.snapshot().status == "finished", run.snapshot().error
    labels = {metric.label for metric in app.metric}
    assert {"MNIST test accuracy before", "MNIST test accuracy after", "After teaching"} <= labels
    assert any(button.key == "use_taught_model" for button in app.button)
    assert run.snapshot().model_path.parent == runs_folder


def finished_stand_in(job, on_progress, should_stop):
    """A stand-in training job (runs in the training process): reports a small record's progress and saves a copy of the shipped model."""
    from model.training.process import JobOutcome

    record = make_record(config=job.config)
    for report in (*record.batches, *record.epochs):
        on_progress(report)
    shutil.copy(SHIPPED_MODEL_PATH, job.model_path)
    history_path_for(job.model_path).write_text(json.dumps(record.to_json()))
    return JobOutcome("finished", job.model_path, record.test_accuracy, record.test_loss)


def test_a_finished_run_shows_to_its_owner_with_its_settings_and_the_shipped_model_to_others(environment, runs_folder):
    from streamlit.testing.v1 import AppTest

    from model.config import TrainConfig
    from ui.train import view as train_view

    config = TrainConfig(epochs=2, units=16, train_subset=256, learning_rate=5e-3)
    run = resources.training_supervisor().start_job("stand_in", config, owner="me", runner="tests.test_learning_pages:finished_stand_in")
    assert run.wait(120) and run.snapshot().status == "finished", run.snapshot().error

    owner = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    owner.query_params[train_view.OWNER_PARAMETER] = "me"
    owner.run()
    assert not owner.exception, owner.exception
    assert any("finished" in success.value for success in owner.success)
    inputs = {widget.label: widget.value for widget in owner.number_input}
    assert inputs["Epochs"] == 2 and inputs["Training images (0 = all 60,000)"] == 256, "the run's settings, restored"
    assert owner.select_slider(key="train_units").value == 16
    (curves,) = [figure for figure in _live_figures(owner) if "training loss" in figure]
    assert json.loads(curves)["layout"]["xaxis"]["range"] == [0, 2 * 256], "framed for the whole run"

    visitor = _run(TRAIN_SCRIPT)
    assert any("How the shipped model learned" in header.value for header in visitor.subheader)
    assert {widget.label: widget.value for widget in visitor.number_input}["Epochs"] == TrainConfig().epochs
    assert not _live_figures(visitor), "an idle visitor gets no live chart and no polling"

    for forged in ("mf", "mé", "m" * 5000):  # A wrong, a non-ASCII and an oversized token: never the owner, never an error.
        stranger = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
        stranger.query_params[train_view.OWNER_PARAMETER] = forged
        stranger.run()
        assert not stranger.exception, stranger.exception
        assert any("How the shipped model learned" in header.value for header in stranger.subheader)


@pytest.mark.parametrize("public", [False, True], ids=["local", "public"])
def test_an_unexpected_failure_shows_its_detail_only_outside_public_mode(environment, runs_folder, monkeypatch, public):
    from streamlit.testing.v1 import AppTest

    from model.config import TrainConfig
    from ui.train import view as train_view

    if public:
        monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    resources.training_supervisor.clear()  # Its policy follows the mode.
    config = TrainConfig(epochs=1, units=16, train_subset=256)
    run = resources.training_supervisor().start_job("stand_in", config, owner="me", runner="tests.worker_jobs:raise_error")
    assert run.wait(60) and run.snapshot().status == "failed"

    owner = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    owner.query_params[train_view.OWNER_PARAMETER] = "me"
    owner.run()
    assert not owner.exception, owner.exception
    (error,) = [error.value for error in owner.error]
    assert ("the disk caught fire" in error) is not public
    assert ("unexpected error on the server" in error) is public
    resources.training_supervisor.clear()


def test_a_clicked_confusion_cell_picks_those_mistakes_and_per_digit_accuracy_reads_the_diagonal():
    from ui.evaluate import confusion

    assert confusion.chosen_cell({"selection": {"points": [{"x": "3", "y": "5", "z": 1.2}]}}) == (5, 3)
    assert confusion.chosen_cell({"selection": {"points": [{"x": "4", "y": "4"}]}}) is None, "the diagonal holds no mistakes"
    assert confusion.chosen_cell({"selection": {"points": []}}) is None and confusion.chosen_cell(None) is None
    forged = [{"x": float("inf"), "y": "1"}, "not a point", {"x": None, "y": 2}, {"x": "2", "y": "7"}]
    assert confusion.chosen_cell({"selection": {"points": forged}}) == (7, 2), "forged points are skipped"
    matrix = np.diag([90, 100, 0, 0, 0, 0, 0, 0, 0, 0])
    matrix[0, 1] = 10
    accuracy = confusion.class_accuracy(matrix)
    assert accuracy[:2] == [0.9, 1.0] and np.isnan(accuracy[2])


def test_the_teach_label_reads_with_the_right_article():
    from ui.draw.teach import with_article

    assert f"Not {with_article(8)}?" == "Not an 8?"
    assert [with_article(digit) for digit in (0, 1, 4, 7, 9)] == ["a 0", "a 1", "a 4", "a 7", "a 9"]


def test_settings_that_cannot_learn_are_refused_or_warned_about_before_start(environment, runs_folder):
    """Issue 19: one training image (fewer than a batch) is refused with the reason, Start disabled; a few hundred images
    start, with a warning that says why they will not learn much; the default form has neither."""
    app = _run(TRAIN_SCRIPT)
    assert not app.button(key="start_training").disabled and not app.error
    app.number_input(key=keys.train_form("train_subset")).set_value(1).run()
    assert app.button(key="start_training").disabled
    assert any("fewer than one batch" in error.value for error in app.error)
    app.number_input(key=keys.train_form("train_subset")).set_value(300).run()
    assert not app.button(key="start_training").disabled and not app.error
    assert any("too few to learn" in warning.value and "chance" in warning.value for warning in app.warning)


def test_setting_problems_say_why():
    from model.config import TrainConfig
    from model.training.estimate import setting_problems

    assert setting_problems(TrainConfig()).refusals == () and setting_problems(TrainConfig()).warnings == ()
    one_image = setting_problems(TrainConfig(train_subset=1, batch_size=16, epochs=1))
    assert one_image.refusals and "1 training image is fewer than one batch of 16" in one_image.refusals[0]
    few_steps = setting_problems(TrainConfig(train_subset=2000, batch_size=1024, epochs=1))
    assert not few_steps.refusals and any("2 weight updates" in warning for warning in few_steps.warnings)
