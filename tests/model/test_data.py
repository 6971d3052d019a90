"""model.data: where MNIST comes from, and clear errors when it is missing or damaged."""

from __future__ import annotations

import gzip
import os
import struct
import threading

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


def _load_within(path, seconds=10):
    """load_mnist(path) on a thread that must end within `seconds` (a FIFO must not block it)."""
    outcome = {}

    def attempt():
        try:
            load_mnist(path)
        except Exception as error:  # The test looks at what was raised.
            outcome["error"] = error

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"load_mnist({str(path)[:40]!r}) blocked"
    return outcome.get("error")


@pytest.mark.parametrize("kind", ["fifo", "device", "stdin", "long name", "nul byte", "empty folder"])
def test_paths_that_are_not_mnist_get_one_clear_message_and_never_block(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "mnist.npz"
        os.mkfifo(path)
    else:
        path = {
            "device": "/dev/zero",
            "stdin": "/dev/stdin",
            "long name": str(tmp_path / ("x" * 300)),
            "nul byte": "mnist\0.npz",
            "empty folder": tmp_path,
        }[kind]
    error = _load_within(path)
    assert isinstance(error, MnistUnavailableError), error
    assert "Could not load MNIST from" in str(error) and "MNIST_NPZ" in str(error)
    assert len(str(error)) < 700, "a long path is shortened in the message"


@pytest.mark.parametrize("save", [np.save, np.savez])
def test_a_file_of_one_array_is_rejected_clearly(tmp_path, save):
    with open(tmp_path / "one.npz", "wb") as stream:
        save(stream, np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(MnistUnavailableError, match="one.npz: (a single array|the archive lacks)"):
        load_mnist(tmp_path / "one.npz")


def test_too_much_data_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    monkeypatch.setattr("model.data.MAXIMUM_ARRAY_BYTES", 10_000)
    arrays = _tiny_arrays(count=40)  # 31 KB of training images
    np.savez_compressed(tmp_path / "big.npz", **arrays)
    with pytest.raises(MnistUnavailableError, match="x_train would take"):
        load_mnist(tmp_path / "big.npz")
    for key, name in [("x_train", "train-images-idx3-ubyte"), ("y_train", "train-labels-idx1-ubyte")]:
        _write_idx(tmp_path / name, arrays[key], compress=True)
    with pytest.raises(MnistUnavailableError, match="more than 10,000 bytes"):
        load_mnist(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_rejected(tmp_path):
    path = tmp_path / "locked.npz"
    np.savez(path, **_tiny_arrays())
    path.chmod(0)
    with pytest.raises(MnistUnavailableError, match="unreadable"):
        load_mnist(path)
