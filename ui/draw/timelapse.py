"""The time-lapse on the Draw page: replay the drawing's reading through the network as it learned.

When the active model was saved with weight snapshots (`model.training.snapshots`), `model_at_chosen_epoch()`
shows a slider labelled `Epoch` and returns the model to read with: the network before training,
a few moments within its first epoch, after each epoch, or as saved. Each moment is a NumPy probe
built with `Probe.from_weights` (no Keras), cached per snapshots file for every visitor, with the
final model's unit order so a unit stays in the same place as the slider moves.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import streamlit as st

from model.probe import Probe
from model.shapes import snapshot_path_for
from model.training.snapshots import SnapshotFileError, describe_moment, load_snapshots
from ui import resources
from ui import state as keys

AS_SAVED = "as saved"


@st.cache_resource(show_spinner="Loading the training snapshots…", max_entries=4)
def snapshot_probes(snapshots_path: str, modified_time: float, model_path: str) -> tuple[list[Probe], list[float]] | SnapshotFileError:
    """One probe per kept moment of a run, laid out like the final model's probe; or, cached too, why the file cannot be read.

    The visitor gets the error's one plain sentence; what NumPy said goes to the server's log, once per file version.
    """
    try:
        snapshots = load_snapshots(snapshots_path)
    except SnapshotFileError as error:
        detail = f": {type(error.__cause__).__name__}: {error.__cause__}" if error.__cause__ is not None else ""
        print(f"Training snapshots {snapshots_path} cannot be replayed: {error}{detail}", file=sys.stderr)
        return error
    final = resources.load_classifier(Path(model_path)).probe
    probes = []
    for index in range(len(snapshots)):
        probe = Probe.from_weights(*snapshots.weights_at(index))
        probe.unit_order, probe.top_unit_groups = final.unit_order, final.top_unit_groups
        probes.append(probe)
    return probes, [float(moment) for moment in snapshots.epochs_done]


def moment_names(moments: list[float], completed_epochs: int | None) -> list[str]:
    """Slider labels; the last one is the saved model itself unless the snapshots end at its last epoch."""
    names = [describe_moment(moment) for moment in moments]
    if not moments or completed_epochs is None or moments[-1] != completed_epochs:
        names.append(AS_SAVED)
    return names


def _forget_reading() -> None:
    st.session_state.pop(keys.READING_CACHE, None)  # The drawing view reads again with the moment chosen.


def model_at_chosen_epoch(loaded: resources.LoadedModel) -> resources.LoadedModel:
    """`loaded`, or a copy whose probe is the network at the moment the `Epoch` slider shows."""
    path = snapshot_path_for(loaded.path)
    if not path.is_file():
        return loaded
    try:
        replay = snapshot_probes(str(path), path.stat().st_mtime, str(loaded.path))
    except ValueError as error:  # Their messages name the file, never its folder.
        replay = error
    except OSError:  # Its message would show the server's path.
        st.caption("This model's training snapshots cannot be read on this server.")
        return loaded
    if isinstance(replay, ValueError):  # A SnapshotFileError is one plain sentence; its detail is in the server's log.
        st.caption(f"This model's training snapshots cannot be replayed: {replay}")
        return loaded
    probes, moments = replay
    record = loaded.history
    completed = record.epochs_completed if record is not None and record.status == "finished" else None
    names = moment_names(moments, completed)
    key = keys.timelapse(loaded.path.stem)
    if st.session_state.get(key) not in range(len(names)):
        st.session_state[key] = len(names) - 1
    chosen = st.select_slider(
        "Epoch",
        options=list(range(len(names))),
        format_func=names.__getitem__,
        key=key,
        on_change=_forget_reading,
        help="Replay this reading through the network as it was while it trained: from random weights to the saved model.",
    )
    if chosen >= len(probes):
        return loaded  # As saved: the model file itself.
    if chosen == len(probes) - 1 and completed is not None:
        return loaded  # The last epoch is the saved model; read it at full precision.
    return dataclasses.replace(loaded, probe=probes[chosen])
