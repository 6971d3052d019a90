"""ui.draw.teach: a visitor's corrections are collected, removed, and taught to a copy of the model (AppTest)."""

from __future__ import annotations

import pytest

from tests.helpers import (
    APP_SCRIPT,
    canvas_of,
    metric,
    mnist_path,
    run_script,
)
from ui import resources
from ui.draw.teach import with_article

needs_mnist = pytest.mark.skipif(mnist_path() is None, reason="MNIST is not available (set MNIST_NPZ)")


@pytest.mark.slow
@needs_mnist
def test_corrections_are_collected_removed_and_taught(environment, runs_folder, monkeypatch, mnist):
    from model.config import FineTuneConfig

    monkeypatch.setattr("ui.draw.teach.SETTINGS", FineTuneConfig(steps=10))
    (x_train, _), _ = mnist
    environment(canvas_of(x_train[4476]))  # A 2 the shipped model reads as 1.
    app = run_script(APP_SCRIPT)
    assert metric(app, "Prediction").value == "1"
    picks = app.button_group(key="teach_label")
    assert "It's a 1" not in picks.options and "It's a 2" in picks.options, "no choice for what it already says"
    picks.set_value(2).run()
    assert not app.exception
    assert any(header.value == "Teach it your handwriting" for header in app.subheader)
    # Issue 19: the pick is acknowledged at once, where it was made: what was added, how many, and the next step.
    note = [caption.value for caption in app.caption if "collected" in caption.value]
    assert note and "Added as a 2" in note[0] and "1 drawing collected" in note[0] and "Teach it" in note[0]
    assert [button.key for button in app.button if button.label == "Remove"] == ["teach_remove_0"]
    app.button(key="teach_remove_0").click().run()
    assert not [button for button in app.button if button.key == "teach_it"], "nothing left to teach"
    assert app.button_group(key="teach_label").value is None  # The pick does not stay chosen.
    app.button_group(key="teach_label").set_value(2).run()
    app.button(key="teach_it").click().run()
    assert not app.exception, app.exception
    run = resources.training_supervisor().current()
    assert run is not None and run.wait(300)
    app.run()
    assert not app.exception
    assert run.snapshot().status == "finished", run.snapshot().error
    labels = {metric.label for metric in app.metric}
    assert {"Before (the shipped model)", "MNIST test accuracy before", "MNIST test accuracy after", "After teaching"} <= labels
    assert any(button.key == "use_taught_model" for button in app.button)
    assert run.snapshot().model_path.parent == runs_folder


def test_the_teach_label_reads_with_the_right_article():
    assert f"Not {with_article(8)}?" == "Not an 8?"
    assert [with_article(digit) for digit in (0, 1, 4, 7, 9)] == ["a 0", "a 1", "a 4", "a 7", "a 9"]


def test_a_scribble_is_taught_only_after_a_confirm(environment):
    """Issue 20: a drawing the detector says is not a digit does not join the corrections on a pick alone."""
    from model.drawings import NON_DIGIT_STROKES, render_strokes
    from ui import state as keys

    environment(render_strokes(NON_DIGIT_STROKES["zig-zag 3"]))
    app = run_script(APP_SCRIPT)
    note = [warning.value for warning in app.warning if "does not look like a digit" in warning.value]
    assert note and "closest to a" in note[0], "the note says why"
    label = (int(metric(app, "Prediction").value) + 1) % 10
    app.button_group(key=keys.TEACH_LABEL).set_value(label).run()
    assert not app.exception, app.exception
    assert app.session_state[keys.TEACH_CORRECTIONS] == [], "nothing is added before the confirm"
    assert any(f"Teaching it as {with_article(label)}" in warning.value for warning in app.warning)
    app.button(key="teach_cancel").click().run()
    assert app.session_state[keys.TEACH_CORRECTIONS] == [] and not [b for b in app.button if b.key == "teach_confirm"]
    app.button_group(key=keys.TEACH_LABEL).set_value(label).run()
    app.button(key="teach_confirm").click().run()
    assert not app.exception, app.exception
    assert [saved_label for _, saved_label in app.session_state[keys.TEACH_CORRECTIONS]] == [label]
    assert any(header.value == "Teach it your handwriting" for header in app.subheader)
