"""The classifier of the seed article: an LSTM that reads a digit as 28 rows of 28 pixels.

`build_model()` with no arguments builds exactly the seed network:
LSTM(128, return_sequences) → Dropout(0.2) → LSTM(128) → Dense(64, relu) → Dropout(0.2) →
Dense(10, softmax), compiled with Adam, sparse categorical cross-entropy and accuracy.
Keras 3's `LSTM` stands in for the article's `CuDNNLSTM`: it takes the cuDNN kernel by itself on
a GPU as long as the layer stays eligible, and `build_model` asks for it outright (`use_cudnn=True`)
whenever a GPU is visible, so that a silent fallback to the slow loop cannot happen.
`build_model(cell="gru")` and `build_model(cell="rnn")` build its twins, the same network with a
GRU or a plain `SimpleRNN` cell, for the comparison of cells. Every network takes any number of
rows (input shape `(None, 28)`), so a drawing can be followed by blank rows.
This module knows nothing of data or training loops; see `model.training.train`.
"""

from __future__ import annotations

import keras
from keras import layers

from model.config import DeviceInfo
from model.shapes import IMAGE_COLUMNS, NUMBER_OF_CLASSES

# The recurrent cell of each network, by its name in `TrainConfig.cell`.
RECURRENT_LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}


def detect_device() -> DeviceInfo:
    """Describe the device the current Keras backend computes on."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            name = details.get("device_name", gpus[0].name)
            return DeviceInfo(backend, "GPU", name, len(gpus), tf.test.is_built_with_cuda())
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            cudnn = bool(torch.backends.cudnn.is_available() and torch.backends.cudnn.enabled)
            return DeviceInfo(backend, "GPU", torch.cuda.get_device_name(0), torch.cuda.device_count(), cudnn)
    elif backend == "jax":
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        if gpus:
            return DeviceInfo(backend, "GPU", gpus[0].device_kind, len(gpus), True)
    return DeviceInfo(backend, "CPU", "CPU", 0, False)


def is_cudnn_eligible(lstm_layer: layers.LSTM) -> bool:
    """True when the layer meets every condition of Keras's cuDNN LSTM kernel."""
    return (
        lstm_layer.activation is keras.activations.tanh
        and lstm_layer.recurrent_activation is keras.activations.sigmoid
        and lstm_layer.recurrent_dropout == 0
        and not lstm_layer.unroll
        and lstm_layer.use_bias
    )


def build_model(
    units: int = 128,
    cell: str = "lstm",
    lstm_layers: int = 2,
    dropout_rate: float = 0.2,
    dense_units: int = 64,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3,
    use_cudnn: bool | str | None = None,
    gradient_clip_norm: float = 0.0,
) -> keras.Model:
    """Build and compile the row-reading LSTM classifier.

    `use_cudnn=None` means: True when a GPU is visible (fail loudly rather than fall back), else "auto".
    """
    if cell not in RECURRENT_LAYERS:
        raise ValueError(f"cell must be one of {', '.join(RECURRENT_LAYERS)}, got {cell!r}")
    if not 1 <= units <= 4096:
        raise ValueError(f"units must be between 1 and 4096, got {units}")
    if not 1 <= lstm_layers <= 8:
        raise ValueError(f"lstm_layers must be between 1 and 8, got {lstm_layers}")
    if not 0.0 <= dropout_rate < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
    if not 1 <= dense_units <= 4096:
        raise ValueError(f"dense_units must be between 1 and 4096, got {dense_units}")
    if use_cudnn is None:
        use_cudnn = True if detect_device().kind == "GPU" else "auto"

    model = keras.Sequential(name=f"{cell}_mnist")
    model.add(keras.Input(shape=(None, IMAGE_COLUMNS), name="rows"))
    for layer_number in range(1, lstm_layers + 1):
        is_last = layer_number == lstm_layers
        # tanh, sigmoid, no recurrent dropout, no unroll and a bias keep LSTM and GRU cuDNN-eligible.
        gated = {"use_cudnn": use_cudnn} if cell != "rnn" else {}
        model.add(RECURRENT_LAYERS[cell](units, return_sequences=not is_last, name=f"{cell}_{layer_number}", **gated))
        if not is_last:
            model.add(layers.Dropout(dropout_rate, name=f"dropout_{layer_number}"))
    model.add(layers.Dense(dense_units, activation="relu", name="dense_hidden"))
    model.add(layers.Dropout(dropout_rate, name="dropout_head"))
    model.add(layers.Dense(NUMBER_OF_CLASSES, activation="softmax", name="classifier"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=gradient_clip_norm or None),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def lstm_layers_of(model: keras.Model) -> list[layers.LSTM]:
    return [layer for layer in model.layers if isinstance(layer, layers.LSTM)]


def recurrent_layers_of(model: keras.Model) -> list[layers.RNN]:
    """The model's LSTM, GRU or SimpleRNN layers, in reading order."""
    return [layer for layer in model.layers if isinstance(layer, tuple(RECURRENT_LAYERS.values()))]


def cell_of(model: keras.Model) -> str:
    """The name of the model's recurrent cell ("lstm", "gru" or "rnn")."""
    first = recurrent_layers_of(model)[0]
    return next(name for name, kind in RECURRENT_LAYERS.items() if type(first) is kind)


def set_cudnn_mode(model: keras.Model, use_cudnn: bool | str) -> None:
    """Set every LSTM and GRU layer's cuDNN mode, e.g. after loading a GPU-trained model on a CPU."""
    for layer in recurrent_layers_of(model):
        if not hasattr(layer, "use_cudnn"):
            continue  # A SimpleRNN has no cuDNN kernel.
        layer.use_cudnn = use_cudnn
