"""Which model files the server may load: the shipped one and runs in the runs folder, nothing else."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from model.shapes import SHIPPED_MODEL_PATH
from tests.helpers import REPOSITORY, make_record
from ui import resources
from ui import state as keys

SCRIPT = f"""
import sys
sys.path.insert(0, {str(REPOSITORY)!r})
exec(compile(open({str(REPOSITORY / "app.py")!r}).read(), 'app.py', 'exec'))
"""


@pytest.fixture(autouse=True)
def real_shipped_model(monkeypatch):
    """Other AppTest scripts in this process point `resources.SHIPPED_MODEL` elsewhere; use the real one."""
    monkeypatch.setattr(resources, "SHIPPED_MODEL", SHIPPED_MODEL_PATH)


@pytest.fixture
def runs(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setattr(resources, "RUNS_DIRECTORY", folder)
    return folder


def test_only_the_shipped_model_and_listed_runs_are_servable(tmp_path, runs):
    shutil.copy(resources.SHIPPED_MODEL, runs / "run-1.keras")
    shutil.copy(resources.SHIPPED_MODEL, tmp_path / "planted.keras")
    shutil.copy(resources.SHIPPED_MODEL, runs / ".run-2.tmp.keras")
    (runs / "link.keras").symlink_to(tmp_path / "planted.keras")
    assert resources.is_servable_model(resources.SHIPPED_MODEL)
    assert resources.is_servable_model(runs / "run-1.keras")
    assert resources.is_servable_model(str(runs / "run-1.keras"))
    for refused in [
        tmp_path / "planted.keras",
        runs / ".." / "planted.keras",
        runs / ".run-2.tmp.keras",
        runs / "link.keras",
        runs / "missing.keras",
        "/etc/passwd",
        "x" * 5000,
        "nul\0.keras",
        12,
    ]:
        assert not resources.is_servable_model(refused), refused
    with pytest.raises(resources.ModelFileError, match="not one of this server's models"):
        resources.load_classifier(tmp_path / "planted.keras")


def test_a_tampered_model_choice_falls_back_to_the_shipped_model(tmp_path, runs):
    planted = tmp_path / "planted.keras"
    shutil.copy(resources.SHIPPED_MODEL, planted)
    app = AppTest.from_string(SCRIPT, default_timeout=120)
    app.session_state[keys.ACTIVE_MODEL] = str(planted)
    app.run()
    assert not app.exception, app.exception
    assert app.session_state[keys.ACTIVE_MODEL] == str(resources.SHIPPED_MODEL)
    assert any("not one of this server's models" in toast.value for toast in app.toast)
    assert any("Using the shipped model" in caption.value for caption in app.caption)


def test_a_model_is_named_in_a_sentence_as_a_person_would(tmp_path):
    shipped = resources.LoadedModel(resources.SHIPPED_MODEL, probe=None, history=make_record(test_accuracy=0.9957))
    run = resources.LoadedModel(tmp_path / "run-20261205-215339.keras", probe=None, history=None)
    assert shipped.in_a_sentence == "the shipped model (99.57% test accuracy)"
    assert run.in_a_sentence == "the model run-20261205-215339", "never 'the run-…'"
