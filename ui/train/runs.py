"""Saved runs as things worth keeping, on the Train page: a table of every run's settings, downloads and delete.

`saved_runs_table()` lists the shipped model and every saved run in one table (st.dataframe: column
widths, a link that opens the run on the Draw page, every setting that matters; it scrolls sideways
on a phone instead of breaking words); under it, in one place, the actions for the run chosen: use it
for drawing, download its `.keras` file and history, and delete with a confirm (never the shipped
model; on a public server, only for its operator). A history that cannot be read shows a plain
message in its line and never breaks the page. The
comparison of runs is on the Evaluate page (`ui/evaluate/compare.py`).
"""

from __future__ import annotations

from pathlib import Path

import pandas
import streamlit as st

from model.files import is_plain_file, read_plain_file
from model.hosting.runs_folder import run_files
from model.shapes import history_path_for
from ui import resources, saved_runs, settings, share
from ui import state as keys

# The table's columns and how wide each is drawn: a real table (st.dataframe) scrolls sideways on a phone
# instead of breaking words into letters.
# Pixels where a header is longer than "small" (75 px) holds: every header and value reads whole.
COLUMN_WIDTHS = {
    "Run": "medium", "Draw with it": 110, "Test accuracy": 115, "Status": "small", "Epochs": "small", "Batch": "small",
    "Learning rate": 115, "Units": "small", "Training images": 130, "Augment": "small", "Seconds": "small",
    "Device": "large",
}  # fmt: skip


def draw_link(path: Path) -> str:
    """The Draw page's address with this run's model in it (the address's `model` parameter opens it)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (f"{base}/" if base else "") + f"draw?{share.MODEL_PARAMETER}={path.name}"


def runs_frame(listed: list[tuple[Path, object, str | None]]) -> pandas.DataFrame:
    """One line per run: its name, a link that opens it on the Draw page, and every setting that matters."""
    lines = []
    for path, record, problem in listed:
        line = dict.fromkeys(COLUMN_WIDTHS, "–") | {"Run": resources.run_name(path), "Draw with it": draw_link(path)}
        if record is not None:
            line.update(saved_runs.run_settings(record))
        else:
            line["Status"] = "history unreadable (see below)" if problem else "no history saved"
        lines.append(line)
    return pandas.DataFrame(lines, columns=list(COLUMN_WIDTHS))


def saved_runs_table() -> None:
    """Every saved model with its settings in one table, and what can be done with a run in one place under it."""
    listed = saved_runs.entries()
    if not listed:
        return
    st.subheader("Saved runs")
    config = {name: st.column_config.TextColumn(name, width=width) for name, width in COLUMN_WIDTHS.items()}
    config["Draw with it"] = st.column_config.LinkColumn("Draw with it", width=COLUMN_WIDTHS["Draw with it"], display_text="open on Draw",
                                                         help="Opens the Draw page with this model (in a new tab)")  # fmt: skip
    st.dataframe(runs_frame(listed), column_config=config, hide_index=True, key="saved_runs_frame")
    for path, _, problem in listed:
        if problem:
            st.caption(f"**{resources.run_name(path)}**: No readable history: {problem}")
    paths = {resources.run_name(path): path for path, _, _ in listed}
    names = list(paths)
    default = names[1] if len(names) > 1 else names[0]  # The newest run: listed right after the shipped model.
    if st.session_state.get(keys.RUN_ACTIONS_CHOICE) not in paths or st.session_state.get(keys.RUN_ACTIONS_NEWEST) != default:
        st.session_state[keys.RUN_ACTIONS_CHOICE] = default  # A run that just finished is the one its buttons apply to.
    st.session_state[keys.RUN_ACTIONS_NEWEST] = default
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        chosen = st.selectbox("Run", names, key=keys.RUN_ACTIONS_CHOICE, width=260, help="The run the buttons beside apply to")
        _actions(paths[chosen], paths[chosen].resolve() == resources.active_model_path().resolve())
    _confirm_delete()


def _actions(path: Path, active: bool) -> None:
    if active:
        st.button("In use on Draw", key=f"use_{path.stem}", disabled=True, icon=":material/check:")
    else:
        st.button("Use for drawing", key=f"use_{path.stem}", on_click=resources.set_active_model, args=(path,),
                  help="Use it on the Draw page")  # fmt: skip
    # Read when clicked, and only if still a plain file in its folder (never what a planted link points at).
    st.download_button("Download .keras", data=lambda: read_plain_file(path), file_name=path.name, mime="application/octet-stream",
                       key=f"download_{path.stem}", icon=":material/download:")  # fmt: skip
    history = history_path_for(path)
    if is_plain_file(history):
        st.download_button("Download history", data=lambda: read_plain_file(history), file_name=history.name,
                           mime="application/json", key=f"download_history_{path.stem}", icon=":material/download:")  # fmt: skip
    if resources.is_shipped(path):
        st.caption("The shipped model cannot be deleted.")
    elif not may_delete():
        st.caption("On this public server only its operator deletes runs; the oldest go first when the folder is full.")
    else:
        st.button("Delete…", key=f"delete_{path.stem}", on_click=st.session_state.__setitem__, args=(keys.CONFIRM_DELETE, str(path)),
                  icon=":material/delete:")  # fmt: skip


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
