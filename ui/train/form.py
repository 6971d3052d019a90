"""The Train page's form: the hyperparameter widgets, bounded by the server's policy, and the lines under them.

`fill_form` puts the defaults (or the settings of the run on show) into the widgets' session
state, after `acceptable` has thrown out any value a forged widget message put there;
`config_ui` draws the widgets and returns the `TrainConfig` they say; `estimate_line` and
`caps_note` tell how long a run will take here and what this server caps. The page that starts
and watches runs is `ui/train/view.py`.
"""

from __future__ import annotations

import datetime
import math

import streamlit as st

from model.config import FIELD_HELP, TrainConfig
from model.hosting.settings import DemoSettings
from model.shapes import MAX_BLANK_ROWS
from model.training.estimate import MNIST_TRAIN_IMAGES, estimate_seconds
from model.training.supervisor import RunSnapshot
from ui import resources
from ui import state as keys

BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
LEARNING_RATES = [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]
UNIT_CHOICES = [16, 32, 64, 128, 256]
MAX_EPOCHS = 50
FORM_FIELDS = (
    "epochs",
    "batch_size",
    "learning_rate",
    "units",
    "dropout_rate",
    "train_subset",
    "seed",
    "augment",
    "cell",
    "max_blank_rows",
)
FORM_KEYS = {name: keys.train_form(name) for name in FORM_FIELDS}
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Plain RNN"}


def acceptable(name: str, value: object, policy: DemoSettings) -> bool:
    """Whether the form may show `value` for `name`: a choice it offers, or a whole number or fraction within its bounds."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name in ("batch_size", "units"):
        return whole and value in (BATCH_SIZES if name == "batch_size" else UNIT_CHOICES)
    if name == "learning_rate":
        return isinstance(value, float) and value in LEARNING_RATES
    if name == "dropout_rate":
        return isinstance(value, float) and math.isfinite(value) and 0.0 <= value <= 0.5
    if name == "augment":
        return isinstance(value, bool)
    if name == "cell":
        return value is None or value in CELL_NAMES  # None: the control deselected, read as the LSTM.
    low, high = {
        "epochs": (1, policy.max_epochs or MAX_EPOCHS),
        "train_subset": (0 if policy.max_train_subset is None else 1, policy.max_train_subset or MNIST_TRAIN_IMAGES),
        "seed": (0, 2**31 - 1),
        "max_blank_rows": (0, MAX_BLANK_ROWS),
    }[name]
    return whole and low <= value <= high


def _reset_forged_values(policy: DemoSettings) -> None:
    """Before the widgets are made: a form value they cannot take (forged, or stale) goes back to its default, with a note."""
    reset = []
    for name, key in FORM_KEYS.items():
        try:
            value = st.session_state.get(key)
        except Exception:  # Streamlit could not even read it back (see ui/widget_guard.py).
            value = None  # Acceptable for no field.
        if key in st.session_state and not acceptable(name, value, policy):
            del st.session_state[key]
            reset.append(name.replace("_", " "))
    if reset:
        st.warning(f"The form held a value it cannot take ({', '.join(reset)}), so it was reset.")


def _nearest(choices: list, value):
    return min(choices, key=lambda choice: abs(choice - value))


def fill_form(policy: DemoSettings, shown: RunSnapshot | None) -> None:
    """Defaults for a new form; the settings of the run on show, once, when it is not the form's yet."""
    _reset_forged_values(policy)
    defaults = policy.clamp(TrainConfig())
    for name, key in FORM_KEYS.items():
        st.session_state.setdefault(key, getattr(defaults, name))
    if shown is not None and st.session_state.get(keys.FORM_RUN) != shown.run_id:
        config = policy.clamp(shown.config)
        for name, key in FORM_KEYS.items():
            st.session_state[key] = getattr(config, name)
        st.session_state[FORM_KEYS["batch_size"]] = _nearest(BATCH_SIZES, config.batch_size)
        st.session_state[FORM_KEYS["learning_rate"]] = _nearest(LEARNING_RATES, config.learning_rate)
        st.session_state[FORM_KEYS["units"]] = _nearest(UNIT_CHOICES, config.units)
        st.session_state[keys.FORM_RUN] = shown.run_id


def config_ui(policy: DemoSettings, disabled: bool) -> TrainConfig:
    """Hyperparameter widgets (values in session state, see `fill_form`), bounded by the server's policy."""
    max_epochs = policy.max_epochs or MAX_EPOCHS
    max_subset = policy.max_train_subset or MNIST_TRAIN_IMAGES
    key, help_of = FORM_KEYS, FIELD_HELP
    first, second, third = st.columns(3)
    first.number_input("Epochs", 1, max_epochs, key=key["epochs"], help=help_of["epochs"], disabled=disabled)
    first.select_slider("Batch size", BATCH_SIZES, key=key["batch_size"], help=help_of["batch_size"], disabled=disabled)
    second.select_slider(
        "Learning rate (peak)", LEARNING_RATES, key=key["learning_rate"], format_func=lambda rate: f"{rate:g}",
        help=help_of["learning_rate"], disabled=disabled,
    )  # fmt: skip
    second.select_slider("Units per layer", UNIT_CHOICES, key=key["units"], help=help_of["units"], disabled=disabled)
    second.slider("Dropout", 0.0, 0.5, step=0.05, key=key["dropout_rate"], help=help_of["dropout_rate"], disabled=disabled)
    all_images = f"Training images (0 = all {MNIST_TRAIN_IMAGES:,})"
    third.number_input(
        all_images if policy.max_train_subset is None else f"Training images (at most {max_subset:,})",
        0 if policy.max_train_subset is None else 1, max_subset, step=1000, key=key["train_subset"],
        help=help_of["train_subset"], disabled=disabled,
    )  # fmt: skip
    third.number_input("Random seed", 0, 2**31 - 1, key=key["seed"], help=help_of["seed"], disabled=disabled)
    third.checkbox("Distort training images (augmentation)", key=key["augment"], help=help_of["augment"], disabled=disabled)
    first.segmented_control(
        "Recurrent cell", list(CELL_NAMES), format_func=CELL_NAMES.get, key=key["cell"], help=help_of["cell"], disabled=disabled
    )
    third.number_input(
        "Blank rows after digits (memory)",
        0,
        MAX_BLANK_ROWS,
        step=8,
        key=key["max_blank_rows"],
        help=help_of["max_blank_rows"],
        disabled=disabled,
    )
    values = {name: st.session_state[widget_key] for name, widget_key in key.items()}
    return TrainConfig(
        epochs=int(values["epochs"]), batch_size=int(values["batch_size"]), learning_rate=float(values["learning_rate"]),
        units=int(values["units"]), dropout_rate=float(values["dropout_rate"]), train_subset=int(values["train_subset"]),
        seed=int(values["seed"]), augment=bool(values["augment"]), cell=values["cell"] or "lstm",
        max_blank_rows=int(values["max_blank_rows"]), gradient_clip_norm=1.0 if values["max_blank_rows"] else 0.0,
    )  # fmt: skip


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def estimate_line(config: TrainConfig, device: str | None, startup_seconds: float | None) -> str:
    records = [record for _, record in resources.saved_models() if record is not None]
    estimate = estimate_seconds(config, records, device) if device else None
    # Starting (a process, TensorFlow, the data, the network) comes before the first batch, whatever the settings.
    startup = f" Starting takes about {duration(startup_seconds)} more here (the last run's start)." if startup_seconds else ""
    if estimate is None:
        return "No run has finished on this machine yet, so there is no estimate of the time; the progress bar will tell." + startup
    basis = "a past run of the same shape" if estimate.same_shape else "a past run of another shape, scaled"
    return (
        f"Estimated training time on this machine: about **{duration(estimate.seconds)}** "
        f"(from {basis}, started {human_time(estimate.reference_started)}).{startup}"
    )


def human_time(moment: str) -> str:
    """An ISO timestamp as a person says it ('28 Nov 2026 at 19:57 UTC'); left as it is when it does not parse."""
    try:
        parsed = datetime.datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return str(moment)
    zone = " UTC" if parsed.utcoffset() == datetime.timedelta(0) else ""
    return f"{parsed.day} {parsed:%b %Y} at {parsed:%H:%M}{zone}"


def caps_note(policy: DemoSettings) -> None:
    if policy.max_epochs or policy.max_train_subset or policy.max_run_seconds:
        st.info(
            "This hosted demo caps training at "
            + ", ".join(
                part
                for part in (
                    f"{policy.max_epochs} epochs" if policy.max_epochs else "",
                    f"{policy.max_train_subset:,} training images" if policy.max_train_subset else "",
                    f"{policy.max_run_seconds / 60:g} minutes a run" if policy.max_run_seconds else "",
                )
                if part
            )
            + "."
        )
