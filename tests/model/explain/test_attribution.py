"""model.explain.attribution and backprop: gradients equal Keras's, integrated gradients are complete, rankings are faithful."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from model.explain import attribution as explain
from model.explain.backprop import probability_gradient, replay
from model.probe import Probe
from model.shapes import SHIPPED_MODEL_PATH
from tests.helpers import REPOSITORY


@pytest.fixture(scope="module")
def small_probe(small_model):
    return Probe(small_model)


@pytest.fixture(scope="module")
def shipped_probe():
    from model.weights import load_probe

    return load_probe(SHIPPED_MODEL_PATH)


@pytest.fixture(scope="module")
def test_digits(mnist):
    _, (x_test, y_test) = mnist
    return x_test[:8].astype(np.float64) / 255.0, y_test[:8]


def _keras_gradient(model, images: np.ndarray, digit: int) -> np.ndarray:
    import tensorflow as tf

    inputs = tf.convert_to_tensor(images.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        probability = model(inputs, training=False)[:, digit]
    return tape.gradient(probability, inputs).numpy()


@pytest.mark.slow
def test_gradients_equal_keras_gradients(small_model, small_probe, random_digits):
    for digit in (0, 3, 9):
        probabilities, gradients = probability_gradient(small_probe, random_digits, digit)
        np.testing.assert_allclose(probabilities, small_model.predict(random_digits, verbose=0)[:, digit], atol=1e-5)
        np.testing.assert_allclose(gradients, _keras_gradient(small_model, random_digits, digit), atol=1e-4)
        assert np.abs(gradients).max() > 1e-3, "the check must compare gradients that are not all zero"


@pytest.mark.slow
def test_gradients_equal_keras_on_the_shipped_model(shipped_probe, test_digits):
    from model.training.store import load_model

    images, labels = test_digits
    blurred = 0.4 * images[:3]  # Halfway along the integration path, where the gradients are large.
    for image, label in zip(blurred, labels[:3]):
        _, gradient = probability_gradient(shipped_probe, image, int(label))
        keras_gradient = _keras_gradient(load_model(SHIPPED_MODEL_PATH), image[None], int(label))[0]
        np.testing.assert_allclose(gradient, keras_gradient, atol=1e-4)


@pytest.mark.slow
def test_integrated_gradients_are_complete_on_test_digits(shipped_probe, test_digits):
    images, labels = test_digits
    for image, label in zip(images, labels):
        result = explain.integrated_gradients(shipped_probe, image, int(label))
        probabilities = shipped_probe.run(np.stack([image, np.zeros_like(image)])).probabilities[:, label]
        assert result.rows.sum() == pytest.approx(probabilities[0] - probabilities[1], abs=0.03)
        assert result.completeness_gap <= 0.03


@pytest.mark.slow
def test_deletion_in_either_methods_order_beats_random_order(shipped_probe, test_digits):
    images, _ = test_digits
    areas = {"occlusion": [], "integrated_gradients": [], "random": []}
    for image in images:
        for method in ("occlusion", "integrated_gradients"):
            result = explain.faithfulness(shipped_probe, image, explain.row_importance(shipped_probe, image, method))
            areas[method].append(result.area)
        areas["random"].append(result.random_area)
    random_area = np.mean(areas["random"])
    for method in ("occlusion", "integrated_gradients"):
        assert np.mean(areas[method]) < random_area - 0.1, f"{method}: {np.mean(areas[method]):.3f} vs random {random_area:.3f}"


def test_occlusion_is_the_drop_when_one_row_is_blanked(small_probe, random_digits):
    image = random_digits[0]
    digit = 4
    scores = explain.occlusion(small_probe, image, digit)
    base = small_probe.run(image).probabilities[digit]
    for row in (0, 13, 27):
        blanked = image.copy()
        blanked[row] = 0
        assert scores[row] == pytest.approx(base - small_probe.run(blanked).probabilities[digit], abs=1e-5)


def test_deletion_curve_runs_from_the_image_to_a_blank(small_probe, random_digits):
    image = random_digits[1]
    digit = 2
    curve = explain.deletion_curve(small_probe, image, np.arange(28)[::-1], digit)
    assert curve.shape == (29,)
    ends = small_probe.run(np.stack([image, np.zeros_like(image)])).probabilities[:, digit]
    np.testing.assert_allclose(curve[[0, -1]], ends, atol=1e-5)
    half = image.copy()
    half[14:] = 0
    assert curve[14] == pytest.approx(small_probe.run(half).probabilities[digit], abs=1e-5)
    with pytest.raises(ValueError, match="every row"):
        explain.deletion_curve(small_probe, image, [0, 0, 1])
    with pytest.raises(ValueError, match="Unknown method"):
        explain.row_importance(small_probe, image, "saliency")


@pytest.mark.slow
def test_silencing_a_unit_equals_a_keras_model_without_its_outgoing_weights(small_model, small_probe, random_digits):
    import keras

    for layer_index, unit in ((0, 5), (1, 11)):
        twin = keras.models.clone_model(small_model)
        twin.set_weights(small_model.get_weights())
        lstm_layers = [layer for layer in twin.layers if isinstance(layer, keras.layers.LSTM)]
        kernel, recurrent, bias = lstm_layers[layer_index].get_weights()
        recurrent[unit] = 0  # Nobody hears the unit: not its own layer at the next row…
        lstm_layers[layer_index].set_weights([kernel, recurrent, bias])
        receiver = (
            lstm_layers[layer_index + 1]
            if layer_index + 1 < len(lstm_layers)
            else next(layer for layer in twin.layers if isinstance(layer, keras.layers.Dense))
        )
        weights = receiver.get_weights()
        weights[0][unit] = 0  # …nor the layer above it.
        receiver.set_weights(weights)
        silenced = explain.read_with_unit_silenced(small_probe, random_digits[0], layer_index, unit)
        np.testing.assert_allclose(silenced.probabilities, twin.predict(random_digits[:1], verbose=0)[0], atol=1e-5)
        assert np.all(silenced.hidden[layer_index, :, unit] == 0)
        assert not np.allclose(silenced.probabilities, small_probe.run(random_digits[0]).probabilities, atol=1e-4)


def test_replay_without_silencing_equals_the_probe(small_probe, random_digits):
    replayed, _ = replay(small_probe, random_digits)
    probed = small_probe.run(random_digits)
    for field in ("probabilities", "running_probabilities", "hidden", "cell", "gates"):
        np.testing.assert_allclose(getattr(replayed, field), getattr(probed, field), atol=1e-6)
    with pytest.raises(ValueError, match="no unit"):
        replay(small_probe, random_digits, {0: [99]})


@pytest.mark.slow
def test_bottom_up_and_blanked_readings(small_model, small_probe, random_digits):
    image = random_digits[2]
    reversed_reading = explain.read_bottom_up(small_probe, image)
    np.testing.assert_allclose(reversed_reading.probabilities, small_model.predict(image[None, ::-1], verbose=0)[0], atol=1e-5)
    edited = explain.edited_image(image, [0, 5], bottom_up=True)
    assert np.all(edited[[27, 22]] == 0) and np.allclose(edited[0], image[27])
    blanked = explain.read_with_rows_blanked(small_probe, image, [3])
    expected = image.copy()
    expected[3] = 0
    np.testing.assert_allclose(blanked.probabilities, small_probe.run(expected).probabilities)
    with pytest.raises(ValueError, match="Rows must lie"):
        explain.blank_rows(image, [28])


@pytest.mark.slow
def test_the_engine_adds_no_tensorflow_import():
    code = (
        "import sys; import model.probe; before = 'tensorflow' in sys.modules; "
        "import model.explain.attribution, model.explain.backprop; print(before, 'tensorflow' in sys.modules)"
    )
    output = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout.split()
    assert output[1] == output[0], "model.explain.attribution must not import TensorFlow by itself"


@pytest.mark.slow
def test_one_explanation_adds_little_memory_to_the_server():
    # In a fresh process, as the server would run it: bounded batches, no kept states (was about 450 MiB).
    completed = subprocess.run(
        [sys.executable, str(REPOSITORY / "bench" / "explain_memory.py")], capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    added = float(completed.stdout.split("peak memory added ")[1].split(" MiB")[0])
    assert added < 60, completed.stdout
