"""model.files: only plain files in the runs folder are ever listed, served, loaded or deleted.

A hostile host or visitor with write access to the runs folder plants links named like runs (to
`/etc/passwd`, to a folder, a history beside a real model pointing at a secret), a hard link and a
FIFO; none of them is read by any reader: the runs listing, the pages' table and model box, the
downloads, the model and record loaders, pruning, deleting and the sweep.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from model.files import is_plain_file, plain_file_problem, read_plain_file
from model.hosting.runs_folder import prune_runs, run_files, saved_runs, sweep_temporary_files
from model.shapes import REPOSITORY, history_path_for, snapshot_path_for
from model.training.record import read_run_record
from model.training.snapshots import SnapshotFileError, load_snapshots
from model.weights import ModelFileError, read_weights
from tests.helpers import make_record

SHIPPED = REPOSITORY / "assets" / "lstm_mnist.keras"
SECRET = "the server's secret"


@pytest.fixture
def planted(tmp_path):
    """A runs folder with one real run and every kind of planted file, and the secret files they point at."""
    runs, outside = tmp_path / "runs", tmp_path / "outside"
    runs.mkdir()
    outside.mkdir()
    secret = outside / "secret.json"
    secret.write_text(json.dumps({"secret": SECRET}))
    real = runs / "run-real.keras"
    shutil.copy(SHIPPED, real)
    (runs / "run-passwd.keras").symlink_to("/etc/passwd")
    (runs / "run-secret.keras").symlink_to(secret)
    (runs / "run-folder.keras").symlink_to(outside, target_is_directory=True)
    (runs / "run-dangling.keras").symlink_to(outside / "absent.keras")
    shutil.copy(SHIPPED, outside / "model.keras")
    os.link(outside / "model.keras", runs / "run-hardlink.keras")
    os.mkfifo(runs / "run-fifo.keras")
    history_path_for(real).symlink_to(secret)  # A record beside a real model.
    snapshot_path_for(real).symlink_to(secret)
    return runs, real, secret


PLANTED = ["run-passwd", "run-secret", "run-folder", "run-dangling", "run-hardlink", "run-fifo"]


def test_the_check_names_what_is_wrong_with_each_planted_file(planted):
    runs, real, _ = planted
    assert plain_file_problem(real, runs) is None and is_plain_file(real)
    problems = {name: plain_file_problem(runs / f"{name}.keras", runs) for name in PLANTED}
    assert problems == {
        "run-passwd": "is a link, not a saved file",
        "run-secret": "is a link, not a saved file",
        "run-folder": "is a link, not a saved file",
        "run-dangling": "is a link, not a saved file",
        "run-hardlink": "has other hard links",
        "run-fifo": "is not a regular file",
    }
    assert plain_file_problem(runs / "absent.keras", runs) == "does not exist"
    assert plain_file_problem(real, runs.parent) == "lies outside its folder"
    assert plain_file_problem(runs / "sub" / ".." / "run-real.keras", runs) is not None, "no path through a missing folder"


def test_a_planted_file_is_never_read(planted):
    runs, real, _ = planted
    assert read_plain_file(real, runs) == SHIPPED.read_bytes()
    for name in PLANTED:
        with pytest.raises(PermissionError if name != "run-dangling" else OSError):
            read_plain_file(runs / f"{name}.keras", runs)
    with pytest.raises(PermissionError, match="link"):
        read_plain_file(history_path_for(real))
    with pytest.raises(PermissionError, match="outside its folder"):
        read_plain_file(real, runs.parent)


def test_planted_files_are_never_listed_loaded_pruned_or_swept(planted, tmp_path):
    runs, real, secret = planted
    assert saved_runs(runs) == [real]
    assert run_files(real) == [real], "the planted record and snapshots are not the run's files"
    for name in PLANTED:
        with pytest.raises(ModelFileError):
            read_weights(runs / f"{name}.keras")
    assert read_weights(real).recurrent, "the real run still loads"
    assert read_run_record(real) is None, "a linked record is never read"
    with pytest.raises(SnapshotFileError, match="link"):
        load_snapshots(snapshot_path_for(real))

    old_target = tmp_path / "outside" / "old.tmp.keras"
    old_target.write_text("keep me")
    (runs / ".run-x.abc.tmp.keras").symlink_to(old_target)
    hour_ago = time.time() - 3600
    os.utime(old_target, (hour_ago, hour_ago))
    assert sweep_temporary_files(runs) == []

    assert prune_runs(runs, keep=0) == [real]
    left = sorted(path.name for path in runs.iterdir())
    assert left == sorted(
        [*(f"{name}.keras" for name in PLANTED), "run-real.history.json", "run-real.snapshots.npz", ".run-x.abc.tmp.keras"]
    )
    assert json.loads(secret.read_text()) == {"secret": SECRET} and old_target.read_text() == "keep me"
    assert (tmp_path / "outside" / "model.keras").read_bytes() == SHIPPED.read_bytes()


def _downloads(app) -> dict[str, str]:
    return {element.proto.label: element.proto.url for element in app.get("download_button")}


def test_the_pages_list_and_serve_only_the_real_run(planted, environment, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP_SCRIPT, TRAIN_SCRIPT
    from ui import resources

    runs, real, secret = planted
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", runs)
    resources.training_supervisor.clear()
    # The real run's record is a link to a valid record elsewhere: it must not be believed either.
    secret.write_text(json.dumps(make_record().to_json()))

    page = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120).run()
    assert not page.exception, page.exception
    (table,) = page.dataframe
    assert list(table.value["Run"]) == ["shipped model", "run-real"], "no planted file is listed"
    assert list(table.value["Status"])[1] == "no history saved", "the linked record is not read"
    (chosen,) = [box for box in page.selectbox if box.label == "Run"]
    assert chosen.options == ["shipped model", "run-real"] and chosen.value == "run-real"
    assert set(_downloads(page)) == {"Download .keras"}, "the real run's model; its linked record is never offered"

    app = AppTest.from_string(APP_SCRIPT, default_timeout=120)
    app.session_state["active_model_path"] = str(runs / "run-passwd.keras")  # A forged choice.
    app.run()
    assert not app.exception, app.exception
    (model_box,) = app.sidebar.selectbox
    assert model_box.options[1:] == ["run-real"], "the shipped model, then the real run alone"
    assert app.session_state["active_model_path"] == str(SHIPPED)

    page.button(key="delete_run-real").click().run()
    page.button(key="confirm_delete").click().run()
    assert not page.exception, page.exception
    assert not real.exists() and history_path_for(real).is_symlink() and secret.exists(), "the link is not the run's to delete"
    assert not resources.is_servable_model(real)
