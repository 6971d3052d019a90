"""model.data: where MNIST comes from, and clear errors when it is missing or damaged."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from model.data import MnistUnavailableError, load_mnist


def _tiny_arrays(count=6):
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (count, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, count).astype(np.uint8),
        "x_test": rng.integers(0, 256, (count // 2, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, count // 2).astype(np.uint8),
    }


def _write_idx(path, array, compress):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    payload = header + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def test_loads_the_real_mnist(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_npz_path_round_trips(tmp_path):
    arrays = _tiny_arrays()
    np.savez(tmp_path / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


@pytest.mark.parametrize("compress", [False, True])
def test_idx_folder_raw_and_gzipped(tmp_path, compress):
    arrays = _tiny_arrays()
    names = {
        "x_train": "train-images-idx3-ubyte",
        "y_train": "train-labels-idx1-ubyte",
        "x_test": "t10k-images-idx3-ubyte",
        "y_test": "t10k-labels-idx1-ubyte",
    }
    for key, name in names.items():
        _write_idx(tmp_path / name, arrays[key], compress)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])


def test_environment_variable_is_used_when_no_path_is_given(tmp_path, monkeypatch):
    arrays = _tiny_arrays()
    np.savez(tmp_path / "from_env.npz", **arrays)
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "from_env.npz"))
    (x_train, _), _ = load_mnist()
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_missing_file_names_the_file_and_the_ways_to_provide_data(tmp_path):
    with pytest.raises(MnistUnavailableError) as caught:
        load_mnist(tmp_path / "nowhere.npz")
    message = str(caught.value)
    assert "nowhere.npz" in message and "MNIST_NPZ" in message and "Keras" in message


def test_truncated_npz_is_rejected(tmp_path):
    arrays = _tiny_arrays()
    np.savez(tmp_path / "whole.npz", **arrays)
    data = (tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(MnistUnavailableError, match="cut.npz"):
        load_mnist(tmp_path / "cut.npz")


def test_truncated_idx_file_is_rejected(tmp_path):
    arrays = _tiny_arrays()
    for key, name in [
        ("x_train", "train-images-idx3-ubyte"),
        ("y_train", "train-labels-idx1-ubyte"),
        ("x_test", "t10k-images-idx3-ubyte"),
        ("y_test", "t10k-labels-idx1-ubyte"),
    ]:
        _write_idx(tmp_path / name, arrays[key], compress=False)
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(MnistUnavailableError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda a: a.update(x_train=a["x_train"][:, :27]), "shape"),
        (lambda a: a.update(y_train=(a["y_train"].astype(np.int64) + 10)), "labels outside"),
        (lambda a: a.update(x_test=a["x_test"].astype(np.float32)), "uint8"),
        (lambda a: a.pop("y_test"), "lacks y_test"),
    ],
)
def test_wrong_contents_are_rejected(tmp_path, change, problem):
    arrays = _tiny_arrays()
    change(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(MnistUnavailableError, match=problem):
        load_mnist(tmp_path / "bad.npz")
