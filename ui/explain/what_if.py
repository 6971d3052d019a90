"""The visitor's what-if edits of the digit on show, and the reading they change.

Blanked rows, reading bottom-up and a silenced unit are kept in session state (plain keys, not
widget keys, so closing a panel does not undo an edit). The drawing view calls
`apply_what_if(digit)` to get the image the network should read, `read(probe, image)` to read it
(with the inspected unit silenced when the visitor asks) and `reading_variant()` for its cache
key. Clicks on the clickable figures are taken at the start of the next run (before the probe
reads), so an edit changes every panel in that same run; they are checked like any visitor
input, and edits belong to one digit (a new one opens unedited). This module also draws the
What if panel and the note of the edits in force; the other panels live in `ui/explain/panels.py`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from model.explain import attribution as explain
from model.probe import ProbeResult
from model.shapes import IMAGE_ROWS
from ui import resources
from ui import state as keys
from ui.explain import charts as explain_charts

PLOTLY_CONFIG = {"displayModeBar": False}


# State kept across runs (plain keys, not widget keys, so closing a panel does not undo an edit) ---------


def _generation(name: str) -> int:
    return st.session_state.get(keys.chart_generation(name), 0)


def chart_key(name: str) -> str:
    return keys.chart(name, _generation(name))


def _new_chart(name: str) -> None:
    """A fresh chart widget, so the same row or unit can be clicked again."""
    st.session_state[keys.chart_generation(name)] = _generation(name) + 1


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
    rows = {_custom_value(point, 0) for point in _clicked_points(keys.ROWS_CHART, curve=1)} & set(range(IMAGE_ROWS))
    if rows:
        st.session_state[keys.BLANKED_ROWS] = sorted(set(st.session_state.get(keys.BLANKED_ROWS, [])) ^ rows)
    layer = st.session_state.get(keys.INSPECTED_UNIT, (None, None))[0]
    layer = layer if isinstance(layer, int) and -len(probe.units) <= layer < len(probe.units) else -1
    clicked = (_custom_value(point, 1) for point in _clicked_points(keys.UNITS_CHART, curve=1))
    units = [unit for unit in clicked if unit is not None and 0 <= unit < probe.units[layer]]
    if units:
        st.session_state[keys.INSPECTED_UNIT] = (layer, int(units[-1]))


def silenced_unit() -> tuple[int, int] | None:
    unit = st.session_state.get(keys.INSPECTED_UNIT)
    return tuple(unit) if unit is not None and st.session_state.get(keys.SILENCED) else None


def edits() -> tuple[tuple[int, ...], bool, tuple[int, int] | None]:
    """The what-if edits in force: blanked rows, bottom-up reading, silenced unit."""
    return tuple(st.session_state.get(keys.BLANKED_ROWS, [])), bool(st.session_state.get(keys.BOTTOM_UP)), silenced_unit()


def undo_all() -> None:
    st.session_state[keys.BLANKED_ROWS] = []
    st.session_state[keys.BOTTOM_UP] = False
    st.session_state[keys.SILENCED] = False
    for widget_key in ("explain_bottom_up_toggle", "explain_silence_toggle"):
        st.session_state.pop(widget_key, None)  # The switches show the undone state next time they are drawn.


# What the drawing view calls -------------------------------------------------------------------------------


def apply_what_if(digit, loaded: resources.LoadedModel):
    """The digit as the network should read it: the visitor's blanked rows set to 0, rows reversed if asked.

    Edits belong to one digit: a new digit (a stroke, a test digit, a shared link) opens unedited,
    and clicks made on the previous digit's image are dropped with its edits.
    """
    _take_clicks(loaded.probe)
    if st.session_state.get(keys.EXPLAIN_DIGIT) != digit.signature:
        if keys.EXPLAIN_DIGIT in st.session_state:
            undo_all()
        st.session_state[keys.EXPLAIN_DIGIT] = digit.signature
    st.session_state[keys.EXPLAIN_MODEL] = loaded
    st.session_state[keys.ORIGINAL_IMAGE] = digit.image
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


def edits_in_words(loaded) -> list[str]:
    """Each what-if edit in force, in a few words ("row 8 blanked"); empty when the drawing is read as drawn."""
    blanked, bottom_up, unit = edits()
    parts = []
    if blanked:
        parts.append(f"row{'s' if len(blanked) > 1 else ''} {', '.join(str(row + 1) for row in blanked)} blanked")
    if bottom_up:
        parts.append("rows read bottom-up")
    if unit:
        parts.append(f"unit {unit[1]} of layer {unit[0] % len(loaded.probe.units) + 1} silenced")
    return parts


def edits_warning(loaded) -> None:
    """Beside the prediction: that the answer is for the edited drawing, with an undo, so no edit goes unnoticed."""
    parts = edits_in_words(loaded)
    if parts:
        st.warning(f"**What-if edits in force** ({'; '.join(parts)}): this answer is for the edited drawing.", icon=":material/edit:")
        st.button("Undo all edits", key="answer_undo", on_click=undo_all, icon=":material/undo:")


def edits_note(loaded, result: ProbeResult) -> None:
    parts = edits_in_words(loaded)
    if not parts:
        return
    original = st.session_state.get(keys.ORIGINAL_IMAGE)
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
    original = st.session_state.get(keys.ORIGINAL_IMAGE)
    if original is None:
        return
    blanked, _, _ = edits()
    image_column, controls_column = st.columns([1, 1.4], gap="medium")
    with image_column:
        st.plotly_chart(
            explain_charts.what_if_figure(original, blanked),
            key=chart_key(keys.ROWS_CHART),
            on_select="rerun",
            selection_mode="points",
            config=PLOTLY_CONFIG,
        )
    with controls_column:
        st.toggle(
            "Read bottom-up (last row first)",
            value=bool(st.session_state.get(keys.BOTTOM_UP)),
            key="explain_bottom_up_toggle",
            on_change=copy_toggle,
            args=("explain_bottom_up_toggle", keys.BOTTOM_UP),
        )
        st.button(
            "Restore every row",
            key="explain_restore_rows",
            on_click=st.session_state.__setitem__,
            args=(keys.BLANKED_ROWS, []),
            disabled=not blanked,
        )
        st.markdown(
            "Click rows of the image to blank them (click again to restore): the network reads the edited image and every "
            "panel above follows. **Read bottom-up** feeds the rows last row first: the network only ever read digits top "
            "to bottom, so this shows how much its answer depends on reading order."
        )


def copy_toggle(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = bool(st.session_state[widget_key])
