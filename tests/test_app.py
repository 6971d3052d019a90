"""The Streamlit script, run headless with AppTest: drawing view, test digits, scrubber, training and evaluation.

The canvas component is replaced by a stub that returns a chosen RGBA array (from the
TEST_CANVAS_RGBA file), so the script's own logic runs exactly as in the browser.
"""

from __future__ import annotations

import json
import re
import urllib.parse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import (
    APP_SCRIPT,
    EVALUATE_SCRIPT,
    TIMEOUT,
    TRAIN_SCRIPT,
    canvas_of,
    live_figures,
    metric,
    mnist_path,
    painted,
    reading_figures,
    run_script,
    sent_to,
)
from ui import resources


def _input_picture(app: AppTest) -> dict:
    """The spec of the 28×28 input picture beside the prediction (painted by the same renderer)."""
    (picture,) = [json.loads(figure) for kind, figure in painted(app) if kind == "picture"]
    return picture


def _no_prediction(app: AppTest) -> bool:
    """The page waits for a digit: the prediction's place shows a dash."""
    return metric(app, "Prediction").value == "–"


def _row_slider(app: AppTest):
    (slider,) = [slider for slider in app.slider if slider.label == "Row"]
    return slider


def _shown_row(app: AppTest) -> int:
    """The row the page shows, checked to be the same on the slider, the metric and both figures."""
    row = _row_slider(app).value
    assert metric(app, f"Answer after row {row}") is not None
    answer, states = (json.loads(figure) for figure in reading_figures(app))
    assert answer["bars"]["title"] == f"after row {row}"
    assert answer["marks"]["current_row"] == states["marks"]["current_row"] == _input_picture(app)["marks"]["current_row"] == row
    return row


@pytest.mark.slow
def test_blank_canvas_shows_a_prompt_and_no_prediction(environment):
    app = run_script(APP_SCRIPT)
    assert any("Draw a digit from 0 to 9" in info.value for info in app.info)
    assert _no_prediction(app)
    # The reading waits in its place, empty and disabled, so the page keeps its shape when a digit arrives.
    answer, states = (json.loads(figure) for figure in reading_figures(app))
    assert answer["running"] is None and answer["note"].startswith("Draw a digit")
    assert states["panels"] and all(panel["z"] is None for panel in states["panels"])
    assert _row_slider(app).disabled and app.button(key="play_rows").disabled
    assert _input_picture(app)["panels"][0]["z"] is None
    assert app.button_group(key="teach_label").disabled
    assert not live_figures(app)  # No Plotly.js to fetch.
    assert "drawing" not in app.query_params and "test" not in app.query_params


def _widget_keys(app: AppTest) -> list[tuple[str, str]]:
    return [(kind, widget.key) for kind in ("button", "slider", "button_group") for widget in app.get(kind)]


def test_the_first_digit_updates_the_waiting_page_instead_of_building_it(environment, mnist):
    """Before a digit every widget of the reading is already there, under the key it keeps (the slider too): the
    browser updates them on the first stroke rather than building them (`bench/stroke_anatomy.py --first 5`)."""
    app = run_script(APP_SCRIPT)
    waiting = _widget_keys(app)
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[0]))
    app.run()
    assert not _no_prediction(app)
    assert _widget_keys(app) == waiting
    assert len(sent_to(app, "lstm_demo.reading_figure")) == 3  # The input picture, the running answer, the layers.


def test_a_drawing_is_predicted_and_read_row_by_row(environment, mnist):
    (_, _), (x_test, y_test) = mnist
    environment(canvas_of(x_test[0]))
    app = run_script(APP_SCRIPT)
    assert metric(app, "Prediction").value == str(y_test[0])
    assert any("\n\nIt answered" in text.value or "\n\nIt never" in text.value for text in app.markdown)
    answer, states = reading_figures(app)  # The running answer beside the canvas, the layers below: each redrawn in place.
    # What the network reads, beside the prediction: the very input the layers' figure shows in its first panel.
    assert _input_picture(app)["panels"][0]["z"] == json.loads(states)["panels"][0]["z"]
    assert "Running answer" in answer and "layer 2 hidden state" in states
    assert all(data["alt"] for data in sent_to(app, "lstm_demo.reading_figure"))  # Each figure has an accessible name.
    assert not app.get("plotly_chart") and not live_figures(app)  # The reading needs no Plotly.js.
    assert _shown_row(app) == 28

    _row_slider(app).set_value(5).run()
    assert not app.exception
    assert _shown_row(app) == 5
    assert app.query_params["row"] == ["5"] or app.query_params["row"] == "5"

    app.button_group(key="state_view").set_value("Gates").run()
    assert not app.exception
    assert any("Gates decide" in text.value for text in app.markdown)
    assert "output gate" in reading_figures(app)[1]
    assert _shown_row(app) == 5


def test_step_buttons_move_one_row_and_stop_at_the_ends(environment, mnist):
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[3]))
    app = run_script(APP_SCRIPT)
    assert app.button(key="row_forward").disabled
    app.button(key="row_back").click().run()
    app.button(key="row_back").click().run()
    assert _shown_row(app) == 26
    app.button(key="row_forward").click().run()
    assert _shown_row(app) == 27


def test_a_new_drawing_opens_at_row_28(environment, mnist):
    (_, _), (x_test, y_test) = mnist
    environment(canvas_of(x_test[0]))
    app = run_script(APP_SCRIPT)
    _row_slider(app).set_value(3).run()
    assert _shown_row(app) == 3
    environment(None)  # The canvas's Reset: blank again.
    app.run()
    assert any("Draw a digit from 0 to 9" in info.value for info in app.info)
    environment(canvas_of(x_test[1]))  # ... then a new drawing.
    app.run()
    assert not app.exception
    assert metric(app, "Prediction").value == str(y_test[1])
    assert _shown_row(app) == 28


@pytest.mark.slow
def test_play_reads_from_the_first_row_and_pauses(environment, mnist):
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[1]))
    app = run_script(APP_SCRIPT)
    app.button(key="play_rows").click().run()
    assert not app.exception
    assert _shown_row(app) == 1
    assert app.button(key="play_rows").label == "Pause" and app.button(key="play_rows").icon == ":material/pause:"
    clock = [json.loads(e.proto.json) for e in app.get("bidi_component") if e.proto.component_name == "lstm_demo.reading_actions"]
    assert len(clock) == 1 and clock[0]["clock"]["playing"]  # The browser's clock will press "next row".
    assert clock[0]["clock"]["tick_key"] == "play_tick" and clock[0]["clock"]["milliseconds_per_row"] > 0
    app.button(key="play_tick").click().run()
    app.button(key="play_tick").click().run()
    assert _shown_row(app) == 3
    app.button(key="play_rows").click().run()  # Pause.
    app.button(key="play_tick").click().run()  # A tick already on its way changes nothing.
    assert _shown_row(app) == 3 and app.button(key="play_rows").label == "Play"
    app.button(key="play_rows").click().run()  # Resume where it paused.
    app.button(key="play_tick").click().run()
    assert _shown_row(app) == 4
    environment(canvas_of(x_test[2]))  # A new stroke stops Play and shows the whole read.
    app.run()
    assert _shown_row(app) == 28 and app.button(key="play_rows").label == "Play"


def test_a_malformed_drawing_gets_a_clear_message(environment):
    environment(np.zeros((280, 280, 3), dtype=np.uint8))
    app = run_script(APP_SCRIPT)
    assert any("could not be read" in warning.value for warning in app.warning)
    assert _no_prediction(app)


def test_try_a_test_digit_clears_the_canvas_and_says_what_is_read(environment, mnist):
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[2]))
    app = run_script(APP_SCRIPT)
    _row_slider(app).set_value(9).run()
    app.button(key="test_digit").click().run()
    assert not app.exception
    assert not _no_prediction(app)
    assert any("Reading **MNIST test digit #" in text.value and "not the canvas" in text.value for text in app.markdown)
    assert any("labelled" in text.value for text in app.markdown)
    assert _shown_row(app) == 28
    assert app.query_params.get("test") and "drawing" not in app.query_params


def test_try_a_test_digit_without_data_says_how_to_get_it(environment, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "missing.npz"))
    app = run_script(APP_SCRIPT)
    app.button(key="test_digit").click().run()
    assert any("MNIST_NPZ" in warning.value for warning in app.warning)


def _value(parameter) -> str:
    return parameter[0] if isinstance(parameter, list) else parameter


def test_the_address_reproduces_a_drawing_its_model_and_row(environment, mnist):
    (_, _), (x_test, y_test) = mnist
    environment(canvas_of(x_test[4]))
    app = run_script(APP_SCRIPT)
    _row_slider(app).set_value(20).run()
    address = {name: _value(value) for name, value in app.query_params.items()}
    assert set(address) == {"drawing", "model", "row"} and address["model"] == "lstm_mnist.keras"
    first_answer = reading_figures(app)[0]

    environment(None)  # A fresh visitor: a blank canvas, only the address.
    fresh = AppTest.from_string(APP_SCRIPT, default_timeout=TIMEOUT)
    for name, value in address.items():
        fresh.query_params[name] = value
    fresh.run()
    assert not fresh.exception
    assert metric(fresh, "Prediction").value == str(y_test[4])
    assert _shown_row(fresh) == 20
    assert reading_figures(fresh)[0] == first_answer  # The very same reading, to the last digit.
    assert any("the drawing in this page's address" in text.value for text in fresh.markdown)


@pytest.mark.parametrize(
    ("address", "notice"),
    [
        ({"drawing": "bm90IGEgZHJhd2luZw"}, "damaged"),
        ({"drawing": "%%%"}, "base64"),
        ({"drawing": "A" * 5000}, "too long"),
        ({"test": "99999"}, "0 to 9,999"),
        ({"model": "../secret.keras"}, "not on this server"),
        ({"test": "1", "drawing": "abc"}, "more than one"),
    ],
)
def test_a_tampered_address_gets_a_blank_canvas_and_a_short_notice(environment, address, notice):
    app = AppTest.from_string(APP_SCRIPT, default_timeout=TIMEOUT)
    for name, value in address.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    assert any(notice in warning.value for warning in app.warning)
    assert _no_prediction(app)
    assert any("Draw a digit from 0 to 9" in info.value for info in app.info)


def test_a_test_digit_or_mistake_in_the_address_opens_at_its_row(environment, mnist):
    (_, _), (_, y_test) = mnist
    app = AppTest.from_string(APP_SCRIPT, default_timeout=TIMEOUT)
    app.query_params["mistake"] = "447"  # The shipped model reads this 4 wrong.
    app.query_params["row"] = "7"
    app.run()
    assert not app.exception
    assert any(f"mistakes, MNIST test digit #447 (labelled {y_test[447]})" in text.value for text in app.markdown)
    assert _shown_row(app) == 7
    assert app.query_params.get("mistake") == "447" and not app.warning


def test_a_mistake_in_the_address_that_the_model_reads_right_loses_the_claim(environment, mnist):
    app = AppTest.from_string(APP_SCRIPT, default_timeout=TIMEOUT)
    app.query_params["mistake"] = "0"  # The shipped model reads this 7 right.
    app.run()
    assert not app.exception
    texts = [text.value for text in (*app.markdown, *app.caption)]
    assert not any("mistakes" in text for text in texts) and any("MNIST test digit #0 (labelled 7)" in text for text in texts)
    assert any("reads MNIST test digit #0 right" in warning.value for warning in app.warning)
    assert app.query_params.get("test") == "0" and "mistake" not in app.query_params, "a copied link no longer makes the claim"
    app.run()
    assert not app.warning, "said once"


def test_missing_shipped_model_is_explained(environment, monkeypatch, tmp_path):
    monkeypatch.setenv("TEST_SHIPPED_MODEL", str(tmp_path / "gone.keras"))
    app = run_script(APP_SCRIPT)
    assert any("python -m model.training" in error.value for error in app.error)


@pytest.mark.slow
@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_training_view_runs_a_tiny_training_to_the_end(environment, monkeypatch, tmp_path):
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", tmp_path)

    resources.training_supervisor.clear()
    app = run_script(TRAIN_SCRIPT)
    assert any("How the shipped model learned" in header.value for header in app.subheader)
    inputs = {widget.label: widget for widget in app.number_input}
    inputs["Epochs"].set_value(1)
    inputs["Training images (0 = all 60,000)"].set_value(1000)
    app.select_slider[1].set_value(16)  # Units per layer
    app.run()
    app.button(key="start_training").click().run()
    assert not app.exception
    run = resources.training_supervisor().current()
    assert run is not None and run.wait(TIMEOUT)
    app.run()
    assert not app.exception
    assert any("finished" in success.value and "accuracy" in success.value for success in app.success)
    live_curves = live_figures(app)  # The run's curves, redrawn in place by the live Plotly chart.
    assert any("training loss" in figure and "validation accuracy" in figure for figure in live_curves)
    assert list(tmp_path.glob("run-*.keras")), "the run was saved"
    assert any(button.label == "Use this model for drawing" for button in app.button)


@pytest.mark.slow
@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_a_second_visitor_watches_a_running_training_read_only(environment, monkeypatch, tmp_path, mnist):
    monkeypatch.setattr("ui.resources.RUNS_DIRECTORY", tmp_path)
    from model.training.train import TrainConfig

    resources.training_supervisor.clear()
    run = resources.training_supervisor().start(
        TrainConfig(epochs=100, units=8, dense_units=8, train_subset=512), mnist, owner="someone-else"
    )
    try:
        app = run_script(TRAIN_SCRIPT)
        assert any("Another visitor started this run" in info.value for info in app.info)
        labels = [button.label for button in app.button]
        assert "Stop" not in labels and "Start training" not in labels
    finally:
        run.request_stop()
        assert run.wait(TIMEOUT)


@pytest.mark.slow
@pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")
def test_evaluation_view_shows_accuracy_and_a_confusion_matrix(environment):
    app = run_script(EVALUATE_SCRIPT)
    accuracy = metric(app, "Test accuracy")
    assert accuracy is not None and float(accuracy.value.rstrip("%")) >= 99.0
    assert any('"heatmap"' in chart.proto.spec for chart in app.get("plotly_chart"))
    assert any(button.label == "Read" for button in app.button)


def test_the_layer_panel_leads_with_what_is_visible_and_keeps_its_method_in_a_help(environment, mnist):
    """Issue 19: the line above the heatmaps says what to look for (units that light up, where the state settles, the
    row this drawing's answer settles at); the ordering method is in a "How is this ordered?" expander under them."""
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[0]))
    app = run_script(APP_SCRIPT)
    lead = [text.value for text in app.markdown if text.value.startswith("**What each layer passes on")]
    assert lead and "respond to your digit" in lead[0] and "the state has settled" in lead[0]
    assert re.search(r"top digit stays the same from row \d+ on", lead[0])
    assert "linearisation" not in lead[0] and "principal component" not in lead[0]
    help_panel = next(expander for expander in app.expander if expander.label == "How is this ordered?")
    method = " ".join(text.value for text in help_panel.markdown)
    assert "linearisation" in method and "first principal component" in method


def test_the_first_screen_names_the_first_step_and_what_to_watch(environment):
    """Issue 19 (items 8 and 10): the waiting page says what to do first and what the running answer will show, and
    why the explanations are disabled, in the page rather than only on hover; Play's icon comes from the page's icon font."""
    app = run_script(APP_SCRIPT)
    assert any(info.value.startswith("**First step:** Draw a digit from 0 to 9") and "running answer" in info.value for info in app.info)
    assert any("Each line is one digit: watch the answer form as the rows are read" in caption.value for caption in app.caption)
    assert any(caption.value.startswith("Draw a digit first: these panels explain") for caption in app.caption)
    assert app.button(key="play_rows").label == "Play" and app.button(key="play_rows").icon == ":material/play_arrow:"
    answer = json.loads(reading_figures(app)[0])
    assert answer["note"].startswith("Draw a digit")


def test_copy_link_carries_the_reading_and_the_address_is_written_before_the_figures(environment, mnist):
    """Issue 19 (item 9): the browser's Copy link gets the reading's own query from the server with the stroke (the
    address bar may lag; the browser test times it), and it is the query the address is set to."""
    (_, _), (x_test, _) = mnist
    environment(canvas_of(x_test[0]))
    app = run_script(APP_SCRIPT)
    actions = sent_to(app, "lstm_demo.reading_actions")[-1]
    query = dict(urllib.parse.parse_qsl(actions["link"]))
    assert "drawing" in query and query["model"] and query.get("row", "28") == "28"  # Row 28, the whole read, is left out.
    address = {name: (value[0] if isinstance(value, list) else value) for name, value in app.query_params.items()}
    assert address["drawing"] == query["drawing"]
