"""The training view: pick hyperparameters, start a run, and watch the network learn live.

Training runs in a process owned by the server-wide `TrainingSupervisor`; this page never trains
inside the script run. While a run is active, a fragment polls its progress object every second,
so a refresh or a second tab shows the same run still going; when nothing trains, nothing polls,
and an idle visitor costs the server nothing. A visitor who started or watched a run keeps seeing
it after it ends (with its settings restored into the form); everyone else sees how the shipped
model learned. The saved-runs table and the comparison live in `ui/train/runs.py`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import streamlit as st

from model.config import TrainConfig
from model.data import MnistUnavailableError
from model.training.estimate import setting_problems, training_images
from model.training.record import RunRecordError, read_run_record
from model.training.snapshots import describe_moment
from model.training.supervisor import RunSnapshot, TrainingBusyError
from ui import resources, settings, widget_guard
from ui import state as keys
from ui.components import charts
from ui.components.live_chart import live_plotly_chart
from ui.train import charts as training_charts
from ui.train import form
from ui.train import runs as runs_view

POLL_SECONDS = 1.0
WATCHED_DIGIT_COUNT = 10
OWNER_PARAMETER = settings.OWNER_PARAMETER  # The run owner's token: kept in the session, never written into the address.


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
        refusals = setting_problems(config).refusals
        if refusals:
            raise ValueError(refusals[0])  # The button is disabled then; a stale click still gets the reason.
        limiter = settings.start_limiter(resources.training_supervisor().policy.min_seconds_between_starts)
        if not settings.is_operator():
            limiter.check(settings.visitor_key())  # The operator may start runs as often as needed.
        data = resources.load_dataset(resources.data_path_setting())
        watched = _watched_digits()
        owner = secrets.token_urlsafe(8)
        run = resources.training_supervisor().start(config, data, watched_images=None if watched is None else watched[0], owner=owner)
        limiter.record(settings.visitor_key())
        settings.remember_token(OWNER_PARAMETER, owner)  # In the session only: a shared link never hands out Stop.
        st.session_state[keys.WATCHED_RUN] = run.run_id
        st.session_state[keys.FORM_RUN] = run.run_id  # The form already holds its settings.
        st.session_state.pop(keys.TRAIN_ERROR, None)
    except (TrainingBusyError, ValueError) as error:
        st.session_state[keys.TRAIN_ERROR] = str(error)


def render() -> None:
    widget_guard.install()
    st.title("Train the LSTM and watch it learn")
    widget_guard.show_notice()
    boss = resources.training_supervisor()
    policy = boss.policy
    refusal = boss.does_not_train()
    if refusal is not None:
        st.info(f"{refusal} Below are the curves of the model it ships with, and the runs saved on it.")
        shipped_curves()
        runs_view.saved_runs_table()
        return
    device = boss.device_description()
    st.caption(f"Device: **{device}**" if device else "Device: checking which processor training will use (a few seconds)…")
    form.caps_note(policy)
    run = boss.current()
    snapshot = run.snapshot() if run is not None else None
    busy = snapshot is not None and snapshot.active
    mine = run is not None and _holds_owner_token(run.owner)
    if busy:
        st.session_state[keys.WATCHED_RUN] = snapshot.run_id
    shown = snapshot if snapshot is not None and (busy or mine or st.session_state.get(keys.WATCHED_RUN) == snapshot.run_id) else None
    form.fill_form(policy, shown)
    with st.expander("Hyperparameters", expanded=not busy):
        config = form.config_ui(policy, disabled=busy)
        problems = setting_problems(config)
        if not busy:
            st.caption(form.estimate_line(config, device, resources.training_supervisor().startup_seconds()))
            for refusal in problems.refusals:
                st.error(refusal, icon=":material/block:")
            for warning in problems.warnings:
                st.warning(warning, icon=":material/warning:")
    start_column, stop_column, _ = st.columns([1, 1, 4])
    if busy and (mine or settings.is_operator()):
        stop_column.button("Stop", type="secondary", on_click=run.request_stop, key="stop_training")
    elif busy:
        st.info("Another visitor started this run: watch it live here. One run trains at a time; start yours when it ends.")
    else:
        start_column.button("Start training", type="primary", on_click=_start, args=(config,), key="start_training",
                            disabled=bool(problems.refusals), help=problems.refusals[0] if problems.refusals else None)  # fmt: skip
    if keys.TRAIN_ERROR in st.session_state:
        st.error(st.session_state[keys.TRAIN_ERROR])
    if busy:
        live_progress()
    elif shown is not None:
        run_view(shown)
    else:
        shipped_curves()
    runs_view.saved_runs_table()


def _holds_owner_token(owner: str | None) -> bool:
    """Whether this session holds the token of the visitor who started the run (compared in constant time)."""
    given = settings.session_token(OWNER_PARAMETER)
    if owner is None or not isinstance(given, str):
        return False
    return secrets.compare_digest(given.encode(), owner.encode())


@st.fragment(run_every=POLL_SECONDS)
def live_progress() -> None:
    """Polls the shared run while it is active; once it ends, one full rerun shows the outcome and stops the polling."""
    run = resources.training_supervisor().current()
    snapshot = run.snapshot() if run is not None else None
    if snapshot is None or not snapshot.active:
        st.rerun()  # Re-enables Start and the settings, and replaces this polling fragment by the still view.
    run_view(snapshot)


def run_view(snapshot: RunSnapshot) -> None:
    """A run's progress line, curves, watched digits per epoch, per-digit accuracy and outcome."""
    _progress_line(snapshot)
    x_column, smoothing_column = st.columns(2)
    x_axis = x_column.radio(
        "x axis", ["samples_seen", "seconds"], format_func=charts.X_AXIS_TITLES.get, horizontal=True, key="train_x_axis"
    )
    smoothing = smoothing_column.slider("Smoothing", 0.0, 0.95, 0.6, 0.05, key="train_smoothing")
    latest = snapshot.latest_batch
    if x_axis == "samples_seen":
        per_epoch = training_images(snapshot.config)
        if latest is not None:  # A fine-tune's "epoch" is its steps, not its pool of MNIST images.
            per_epoch = min(per_epoch, latest.batches_per_epoch * snapshot.config.batch_size)
        x_end = snapshot.config.epochs * per_epoch
    else:
        eta = snapshot.eta_seconds()
        x_end = latest.seconds + eta if snapshot.active and latest is not None and eta is not None else None
    curves = training_charts.training_curves(snapshot.batches, snapshot.epochs, x_axis, smoothing, x_end=x_end)
    curves.layout.uirevision = x_axis  # A zoom survives the next poll, not a change of x axis.
    # Redrawn in place every poll (st.plotly_chart would remount it each second and lose the zoom).
    live_plotly_chart(curves, key="live_curves")
    st.caption(
        "Blue: loss and accuracy on the training batches (faint: as measured, bold: smoothed). "
        "Yellow dots: loss and accuracy on the validation images after each epoch."
    )
    _watched_predictions(snapshot)
    if any(epoch.val_class_accuracy for epoch in snapshot.epochs):
        st.plotly_chart(training_charts.class_accuracy_by_epoch(snapshot.epochs), key="class_accuracy_by_epoch")
    _outcome(snapshot)


def _progress_line(snapshot: RunSnapshot) -> None:
    latest = snapshot.latest_batch
    if latest is None:
        startup = resources.training_supervisor().startup_seconds()
        usual = f" (about {form.duration(startup)} here last time)" if startup else ""
        st.progress(0.0, text=f"{snapshot.run_id}: starting the training process, loading the data and building the network{usual}…")
        return
    validating = latest.batch == latest.batches_per_epoch and len(snapshot.epochs) < latest.epoch
    eta = snapshot.eta_seconds()
    if snapshot.active and validating:
        tail = f", checking epoch {latest.epoch} on the validation images…"
    elif snapshot.active and latest.epoch == latest.epochs and not validating and len(snapshot.epochs) == latest.epochs:
        tail = ", saving…"
    else:
        tail = f", about {eta:.0f} s left" if snapshot.active and eta is not None else ""
    status = {"stopping": " (stopping…)", "stopped": " (stopped)", "finished": " (finished)", "failed": " (failed)"}.get(
        snapshot.status, ""
    )
    st.progress(
        snapshot.fraction_done() if snapshot.status != "finished" else 1.0,
        text=f"{snapshot.run_id}{status}: epoch {latest.epoch}/{latest.epochs}, batch {latest.batch}/{latest.batches_per_epoch}{tail}",
    )


def _watched_predictions(snapshot: RunSnapshot) -> None:
    watched = _watched_digits()
    moments = [epoch for epoch in snapshot.epochs if epoch.watched_probabilities]
    if watched is None or not moments:
        return
    images, labels = watched
    st.markdown("**Ten test digits, as the network read them after each epoch**")
    names = [describe_moment(epoch.epoch) for epoch in moments]
    figure = training_charts.watched_digits_grid(images, labels, [epoch.watched_probabilities for epoch in moments], names)
    st.plotly_chart(figure, key="watched_digits", config={"staticPlot": True})
    st.caption("Each row is the network after one more epoch; green answers are right, red ones wrong.")


def _outcome(snapshot: RunSnapshot) -> None:
    if snapshot.status == "failed":
        st.error(f"{settings.failure_for_visitor(snapshot.failure)} The active model is unchanged.")
    elif snapshot.failure is not None and snapshot.model_path is not None:  # Saved from its last completed epoch.
        st.warning(
            f"{settings.failure_for_visitor(snapshot.failure)} The run was saved as it stood after epoch "
            f"{snapshot.epochs_saved} of {snapshot.config.epochs}: {snapshot.model_path.name}, listed under Saved runs."
        )
        if resources.active_model_path() != snapshot.model_path:
            st.button("Use this model for drawing", key="use_new_model", on_click=resources.set_active_model, args=(snapshot.model_path,))
    elif snapshot.status in ("finished", "stopped") and snapshot.model_path is not None:
        accuracy = snapshot.test_accuracy
        accuracy_text = f"{accuracy:.2%} accuracy on the 10,000 test images" if accuracy is not None else "no test accuracy"
        st.success(f"Run {snapshot.run_id} {snapshot.status}: {accuracy_text}. Saved as {snapshot.model_path.name}.")
        if resources.active_model_path() != snapshot.model_path:
            st.button("Use this model for drawing", key="use_new_model", on_click=resources.set_active_model, args=(snapshot.model_path,))
        else:
            st.caption("This model is now the one the drawing view uses.")


def shipped_curves() -> None:
    """How the shipped model learned, from its saved record; a broken record is a plain message."""
    try:
        record = read_run_record(resources.SHIPPED_MODEL)
    except RunRecordError as error:
        st.warning(f"The shipped model's training history cannot be shown: {error}")
        return
    if record is None:
        st.info("The shipped model has no saved training history to show.")
        return
    st.subheader("How the shipped model learned")
    x_axis = st.radio("x axis", ["samples_seen", "seconds"], format_func=charts.X_AXIS_TITLES.get, horizontal=True, key="shipped_x_axis")
    st.plotly_chart(training_charts.training_curves(record.batches, record.epochs, x_axis), key="shipped_curves")
    config = record.config
    how = f"Fine-tuned from an earlier model's weights ({Path(config.start_from).name} before this run)" if config.start_from else "Trained"
    images = " on training images redrawn as the canvas draws" if config.augment and config.augment_style == "canvas" else ""
    distorted = (
        " The blue curves are measured on the training batches as distorted for training: their accuracy sits below, and "
        "their loss above, the yellow points measured on the untouched test images."
        if config.augment
        else ""
    )
    st.caption(
        f"{how} for {record.epochs_completed} epochs{images}, on {record.device} in {record.seconds:.0f} s; "
        f"{record.test_accuracy:.2%} accuracy on the 10,000 test images.{distorted}"
    )
    if any(epoch.val_class_accuracy for epoch in record.epochs):
        st.plotly_chart(training_charts.class_accuracy_by_epoch(record.epochs), key="shipped_class_accuracy")
