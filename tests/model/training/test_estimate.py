"""model.training.estimate: how long a run will take, scaled from a past run on the same device."""

from __future__ import annotations

import pytest

from model.config import TrainConfig
from model.training.estimate import estimate_seconds, training_images, work_per_image
from tests.helpers import make_record

DEVICE = "CPU (tensorflow backend)"


def test_no_past_run_on_this_device_means_no_estimate():
    assert estimate_seconds(TrainConfig(), [], DEVICE) is None
    assert estimate_seconds(TrainConfig(), [make_record()], "GPU: something") is None


def test_the_same_run_again_takes_as_long_and_twice_the_epochs_about_twice_as_long():
    past = make_record()  # 2 epochs of 256 images at 16 units in 4 s.
    again = estimate_seconds(past.config, [past], DEVICE)
    assert again.same_shape and again.seconds == pytest.approx(past.train_seconds)
    longer = estimate_seconds(past.config.with_overrides(epochs=4), [past], DEVICE)
    assert longer.seconds == pytest.approx(2 * past.train_seconds)


def test_bigger_networks_and_more_images_cost_more():
    past = make_record()
    small = estimate_seconds(past.config, [past], DEVICE).seconds
    wide = estimate_seconds(past.config.with_overrides(units=128), [past], DEVICE)
    assert not wide.same_shape and wide.seconds > 10 * small
    assert work_per_image(TrainConfig(units=128)) > work_per_image(TrainConfig(units=64))
    assert training_images(TrainConfig(train_subset=0)) == 60000
    assert training_images(TrainConfig(validation="split", validation_split=0.1)) == 54000


def test_setting_problems_say_why():
    from model.config import TrainConfig
    from model.training.estimate import setting_problems

    assert setting_problems(TrainConfig()).refusals == () and setting_problems(TrainConfig()).warnings == ()
    one_image = setting_problems(TrainConfig(train_subset=1, batch_size=16, epochs=1))
    assert one_image.refusals and "1 training image is fewer than one batch of 16" in one_image.refusals[0]
    few_steps = setting_problems(TrainConfig(train_subset=2000, batch_size=1024, epochs=1))
    assert not few_steps.refusals and any("2 weight updates" in warning for warning in few_steps.warnings)
