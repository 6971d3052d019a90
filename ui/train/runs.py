"""Saved runs as things worth keeping, on the Train page: a table of every run's settings, downloads and delete.

`saved_runs_table()` lists the shipped model and every saved run with column headers and every
setting that matters, a button to use it for drawing, downloads of its `.keras` file and history,
and a delete with a confirm (never the shipped model; on a public server, only for its operator).
A history that cannot be read shows a plain message in its row and never breaks the page. The
comparison of runs is on the Evaluate page (`ui/evaluate/compare.py`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from model.hosting.runs_folder import run_files
from model.shapes import history_path_for
from ui import resources, saved_runs, settings
from ui import state as keys

COLUMNS = {
    "Run": 2.2, "Test accuracy": 1.1, "Status": 1, "Epochs": 0.8, "Batch": 0.8, "Learning rate": 1.2, "Units": 0.9,
    "Training images": 1.1, "Augment": 0.8, "Seconds": 0.9, "Device": 1.6, "": 2.2,
}  # fmt: skip


def saved_runs_table() -> None:
    """Every saved model with its settings, and what can be done with it."""
    entries = saved_runs.entries()
    if not entries:
        return
    st.subheader("Saved runs")
    header = st.columns(list(COLUMNS.values()))
    for column, title in zip(header, COLUMNS):
        column.markdown(f"**{title}**")
    active = resources.active_model_path().resolve()
    for path, record, problem in entries:
        cells = st.columns(list(COLUMNS.values()))
        cells[0].write(resources.run_name(path))
        if record is not None:
            for cell, value in zip(cells[1:-1], saved_runs.run_settings(record).values()):
                cell.write(value)
        else:
            cells[1].caption(f"No readable history: {problem}" if problem else "No history saved with it.")
        _actions(cells[-1], path, path.resolve() == active)
    _confirm_delete()


def _actions(cell, path: Path, active: bool) -> None:
    use, files = cell.columns(2)
    if active:
        use.write("✓ in use")
    else:
        use.button("Use", key=f"use_{path.stem}", on_click=resources.set_active_model, args=(path,), help="Use it on the Draw page")
    with files.popover("Files", help="Download or delete"):
        st.download_button(
            "Download .keras", data=path.read_bytes, file_name=path.name, mime="application/octet-stream", key=f"download_{path.stem}"
        )
        history = history_path_for(path)
        if history.is_file():
            st.download_button("Download history", data=history.read_bytes, file_name=history.name, mime="application/json",
                               key=f"download_history_{path.stem}")  # fmt: skip
        if resources.is_shipped(path):
            st.caption("The shipped model cannot be deleted.")
        elif not may_delete():
            st.caption("On this public server only its operator deletes runs; the oldest go first when the folder is full.")
        else:
            st.button("Delete…", key=f"delete_{path.stem}", on_click=st.session_state.__setitem__, args=(keys.CONFIRM_DELETE, str(path)))


def _confirm_delete() -> None:
    pending = st.session_state.get(keys.CONFIRM_DELETE)
    if not pending:
        return
    path = Path(pending)
    if resources.is_shipped(path) or not resources.is_servable_model(path) or not may_delete():
        st.session_state.pop(keys.CONFIRM_DELETE, None)
        return
    st.warning(f"Delete run **{path.stem}** (its model, history and snapshots) for good?")
    yes, no, _ = st.columns([1, 1, 4])
    yes.button("Yes, delete", type="primary", key="confirm_delete", on_click=delete_run, args=(path,))
    no.button("Cancel", key="cancel_delete", on_click=st.session_state.pop, args=(keys.CONFIRM_DELETE, None))


def may_delete() -> bool:
    """Whether this visitor may delete runs: anyone outside public mode, only the operator (`?operator=TOKEN`) in it."""
    try:
        public = settings.demo_settings().public
    except ValueError:
        public = True
    return not public or settings.is_operator()


def delete_run(path: Path) -> None:
    """Remove a saved run's files; the shipped model, anything outside the runs folder and a public visitor are refused."""
    st.session_state.pop(keys.CONFIRM_DELETE, None)
    if not may_delete():
        st.toast("On this public server only its operator deletes runs.")
        return
    if resources.is_shipped(path) or not resources.is_servable_model(path):
        st.toast("Only a saved run can be deleted.")
        return
    for file in run_files(path):
        file.unlink(missing_ok=True)
    if resources.active_model_path().resolve() == path.resolve():
        resources.set_active_model(resources.SHIPPED_MODEL)
    st.toast(f"Deleted {path.stem}.")
