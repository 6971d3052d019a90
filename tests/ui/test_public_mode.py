"""Public mode in the real script (AppTest): no path field, no error details, bad settings named, secrets honoured."""

from __future__ import annotations

import os
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from model.config import TrainConfig
from model.hosting import runs_folder
from model.hosting.runs_folder import saved_runs
from model.shapes import SHIPPED_MODEL_PATH
from model.training.record import read_run_record
from model.training.supervisor import TrainingSupervisor
from tests.helpers import REPOSITORY, make_record, write_checkpoint
from ui import resources
from ui.train import view as train_view

SCRIPT = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
exec(compile(open({str(REPOSITORY / "app.py")!r}).read(), 'app.py', 'exec'))
"""
DATA_FIELD = "MNIST data (optional)"


@pytest.fixture(autouse=True)
def real_shipped_model(monkeypatch):
    """Other AppTest scripts in this process point `resources.SHIPPED_MODEL` elsewhere; use the real one."""
    monkeypatch.setattr(resources, "SHIPPED_MODEL", SHIPPED_MODEL_PATH)


@pytest.fixture(autouse=True)
def error_details_restored(monkeypatch):
    """Public mode sets a process-wide Streamlit option; put it back for the other tests."""
    for name in ("LSTM_DEMO_MODE", "LSTM_DEMO_MAX_EPOCHS"):
        monkeypatch.delenv(name, raising=False)
    before = st.get_option("client.showErrorDetails")
    yield
    st.set_option("client.showErrorDetails", before)


def _run(**secrets) -> AppTest:
    app = AppTest.from_string(SCRIPT, default_timeout=120)
    for name, value in secrets.items():
        app.secrets[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def test_outside_public_mode_the_data_field_is_there():
    app = _run()
    assert DATA_FIELD in [field.label for field in app.sidebar.text_input]


def test_public_mode_has_no_path_field_and_sends_no_error_details(monkeypatch):
    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    app = _run()
    assert DATA_FIELD not in [field.label for field in app.text_input]
    assert st.get_option("client.showErrorDetails") == "none"
    assert app.sidebar.selectbox, "the model choice is still offered"


def test_public_mode_redacts_an_unexpected_error_for_the_visitor(monkeypatch):
    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    app = AppTest.from_string(SCRIPT + 'raise RuntimeError("/srv/secret/path is broken")\n', default_timeout=120).run()
    (error,) = app.exception
    assert "secret" not in error.message and "redacted" in error.message
    assert not error.stack_trace


def test_public_mode_says_mnist_is_unavailable_without_the_servers_path(monkeypatch, tmp_path, capfd):
    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "secret-folder" / "mnist.npz"))
    app = _run()
    app.button(key="test_digit").click().run()
    assert not app.exception, app.exception
    shown = " ".join(element.value for element in (*app.warning, *app.error, *app.info, *app.markdown))
    assert resources.PUBLIC_DATA_MESSAGE in shown
    assert "secret-folder" not in shown and "data field" not in shown
    assert "secret-folder" in capfd.readouterr().err, "the operator's log keeps the detail"


def test_public_mode_from_secrets_toml():
    app = _run(LSTM_DEMO_MODE="public")
    assert DATA_FIELD not in [field.label for field in app.text_input]


def test_a_bad_setting_stops_the_page_with_its_name(monkeypatch):
    monkeypatch.setenv("LSTM_DEMO_MAX_EPOCHS", "lots")
    app = _run()
    assert any("LSTM_DEMO_MAX_EPOCHS must be a positive whole number" in error.value for error in app.error)


def test_the_first_page_view_sweeps_leftover_files_and_caps_the_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "RUNS_DIRECTORY", tmp_path)
    monkeypatch.setenv("LSTM_DEMO_MAX_SAVED_RUNS", "1")
    hour_ago = time.time() - 3600
    for index, name in enumerate(["run-old.keras", "run-old.history.json", "run-new.keras", ".run-x.abc.tmp.keras"]):
        (tmp_path / name).write_text("{}")
        os.utime(tmp_path / name, (hour_ago + 100 * index, hour_ago + 100 * index))
    _run()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run-new.keras"]


def test_a_server_that_starts_saves_the_run_a_dead_server_left_as_its_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "RUNS_DIRECTORY", tmp_path)
    whole_run = make_record()
    write_checkpoint(tmp_path / "run-dead.keras", make_record(status="stopped", epochs=whole_run.epochs[:1]))
    _run()
    assert saved_runs(tmp_path) == [tmp_path / "run-dead.keras"]
    assert read_run_record(tmp_path / "run-dead.keras").interrupted == "The server stopped while this run trained."


def test_the_server_goes_on_sweeping_leftovers_after_the_first_page_view(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "RUNS_DIRECTORY", tmp_path)
    sweepers = []

    class QuickSweep(runs_folder.PeriodicSweep):
        def __init__(self, runs_directory, **settings):
            super().__init__(runs_directory, **{**settings, "interval_seconds": 0.05})
            sweepers.append(self)

    monkeypatch.setattr(runs_folder, "PeriodicSweep", QuickSweep)
    _run()
    try:
        # A save killed while the server serves: swept without a restart once it is old enough.
        leftover = tmp_path / ".run-x.abc.tmp.keras"
        leftover.write_text("{}")
        hour_ago = time.time() - 3600
        os.utime(leftover, (hour_ago, hour_ago))
        deadline = time.monotonic() + 10
        while leftover.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not leftover.exists()
        assert len(sweepers) == 1 and sweepers[0].removed == [leftover]
    finally:
        for sweeper in sweepers:
            sweeper.stop()


TRAIN_PAGE = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
from ui.train import view as train_view
train_view.render()
"""


@pytest.mark.slow
@pytest.mark.parametrize("token, stop_shown", [("the-operator-s-long-secret", True), ("a-guess-at-the-secret-token", False)])
def test_the_operator_token_shows_stop_for_anyone_s_run(monkeypatch, tmp_path, token, stop_shown):
    monkeypatch.setenv("LSTM_DEMO_OPERATOR_TOKEN", "the-operator-s-long-secret")
    boss = TrainingSupervisor(tmp_path)
    run = boss.start_job("train", TrainConfig(epochs=1), owner="another visitor", runner="tests.worker_jobs:report_until_stopped")
    monkeypatch.setattr(resources, "training_supervisor", lambda: boss)
    try:
        app = AppTest.from_string(TRAIN_PAGE, default_timeout=120)
        app.query_params[train_view.settings.OPERATOR_PARAMETER] = token
        app.run()
        assert not app.exception, app.exception
        assert ("Stop" in [button.label for button in app.button]) is stop_shown
    finally:
        run.request_stop()
        assert run.wait(60)
