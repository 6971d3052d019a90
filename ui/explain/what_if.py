"""The visitor's what-if edits of the digit on show, and the reading they change.

Blanked rows, reading bottom-up and a silenced unit are kept in session state (plain keys, not
widget keys, so closing a panel does not undo an edit). The drawing view calls
`apply_what_if(digit)` to get the image the network should read, `read(probe, image)` to read it
(with the inspected unit silenced when the visitor asks) and `reading_variant()` for its cache
key. Clicks on the clickable figures are taken at the start of the next run (before the probe
reads), so an edit changes every panel in that same run; they are checked like any visitor
input, and edits belong to one digit (a new one opens unedited). This module also draws the
What if panel and the note of the edits in force; the other panels live in `ui/explain/view.py`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from model.explain import attribution as explain
from model.probe import ProbeResult
from model.shapes import IMAGE_ROWS
from ui import resources
from ui.explain import charts as explain_charts

BLANKED_KEY = "explain_blanked_rows"  # Sorted 0-based rows of the drawing that are blanked.
BOTTOM_UP_KEY = "explain_bottom_up"
UNIT_KEY = "explain_unit"  # (layer, unit) open in the inspector.
SILENCED_KEY = "explain_silenced"  # True while the inspected unit is silenced.
ORIGINAL_KEY = "explain_original_image"  # The digit before the what-if edits.
MODEL_KEY = "explain_model"  # The model (or training snapshot) reading the digit on show.
DIGIT_KEY = "explain_digit"  # Signature of the unedited digit the edits were made on.
ROWS_CHART = "explain_rows_chart"
UNITS_CHART = "explain_units_chart"
PLOTLY_CONFIG = {"displayModeBar": False}


# State kept across runs (plain keys, not widget keys, so closing a panel does not undo an edit) ---------


def _generation(name: str) -> int:
    return st.session_state.get(name + "_generation", 0)


def chart_key(name: str) -> str:
    return f"{name}_{_generation(name)}"


def _new_chart(name: str) -> None:
    """A fresh chart widget, so the same row or unit can be clicked again."""
    st.session_state[name + "_generation"] = _generation(name) + 1


def _clicked_points(name: str, curve: int) -> list[dict]:
    """The points of `curve` clicked on chart `name` (the browser's event, taken as untrusted), or []."""
    event = st.session_state.get(chart_key(name))
    selection = event.get("selection") if isinstance(event, dict) else None
    points = selection.get("points") if isinstance(selection, dict) else None
    if not isinstance(points, list):
        return []
    points = [point for point in points if isinstance(point, dict) and point.get("curve_number") == curve]
    if points:
        _new_chart(name)
    return points


def _custom_value(point: dict, index: int) -> int | None:
    """Entry `index` of a clicked point's customdata (a list, or an index-keyed object), or None."""
    data = point.get("customdata")
    try:
        return int(data[str(index)] if isinstance(data, dict) and str(index) in data else data[index])
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        return None


def _take_clicks(probe) -> None:
    """Apply the clicks made on the what-if image and the unit picker since the last run (rows and units out of range are ignored)."""
    rows = {_custom_value(point, 0) for point in _clicked_points(ROWS_CHART, curve=1)} & set(range(IMAGE_ROWS))
    if rows:
        st.session_state[BLANKED_KEY] = sorted(set(st.session_state.get(BLANKED_KEY, [])) ^ rows)
    layer = st.session_state.get(UNIT_KEY, (None, None))[0]
    layer = layer if isinstance(layer, int) and -len(probe.units) <= layer < len(probe.units) else -1
    clicked = (_custom_value(point, 1) for point in _clicked_points(UNITS_CHART, curve=1))
    units = [unit for unit in clicked if unit is not None and 0 <= unit < probe.units[layer]]
    if units:
        st.session_state[UNIT_KEY] = (layer, int(units[-1]))


def silenced_unit() -> tuple[int, int] | None:
    unit = st.session_state.get(UNIT_KEY)
    return tuple(unit) if unit is not None and st.session_state.get(SILENCED_KEY) else None


def edits() -> tuple[tuple[int, ...], bool, tuple[int, int] | None]:
    """The what-if edits in force: blanked rows, bottom-up reading, silenced unit."""
    return tuple(st.session_state.get(BLANKED_KEY, [])), bool(st.session_state.get(BOTTOM_UP_KEY)), silenced_unit()


def undo_all() -> None:
    st.session_state[BLANKED_KEY] = []
    st.session_state[BOTTOM_UP_KEY] = False
    st.session_state[SILENCED_KEY] = False
    for widget_key in ("explain_bottom_up_toggle", "explain_silence_toggle"):
        st.session_state.pop(widget_key, None)  # The switches show the undone state next time they are drawn.


# What the drawing view calls -------------------------------------------------------------------------------


def apply_what_if(digit, loaded: resources.LoadedModel):
    """The digit as the network should read it: the visitor's blanked rows set to 0, rows reversed if asked.

    Edits belong to one digit: a new digit (a stroke, a test digit, a shared link) opens unedited,
    and clicks made on the previous digit's image are dropped with its edits.
    """
    _take_clicks(loaded.probe)
    if st.session_state.get(DIGIT_KEY) != digit.signature:
        if DIGIT_KEY in st.session_state:
            undo_all()
        st.session_state[DIGIT_KEY] = digit.signature
    st.session_state[MODEL_KEY] = loaded
    st.session_state[ORIGINAL_KEY] = digit.image
    blanked, bottom_up, _ = edits()
    if not blanked and not bottom_up:
        return digit
    edited = explain.edited_image(digit.image, blanked, bottom_up).astype(np.float32)
    return dataclasses.replace(digit, image=edited)


def read(probe, image: np.ndarray) -> ProbeResult:
    """The probe's reading, with the inspected unit silenced when the visitor switched that on."""
    unit = silenced_unit()
    layer = unit[0] % len(probe.units) if unit else None
    return explain.read(probe, image, {layer: [unit[1]]} if unit else None)


def reading_variant() -> tuple[int, int] | None:
    """What, besides the image, changes the reading (part of the drawing view's cache key)."""
    return silenced_unit()


# The What if panel and the note of the edits in force ------------------------------------------------------


def edits_note(loaded, result: ProbeResult) -> None:
    blanked, bottom_up, unit = edits()
    if not (blanked or bottom_up or unit):
        return
    parts = []
    if blanked:
        parts.append(f"row{'s' if len(blanked) > 1 else ''} {', '.join(str(row + 1) for row in blanked)} blanked")
    if bottom_up:
        parts.append("rows read bottom-up")
    if unit:
        parts.append(f"unit {unit[1]} of layer {unit[0] % len(loaded.probe.units) + 1} silenced")
    original = st.session_state.get(ORIGINAL_KEY)
    unedited = loaded.probe.run(original).probabilities if original is not None else None
    predicted = int(np.argmax(result.probabilities))
    comparison = ""
    if unedited is not None:
        before = int(np.argmax(unedited))
        comparison = (
            f" The answer is **{predicted}** ({result.probabilities[predicted]:.0%}); "
            f"unedited it was **{before}** ({unedited[before]:.0%})."
        )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**What-if edits in force:** {'; '.join(parts)}.{comparison}")
        st.button("Undo all edits", key="explain_undo", on_click=undo_all, icon=":material/undo:")


def what_if_panel(loaded, result: ProbeResult) -> None:
    original = st.session_state.get(ORIGINAL_KEY)
    if original is None:
        return
    blanked, _, _ = edits()
    image_column, controls_column = st.columns([1, 1.4], gap="medium")
    with image_column:
        st.plotly_chart(
            explain_charts.what_if_figure(original, blanked),
            key=chart_key(ROWS_CHART),
            on_select="rerun",
            selection_mode="points",
            config=PLOTLY_CONFIG,
        )
    with controls_column:
        st.toggle(
            "Read bottom-up (last row first)",
            value=bool(st.session_state.get(BOTTOM_UP_KEY)),
            key="explain_bottom_up_toggle",
            on_change=copy_toggle,
            args=("explain_bottom_up_toggle", BOTTOM_UP_KEY),
        )
        st.button(
            "Restore every row",
            key="explain_restore_rows",
            on_click=st.session_state.__setitem__,
            args=(BLANKED_KEY, []),
            disabled=not blanked,
        )
        st.markdown(
            "Click rows of the image to blank them (click again to restore): the network reads the edited image and every "
            "panel above follows. **Read bottom-up** feeds the rows last row first: the network only ever read digits top "
            "to bottom, so this shows how much its answer depends on reading order."
        )


def copy_toggle(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = bool(st.session_state[widget_key])
