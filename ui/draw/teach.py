"""Teach it your handwriting: corrected drawings collected in the visitor's session, and a fine-tune in the background.

On the Draw page, `correction_buttons()` lets a visitor say what a misread digit really is; the
28×28 image and its label join their corrections (kept in their session only, shown as
thumbnails, removable); a drawing the not-a-digit detector flags joins them only after a confirm.
`teach_panel()` starts a "fine_tune" job in the training process: a copy
of the active model learns the corrections mixed with MNIST, within the server's training caps,
and is saved as a run like any other (never over the shipped model). When it ends, the panel
shows how the corrections and the MNIST test set were read before and after, side by side.
"""

from __future__ import annotations

import dataclasses
import secrets

import numpy as np
import streamlit as st

from model.config import FineTuneConfig, TrainConfig
from model.data import MnistUnavailableError
from model.shapes import MODEL_SUFFIX, NUMBER_OF_CLASSES
from model.training.process import FineTuneOptions
from model.training.record import RunRecordError, read_run_record
from model.training.supervisor import RunSnapshot, TrainingBusyError
from ui import resources, settings
from ui import state as keys
from ui.explain import panels as explain_panels

POLL_SECONDS = 1.0
THUMBNAIL_COLUMNS = 8
SETTINGS = FineTuneConfig()


def corrections() -> list[tuple[np.ndarray, int]]:
    return st.session_state.setdefault(keys.TEACH_CORRECTIONS, [])


def _add(image: np.ndarray, label: int) -> bool:
    """Add the drawing with its label; False (and a message) when the list is full."""
    collected = corrections()
    if len(collected) >= SETTINGS.max_corrections:
        st.session_state[keys.TEACH_ERROR] = f"At most {SETTINGS.max_corrections} drawings can be taught at once; remove some first."
        return False
    collected.append((np.clip(np.rint(image * 255), 0, 255).astype(np.uint8), int(label)))
    st.session_state[keys.TEACH_CHANGED] = True
    return True


def _remove(index: int) -> None:
    collected = corrections()
    if 0 <= index < len(collected):
        collected.pop(index)


def with_article(digit: int) -> str:
    """'a 4', 'an 8': the digit with the article it is read with."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def correction_buttons(image: np.ndarray | None, predicted: int | None) -> None:
    """'It's a …' choices for a misread digit; picking one adds the drawing, with that label, to the corrections.

    One pills widget, not nine buttons: it is drawn again on every stroke (inside the drawing fragment).
    It sits in an expander, in the flow of the page, so that when open it pushes Play and Speed down
    instead of covering them, and a pick is acknowledged at once inside it (what was added, how many,
    what to do next). Before there is a drawing (`image` None) it stands in its place, disabled.
    """
    if st.session_state.pop(keys.TEACH_CHANGED, False):
        st.rerun()  # The pick came from inside the drawing fragment: show the new thumbnail below at once.
    waiting = image is None or predicted is None
    label = "Misread? Teach it" if waiting else f"Not {with_article(predicted)}? Teach it"
    with st.expander(label, icon=":material/school:"):
        others = [digit for digit in range(NUMBER_OF_CLASSES) if digit != predicted]
        st.pills("Say what it is: the drawing joins your corrections, to teach a copy of the model.", others,
                 format_func=lambda digit: f"It's {with_article(digit)}", key=keys.TEACH_LABEL, disabled=waiting,
                 on_change=None if waiting else _picked, args=None if waiting else (image,))  # fmt: skip
        _confirm_a_non_digit(image)
        st.caption(_collected_note(waiting))


def _collected_note(waiting: bool) -> str:
    """What has been collected so far and the next step, said where the visitor picked."""
    collected = corrections()
    if not collected:
        return "Draw a digit first: then say what it really is." if waiting else "Nothing collected yet."
    count = len(collected)
    drawings = f"{count} drawing" + ("" if count == 1 else "s")
    return (
        f":material/check_circle: Added as {with_article(collected[-1][1])}. **{drawings} collected** (listed under "
        "**Teach it your handwriting** at the foot of this page). Next: draw and correct more, or press **Teach it** there."
    )


def _picked(image: np.ndarray) -> None:
    """Add the pick; a drawing the detector says is not a digit waits for a confirm instead."""
    label = st.session_state.get(keys.TEACH_LABEL)
    st.session_state[keys.TEACH_LABEL] = None  # A choice to make again for the next drawing, not a setting.
    if label is None:
        return
    verdict = explain_panels.novelty_verdict_of_image(image)
    if verdict is not None and verdict.novel:
        st.session_state[keys.TEACH_PENDING] = (image, int(label), verdict.reason)
        return
    _add(image, int(label))


def _confirm_a_non_digit(image: np.ndarray | None) -> None:
    """When the visitor picked a label for a drawing flagged as not a digit: teach it anyway, or not."""
    pending = st.session_state.get(keys.TEACH_PENDING)
    if pending is None:
        return
    pending_image, label, reason = pending
    if image is None or not np.array_equal(pending_image, image):
        st.session_state.pop(keys.TEACH_PENDING, None)  # The drawing changed: the question no longer applies.
        return
    st.warning(
        f"**This does not look like a digit** to the network ({reason}). Teaching it as {with_article(label)} "
        "would train the copy to read such drawings as a digit.",
        icon=":material/help:",
    )
    with st.container(horizontal=True, gap="small"):
        st.button(f"Teach it as {with_article(label)} anyway", key="teach_confirm", on_click=_confirm_pending)
        st.button("Cancel", key="teach_cancel", on_click=st.session_state.pop, args=(keys.TEACH_PENDING, None))


def _confirm_pending() -> None:
    pending = st.session_state.pop(keys.TEACH_PENDING, None)
    if pending is not None:
        _add(pending[0], pending[1])


def _start_teaching() -> None:
    collected = corrections()
    boss = resources.training_supervisor()
    policy = boss.policy
    try:
        limiter = settings.start_limiter(policy.min_seconds_between_starts)
        if not settings.is_operator():
            limiter.check(settings.visitor_key())
        data = resources.load_dataset(resources.data_path_setting())
        config = policy.clamp(TrainConfig(epochs=1, train_subset=SETTINGS.mnist_pool))
        fine_tune_settings = dataclasses.replace(SETTINGS, mnist_pool=config.train_subset)
        options = FineTuneOptions(
            base_model=str(resources.active_model_path()),
            images=np.stack([image for image, _ in collected]).astype(np.float32) / 255,
            labels=np.array([label for _, label in collected]),
            settings=fine_tune_settings,
        )
        run = boss.start_job("fine_tune", config, owner=secrets.token_urlsafe(8), data=data, options=options)
        limiter.record(settings.visitor_key())
        st.session_state[keys.TEACH_RUN] = run.run_id
        st.session_state.pop(keys.TEACH_ERROR, None)
    except (TrainingBusyError, ValueError, MnistUnavailableError) as error:
        st.session_state[keys.TEACH_ERROR] = str(error)


def teach_panel() -> None:
    """The visitor's corrections, the Teach it button, and the outcome of their fine-tune."""
    collected = corrections()
    run = resources.training_supervisor().current()
    mine = run is not None and run.run_id == st.session_state.get(keys.TEACH_RUN)
    if not collected and not mine:
        return
    st.divider()
    st.subheader("Teach it your handwriting")
    if collected:
        _thumbnails(collected)
    snapshot = run.snapshot() if mine else None
    busy = run is not None and run.snapshot().active
    refusal = resources.training_supervisor().does_not_train()
    if refusal is not None:
        st.info(f"{refusal} Teaching it your handwriting is training, so it is not offered here.")
    elif collected:
        st.button(
            "Teach it", type="primary", key="teach_it", on_click=_start_teaching, disabled=busy,
            help=f"Fine-tune a copy of the model in use on these drawings mixed with MNIST ({SETTINGS.steps} steps); the original stays.",
        )  # fmt: skip
        if busy and not mine:
            st.caption("Another training run is going on; Teach it when it ends.")
    if keys.TEACH_ERROR in st.session_state:
        st.error(st.session_state[keys.TEACH_ERROR])
    if snapshot is not None and snapshot.active:
        teach_progress()
    elif snapshot is not None:
        _outcome(snapshot)


def _thumbnails(collected: list[tuple[np.ndarray, int]]) -> None:
    count = len(collected)
    st.caption(f"Your corrections: {count} drawing{'' if count == 1 else 's'} (kept in this browser session only). "
               "Press **Teach it** to fine-tune a copy of the model on them.")  # fmt: skip
    for start in range(0, len(collected), THUMBNAIL_COLUMNS):
        columns = st.columns(THUMBNAIL_COLUMNS)
        for offset, (column, (image, label)) in enumerate(zip(columns, collected[start : start + THUMBNAIL_COLUMNS])):
            index = start + offset
            column.image(np.kron(image, np.ones((3, 3), dtype=np.uint8)), caption=f"It's {with_article(label)}", width="stretch")
            column.button("Remove", key=f"teach_remove_{index}", on_click=_remove, args=(index,), width="stretch")


@st.fragment(run_every=POLL_SECONDS)
def teach_progress() -> None:
    """Polls the fine-tune while it runs; when it ends, one full rerun shows the outcome and stops polling."""
    run = resources.training_supervisor().current()
    snapshot = run.snapshot() if run is not None else None
    if snapshot is None or not snapshot.active:
        st.rerun()
    latest = snapshot.latest_batch
    done = latest.batch / latest.batches_per_epoch if latest is not None else 0.0
    st.progress(min(1.0, done), text="Teaching: mixing your drawings with MNIST…" if latest else "Starting the training process…")


def _outcome(snapshot: RunSnapshot) -> None:
    if snapshot.status == "failed":
        st.error(f"Teaching failed: {settings.failure_for_visitor(snapshot.failure)}")
        return
    try:
        record = read_run_record(snapshot.model_path) if snapshot.model_path is not None else None
    except RunRecordError as error:
        st.warning(f"The taught model was saved, but its record cannot be read: {error}")
        return
    if record is None or record.fine_tune is None:
        return
    outcome = record.fine_tune
    before_column, after_column = st.columns(2)
    base = "the shipped model" if outcome.base_model == resources.SHIPPED_MODEL.name else outcome.base_model.removesuffix(MODEL_SUFFIX)
    before_column.metric(f"Before ({base})", f"{outcome.corrections_right_before} of {outcome.corrections} right")
    after_column.metric(
        "After teaching", f"{outcome.corrections_right_after} of {outcome.corrections} right",
        f"{outcome.corrections_right_after - outcome.corrections_right_before:+d}",
    )  # fmt: skip
    before_column.metric("MNIST test accuracy before", f"{outcome.mnist_accuracy_before:.2%}")
    after_column.metric(
        "MNIST test accuracy after", f"{outcome.mnist_accuracy_after:.2%}",
        f"{(outcome.mnist_accuracy_after - outcome.mnist_accuracy_before) * 100:+.2f} points",
    )  # fmt: skip
    st.table(
        {
            "Your drawing was a": outcome.labels,
            "It read (before)": outcome.predictions_before,
            "It reads (after)": outcome.predictions_after,
        }
    )
    st.caption(f"Saved as run {snapshot.model_path.stem}; the model you started from is unchanged.")
    if resources.active_model_path() != snapshot.model_path:
        st.button("Use the taught model", key="use_taught_model", on_click=resources.set_active_model, args=(snapshot.model_path,))
