"""The learning pages headless (AppTest): malformed histories never break a page, the Epoch time-lapse, runs kept.

Runs are made by copying the shipped model into a temporary runs folder beside a history of our
choosing, or by a tiny real training saved with its snapshots; the pages are the real scripts.
"""

from __future__ import annotations

import json
import shutil

import pytest

from model.shapes import SHIPPED_MODEL_PATH, history_path_for
from tests.helpers import (
    APP_SCRIPT,
    EVALUATE_SCRIPT,
    TRAIN_SCRIPT,
    add_run,
    canvas_of,
    live_figures,
    make_record,
    metric,
    mnist_path,
    run_script,
)
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


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_history_never_breaks_a_page(environment, runs_folder, mnist, name):
    path = add_run(runs_folder, f"run-{name}", MALFORMED[name])
    add_run(runs_folder, "run-good", make_record().to_json())
    environment(canvas_of(mnist[1][0][0]))
    for script in (APP_SCRIPT, TRAIN_SCRIPT, EVALUATE_SCRIPT):
        from streamlit.testing.v1 import AppTest

        app = AppTest.from_string(script, default_timeout=120)
        app.session_state[keys.ACTIVE_MODEL] = str(path)
        app.run()
        assert not app.exception, (script[-40:], app.exception)
        if script is APP_SCRIPT:
            assert metric(app, "Prediction").value.isdigit(), "the model still serves"
        if script is TRAIN_SCRIPT:
            problems = [caption.value for caption in app.caption if "No readable history" in caption.value]
            assert len(problems) == 1 and f"run-{name}.history.json" in problems[0]


def test_a_malformed_shipped_history_is_a_plain_message_on_the_train_page(environment, runs_folder, monkeypatch, tmp_path):
    shipped = tmp_path / "shipped" / "lstm_mnist.keras"
    shipped.parent.mkdir()
    shutil.copy(SHIPPED_MODEL_PATH, shipped)
    history_path_for(shipped).write_text(json.dumps(MALFORMED["string-accuracy"]))
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(shipped))
    app = run_script(TRAIN_SCRIPT)
    assert any("cannot be shown" in warning.value and "test_accuracy" in warning.value for warning in app.warning)


@pytest.mark.slow
def test_an_idle_train_page_shows_the_shipped_model_with_settings_help_and_runs(environment, runs_folder):
    add_run(runs_folder, "run-good", make_record().to_json())
    app = run_script(TRAIN_SCRIPT)
    assert any("How the shipped model learned" in header.value for header in app.subheader)
    # Issue 19: a real table (one dataframe with set column widths), the run's name beside a link that opens it on Draw.
    table = next(frame.value for frame in app.dataframe if "Draw with it" in frame.value.columns)
    assert {"Run", "Draw with it", "Test accuracy", "Learning rate", "Training images", "Device"} <= set(table.columns)
    assert list(table["Run"]) == ["shipped model", "run-good"]
    assert table["Draw with it"].iloc[1].endswith("draw?model=run-good.keras")
    assert app.selectbox(key=keys.RUN_ACTIONS_CHOICE).value == "run-good", "the actions apply to the newest run first"
    assert all(widget.help for widget in app.number_input) and all(widget.help for widget in app.select_slider)
    assert any("Estimated training time" in caption.value or "no estimate" in caption.value for caption in app.caption)
    # The shipped model was fine-tuned from an earlier one on canvas-redrawn images: its curves say so.
    assert any("Fine-tuned from an earlier model's weights" in caption.value and "redrawn as the canvas draws" in caption.value
               for caption in app.caption)  # fmt: skip
    assert [button.label for button in app.button if button.label.startswith("Delete")] == ["Delete…"], "never the shipped model"
    app.button(key="delete_run-good").click().run()
    assert any("for good" in warning.value for warning in app.warning)
    app.button(key="confirm_delete").click().run()
    assert not app.exception
    assert not (runs_folder / "run-good.keras").exists() and not history_path_for(runs_folder / "run-good.keras").exists()


@pytest.mark.slow
def test_on_a_public_server_only_the_operator_deletes_runs(environment, runs_folder, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    monkeypatch.setenv("LSTM_DEMO_OPERATOR_TOKEN", "the-operator-s-long-secret")
    add_run(runs_folder, "run-good", make_record().to_json())
    visitor = run_script(TRAIN_SCRIPT)
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


def _train_page_of(owner: str):
    """The Train page as a visitor holding the `owner` token in the address sees it (run, and checked for errors)."""
    from streamlit.testing.v1 import AppTest

    from ui.train import view as train_view

    page = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    page.query_params[train_view.OWNER_PARAMETER] = owner
    page.run()
    assert not page.exception, page.exception
    return page


@pytest.mark.slow
def test_a_finished_run_shows_to_its_owner_with_its_settings_and_the_shipped_model_to_others(environment, runs_folder):
    from model.config import TrainConfig

    config = TrainConfig(epochs=2, units=16, train_subset=256, learning_rate=5e-3)
    run = resources.training_supervisor().start_job("stand_in", config, owner="me", runner="tests.worker_jobs:finished_stand_in")
    assert run.wait(120) and run.snapshot().status == "finished", run.snapshot().error

    owner = _train_page_of("me")
    assert any("finished" in success.value for success in owner.success)
    inputs = {widget.label: widget.value for widget in owner.number_input}
    assert inputs["Epochs"] == 2 and inputs["Training images (0 = all 60,000)"] == 256, "the run's settings, restored"
    assert owner.select_slider(key="train_units").value == 16
    (curves,) = [figure for figure in live_figures(owner) if "training loss" in figure]
    assert json.loads(curves)["layout"]["xaxis"]["range"] == [0, 2 * 256], "framed for the whole run"

    visitor = run_script(TRAIN_SCRIPT)
    assert any("How the shipped model learned" in header.value for header in visitor.subheader)
    assert {widget.label: widget.value for widget in visitor.number_input}["Epochs"] == TrainConfig().epochs
    assert not live_figures(visitor), "an idle visitor gets no live chart and no polling"

    for forged in ("mf", "mé", "m" * 5000):  # A wrong, a non-ASCII and an oversized token: never the owner, never an error.
        stranger = _train_page_of(forged)
        assert any("How the shipped model learned" in header.value for header in stranger.subheader)


@pytest.mark.slow
def test_a_run_whose_process_was_killed_after_an_epoch_is_saved_as_stopped_and_says_so(environment, runs_folder):

    from model.config import TrainConfig

    config = TrainConfig(epochs=2, units=16, train_subset=256)
    run = resources.training_supervisor().start_job("stand_in", config, owner="me", runner="tests.worker_jobs:kill_itself_after_an_epoch")
    assert run.wait(60) and run.snapshot().status == "stopped", run.snapshot().error

    owner = _train_page_of("me")
    (warning,) = [warning.value for warning in owner.warning if "training process" in warning.value]
    assert "The training process was killed by SIGKILL" in warning
    assert f"saved as it stood after epoch 1 of 2: {run.run_id}.keras" in warning
    assert "Use this model for drawing" in [button.label for button in owner.button]
    table = next(frame.value for frame in owner.dataframe if "Draw with it" in frame.value.columns)
    (row,) = [row for _, row in table.iterrows() if run.run_id in str(row.iloc[0])]
    assert row["Status"] == "stopped (process ended)" and row["Epochs"] == "1 of 2"


@pytest.mark.slow
@pytest.mark.parametrize("public", [False, True], ids=["local", "public"])
def test_an_unexpected_failure_shows_its_detail_only_outside_public_mode(environment, runs_folder, monkeypatch, public):

    from model.config import TrainConfig

    if public:
        monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    resources.training_supervisor.clear()  # Its policy follows the mode.
    config = TrainConfig(epochs=1, units=16, train_subset=256)
    run = resources.training_supervisor().start_job("stand_in", config, owner="me", runner="tests.worker_jobs:raise_error")
    assert run.wait(60) and run.snapshot().status == "failed"

    owner = _train_page_of("me")
    (error,) = [error.value for error in owner.error]
    assert ("the disk caught fire" in error) is not public
    assert ("unexpected error on the server" in error) is public
    resources.training_supervisor.clear()


def test_settings_that_cannot_learn_are_refused_or_warned_about_before_start(environment, runs_folder):
    """Issue 19: one training image (fewer than a batch) is refused with the reason, Start disabled; a few hundred images
    start, with a warning that says why they will not learn much; the default form has neither."""
    app = run_script(TRAIN_SCRIPT)
    assert not app.button(key="start_training").disabled and not app.error
    app.number_input(key=keys.train_form("train_subset")).set_value(1).run()
    assert app.button(key="start_training").disabled
    assert any("fewer than one batch" in error.value for error in app.error)
    app.number_input(key=keys.train_form("train_subset")).set_value(300).run()
    assert not app.button(key="start_training").disabled and not app.error
    assert any("too few to learn" in warning.value and "chance" in warning.value for warning in app.warning)
