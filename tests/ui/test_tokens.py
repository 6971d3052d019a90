"""Tokens never stay in a shareable address (AppTest, the real scripts; the address is read back after each run).

`?operator=TOKEN` is read once into the session and taken out of the address; the token of the
visitor who started a run is kept in the session and never written into the address; a token
given twice (`?operator=x&operator=TOKEN`) is refused; a reading part given twice is dropped.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model.training.supervisor import TrainingSupervisor
from tests.helpers import APP_SCRIPT, TRAIN_SCRIPT, add_run, make_record, mnist_path
from ui import resources, settings, share

TOKEN = "the-operator-s-long-secret"


@pytest.fixture
def public_server(monkeypatch, tmp_path):
    """A public server with an operator token and one saved run (only the operator may delete it)."""
    import streamlit as st

    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    monkeypatch.setenv("LSTM_DEMO_OPERATOR_TOKEN", TOKEN)
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", runs)
    resources.training_supervisor.clear()
    add_run(runs, "run-good", make_record().to_json())
    before = st.get_option("client.showErrorDetails")
    yield runs
    st.set_option("client.showErrorDetails", before)
    if hasattr(resources.training_supervisor, "clear"):  # Not while a test's stand-in is still in its place.
        resources.training_supervisor.clear()  # Its policy was the public one.


def _address(app: AppTest) -> str:
    return "&".join(f"{name}={value}" for name, value in app.query_params.items())


def _deletes(app: AppTest) -> bool:
    return any(button.label.startswith("Delete") for button in app.button)


def test_the_operator_token_leaves_the_address_at_once_and_stays_in_the_session(environment, public_server):
    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.query_params["operator"] = TOKEN
    app.run()
    assert not app.exception, app.exception
    assert TOKEN not in _address(app) and "operator" not in app.query_params
    assert app.query_params.get("model"), "the page still writes the reading's own parameters"
    assert app.session_state[settings.TOKEN_KEYS["operator"]] == TOKEN

    page = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    page.query_params["operator"] = TOKEN
    page.run()
    assert "operator" not in page.query_params and _deletes(page), "the operator may delete"
    page.run()  # The next run reads the session, not the address.
    assert "operator" not in page.query_params and _deletes(page)


@pytest.mark.parametrize("values", [["x", TOKEN], [TOKEN, TOKEN], [""]], ids=["guess-then-token", "twice", "empty"])
def test_a_repeated_or_empty_token_is_refused_and_removed(environment, public_server, values):
    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.query_params["operator"] = values
    app.run()
    assert not app.exception, app.exception
    assert "operator" not in app.query_params
    assert any("more than once" in warning.value for warning in app.warning)
    assert settings.TOKEN_KEYS["operator"] not in app.session_state

    page = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    page.query_params["operator"] = values
    page.run()
    assert not page.exception and not _deletes(page) and "operator" not in page.query_params


needs_mnist = pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")


@needs_mnist
def test_the_run_owner_s_token_is_never_written_into_the_address(environment, public_server, monkeypatch):
    settings.start_limiter.clear()  # Another test's start must not count against this visitor.
    boss = TrainingSupervisor(public_server, settings.demo_settings())

    def start_a_stand_in(config, data, watched_images=None, owner=None):
        return boss.start_job("train", config, owner=owner, runner="tests.worker_jobs:report_until_stopped")

    monkeypatch.setattr(boss, "start", start_a_stand_in)
    monkeypatch.setattr(resources, "training_supervisor", lambda: boss)
    owner = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120).run()
    owner.button(key="start_training").click().run()
    try:
        assert not owner.exception, owner.exception
        run = boss.current()
        assert run is not None and run.owner
        assert "trainer" not in owner.query_params and run.owner not in _address(owner)
        assert [button.label for button in owner.button if button.label == "Stop"] == ["Stop"], "Stop stays the owner's, from the session"
        owner.run()
        assert "trainer" not in owner.query_params and any(button.label == "Stop" for button in owner.button)

        stranger = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120).run()
        assert not any(button.label == "Stop" for button in stranger.button)
    finally:
        run.request_stop()
        assert run.wait(60)


def test_a_reading_part_given_twice_is_dropped_with_a_notice():
    reading, problems = share.parse_address({"test": ["1", "2"], "row": "5"}, [])
    assert reading.test_index is None and not reading.has_digit
    assert problems == ["The address gives `test=` more than once; that part was not used."]
    reading, problems = share.parse_address({"test": ["7"], "model": ["a.keras", "b.keras"]}, ["a.keras"])
    assert reading.test_index == 7 and reading.model_name is None and "`model=`" in problems[0]
    assert share.single_values({"a": "1", "b": ["2"], "c": ["3", "4"]}) == ({"a": "1", "b": "2"}, ["c"])


def test_an_old_link_with_a_trainer_token_is_cleaned_too(environment, public_server):
    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.query_params["trainer"] = "an-owner-token"
    app.query_params["test"] = "3"
    app.run()
    assert not app.exception, app.exception
    assert "trainer" not in app.query_params and app.query_params.get("test") == "3"
