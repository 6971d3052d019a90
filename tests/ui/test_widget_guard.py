"""Forged widget values on the Train page (AppTest): a plain message, the form back to values it can take, the page recovered.

A forged message is made as a browser would send it: a `WidgetState` of the wrong type or value
for the widget's id (NaN for Epochs, a number or an out-of-range index for the units choice).
"""

from __future__ import annotations

import math

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from tests.helpers import TRAIN_SCRIPT
from ui import resources, widget_guard
from ui.train import form as train_form

FORGED = {
    "epochs NaN": ("number_input", "train_epochs", {"double_value": math.nan}),
    "epochs as text": ("number_input", "train_epochs", {"string_value": "lots"}),
    "seed infinite": ("number_input", "train_seed", {"double_value": math.inf}),
    "units index 999": ("select_slider", "train_units", {"int_array_value": [999]}),
    "units as a number": ("select_slider", "train_units", {"double_value": 999.0}),
    "dropout NaN": ("slider", "train_dropout_rate", {"double_value": math.nan}),
    "augment as text": ("checkbox", "train_augment", {"string_value": "yes"}),
    "cell as a number": ("button_group", "train_cell", {"double_value": 3.0}),
    "blank rows NaN": ("number_input", "train_max_blank_rows", {"double_value": math.nan}),
}


def forge(app: AppTest, kind: str, key: str, value: dict) -> None:
    """Make the next run send `value` as the widget's state, as a hand-made websocket message would."""
    (element,) = [element for element in app.get(kind) if element.key == key]
    state = WidgetState(id=element.id)
    for field, given in value.items():
        if field.endswith("_array_value"):
            getattr(state, field).data[:] = given
        else:
            setattr(state, field, given)
    element.__class__ = type("Forged", (type(element),), {"_widget_state": property(lambda self: state)})


def _takes_every_value(app: AppTest) -> bool:
    form = _form(app)
    policy = resources.training_supervisor().policy
    return len(form) == len(train_form.FORM_KEYS) and all(
        train_form.acceptable(name, form[key], policy) for name, key in train_form.FORM_KEYS.items()
    )


def _form(app: AppTest) -> dict:
    values = {
        element.key: element.value
        for kind in ("number_input", "select_slider", "slider", "checkbox", "button_group")
        for element in app.get(kind)
    }
    return {key: value for key, value in values.items() if key and key.startswith("train_")}


@pytest.mark.parametrize("name", list(FORGED))
def test_a_forged_value_is_reset_with_a_plain_message_and_the_page_recovers(environment, name):
    kind, key, value = FORGED[name]
    app = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120).run()
    forge(app, kind, key, value)
    app.run()
    assert not app.exception, app.exception
    assert widget_guard.NOTICE in [warning.value for warning in app.warning]
    assert _takes_every_value(app), "every control shows a value it can take"
    app.run()
    assert not app.exception and widget_guard.NOTICE not in [warning.value for warning in app.warning], "said once"
    assert any(button.key == "start_training" for button in app.button)


def test_values_a_control_cannot_take_are_reset_before_the_controls_see_them(environment):
    defaults = _form(AppTest.from_string(TRAIN_SCRIPT, default_timeout=120).run())
    app = AppTest.from_string(TRAIN_SCRIPT, default_timeout=120)
    # Put in the session before the controls exist (as a restored run's settings are), not sent by a browser.
    for key, value in {"train_units": 999, "train_epochs": math.nan, "train_batch_size": "x", "train_dropout_rate": 0.9}.items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, app.exception
    (warning,) = [warning.value for warning in app.warning if "was reset" in warning.value]
    assert all(name in warning for name in ("epochs", "batch size", "units", "dropout rate"))
    assert _form(app) == defaults
