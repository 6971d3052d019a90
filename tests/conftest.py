"""Shared fixtures (the real MNIST when it is available, small models built in seconds, the pages' runs folder) and the `slow` marker."""

from __future__ import annotations

import time

import numpy as np
import pytest

import model  # noqa: F401  (quietens TensorFlow before anything imports it)
from tests.helpers import mnist_path


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: trains a network, or starts a browser, a server or another process; `pytest -m 'not slow'` runs the rest in under a minute",
    )


@pytest.fixture(scope="session")
def mnist():
    path = mnist_path()
    if path is None:
        pytest.skip("MNIST is not available (set MNIST_NPZ)")
    from model.data import load_mnist

    return load_mnist(path)


@pytest.fixture(scope="session")
def small_model():
    """A small untrained classifier of the seed's shape, with non-trivial random weights."""
    import keras

    from model.network import build_model

    keras.utils.set_random_seed(1)
    network = build_model(units=16, dense_units=12)
    # Larger weights than the initialiser's make the gates and states move far from zero.
    network.set_weights([w * 3 if w.ndim > 1 else w + 0.1 for w in network.get_weights()])
    return network


@pytest.fixture
def random_digits():
    return np.random.default_rng(0).uniform(0, 1, (5, 28, 28)).astype(np.float32)


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """For the AppTest scripts: MNIST from the shared copy, the shipped model, and `draw(rgba)` to put a drawing on the canvas."""
    monkeypatch.delenv("TEST_CANVAS_RGBA", raising=False)
    monkeypatch.delenv("TEST_SHIPPED_MODEL", raising=False)
    if mnist_path() is not None:
        monkeypatch.setenv("MNIST_NPZ", str(mnist_path()))

    def draw(array: np.ndarray | None) -> None:
        if array is None:  # A blank canvas.
            monkeypatch.delenv("TEST_CANVAS_RGBA", raising=False)
            return
        path = tmp_path / f"canvas_{time.monotonic_ns()}.npy"
        np.save(path, array)
        monkeypatch.setenv("TEST_CANVAS_RGBA", str(path))

    return draw


@pytest.fixture
def runs_folder(monkeypatch, tmp_path):
    """An empty runs folder the pages use, with a fresh training supervisor of their own."""
    folder = tmp_path / "runs"
    folder.mkdir()
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", folder)
    from ui import resources

    resources.training_supervisor.clear()
    return folder


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A Streamlit server of the app for one browser test module, with its own runs folder."""
    from tests.browser import streamlit_server

    environment = {"LSTM_DEMO_RUNS_DIR": str(tmp_path_factory.mktemp("runs"))}
    if mnist_path() is not None:
        environment["MNIST_NPZ"] = str(mnist_path())
    with streamlit_server(environment) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, shared by one browser test module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.browser import CHROMIUM, CHROMIUM_FLAGS

    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
