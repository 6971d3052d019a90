"""The training view: pick hyperparameters, start a run, and watch the network learn live.

Training runs on a worker thread owned by the server-wide `TrainingSupervisor`; this page never
trains inside the script run. It starts and stops runs, and a fragment polls the run's progress
object every second, so a refresh or a second tab shows the same run still going.
"""

from __future__ import annotations

import secrets

import numpy as np
import streamlit as st

from model.data import MnistUnavailableError
from model.network import detect_device
from model.store import ModelFileError, load_history
from model.train import TrainConfig
from model.worker import RunSnapshot, TrainingBusyError, TrainingPolicy, TrainingSupervisor
from ui import charts, resources, settings
from ui.live_chart import live_plotly_chart

POLL_SECONDS = 1.0
WATCHED_DIGIT_COUNT = 10
BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
LEARNING_RATES = [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]
UNIT_CHOICES = [16, 32, 64, 128, 256]
MAX_EPOCHS = 50
OWNER_PARAMETER = "trainer"  # In the URL, so the visitor who started a run keeps Stop across a refresh.


@st.cache_resource
def supervisor() -> TrainingSupervisor:
    """The one training supervisor of this server process, shared by every session."""
    return TrainingSupervisor(resources.RUNS_DIRECTORY, TrainingPolicy.from_settings(settings.demo_settings()))


@st.cache_resource
def device_description() -> str:
    return detect_device().describe()


def config_ui(policy: TrainingPolicy, disabled: bool) -> TrainConfig:
    """Hyperparameter widgets with defaults from `TrainConfig`, bounded by the server's policy."""
    defaults = policy.clamp(TrainConfig())
    max_epochs = policy.max_epochs or MAX_EPOCHS
    max_subset = policy.max_train_subset or 60000
    first, second, third = st.columns(3)
    epochs = first.number_input("Epochs", 1, max_epochs, defaults.epochs, disabled=disabled)
    batch_size = first.select_slider("Batch size", BATCH_SIZES, defaults.batch_size, disabled=disabled)
    learning_rate = second.select_slider(
        "Learning rate (peak)", LEARNING_RATES, defaults.learning_rate, format_func=lambda rate: f"{rate:g}", disabled=disabled
    )
    units = second.select_slider("LSTM units per layer", UNIT_CHOICES, defaults.units, disabled=disabled)
    dropout_rate = second.slider("Dropout", 0.0, 0.5, defaults.dropout_rate, 0.05, disabled=disabled)
    train_subset = third.number_input(
        "Training images (0 = all 60,000)" if policy.max_train_subset is None else f"Training images (at most {max_subset:,})",
        0 if policy.max_train_subset is None else 1,
        max_subset,
        defaults.train_subset,
        step=1000,
        disabled=disabled,
    )
    seed = third.number_input("Random seed", 0, 2**31 - 1, defaults.seed, disabled=disabled)
    augment = third.checkbox("Distort training images (augmentation)", defaults.augment, disabled=disabled)
    return TrainConfig(
        epochs=int(epochs),
        batch_size=int(batch_size),
        learning_rate=float(learning_rate),
        units=int(units),
        dropout_rate=float(dropout_rate),
        train_subset=int(train_subset),
        seed=int(seed),
        augment=bool(augment),
    )


def _watched_digits() -> tuple[np.ndarray, np.ndarray] | None:
    """One test image of each digit, the same every run, to watch the network get better."""
    try:
        images, labels = resources.test_images()
    except MnistUnavailableError:
        return None
    indices = [int(np.flatnonzero(labels == digit)[0]) for digit in range(WATCHED_DIGIT_COUNT)]
    return images[indices].astype(np.float32) / 255.0, labels[indices]


def _start(config: TrainConfig) -> None:
    try:
        limiter = settings.start_limiter(supervisor().policy.min_seconds_between_starts)
        if not settings.is_operator():
            limiter.check(settings.visitor_key())  # The operator may start runs as often as needed.
        data = resources.load_dataset(resources.data_path_setting())
        watched = _watched_digits()
        owner = secrets.token_urlsafe(8)
        supervisor().start(config, data, watched_images=None if watched is None else watched[0], owner=owner)
        limiter.record(settings.visitor_key())
        st.query_params[OWNER_PARAMETER] = owner
        st.session_state.pop("train_error", None)
    except (TrainingBusyError, ValueError) as error:
        st.session_state["train_error"] = str(error)


def render() -> None:
    st.title("Train the LSTM and watch it learn")
    boss = supervisor()
    policy = boss.policy
    st.caption(f"Device: **{device_description()}**")
    if not policy.enabled:
        st.info("Training is turned off on this hosted demo. Below are the curves of the model it ships with.")
        _shipped_curves()
        return
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
    run = boss.current()
    busy = run is not None and run.snapshot().active
    with st.expander("Hyperparameters", expanded=not busy):
        config = config_ui(policy, disabled=busy)
    start_column, stop_column, _ = st.columns([1, 1, 4])
    if busy and (run.owner == st.query_params.get(OWNER_PARAMETER) or settings.is_operator()):
        stop_column.button("Stop", type="secondary", on_click=run.request_stop, key="stop_training")
    elif busy:
        st.info("Another visitor started this run: watch it live here. One run trains at a time; start yours when it ends.")
    else:
        start_column.button("Start training", type="primary", on_click=_start, args=(config,), key="start_training")
    if "train_error" in st.session_state:
        st.error(st.session_state["train_error"])
    live_progress()


@st.fragment(run_every=POLL_SECONDS)
def live_progress() -> None:
    """Polls the shared run: progress, curves, watched digits, and the outcome once it ends."""
    run = supervisor().current()
    if run is None:
        _shipped_curves()
        return
    snapshot = run.snapshot()
    if snapshot.active and st.session_state.get("_was_idle", True):
        st.session_state["_was_idle"] = False
    _progress_line(snapshot)
    x_column, smoothing_column = st.columns(2)
    x_axis = x_column.radio(
        "x axis", ["samples_seen", "seconds"], format_func=charts.X_AXIS_TITLES.get, horizontal=True, key="train_x_axis"
    )
    smoothing = smoothing_column.slider("Smoothing", 0.0, 0.95, 0.6, 0.05, key="train_smoothing")
    batches = [vars(batch) for batch in snapshot.batches]
    epochs = [vars(epoch) for epoch in snapshot.epochs]
    curves = charts.training_curves(batches, epochs, x_axis, smoothing)
    curves.layout.uirevision = x_axis  # A zoom survives the next poll, not a change of x axis.
    # Redrawn in place every poll (st.plotly_chart would remount it each second and lose the zoom).
    live_plotly_chart(curves, key="live_curves")
    st.caption(
        "Blue: loss and accuracy on the training batches (faint: as measured, bold: smoothed). "
        "Yellow dots: loss and accuracy on the validation images after each epoch."
    )
    _watched_predictions(snapshot)
    _outcome(snapshot)
    if not snapshot.active and not st.session_state.get("_was_idle", True):
        st.session_state["_was_idle"] = True
        st.rerun()  # Re-enable the Start button and the settings now that the run is over.


def _progress_line(snapshot: RunSnapshot) -> None:
    latest = snapshot.latest_batch
    if latest is None:
        st.progress(0.0, text=f"{snapshot.run_id}: preparing the data and the network…")
        return
    eta = snapshot.eta_seconds()
    eta_text = f", about {eta:.0f} s left" if snapshot.active and eta is not None else ""
    status = {"stopping": " (stopping…)", "stopped": " (stopped)", "finished": " (finished)", "failed": " (failed)"}.get(
        snapshot.status, ""
    )
    st.progress(
        snapshot.fraction_done() if snapshot.status != "finished" else 1.0,
        text=f"{snapshot.run_id}{status}: epoch {latest.epoch}/{latest.epochs}, batch {latest.batch}/{latest.batches_per_epoch}{eta_text}",
    )


def _watched_predictions(snapshot: RunSnapshot) -> None:
    watched = _watched_digits()
    answers = next((epoch.watched_probabilities for epoch in reversed(snapshot.epochs) if epoch.watched_probabilities), None)
    if watched is None or answers is None:
        return
    images, labels = watched
    st.markdown(f"**Ten test digits, as the network reads them after epoch {snapshot.epochs[-1].epoch}**")
    columns = st.columns(len(labels))
    for column, image, label, probabilities in zip(columns, images, labels, answers):
        guess = int(np.argmax(probabilities))
        mark = "✅" if guess == label else "❌"
        column.image(np.kron(image, np.ones((3, 3))), clamp=True, use_container_width=True)
        column.caption(f"{mark} {guess} ({probabilities[guess]:.0%})")


def _outcome(snapshot: RunSnapshot) -> None:
    if snapshot.status == "failed":
        st.error(f"{snapshot.error} The active model is unchanged.")
    elif snapshot.status in ("finished", "stopped") and snapshot.model_path is not None:
        st.success(
            f"Run {snapshot.run_id} {snapshot.status}: {snapshot.test_accuracy:.2%} accuracy on the 10,000 test images. "
            f"Saved as {snapshot.model_path.name}."
        )
        if resources.active_model_path() != snapshot.model_path:
            st.button("Use this model for drawing", key="use_new_model", on_click=resources.set_active_model, args=(snapshot.model_path,))
        else:
            st.caption("This model is now the one the drawing view uses.")
    saved_runs_table()


def _shipped_curves() -> None:
    try:
        history = load_history(resources.SHIPPED_MODEL)
    except ModelFileError as error:
        st.warning(str(error))
        return
    if not history:
        st.info("The shipped model has no saved training history to show.")
        return
    st.subheader("How the shipped model learned")
    x_axis = st.radio("x axis", ["samples_seen", "seconds"], format_func=charts.X_AXIS_TITLES.get, horizontal=True, key="shipped_x_axis")
    st.plotly_chart(charts.training_curves(history["batches"], history["epochs"], x_axis), key="shipped_curves")
    st.caption(
        f"Trained for {history['config']['epochs']} epochs on {history['device']} in {history['seconds']:.0f} s; "
        f"{history['test_accuracy']:.2%} accuracy on the 10,000 test images."
    )
    saved_runs_table()


def saved_runs_table() -> None:
    """Every saved model with its accuracy, and one click to make it the drawing view's model."""
    entries = resources.saved_models()
    if not entries:
        return
    st.subheader("Saved models")
    active = resources.active_model_path().resolve()
    for path, history in entries:
        name, accuracy, status, use = st.columns([3, 1.2, 1.2, 1.5])
        name.write(resources.describe_model(path, None))
        accuracy.write(f"{history['test_accuracy']:.2%}" if history and history.get("test_accuracy") is not None else "–")
        status.write(history.get("status", "–") if history else "–")
        if path.resolve() == active:
            use.write("✓ in use")
        else:
            use.button("Use for drawing", key=f"use_{path.name}", on_click=resources.set_active_model, args=(path,))
