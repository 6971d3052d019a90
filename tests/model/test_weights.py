"""model.weights: a `.keras` file read without Keras gives Keras's own weights and predictions."""

from __future__ import annotations

import os
import zipfile

import keras
import numpy as np
import pytest

from model import weights as weights_module
from model.probe import Probe
from model.shapes import SHIPPED_MODEL_PATH
from model.training.store import load_model
from model.weights import ModelFileError, load_probe, read_weights
from tests.helpers import save_a_network_of_another_kind

TOLERANCE = 1e-5


def _flat(network_weights) -> list[np.ndarray]:
    arrays = [array for layer in network_weights.recurrent for array in layer]
    return arrays + [array for kernel, bias, _ in network_weights.head for array in (kernel, bias)]


@pytest.fixture(scope="module")
def shipped_keras():
    return load_model(SHIPPED_MODEL_PATH)


def _saved(network, path):
    network.save(path)  # With its optimizer state, which the reader must step over.
    return path


@pytest.fixture
def small_model_file(tmp_path, small_model):
    return _saved(small_model, tmp_path / "small.keras")


@pytest.mark.slow
def test_shipped_weights_equal_keras_and_predictions_match(shipped_keras, random_digits):
    read = read_weights(SHIPPED_MODEL_PATH)
    expected = shipped_keras.get_weights()
    assert [array.shape for array in _flat(read)] == [array.shape for array in expected]
    for mine, theirs in zip(_flat(read), expected):
        np.testing.assert_array_equal(mine, theirs)
    assert [activation for _, _, activation in read.head] == ["relu", "softmax"]
    probe = load_probe(SHIPPED_MODEL_PATH)
    keras_answers = shipped_keras.predict(random_digits, verbose=0)
    np.testing.assert_allclose(probe.run(random_digits).probabilities, keras_answers, atol=TOLERANCE)
    np.testing.assert_allclose(probe.predict(random_digits, batch_size=2), keras_answers, atol=TOLERANCE)


def test_a_fresh_small_model_read_from_its_file_matches_keras(small_model, small_model_file, random_digits):
    read = read_weights(small_model_file)
    for mine, theirs in zip(_flat(read), small_model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    from_file, from_keras = load_probe(small_model_file), Probe(small_model)
    keras_answers = small_model.predict(random_digits, verbose=0)
    np.testing.assert_allclose(from_file.run(random_digits).probabilities, keras_answers, atol=TOLERANCE)
    np.testing.assert_allclose(from_file.predict(random_digits), keras_answers, atol=TOLERANCE)
    assert [order.tolist() for order in from_file.unit_order] == [order.tolist() for order in from_keras.unit_order]
    for mine, theirs in zip(from_file.layers, from_keras.layers):
        assert mine.kernel.dtype == np.float64
        np.testing.assert_array_equal(mine.recurrent_kernel, theirs.recurrent_kernel)


@pytest.mark.slow
def test_one_and_three_layer_models_are_read_in_layer_order(tmp_path, random_digits):
    from model.network import build_model

    for layers in (1, 3):
        network = build_model(units=8, lstm_layers=layers, dense_units=6)
        path = _saved(network, tmp_path / f"layers{layers}.keras")
        probe = load_probe(path)
        assert probe.units == [8] * layers
        np.testing.assert_allclose(probe.predict(random_digits), network.predict(random_digits, verbose=0), atol=TOLERANCE)


def test_from_weights_checks_that_the_shapes_chain(small_model):
    probe = Probe(small_model)
    lstm = [(w.kernel, w.recurrent_kernel, w.bias) for w in probe.layers]
    head = [(d.kernel, d.bias, d.activation) for d in probe.head]
    rebuilt = Probe.from_weights(lstm, head)
    assert rebuilt.units == probe.units and rebuilt.input_width == 28
    with pytest.raises(ValueError, match="LSTM layer 2"):
        Probe.from_weights([lstm[0], (lstm[1][0][:5], lstm[1][1], lstm[1][2])], head)
    with pytest.raises(ValueError, match="Dense layer 1"):
        Probe.from_weights(lstm, [(head[0][0][:3], head[0][1], "relu"), head[1]])
    with pytest.raises(ValueError, match="activation 'gelu'"):
        Probe.from_weights(lstm, [(head[0][0], head[0][1], "gelu"), head[1]])
    with pytest.raises(ValueError, match="no recurrent"):
        Probe.from_weights([], head)
    with pytest.raises(ValueError, match="shape"):
        probe.predict(np.zeros((2, 28, 27)))


def test_missing_and_non_model_files(tmp_path):
    with pytest.raises(ModelFileError, match="No model file"):
        read_weights(tmp_path / "absent.keras")
    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not a Keras .keras model"):
        read_weights(text)
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    with pytest.raises(ModelFileError, match="no config.json"):
        read_weights(empty_zip)


def test_corrupt_archive(small_model_file):
    data = bytearray(small_model_file.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = os.urandom(2000)
    small_model_file.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="small.keras"):
        load_probe(small_model_file)


def test_oversized_members_are_refused_before_they_are_unpacked(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", bytes(200_000))  # Compresses to a few hundred bytes.
    monkeypatch.setattr(weights_module, "MAX_WEIGHTS_BYTES", 100_000)

    def refuse(*args, **kwargs):
        raise AssertionError("a member was unpacked before its size was checked")

    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    with pytest.raises(ModelFileError, match="would unpack to 200,000 bytes"):
        read_weights(bomb)


def test_another_network_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match="not an MNIST row-reading recurrent network"):
        read_weights(save_a_network_of_another_kind(tmp_path / "other.keras"))
    wide = keras.Sequential([keras.Input((28, 30)), keras.layers.LSTM(4), keras.layers.Dense(10, activation="softmax")])
    wide.save(tmp_path / "wide.keras")
    with pytest.raises(ModelFileError, match="not rows of 28 pixels"):
        read_weights(tmp_path / "wide.keras")
