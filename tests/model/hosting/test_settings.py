"""model.hosting.settings and start_limiter: public mode's defaults, overrides, the caps a run is checked against, clear errors."""

from __future__ import annotations

import pytest

from model.hosting.settings import PUBLIC_DEFAULTS, SETTING_DESCRIPTIONS, DemoSettings, setting_names, settings_table
from model.hosting.start_limiter import StartLimiter
from tests.helpers import REPOSITORY


def test_local_mode_caps_nothing():
    settings = DemoSettings.from_mapping({})
    assert not settings.public and settings.training_enabled
    assert settings.max_epochs is settings.max_run_seconds is settings.max_saved_runs is settings.min_seconds_between_starts is None
    assert DemoSettings.from_mapping({}) == DemoSettings(training_enabled=True)


def test_public_mode_turns_every_limit_on():
    settings = DemoSettings.from_mapping({"LSTM_DEMO_MODE": "public"})
    assert settings.public and settings.training_enabled
    assert settings.max_epochs == 3 and settings.max_train_subset == 10_000
    assert settings.max_run_seconds == 600 and settings.min_seconds_between_starts == 900 and settings.max_saved_runs == 20
    assert settings.min_free_disk_bytes == 500_000_000
    policy = DemoSettings.from_mapping({"LSTM_DEMO_MODE": "Public"})
    assert (policy.max_epochs, policy.max_run_seconds, policy.max_saved_runs) == (3, 600, 20)


def test_explicit_settings_override_public_defaults_and_none_lifts_a_cap(tmp_path):
    settings = DemoSettings.from_mapping(
        {
            "LSTM_DEMO_MODE": "public",
            "LSTM_DEMO_TRAINING": "off",
            "LSTM_DEMO_MAX_EPOCHS": "5",
            "LSTM_DEMO_MAX_RUN_SECONDS": "none",
            "LSTM_DEMO_RUNS_DIR": str(tmp_path),
            "LSTM_DEMO_MAX_SAVED_RUNS": 4,  # secrets.toml gives numbers, not text
            "MNIST_NPZ": "/data/mnist.npz",
        }
    )
    assert not settings.training_enabled and settings.max_epochs == 5 and settings.max_run_seconds is None
    assert settings.max_saved_runs == 4 and settings.runs_directory == tmp_path and settings.data_path == "/data/mnist.npz"
    assert settings.max_train_subset == 10_000  # Not overridden: still the public default.


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("LSTM_DEMO_MODE", "open", "LSTM_DEMO_MODE must be 'public' or 'local'"),
        ("LSTM_DEMO_TRAINING", "maybe", "LSTM_DEMO_TRAINING must be 'on' or 'off'"),
        ("LSTM_DEMO_MAX_EPOCHS", "many", "LSTM_DEMO_MAX_EPOCHS must be a positive whole number"),
        ("LSTM_DEMO_MAX_SAVED_RUNS", "0", "LSTM_DEMO_MAX_SAVED_RUNS must be a positive whole number"),
        ("LSTM_DEMO_MIN_FREE_DISK_MB", "-1", "LSTM_DEMO_MIN_FREE_DISK_MB must be a whole number of at least 0"),
        ("LSTM_DEMO_OPERATOR_TOKEN", "short", "at least 16 characters"),
    ],
)
def test_bad_values_name_the_setting(name, value, message):
    with pytest.raises(ValueError, match=message):
        DemoSettings.from_mapping({"LSTM_DEMO_MODE": "public", name: value})


def test_operator_token_is_compared_exactly():
    settings = DemoSettings.from_mapping({"LSTM_DEMO_OPERATOR_TOKEN": "a-long-operator-secret"})
    assert settings.is_operator("a-long-operator-secret")
    assert not settings.is_operator("a-long-operator-secreT") and not settings.is_operator(None)
    assert not DemoSettings.from_mapping({}).is_operator("")
    assert "a-long-operator-secret" not in repr(settings)


def test_every_setting_read_is_described_and_picked_from_the_environment():
    assert set(PUBLIC_DEFAULTS) <= set(SETTING_DESCRIPTIONS)
    assert setting_names(["LSTM_DEMO_MODE", "MNIST_NPZ", "HOME", 3]) == ["LSTM_DEMO_MODE", "MNIST_NPZ"]


def test_policy_stops_a_run_past_its_time_cap():
    policy = DemoSettings(max_run_seconds=600)
    assert not policy.out_of_time(started=1000.0, now=1599.0)
    assert policy.out_of_time(started=1000.0, now=1600.0)
    assert not DemoSettings().out_of_time(started=0.0, now=1e9)


def test_one_visitor_waits_between_starts_and_others_do_not():
    limiter = StartLimiter(min_seconds=900)
    limiter.check("203.0.113.5", now=0.0)
    limiter.record("203.0.113.5", now=0.0)
    with pytest.raises(ValueError, match="every 15 min; you can start your next one in 5 min"):
        limiter.check("203.0.113.5", now=600.0)
    limiter.check("198.51.100.7", now=600.0)
    limiter.check("203.0.113.5", now=900.0)
    StartLimiter(None).check("anyone")


def test_the_hosting_docs_hold_the_table_the_settings_describe():
    text = (REPOSITORY / "docs" / "hosting.md").read_text()
    start, end = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"
    assert text[text.index(start) + len(start) : text.index(end)] == settings_table()
    assert all(f"| `{name}` |" in settings_table() for name in SETTING_DESCRIPTIONS)


@pytest.mark.slow
def test_every_model_of_a_public_server_keeps_its_evaluation_cached():
    from streamlit.testing.v1 import AppTest

    # The view imports the canvas component, which is declared only inside a script run.
    script = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
from ui.evaluate import view as evaluate_view
evaluate_view.st.text(str(evaluate_view.EVALUATIONS_KEPT))
"""
    app = AppTest.from_string(script, default_timeout=60).run()
    assert not app.exception, app.exception
    models = int(PUBLIC_DEFAULTS["LSTM_DEMO_MAX_SAVED_RUNS"]) + 1  # The saved runs and the shipped model.
    assert int(app.text[0].value) >= models, "switching models would classify the 10,000 test images again"
