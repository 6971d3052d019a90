"""The serving process never loads TensorFlow or Keras: a real run of the app, then every page module.

The check runs in a fresh Python (`python -c`), since this test process itself has Keras loaded.
The serving image (`docker build --target serve`) installs `requirements-serve.txt` alone and turns
training off: every page is served in a fresh Python where Keras and TensorFlow cannot be imported,
as there, and the Train page says the server does not train.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPOSITORY, mnist_path

pytestmark = pytest.mark.slow  # Every test runs the app in a process of its own.

HEAVY_MODULES = ["tensorflow", "keras", "torch", "jax"]

RUN_THE_APP_THEN_IMPORT_EVERY_PAGE_MODULE = """
import importlib, json, pkgutil, sys
from streamlit.testing.v1 import AppTest

heavy = HEAVY_MODULES
app = AppTest.from_file("app.py", default_timeout=120).run()
heavy_after_first_run = [name for name in heavy if name in sys.modules]
app.run()  # A second run, as after a stroke.
errors = [str(element.value) for element in app.exception] + [str(element.value) for element in app.error]
import ui
names = sorted(module.name for module in pkgutil.walk_packages(ui.__path__, "ui."))
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "errors": errors,
    "titles": [title.value for title in app.title],
    "modules": names,
    "probe_loaded": "model.weights" in sys.modules,
    "heavy_after_first_run": heavy_after_first_run,
    "heavy": [name for name in heavy if name in sys.modules],
}))
""".replace("HEAVY_MODULES", repr(HEAVY_MODULES))


def _run_in_a_fresh_python(program: str, timeout: int, **settings: str) -> dict:
    """Run `program` in a fresh Python from the repository (with MNIST, and `settings` in its environment); its last line, as JSON."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), **settings}
    if mnist_path() is not None:
        environment["MNIST_NPZ"] = str(mnist_path())
    finished = subprocess.run([sys.executable, "-c", program], cwd=REPOSITORY, env=environment, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_the_app_and_every_page_module_run_without_tensorflow_or_keras():
    result = _run_in_a_fresh_python(RUN_THE_APP_THEN_IMPORT_EVERY_PAGE_MODULE, timeout=300)
    assert result["errors"] == [] and result["titles"], "the Draw page rendered without errors"
    assert result["probe_loaded"], "the Draw page loaded the model's probe"
    assert {"ui.draw.view", "ui.evaluate.view", "ui.resources", "ui.train.view"} <= set(result["modules"])
    assert result["heavy_after_first_run"] == []
    assert result["heavy"] == []


# As in the serving image: Keras and TensorFlow are not installed (None in sys.modules: `import` fails and
# `importlib.util.find_spec` answers None), training is off, and every page is served. Any attempt to import them is recorded.
SERVE_EVERY_PAGE_AS_THE_SERVING_IMAGE = """
import builtins, json, sys
heavy = HEAVY_MODULES
for name in heavy:
    sys.modules[name] = None
attempts = []
real_import = builtins.__import__
def recording_import(name, *arguments, **keywords):
    if name.split(".")[0] in heavy:
        attempts.append(name)
    return real_import(name, *arguments, **keywords)
builtins.__import__ = recording_import
from streamlit.testing.v1 import AppTest
from ui import share

def served(app):
    return {
        "exceptions": [str(element.value) for element in app.exception],
        "errors": [str(element.value) for element in app.error],
        "info": [str(element.value) for element in app.info],
        "titles": [element.value for element in app.title] + [element.value for element in app.subheader],
        "buttons": [element.label for element in app.button],
    }

draw = AppTest.from_file("app.py", default_timeout=120)
draw.query_params[share.TEST_PARAMETER] = "7"  # A test digit, read as a shared address opens it.
pages = {"draw": served(draw.run())}
other_pages = {"compare": "ui.compare.view:render_page", "train": "ui.train.view:render", "evaluate": "ui.evaluate.view:render"}
for name, module in other_pages.items():
    module_name, function = module.split(":")
    script = f"import sys; sys.path.insert(0, {repr(sys.path[0])}); import {module_name} as page; page.{function}()"
    pages[name] = served(AppTest.from_string(script, default_timeout=180).run())
print(json.dumps({"pages": pages, "attempts": attempts, "loaded": [name for name in heavy if sys.modules.get(name) is not None]}))
""".replace("HEAVY_MODULES", repr(HEAVY_MODULES))


def test_every_page_serves_without_tensorflow_or_keras_installed_and_the_train_page_says_it_does_not_train(tmp_path):
    result = _run_in_a_fresh_python(SERVE_EVERY_PAGE_AS_THE_SERVING_IMAGE, timeout=600, LSTM_DEMO_MODE="public",
                                     LSTM_DEMO_TRAINING="off", LSTM_DEMO_RUNS_DIR=str(tmp_path))  # fmt: skip
    for name, page in result["pages"].items():
        assert page["exceptions"] == [] and page["errors"] == [], name
        assert page["titles"], f"the {name} page rendered"
    (notice,) = [text for text in result["pages"]["train"]["info"] if "does not train" in text]
    assert notice.startswith("This server does not train: its operator turned training off.")
    assert "Start training" not in result["pages"]["train"]["buttons"]
    assert not [text for text in result["pages"]["evaluate"]["info"] if "Train a model" in text], "no invitation to train"
    assert result["attempts"] == [] and result["loaded"] == []


# In a fresh Python, in app.py's order (Streamlit, the engine, then NumPy): OpenBLAS says how many threads it runs.
BLAS_THREADS_AFTER_IMPORTING_THE_ENGINE = """
import ctypes, glob, os
import streamlit
import model, numpy
libraries = glob.glob(os.path.join(os.path.dirname(numpy.__file__) + ".libs", "*openblas*"))
library = ctypes.CDLL(libraries[0]) if libraries else None
getter = getattr(library, "scipy_openblas_get_num_threads64_", None)
print(getter() if getter else "unknown")
"""


def _blas_threads(environment: dict[str, str]) -> str:
    completed = subprocess.run([sys.executable, "-c", BLAS_THREADS_AFTER_IMPORTING_THE_ENGINE], cwd=REPOSITORY, env=environment,
                               capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return completed.stdout.strip()


def test_the_serving_process_runs_numpys_blas_on_one_thread_unless_the_operator_says_otherwise():
    environment = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    threads = _blas_threads(environment)
    if threads == "unknown":
        pytest.skip("this NumPy is not built on scipy-openblas: its thread count cannot be read")
    assert threads == "1"  # Idle OpenBLAS threads spin on the cores the visitors share (model/__init__.py).
    if (os.cpu_count() or 1) >= 2:  # OpenBLAS never runs more threads than there are CPUs.
        assert _blas_threads({**environment, "OPENBLAS_NUM_THREADS": "2"}) == "2"
