"""model.training.store: a model and its history saved together, atomically, and loaded with clear errors."""

from __future__ import annotations

import io
import json
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest

from model.shapes import SHIPPED_MODEL_PATH, history_path_for
from model.training.record import MODEL_DIGEST_KEY
from model.training.store import ModelFileError, load_history, load_model, save_run
from model.weights import file_digest, load_probe
from tests.helpers import make_record, save_a_network_of_another_kind

FIRST, SECOND = make_record(), make_record(test_accuracy=0.5)


@pytest.mark.slow
def test_round_trip_keeps_weights_and_history(tmp_path, small_model, random_digits):
    path = save_run(small_model, SECOND, tmp_path / "run.keras")
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(random_digits, verbose=0), small_model.predict(random_digits, verbose=0), atol=1e-6)
    assert load_history(path) == SECOND
    assert history_path_for(path).name == "run.history.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.history.json", "run.keras"], "no temporary files are left"


@pytest.mark.slow
def test_a_crash_during_save_leaves_the_previous_model_loadable(tmp_path, small_model, random_digits, monkeypatch):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    before = path.read_bytes()

    def crash_half_way(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as stream:
            stream.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("killed during save")

    monkeypatch.setattr(keras.Model, "save", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        save_run(small_model, SECOND, path)
    assert path.read_bytes() == before
    assert load_history(path) == FIRST
    load_model(path).predict(random_digits, verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.history.json", "model.keras"]


def _fail_moving_the_model(monkeypatch, error: BaseException):
    """`os.replace` raises `error` when it would move a `.keras` file into place (other moves go through); returns the real one."""
    real_replace = os.replace

    def replace(source, destination):
        if str(destination).endswith(".keras"):
            raise error
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    return real_replace


def test_a_crash_while_moving_into_place_leaves_the_previous_files(tmp_path, small_model, monkeypatch):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    before = path.read_bytes()
    _fail_moving_the_model(monkeypatch, OSError("disk full"))
    with pytest.raises(OSError):
        save_run(small_model, SECOND, path)
    assert path.read_bytes() == before
    load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="No model file"):
        load_model(tmp_path / "absent.keras")


def test_not_a_keras_file(tmp_path):
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not a Keras .keras model"):
        load_model(text)
    other = tmp_path / "weights.h5"
    other.write_bytes(b"\x89HDF")
    with pytest.raises(ModelFileError, match="not a Keras .keras model"):
        load_model(other)


def test_corrupt_file(tmp_path, small_model):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = os.urandom(2000)
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="model.keras"):
        load_model(path)


def test_model_of_another_shape(tmp_path):
    with pytest.raises(ModelFileError, match="not an MNIST row-reading recurrent network"):
        load_model(save_a_network_of_another_kind(tmp_path / "other.keras"))


def test_corrupt_history(tmp_path, small_model):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    history_path_for(path).write_text("{not json")
    with pytest.raises(ModelFileError, match="history"):
        load_history(path)
    history_path_for(path).write_text(json.dumps({**FIRST.to_json(), "test_accuracy": "99%"}))
    with pytest.raises(ModelFileError, match="test_accuracy must be a number"):
        load_history(path)
    history_path_for(path).unlink()
    assert load_history(path) is None


def test_history_is_plain_json(tmp_path, small_model):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    saved = json.loads(history_path_for(path).read_text())
    assert saved.pop(MODEL_DIGEST_KEY) == file_digest(path), "the record names the model file it belongs to"
    assert saved == json.loads(json.dumps(FIRST.to_json()))


def test_a_kill_between_the_two_moves_never_passes_the_old_model_off_with_the_new_record(tmp_path, small_model, monkeypatch):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    real_replace = _fail_moving_the_model(monkeypatch, KeyboardInterrupt("killed between the two moves"))
    with pytest.raises(KeyboardInterrupt):
        save_run(small_model, SECOND, path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert json.loads(history_path_for(path).read_text())["test_accuracy"] == SECOND.test_accuracy, "the new record moved in"
    with pytest.raises(ModelFileError, match="belongs to another version of model.keras"):
        load_history(path)
    save_run(small_model, SECOND, path)  # The next complete save makes a matching pair again.
    assert load_history(path) == SECOND


@pytest.mark.slow
def test_saved_models_are_portable_and_load_the_plain_way(tmp_path, small_model, random_digits):
    path = save_run(small_model, FIRST, tmp_path / "model.keras")
    plain = keras.saving.load_model(path)  # Compiled by default: it would fail on a foreign optimizer.
    np.testing.assert_allclose(plain.predict(random_digits, verbose=0), small_model.predict(random_digits, verbose=0), atol=1e-6)
    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights:
        assert "optimizer" not in weights, "no optimizer state is saved"


@pytest.mark.slow
def test_the_shipped_model_loads_the_plain_way_and_matches_its_probe(random_digits):
    shipped = SHIPPED_MODEL_PATH
    plain = keras.saving.load_model(shipped)
    np.testing.assert_allclose(load_probe(shipped).predict(random_digits), plain.predict(random_digits, verbose=0), atol=1e-5)
    assert load_history(shipped).test_accuracy > 0.99, "its record still belongs to it"
