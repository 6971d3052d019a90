"""Runs compared on the Evaluate page: the chosen runs' curves on shared axes, and their settings side by side."""

from __future__ import annotations

import pandas
import streamlit as st

from ui import resources, saved_runs
from ui.evaluate import charts


def compare_runs_ui() -> None:
    """Curves and settings of the chosen runs side by side."""
    st.subheader("Compare runs")
    entries = [(path, record) for path, record, _ in saved_runs.entries() if record is not None and record.epochs]
    if len(entries) < 2:
        refusal = resources.training_supervisor().does_not_train()
        st.info(
            "Train a model in the **Train** view to compare it with the shipped one."
            if refusal is None
            else f"{refusal} Runs trained elsewhere and saved in its runs folder are compared here."
        )
        return
    names = [resources.run_name(path) for path, _ in entries]
    left, right = st.columns([4, 1])
    chosen = left.multiselect("Runs", names, default=names[:2], key="compare_runs_chosen", max_selections=6)
    x_axis = right.radio("x axis", ["epoch", "seconds"], key="compare_x_axis", horizontal=True)
    records = {name: record for name, (_, record) in zip(names, entries) if name in chosen}
    if not records:
        st.caption("Choose at least one run.")
        return
    st.plotly_chart(charts.compare_runs(records, x_axis), key="compare_runs")
    st.caption("Solid lines: validation after each epoch. Dotted: training, averaged over the epoch.")
    settings = {name: saved_runs.run_settings(record) for name, record in records.items()}
    st.table(pandas.DataFrame(settings))  # One row per setting, one column per run.
