"""Saved runs as things worth keeping: a table of every run's settings, downloads, delete, and comparison.

`saved_runs_table()` lists the shipped model and every saved run with column headers and every
setting that matters, a button to use it for drawing, downloads of its `.keras` file and history,
and a delete with a confirm (never the shipped model; on a public server, only for its operator).
`compare_runs_ui()` draws the training and validation curves of the chosen runs on shared axes
with their settings side by side. A history that cannot be read shows a plain message in its row
and never breaks the page.
"""

from __future__ import annotations

from pathlib import Path

import pandas
import streamlit as st

from model.hosting.runs_folder import run_files
from model.shapes import history_path_for
from model.training.record import RunRecord, RunRecordError, finite_or_none, read_run_record
from ui import resources, settings
from ui.train import charts as training_charts

CONFIRM_DELETE_KEY = "confirm_delete_run"
COLUMNS = {
    "Run": 2.2, "Test accuracy": 1.1, "Status": 1, "Epochs": 0.8, "Batch": 0.8, "Learning rate": 1.2, "Units": 0.9,
    "Training images": 1.1, "Augment": 0.8, "Seconds": 0.9, "Device": 1.6, "": 2.2,
}  # fmt: skip


def run_name(path: Path) -> str:
    return "shipped model" if is_shipped(path) else path.stem


def is_shipped(path: Path) -> bool:
    return path.resolve() == resources.SHIPPED_MODEL.resolve()


def run_settings(record: RunRecord) -> dict[str, str]:
    """Every setting that matters, as the table and the comparison show them."""
    config = record.config
    accuracy = finite_or_none(record.test_accuracy)
    epochs = f"{record.epochs_completed} of {config.epochs}" if record.epochs_completed != config.epochs else str(config.epochs)
    return {
        "Test accuracy": f"{accuracy:.2%}" if accuracy is not None else "–",
        "Status": record.status if record.kind == "train" else f"{record.status} (taught)",
        "Epochs": epochs,
        "Batch": str(config.batch_size),
        "Learning rate": f"{config.learning_rate:g} {config.learning_rate_schedule}",
        "Units": f"{config.lstm_layers}×{config.units}",
        "Training images": f"{record.train_size:,}",
        "Augment": "yes" if config.augment else "no",
        "Seconds": f"{record.seconds:.0f}",
        "Device": record.device,
    }


def history_problem(path: Path) -> str | None:
    """Why the history beside `path` cannot be shown, or None when it reads (or there is none)."""
    try:
        read_run_record(path)
    except RunRecordError as error:
        return str(error)
    return None


def _entries() -> list[tuple[Path, RunRecord | None, str | None]]:
    entries = []
    for path, record in resources.saved_models():
        problem = history_problem(path) if record is None and history_path_for(path).is_file() else None
        entries.append((path, record, problem))
    return entries


def saved_runs_table() -> None:
    """Every saved model with its settings, and what can be done with it."""
    entries = _entries()
    if not entries:
        return
    st.subheader("Saved runs")
    header = st.columns(list(COLUMNS.values()))
    for column, title in zip(header, COLUMNS):
        column.markdown(f"**{title}**")
    active = resources.active_model_path().resolve()
    for path, record, problem in entries:
        cells = st.columns(list(COLUMNS.values()))
        cells[0].write(run_name(path))
        if record is not None:
            for cell, value in zip(cells[1:-1], run_settings(record).values()):
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
        if is_shipped(path):
            st.caption("The shipped model cannot be deleted.")
        elif not may_delete():
            st.caption("On this public server only its operator deletes runs; the oldest go first when the folder is full.")
        else:
            st.button("Delete…", key=f"delete_{path.stem}", on_click=st.session_state.__setitem__, args=(CONFIRM_DELETE_KEY, str(path)))


def _confirm_delete() -> None:
    pending = st.session_state.get(CONFIRM_DELETE_KEY)
    if not pending:
        return
    path = Path(pending)
    if is_shipped(path) or not resources.is_servable_model(path) or not may_delete():
        st.session_state.pop(CONFIRM_DELETE_KEY, None)
        return
    st.warning(f"Delete run **{path.stem}** (its model, history and snapshots) for good?")
    yes, no, _ = st.columns([1, 1, 4])
    yes.button("Yes, delete", type="primary", key="confirm_delete", on_click=delete_run, args=(path,))
    no.button("Cancel", key="cancel_delete", on_click=st.session_state.pop, args=(CONFIRM_DELETE_KEY, None))


def may_delete() -> bool:
    """Whether this visitor may delete runs: anyone outside public mode, only the operator (`?operator=TOKEN`) in it."""
    try:
        public = settings.demo_settings().public
    except ValueError:
        public = True
    return not public or settings.is_operator()


def delete_run(path: Path) -> None:
    """Remove a saved run's files; the shipped model, anything outside the runs folder and a public visitor are refused."""
    st.session_state.pop(CONFIRM_DELETE_KEY, None)
    if not may_delete():
        st.toast("On this public server only its operator deletes runs.")
        return
    if is_shipped(path) or not resources.is_servable_model(path):
        st.toast("Only a saved run can be deleted.")
        return
    for file in run_files(path):
        file.unlink(missing_ok=True)
    if resources.active_model_path().resolve() == path.resolve():
        resources.set_active_model(resources.SHIPPED_MODEL)
    st.toast(f"Deleted {path.stem}.")


def compare_runs_ui() -> None:
    """Curves and settings of the chosen runs side by side."""
    st.subheader("Compare runs")
    entries = [(path, record) for path, record, _ in _entries() if record is not None and record.epochs]
    if len(entries) < 2:
        st.info("Train a model in the **Train** view to compare it with the shipped one.")
        return
    names = [run_name(path) for path, _ in entries]
    left, right = st.columns([4, 1])
    chosen = left.multiselect("Runs", names, default=names[:2], key="compare_runs_chosen", max_selections=6)
    x_axis = right.radio("x axis", ["epoch", "seconds"], key="compare_x_axis", horizontal=True)
    records = {name: record for name, (_, record) in zip(names, entries) if name in chosen}
    if not records:
        st.caption("Choose at least one run.")
        return
    st.plotly_chart(training_charts.compare_runs(records, x_axis), key="compare_runs")
    st.caption("Solid lines: validation after each epoch. Dotted: training, averaged over the epoch.")
    settings = {name: run_settings(record) for name, record in records.items()}
    st.table(pandas.DataFrame(settings))  # One row per setting, one column per run.
