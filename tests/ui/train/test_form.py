"""The Train form's checks of widget values, outside a page: what a forged widget message may not put in the form."""

from __future__ import annotations

import math

import pytest

from model.hosting.settings import DemoSettings
from ui.train import form

OPEN = DemoSettings.from_mapping({})
CAPPED = DemoSettings.from_mapping({"LSTM_DEMO_MAX_EPOCHS": "3", "LSTM_DEMO_MAX_TRAIN_SUBSET": "5000"})


@pytest.mark.parametrize(
    ("name", "value"),
    [("epochs", 2), ("batch_size", 256), ("learning_rate", 1e-2), ("units", 128), ("dropout_rate", 0.1),
     ("train_subset", 0), ("augment", True), ("cell", "gru"), ("cell", None), ("max_blank_rows", 224)],
)  # fmt: skip
def test_the_values_the_widgets_offer_are_acceptable(name, value):
    assert form.acceptable(name, value, OPEN)


@pytest.mark.parametrize(
    ("name", "value"),
    [("epochs", 0), ("epochs", 51), ("batch_size", 300), ("learning_rate", 0.7), ("units", 129), ("dropout_rate", math.nan),
     ("dropout_rate", 0.9), ("augment", "yes"), ("cell", "transformer"), ("max_blank_rows", 225), ("epochs", True)],
)  # fmt: skip
def test_forged_values_are_not(name, value):
    assert not form.acceptable(name, value, OPEN)


def test_the_servers_caps_bound_the_form():
    assert form.acceptable("epochs", 3, CAPPED) and not form.acceptable("epochs", 4, CAPPED)
    assert form.acceptable("train_subset", 5000, CAPPED) and not form.acceptable("train_subset", 0, CAPPED)


def test_times_read_as_a_person_says_them():
    assert form.human_time("2026-11-28T19:57:03+00:00") == "28 Nov 2026 at 19:57 UTC"
    assert form.human_time("not a time") == "not a time"
    assert form.duration(42) == "42 s" and form.duration(600) == "10 min"
