"""model.drawing_image: the canvas PNG decoded, and oversized, garbage and non-PNG drawings refused cheaply."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from model.drawing_image import MAXIMUM_DRAWING_BYTES, decode_drawing, png_size
from tests.helpers import REPOSITORY, bomb_png, png_chunk


def _png(array: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **options)
    return buffer.getvalue()


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


@pytest.mark.slow
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
        from tests.helpers import bomb_png
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
        (b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"a" * 13), "damaged"),
        (bomb_png(64)[:45], "damaged"),
        (bomb_png(2), "between 8 and 4096"),
    ],
    ids=["text", "empty", "jpeg", "data URL text", "too many bytes", "truncated header", "no IHDR", "truncated data", "2x2"],
)
def test_garbage_and_other_formats_are_refused_with_a_message(payload, message):
    with pytest.raises(ValueError, match=message):
        decode_drawing(payload)
