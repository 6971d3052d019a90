"""ui.draw.canvas: a forged canvas message (a PNG bomb, garbage, no data URL) gets a short notice, never a crash (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model.shapes import SHIPPED_MODEL_PATH
from tests.helpers import REPOSITORY, bomb_png
from ui import resources

# The view is read afresh (other AppTest scripts in this process stub parts of it); a reload only
# works inside a script run, where the canvas component can be declared.
PAGE = f"""
import importlib, os, sys
sys.path.insert(0, {str(REPOSITORY)!r})
from ui.draw import canvas as drawing_canvas
from ui.draw import view as draw_view
importlib.reload(drawing_canvas)
if os.environ.get("TEST_CANVAS_PNG") is not None:
    from tests.helpers import ForgedCanvas
    payload = None if os.environ["TEST_CANVAS_PNG"] == "" else open(os.environ["TEST_CANVAS_PNG"], "rb").read()
    drawing_canvas.st_canvas = lambda **options: ForgedCanvas(payload)
    draw_view.render()
"""


@pytest.fixture
def forged_canvas(monkeypatch, tmp_path):
    """Sets the payload the forged canvas returns; afterwards the drawing view is read afresh again."""

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

    forged_canvas(payload)
    app = AppTest.from_string(PAGE, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert [toast.value for toast in app.toast] in (
        ["The drawing must be between 8 and 1120 pixels on each side, got 13000×13000."],
        ["The drawing is not a PNG image."],
        ["The drawing could not be read."],
    )
    assert any("Draw a digit" in info.value for info in app.info)
