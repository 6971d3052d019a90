"""What the tests share: where the repository and MNIST are, a valid run record, the AppTest scripts and what they read back.

Test modules import from here, never from one another. The Chromium harness is `tests/browser.py`;
the stand-in jobs the training process runs are in `tests/worker_jobs.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from model.config import BatchProgress, EpochProgress, TrainConfig
from model.shapes import SHIPPED_MODEL_PATH, checkpoint_path_for, history_path_for
from model.training.record import MODEL_DIGEST_KEY, RunRecord
from model.weights import file_digest

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED_MNIST = REPOSITORY.parent / "shared" / "data" / "mnist.npz"


def mnist_path() -> Path | None:
    """The MNIST file the tests may use: $MNIST_NPZ, else the shared copy beside the repository, else None."""
    configured = os.environ.get("MNIST_NPZ")
    if configured and Path(configured).is_file():
        return Path(configured)
    return SHARED_MNIST if SHARED_MNIST.is_file() else None


def save_a_network_of_another_kind(path: Path) -> Path:
    """A valid `.keras` file that is not this app's classifier: a Dense network on 28×28 images."""
    import keras

    other = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(3)])
    other.save(path)
    return path


def make_record(**overrides) -> RunRecord:
    """A small, valid record of a two-epoch run."""
    batches = tuple(
        BatchProgress(epoch=e, epochs=2, batch=b, batches_per_epoch=2, samples_seen=(e - 1) * 256 + b * 128, seconds=e + b / 2,
                      loss=1.0 / (e + b), accuracy=0.5 + 0.1 * e)
        for e in (1, 2) for b in (1, 2)
    )  # fmt: skip
    epochs = tuple(
        EpochProgress(epoch=e, epochs=2, samples_seen=e * 256, seconds=2.0 * e, loss=0.5 / e, accuracy=0.8, val_loss=0.4 / e,
                      val_accuracy=0.85 + 0.05 * e, val_class_accuracy=[0.9] * 10)
        for e in (1, 2)
    )  # fmt: skip
    fields = dict(
        config=TrainConfig(epochs=2, units=16, train_subset=256),
        status="finished",
        device="CPU (tensorflow backend)",
        train_size=256,
        batches=batches,
        epochs=epochs,
        test_accuracy=0.95,
        test_loss=0.2,
        seconds=4.5,
        train_seconds=4.0,
        started="2026-11-29T06:00:00+00:00",
        finished="2026-11-29T06:00:05+00:00",
        versions={"keras": "3", "backend": "tensorflow", "python": "3.11"},
        snapshots=(0.0, 0.125, 0.25, 0.5, 1.0, 2.0),
    )
    return RunRecord(**{**fields, **overrides})


def assert_valid_figure(figure: go.Figure) -> None:
    """A builder's figure passes Plotly's full validation (the builders skip it for speed) and spells out its colour scales.

    Plotly.js does not know Python-side names such as "RdBu_r": unvalidated figures must carry lists.
    """
    spec = figure.to_dict()
    go.Figure(spec)
    for trace in spec["data"]:
        if "colorscale" in trace:
            assert isinstance(trace["colorscale"], list | tuple), trace["colorscale"]


# The app run headless by AppTest. The canvas component is replaced by a stub that returns a chosen
# RGBA array (from the TEST_CANVAS_RGBA file), so the script's own logic runs exactly as in the browser.
PRELUDE = f"""
import os, sys
sys.path.insert(0, {str(REPOSITORY)!r})
from pathlib import Path
import numpy as np
from model.shapes import SHIPPED_MODEL_PATH
from ui import resources
from ui.draw import canvas as drawing_canvas
canvas_file = os.environ.get("TEST_CANVAS_RGBA")
drawing_canvas.draw_canvas = lambda stroke_width: np.load(canvas_file) if canvas_file else None
resources.SHIPPED_MODEL = Path(os.environ.get("TEST_SHIPPED_MODEL") or SHIPPED_MODEL_PATH)
"""
APP_SCRIPT = PRELUDE + f"exec(compile(open({str(REPOSITORY / 'app.py')!r}).read(), 'app.py', 'exec'))\n"
TRAIN_SCRIPT = PRELUDE + "from ui.train import view\nview.render()\n"
EVALUATE_SCRIPT = PRELUDE + "from ui.evaluate import view\nview.render()\n"
TIMEOUT = 120


def canvas_of(digit: np.ndarray) -> np.ndarray:
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[..., :3] = np.kron(digit, np.ones((10, 10), dtype=np.uint8))[..., None]
    canvas[..., 3] = 255
    return canvas


def run_script(script: str) -> AppTest:
    app = AppTest.from_string(script, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str):
    return next((metric for metric in app.metric if metric.label == label), None)


def sent_to(app: AppTest, component: str) -> list[dict]:
    return [json.loads(element.proto.json) for element in app.get("bidi_component") if element.proto.component_name == component]


def live_figures(app: AppTest) -> list[str]:
    """The Plotly figures (JSON) sent to the live chart component (`ui/components/live_chart.py`)."""
    return [data["figure"] for data in sent_to(app, "lstm_demo.live_plotly_chart")]


def painted(app: AppTest) -> list[tuple[str, str]]:
    """Each figure sent to the canvas renderer (`ui/components/reading_figure.py`), in page order: its kind and its JSON spec."""
    figures = [data["figure"] for data in sent_to(app, "lstm_demo.reading_figure")]
    return [(json.loads(figure)["kind"], figure) for figure in figures]


def reading_figures(app: AppTest) -> list[str]:
    """The reading figures (JSON specs): the running answer, then the layers."""
    return [figure for kind, figure in painted(app) if kind != "picture"]


class ForgedCanvas:
    """What `st_canvas` returns when a forged message reached the server: `payload` as the PNG bytes."""

    def __init__(self, payload: bytes | None):
        self.payload = payload

    @property
    def image_bytes(self) -> bytes:
        if self.payload is None:
            raise ValueError("not enough values to unpack (expected 2, got 1)")  # As the component raises for a non-data URL.
        return self.payload


def add_run(folder, name: str, history: dict | None):
    """A saved run in `folder`: a copy of the shipped model beside `history` (a record's JSON, possibly malformed), or none."""
    path = folder / f"{name}.keras"
    shutil.copy(SHIPPED_MODEL_PATH, path)
    if history is not None:
        history_path_for(path).write_text(json.dumps(history))
    return path


def write_checkpoint(model_path: Path, record: RunRecord) -> Path:
    """The checkpoint a run to be saved at `model_path` keeps after an epoch: the shipped model and `record`, tied by its digest."""
    checkpoint = checkpoint_path_for(model_path)
    shutil.copy(SHIPPED_MODEL_PATH, checkpoint)
    history_path_for(checkpoint).write_text(json.dumps({**record.to_json(), MODEL_DIGEST_KEY: file_digest(checkpoint)}))
    return checkpoint


def training_process_ids() -> list[int]:
    """The ids of this test process's training processes (`python -m model.training.process`), read from /proc."""
    ids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status, command = (entry / "stat").read_text(), (entry / "cmdline").read_bytes()
        except OSError:
            continue  # Ended meanwhile.
        parent = int(status.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"model.training.process" in command:
            ids.append(int(entry.name))
    return ids


def bomb_png(side: int = 13000) -> bytes:
    """A valid 1-bit black PNG of side×side pixels: about 20 KB that decode to side² bytes and more."""
    row = b"\x00" + bytes((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: its length, kind, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
