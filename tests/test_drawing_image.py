"""model.drawing_image: the canvas PNG decoded, and oversized, garbage and non-PNG drawings refused cheaply."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest
from PIL import Image

from model.drawing_image import MAXIMUM_DRAWING_BYTES, decode_drawing, png_size
from model.shapes import SHIPPED_MODEL_PATH
from tests.helpers import REPOSITORY


def _png(array: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 13000) -> bytes:
    """A valid 1-bit black PNG of side×side pixels: about 20 KB that decode to side² bytes and more."""
    row = b"\x00" + bytes((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def test_a_canvas_png_decodes_to_rgba():
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    canvas[100:180, 120:160, :3] = 255
    decoded = decode_drawing(_png(canvas))
    assert decoded.dtype == np.uint8 and decoded.shape == (280, 280, 4)
    np.testing.assert_array_equal(decoded, canvas)
    grey = decode_drawing(_png(canvas[..., 0]))  # Any PNG mode comes back as RGBA.
    assert grey.shape == (280, 280, 4) and grey[140, 140].tolist() == [255, 255, 255, 255]


def test_an_oversized_png_is_refused_from_its_header():
    bomb = bomb_png()
    assert len(bomb) < 1_000_000 and png_size(bomb) == (13000, 13000)
    with pytest.raises(ValueError, match="between 8 and 4096 pixels on each side, got 13000×13000"):
        decode_drawing(bomb)


def test_refusing_the_bomb_allocates_nothing_like_its_decoded_size():
    """Under an address-space limit 150 MB above its start, a child process refuses the bomb, while
    Pillow asked to decode it runs out of memory: the refusal never allocates the image."""
    child = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(REPOSITORY)!r})
        from PIL import Image
        import io
        from model.drawing_image import decode_drawing
        from tests.test_drawing_image import bomb_png
        bomb = bomb_png()
        with open("/proc/self/status") as status:
            virtual = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (virtual + 150_000_000, resource.RLIM_INFINITY))
        try:
            decode_drawing(bomb)
        except ValueError as error:
            print("refused:", error)
        try:
            Image.open(io.BytesIO(bomb)).convert("RGBA")
            print("pillow decoded it")
        except MemoryError:
            print("pillow ran out of memory")
        """
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, cwd=REPOSITORY)
    assert "refused: The drawing must be between" in result.stdout, result.stdout + result.stderr
    assert "pillow ran out of memory" in result.stdout, result.stdout + result.stderr


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (280, 280)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"hello, server", "not a PNG image"),
        (b"", "not a PNG image"),
        (_jpeg(), "not a PNG image"),
        ("data:image/png;base64,AAAA", "did not arrive as image bytes"),
        (b"\x89PNG\r\n\x1a\n" + bytes(MAXIMUM_DRAWING_BYTES), "a canvas drawing is at most"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "truncated"),
        (b"\x89PNG\r\n\x1a\n" + _chunk(b"tEXt", b"a" * 13), "damaged"),
        (bomb_png(64)[:45], "damaged"),
        (bomb_png(2), "between 8 and 4096"),
    ],
    ids=["text", "empty", "jpeg", "data URL text", "too many bytes", "truncated header", "no IHDR", "truncated data", "2x2"],
)
def test_garbage_and_other_formats_are_refused_with_a_message(payload, message):
    with pytest.raises(ValueError, match=message):
        decode_drawing(payload)


# The view is read afresh (other AppTest scripts in this process stub parts of it); a reload only
# works inside a script run, where the canvas component can be declared.
PAGE = f"""
import importlib, os, sys
sys.path.insert(0, {str(REPOSITORY)!r})
from ui.draw import view as draw_view
importlib.reload(draw_view)
if os.environ.get("TEST_CANVAS_PNG") is not None:
    from tests.test_drawing_image import ForgedCanvas
    payload = None if os.environ["TEST_CANVAS_PNG"] == "" else open(os.environ["TEST_CANVAS_PNG"], "rb").read()
    draw_view.st_canvas = lambda **options: ForgedCanvas(payload)
    draw_view.render()
"""


class ForgedCanvas:
    """What `st_canvas` returns when a forged message reached the server: `payload` as the PNG bytes."""

    def __init__(self, payload: bytes | None):
        self.payload = payload

    @property
    def image_bytes(self) -> bytes:
        if self.payload is None:
            raise ValueError("not enough values to unpack (expected 2, got 1)")  # As the component raises for a non-data URL.
        return self.payload


@pytest.fixture
def forged_canvas(monkeypatch, tmp_path):
    """Sets the payload the forged canvas returns; afterwards the drawing view is read afresh again."""
    from streamlit.testing.v1 import AppTest

    from ui import resources

    # Other AppTest scripts in this process point the shipped model elsewhere; use the real one.
    monkeypatch.setattr(resources, "SHIPPED_MODEL", SHIPPED_MODEL_PATH)

    def forge(payload: bytes | None) -> None:
        if payload is None:
            monkeypatch.setenv("TEST_CANVAS_PNG", "")
        else:
            (tmp_path / "canvas.png").write_bytes(payload)
            monkeypatch.setenv("TEST_CANVAS_PNG", str(tmp_path / "canvas.png"))

    yield forge
    monkeypatch.delenv("TEST_CANVAS_PNG")
    AppTest.from_string(PAGE, default_timeout=120).run()  # Only reloads the view, with the real canvas.


@pytest.mark.parametrize("payload", [bomb_png(), b"garbage", None], ids=["13000x13000", "garbage", "not a data URL"])
def test_the_drawing_page_refuses_a_forged_canvas_with_a_short_notice(forged_canvas, payload):
    from streamlit.testing.v1 import AppTest

    forged_canvas(payload)
    app = AppTest.from_string(PAGE, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert [toast.value for toast in app.toast] in (
        ["The drawing must be between 8 and 4096 pixels on each side, got 13000×13000."],
        ["The drawing is not a PNG image."],
        ["The drawing could not be read."],
    )
    assert any("Draw a digit" in info.value for info in app.info)
