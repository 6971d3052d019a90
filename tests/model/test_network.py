"""model.network: the seed architecture, kept eligible for the cuDNN kernel."""

from __future__ import annotations

import keras
import pytest

from model.network import build_model, cell_of, detect_device, is_cudnn_eligible, lstm_layers_of, recurrent_layers_of


def test_default_is_the_seed_architecture():
    network = build_model()
    kinds = [(type(layer).__name__, getattr(layer, "units", None)) for layer in network.layers]
    assert kinds == [("LSTM", 128), ("Dropout", None), ("LSTM", 128), ("Dense", 64), ("Dropout", None), ("Dense", 10)]
    first, second = lstm_layers_of(network)
    assert first.return_sequences and not second.return_sequences
    assert [layer.rate for layer in network.layers if isinstance(layer, keras.layers.Dropout)] == [0.2, 0.2]
    assert network.layers[3].activation is keras.activations.relu
    assert network.layers[5].activation is keras.activations.softmax
    assert network.input_shape == (None, None, 28) and network.output_shape == (None, 10)  # Rows of 28 pixels, any number of them.
    assert isinstance(network.optimizer, keras.optimizers.Adam)
    assert network.loss == "sparse_categorical_crossentropy"


def test_layers_have_clear_names():
    assert [layer.name for layer in build_model().layers] == ["lstm_1", "dropout_1", "lstm_2", "dense_hidden", "dropout_head", "classifier"]


def test_every_lstm_layer_is_cudnn_eligible():
    for layers in (1, 2, 3):
        network = build_model(units=8, lstm_layers=layers)
        assert len(lstm_layers_of(network)) == layers
        assert all(is_cudnn_eligible(layer) for layer in lstm_layers_of(network))


def test_eligibility_check_rejects_what_cudnn_cannot_run():
    assert not is_cudnn_eligible(keras.layers.LSTM(4, activation="relu"))
    assert not is_cudnn_eligible(keras.layers.LSTM(4, recurrent_activation="hard_sigmoid"))
    assert not is_cudnn_eligible(keras.layers.LSTM(4, recurrent_dropout=0.1))
    assert not is_cudnn_eligible(keras.layers.LSTM(4, unroll=True))
    assert not is_cudnn_eligible(keras.layers.LSTM(4, use_bias=False))
    assert is_cudnn_eligible(keras.layers.LSTM(4))


def test_cudnn_is_demanded_exactly_when_a_gpu_is_visible():
    expected = True if detect_device().kind == "GPU" else "auto"
    assert all(layer.use_cudnn == expected for layer in lstm_layers_of(build_model(units=8)))


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"units": 0}, "units"),
        ({"lstm_layers": 0}, "lstm_layers"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
        ({"dense_units": 0}, "dense_units"),
    ],
)
def test_bad_arguments_raise_value_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        build_model(**arguments)


@pytest.mark.parametrize(("cell", "kind"), [("gru", "GRU"), ("rnn", "SimpleRNN")])
def test_the_twins_differ_from_the_seed_only_in_their_cell(cell, kind):
    network = build_model(cell=cell)
    kinds = [(type(layer).__name__, getattr(layer, "units", None)) for layer in network.layers]
    assert kinds == [(kind, 128), ("Dropout", None), (kind, 128), ("Dense", 64), ("Dropout", None), ("Dense", 10)]
    assert cell_of(network) == cell and len(recurrent_layers_of(network)) == 2
    with pytest.raises(ValueError, match="cell must be one of"):
        build_model(cell="transformer")
