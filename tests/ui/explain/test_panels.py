"""The explanation panels, run headless with AppTest inside the real drawing page."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
import streamlit as st

from model.drawings import NON_DIGIT_STROKES, render_strokes
from model.explain import attribution as explain
from model.hosting.start_limiter import StartLimiter
from model.preprocess import canvas_to_mnist
from model.shapes import SHIPPED_MODEL_PATH
from model.weights import load_probe
from tests.helpers import APP_SCRIPT, canvas_of, metric, run_script
from ui import settings
from ui import state as keys
from ui.explain import assets_view as explain_assets_view
from ui.explain import panels as explain_panels


@pytest.fixture(scope="module")
def probe():
    return load_probe(SHIPPED_MODEL_PATH)


@pytest.fixture
def seven(environment, mnist):  # noqa: F811
    (_, _), (x_test, y_test) = mnist
    assert y_test[0] == 7
    environment(canvas_of(x_test[0]))
    return canvas_to_mnist(canvas_of(x_test[0]))


def _open(app, panel: str):
    app.button_group(key=keys.EXPLAIN_PANEL).set_value(panel).run()
    assert not app.exception, app.exception
    return app


def _reading(app):
    """The probe's reading the page shows (the drawing view caches it per digit and variant)."""
    return app.session_state["reading_cache"][1]


def test_panels_stay_closed_and_cost_nothing_until_chosen(seven):
    app = run_script(APP_SCRIPT)
    assert any(header.value == "Why this answer?" for header in app.subheader)
    assert not app.get("plotly_chart"), "no explanation figure is built on a stroke"
    assert not any("does not look like a digit" in warning.value for warning in app.warning)


@pytest.mark.slow
def test_which_rows_mattered_is_computed_on_demand_and_checked(seven):
    app = _open(run_script(APP_SCRIPT), "Which rows mattered")
    assert metric(app, "Faithfulness, occlusion") is None
    app.button(key="explain_rows_button").click().run()
    assert not app.exception, app.exception
    for label in ("Faithfulness, occlusion", "Faithfulness, integrated gradients"):
        assert 0.0 < float(metric(app, label).value) <= 1.0
    assert len(app.get("plotly_chart")) == 2
    assert any("add up to" in caption.value for caption in app.caption)
    # Issue 19: said in words before the numbers: the two charts measure different things, and what faithfulness means.
    texts = [text.value for text in app.markdown]
    assert any("measure different things, so their scales differ" in text for text in texts)
    assert any("1 = perfect, 0 = no better than random" in text for text in texts)


def test_row_importance_moves_a_progress_bar_through_its_four_steps(probe, mnist):
    """Issue 19: the slow click shows progress: the bar moves after each of the four computations."""
    (_, _), (x_test, _) = mnist
    steps = []

    class Progress:
        def progress(self, value, text):
            steps.append((value, text))

    explain_panels._compute_importance(probe, x_test[0].astype(np.float32) / 255, Progress())
    assert [value for value, _ in steps] == [0.25, 0.5, 0.75]
    assert steps[0][1].startswith("Step 2 of 4") and "integrating gradients" in steps[0][1]


@pytest.mark.slow
def test_row_importance_waits_while_the_server_is_explaining_enough_readings(seven, monkeypatch):
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(explain_panels, "_importance_slots", lambda: slots)
    slots.acquire()  # Another visitor's computation is running.
    app = _open(run_script(APP_SCRIPT), "Which rows mattered")
    app.button(key="explain_rows_button").click().run()
    assert not app.exception, app.exception
    assert any("try again in a moment" in warning.value for warning in app.warning)
    assert metric(app, "Faithfulness, occlusion") is None
    slots.release()
    app.button(key="explain_rows_button").click().run()
    assert metric(app, "Faithfulness, occlusion") is not None
    assert slots.acquire(blocking=False), "the slot is given back after the computation"


def test_a_clicked_row_is_blanked_and_the_reading_follows(seven, probe):
    app = _open(run_script(APP_SCRIPT), "What if")
    assert app.get("plotly_chart"), "the clickable image is shown"
    chart_key = f"{keys.ROWS_CHART}_0"
    # A click on the invisible marker over row 12, as the browser reports it.
    app.session_state[chart_key] = {"selection": {"points": [{"curve_number": 1, "customdata": [11, 4]}]}}
    app.run()
    assert not app.exception, app.exception
    assert app.session_state[keys.BLANKED_ROWS] == [11]
    expected = probe.run(explain.blank_rows(seven, [11])).probabilities
    np.testing.assert_allclose(_reading(app).probabilities, expected, atol=1e-3)
    assert any("What-if edits in force" in text.value for text in app.markdown)
    # Said where the answer is too, far above the panel: the prediction is the edited drawing's.
    (beside_answer,) = [warning.value for warning in app.warning if "What-if edits in force" in warning.value]
    assert "row 12 blanked" in beside_answer and "this answer is for the edited drawing" in beside_answer

    app.button(key="explain_undo").click().run()
    assert app.session_state[keys.BLANKED_ROWS] == []
    np.testing.assert_allclose(_reading(app).probabilities, probe.run(seven).probabilities, atol=1e-3)
    assert not [warning for warning in app.warning if "What-if edits in force" in warning.value]

    app.session_state[keys.BLANKED_ROWS] = [11]
    app.run()
    app.button(key="answer_undo").click().run()  # The undo beside the answer does the same.
    assert app.session_state[keys.BLANKED_ROWS] == []


@pytest.mark.parametrize(
    "points",
    [
        [{"curve_number": 1, "customdata": [99, 4]}, {"curve_number": 1, "customdata": [-1, 4]}],  # Rows off the image.
        [{"curve_number": 1, "customdata": {"a": 1}}, {"curve_number": 1, "customdata": [float("inf"), 4]}],
        ["not a point", {"curve_number": 1}, {"curve_number": 1, "customdata": None}],
    ],
    ids=["rows-off-the-image", "odd-customdata", "not-points"],
)
def test_forged_clicks_are_ignored(seven, probe, points):
    app = _open(run_script(APP_SCRIPT), "What if")
    app.session_state[f"{keys.ROWS_CHART}_0"] = {"selection": {"points": points}}
    app.run()
    assert not app.exception, app.exception
    assert keys.BLANKED_ROWS not in app.session_state or app.session_state[keys.BLANKED_ROWS] == []
    np.testing.assert_allclose(_reading(app).probabilities, probe.run(seven).probabilities, atol=1e-3)


def test_a_forged_unit_click_beyond_the_layer_is_ignored(seven):
    app = _open(run_script(APP_SCRIPT), "Unit inspector")
    shown = app.session_state[keys.INSPECTED_UNIT]
    for unit in (128, -3, 10**30):
        app.session_state[f"{keys.UNITS_CHART}_0"] = {"selection": {"points": [{"curve_number": 1, "customdata": [0, unit]}]}}
        app.run()
        assert not app.exception, app.exception
        assert app.session_state[keys.INSPECTED_UNIT] == shown


def test_blanking_the_top_half_and_reading_bottom_up_change_the_answer(seven, probe):
    app = run_script(APP_SCRIPT)
    app.session_state[keys.BLANKED_ROWS] = list(range(14))
    app.run()
    expected = probe.run(explain.blank_rows(seven, range(14))).probabilities
    assert metric(app, "Prediction").value == str(int(np.argmax(expected)))
    app.session_state[keys.BLANKED_ROWS] = []
    _open(app, "What if")
    app.toggle(key="explain_bottom_up_toggle").set_value(True).run()
    assert app.session_state[keys.BOTTOM_UP] is True
    np.testing.assert_allclose(_reading(app).probabilities, probe.run(seven[::-1].copy()).probabilities, atol=1e-3)


def test_a_new_drawing_opens_without_the_previous_digits_edits(seven, environment, mnist, probe):  # noqa: F811
    app = _open(run_script(APP_SCRIPT), "What if")
    app.session_state[f"{keys.ROWS_CHART}_0"] = {"selection": {"points": [{"curve_number": 1, "customdata": [11, 4]}]}}
    app.run()
    app.toggle(key="explain_bottom_up_toggle").set_value(True).run()
    app.session_state[keys.SILENCED] = True
    app.run()
    assert app.session_state[keys.BLANKED_ROWS] == [11], "edits stay while the digit stays"
    assert app.session_state[keys.BOTTOM_UP] and app.session_state[keys.SILENCED]

    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[1]))  # A new drawing.
    app.run()
    assert not app.exception, app.exception
    assert app.session_state[keys.BLANKED_ROWS] == []
    assert not app.session_state[keys.BOTTOM_UP]
    assert not app.session_state[keys.SILENCED]
    assert app.toggle(key="explain_bottom_up_toggle").value is False, "the switch shows the fresh state"
    assert not any("What-if edits in force" in text.value for text in app.markdown)
    np.testing.assert_allclose(_reading(app).probabilities, probe.run(canvas_to_mnist(canvas_of(x_test[1]))).probabilities, atol=1e-3)


def test_unit_inspector_shows_equations_drivers_and_silences_a_unit(seven, probe):
    app = _open(run_script(APP_SCRIPT), "Unit inspector")
    layer, unit = app.session_state[keys.INSPECTED_UNIT]
    assert layer == 1
    (equation,) = app.get("latex")
    assert r"c_{28} &= f \cdot c_{27} + i \cdot g" in equation.proto.body
    assert len(app.get("image")) == 4, "the four digits that drive the unit"
    # A click on a unit column of the picker opens that unit.
    app.session_state[f"{keys.UNITS_CHART}_0"] = {"selection": {"points": [{"curve_number": 1, "customdata": [3, 42]}]}}
    app.run()
    assert app.session_state[keys.INSPECTED_UNIT] == (1, 42)
    assert "Unit 42 of layer 2" in app.get("latex")[0].proto.body or any("Unit 42 of layer 2" in text.value for text in app.markdown)
    app.toggle(key="explain_silence_toggle").set_value(True).run()
    assert not app.exception, app.exception
    expected = explain.read_with_unit_silenced(probe, seven, 1, 42)
    np.testing.assert_allclose(_reading(app).probabilities, expected.probabilities, atol=1e-3)
    assert np.all(_reading(app).hidden[1, :, 42] == 0)


def test_state_map_shows_the_path_landing_in_its_cluster(seven):
    app = _open(run_script(APP_SCRIPT), "State map")
    assert any("closest to the big 7" in text.value for text in app.markdown)


def test_the_state_map_sentence_speaks_of_the_yellow_dot_and_names_a_disagreement():
    """Issue 19: the sentence measures where the visitor looks (the dot at the shown row, on the map) and says why the
    answer may differ from the nearest label, instead of naming a cluster the picture does not show."""
    centres = np.array([[float(digit), 0.0] for digit in range(10)])
    path = np.zeros((28, 2))
    path[:, 0] = np.linspace(0, 8, 28)  # Row 1 beside the 0, row 28 beside the 8.
    at_row_one = explain_panels.state_map_sentence(centres, path, 1, predicted=8)
    assert "yellow dot (row 1) is closest to the big 0" in at_row_one
    assert "network answers **8**" in at_row_one and "all 128 units" in at_row_one
    agreeing = explain_panels.state_map_sentence(centres, path, 28, predicted=8)
    assert "yellow dot (row 28) is closest to the big 8" in agreeing and "network answers" not in agreeing


def test_a_scribble_does_not_look_like_a_digit(environment):  # noqa: F811
    environment(render_strokes(NON_DIGIT_STROKES["zig-zag 3"]))
    app = run_script(APP_SCRIPT)
    assert metric(app, "Prediction").value.isdigit(), "the prediction is still shown"
    assert any("does not look like a digit" in warning.value for warning in app.warning)


def test_a_model_without_assets_says_why_its_map_is_unavailable(environment, mnist, monkeypatch, tmp_path):  # noqa: F811
    (_, _), (x_test, _) = mnist
    copy = tmp_path / "lstm_mnist.keras"
    shutil.copy(SHIPPED_MODEL_PATH, copy)
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(copy))
    environment(canvas_of(x_test[0]))
    app = _open(run_script(APP_SCRIPT), "State map")
    assert any("have not been computed" in info.value for info in app.info)
    assert app.button(key="explain_compute_assets") is not None


@pytest.fixture
def public_model_without_assets(environment, mnist, monkeypatch, tmp_path):  # noqa: F811
    """A public server showing a model whose assets are missing; public mode's error option put back afterwards."""
    (_, _), (x_test, _) = mnist
    copy = tmp_path / "lstm_mnist.keras"
    shutil.copy(SHIPPED_MODEL_PATH, copy)
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(copy))
    monkeypatch.setenv("LSTM_DEMO_MODE", "public")
    monkeypatch.setattr(explain_assets_view, "compute_assets", _must_not_compute)
    environment(canvas_of(x_test[0]))
    before = st.get_option("client.showErrorDetails")
    yield copy
    st.set_option("client.showErrorDetails", before)


def _must_not_compute(*args, **kwargs):
    raise AssertionError("the assets were computed")


@pytest.mark.slow
def test_a_public_server_without_training_offers_no_computation(public_model_without_assets, monkeypatch):
    monkeypatch.setenv("LSTM_DEMO_TRAINING", "off")
    app = _open(run_script(APP_SCRIPT), "State map")
    assert any("have not been computed" in info.value for info in app.info)
    assert not [button for button in app.button if button.key == "explain_compute_assets"]
    assert any("does not compute them in the page" in caption.value for caption in app.caption)


def test_a_public_visitor_computes_assets_only_within_the_start_limit(public_model_without_assets, monkeypatch):
    limiter = StartLimiter(900)
    limiter.record("203.0.113.7")  # This visitor started a run a moment ago.
    monkeypatch.setattr(settings, "start_limiter", lambda min_seconds: limiter)
    monkeypatch.setattr(settings, "visitor_key", lambda: "203.0.113.7")
    app = _open(run_script(APP_SCRIPT), "State map")
    app.button(key="explain_compute_assets").click().run()
    assert not app.exception, app.exception
    assert any("you can start your next one in" in warning.value for warning in app.warning)
    assert not list(public_model_without_assets.parent.glob("*.explain.npz"))


def test_assets_that_cannot_be_saved_are_a_plain_notice(environment, mnist, monkeypatch, tmp_path):  # noqa: F811
    (_, _), (x_test, _) = mnist
    copy = tmp_path / "lstm_mnist.keras"
    shutil.copy(SHIPPED_MODEL_PATH, copy)
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(copy))
    monkeypatch.setattr(explain_assets_view, "compute_assets", lambda *args: {"format_version": np.array(0)})

    def read_only_disk(arrays, path):
        raise PermissionError(13, "Permission denied", "/srv/secret/folder/.lstm_mnist.explain.npz.tmp")

    monkeypatch.setattr(explain_assets_view, "save_assets", read_only_disk)
    environment(canvas_of(x_test[0]))
    app = _open(run_script(APP_SCRIPT), "State map")
    app.button(key="explain_compute_assets").click().run()
    assert not app.exception, app.exception
    assert any("could not be saved on this server" in warning.value for warning in app.warning)
    assert not any("/srv/secret" in element.value for element in (*app.warning, *app.markdown, *app.caption))
