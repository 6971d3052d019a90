"""The explanations under the reading: which rows mattered, what-if edits, a unit inspector and the state map.

The drawing view calls two functions here: `novelty_note(result)` says "does not look like a
digit" beside the prediction when the detector fires, and `render(...)` draws the panels. The
visitor's edits and the reading they change live in `ui/explain/what_if.py`; the per-model assets (map,
unit examples, detector), loaded or computed on request, in `ui/explain/assets_view.py`. Nothing
is computed per stroke unless it is cheap: the panels are shown one at a time when chosen, and
row importance only when its button is pressed, for at most two visitors at once per server process.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import streamlit as st

from model.explain import attribution as explain
from model.explain.assets import ExplainAssets
from model.explain.novelty import NoveltyVerdict
from model.probe import ProbeResult
from model.shapes import IMAGE_ROWS
from ui import resources
from ui import state as keys
from ui.components.live_chart import live_plotly_chart
from ui.explain import assets_view as explain_assets_view
from ui.explain import charts as explain_charts
from ui.explain import what_if
from ui.explain.what_if import edits

PANELS = ("Which rows mattered", "What if", "Unit inspector", "State map")
IMPORTANCE_AT_ONCE = 2  # Row-importance computations running at once, whoever asks; a visitor beyond these is asked to retry.
_PLOTLY_CONFIG = what_if.PLOTLY_CONFIG


def novelty_verdict(hidden: np.ndarray) -> NoveltyVerdict | None:
    """The not-a-digit verdict on a reading's hidden states (layers, rows, units), or None without the model's assets."""
    assets = _active_assets()
    return assets.detector.verdict(hidden) if assets is not None else None


def novelty_verdict_of_image(image: np.ndarray) -> NoveltyVerdict | None:
    """The verdict on a 28×28 image, read by the model on show (one probe reading); None without the model's assets."""
    loaded = st.session_state.get(keys.EXPLAIN_MODEL)
    if loaded is None or _active_assets() is None:
        return None
    return novelty_verdict(loaded.probe.run(image).hidden)


def novelty_message(verdict: NoveltyVerdict, predicted: int) -> str:
    """The note beside the prediction when the detector fires: that it does not look like a digit, and why."""
    return (
        f"**This does not look like a digit** to the network: {verdict.reason}. "
        f"It still answers {predicted}, because it can only answer with a digit."
    )


def novelty_note(result: ProbeResult) -> None:
    """Beside the prediction: say so, and why, when the reading lies far from every digit the network learned."""
    verdict = novelty_verdict(result.hidden)
    if verdict is not None and verdict.novel:
        st.warning(novelty_message(verdict, int(np.argmax(result.probabilities))), icon=":material/help:")


def _active_assets() -> ExplainAssets | None:
    loaded = st.session_state.get(keys.EXPLAIN_MODEL)
    return explain_assets_view.assets_for(loaded)[0] if loaded is not None else None


# The panels ------------------------------------------------------------------------------------------------


def render(loaded: resources.LoadedModel, image: np.ndarray | None, result: ProbeResult | None, row: int) -> None:
    """The explanation panels for the reading on show (`image` is what the network read).

    Before there is a digit (`result` None) the heading and the choice stand in their place, disabled;
    a choice made earlier stays.
    """
    st.subheader("Why this answer?")
    waiting = result is None
    if not waiting:
        what_if.edits_note(loaded, result)
    help_text = "Draw a digit first" if waiting else "Each panel is computed only while it is open, so drawing stays fast"
    panel = st.segmented_control("Explain", PANELS, key=keys.EXPLAIN_PANEL, disabled=waiting, help=help_text)
    # Said in the page, not only on hover: why the choice is disabled, and then what opening a panel costs.
    st.caption(
        "Draw a digit first: these panels explain how the network read it, and stay disabled until there is a reading."
        if waiting
        else "Pick a panel to see why it answered as it did; each is computed only while it is open, so drawing stays fast."
    )
    if waiting:
        return
    if panel == "Which rows mattered":
        _rows_mattered_panel(loaded, image, result)
    elif panel == "What if":
        what_if.what_if_panel(loaded, result)
    elif panel == "Unit inspector":
        _unit_inspector_panel(loaded, image, result, row)
    elif panel == "State map":
        _state_map_panel(loaded, result, row)


def _image_signature(probe, image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image, dtype=np.float32).tobytes() + str(id(probe)).encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _importance_slots() -> threading.BoundedSemaphore:
    """Row importance computed for at most this many visitors at once in this server process (CPU and about 60 MB each)."""
    return threading.BoundedSemaphore(IMPORTANCE_AT_ONCE)


def _compute_importance(probe, image: np.ndarray, progress=None) -> dict:
    """Both methods and both checks; `progress` (an `st.progress`) is moved on after each of the four steps."""

    def step(done: int, text: str) -> None:
        if progress is not None:
            progress.progress(done / 4, text=f"Step {done + 1} of 4: {text}…")

    digit = explain.predicted_digit(probe, image)
    occlusion = explain.occlusion(probe, image, digit)
    step(1, "integrating gradients from a blank image to this one")
    integrated = explain.integrated_gradients(probe, image, digit)
    step(2, "checking occlusion's ranking by blanking rows in its order")
    occlusion_check = explain.faithfulness(probe, image, occlusion, digit)
    step(3, "checking integrated gradients' ranking the same way")
    integrated_check = explain.faithfulness(probe, image, integrated.rows, digit)
    return {
        "digit": digit,
        "occlusion": occlusion,
        "integrated": integrated,
        "occlusion_faithfulness": occlusion_check,
        "integrated_faithfulness": integrated_check,
    }


METHOD_NOTES = (
    "**Occlusion** blanks one row at a time and measures how far the answer's probability drops. It is direct, but it "
    "misses rows that matter only together: if two rows carry the same stroke, blanking either alone changes little, "
    "and once the network is certain most single rows score near zero.\n\n"
    f"**Integrated gradients** add up the gradients along the way from a blank image to this one. Their {IMAGE_ROWS} row scores "
    "add up to exactly how much this drawing raises the probability over a blank image, but they measure against that "
    "blank, and a stroke the network reads as evidence against the digit scores negative (blue).\n\n"
    "**Why not plain gradients?** The gradient at the drawing alone over-credits the last rows: a recurrent network's "
    "answer is most sensitive to what it read last, and once it is certain the gradient vanishes. On 40 test digits "
    "(`bench/explain_faithfulness.py`) plain gradient × input put 25% of its credit on the last five inked rows, "
    "integrated gradients 12%.\n\n"
    "**Checked, not trusted:** the curve on the right blanks rows in each method's order, most important first. A "
    "faithful ranking makes the probability fall much faster than a random order; the score is the share of random "
    "order's area under the curve that the ranking avoids (1 = perfect, 0 = no better than chance)."
)


def _rows_mattered_panel(loaded, image: np.ndarray, result: ProbeResult) -> None:
    signature = _image_signature(loaded.probe, image)
    stored = st.session_state.get(keys.EXPLAIN_IMPORTANCE)
    if stored is None or stored[0] != signature:
        st.caption("Measured on demand, never on every stroke: it takes a few seconds (up to about 10 on a busy server).")
        if not st.button("Explain this reading", key="explain_rows_button", icon=":material/insights:", type="primary"):
            return
        slots = _importance_slots()
        if not slots.acquire(blocking=False):
            st.warning("The server is explaining other visitors' readings right now; try again in a moment.")
            return
        try:
            progress = st.progress(0.0, text="Step 1 of 4: blanking each row in turn (occlusion)…")
            stored = (signature, _compute_importance(loaded.probe, image, progress))
            progress.empty()
        finally:
            slots.release()
        st.session_state[keys.EXPLAIN_IMPORTANCE] = stored
    computed = stored[1]
    digit, integrated = computed["digit"], computed["integrated"]
    st.markdown(
        f"**The two bar charts measure different things, so their scales differ.** *Occlusion*: how far p({digit}) drops "
        "when that one row is blanked (often tiny once the network is sure). *Integrated gradients*: each row's share of "
        f"how much this drawing raises p({digit}) over a blank image (the shares add up to that rise). Compare which rows "
        "each method ranks high, not bar lengths across the two charts."
    )
    figure_column, curve_column = st.columns([1.25, 1], gap="medium")
    with figure_column:
        scores = {"Occlusion": computed["occlusion"], "Integrated gradients": integrated.rows}
        axis_titles = {"Occlusion": f"drop in p({digit}) if blanked", "Integrated gradients": f"share of p({digit})'s rise"}
        st.plotly_chart(
            explain_charts.row_importance_figure(image, scores, digit, axis_titles), key="explain_rows_figure", config=_PLOTLY_CONFIG
        )
        st.caption(
            f"Red rows support **{digit}**, blue rows speak against it. The integrated-gradient scores add up to "
            f"{integrated.rows.sum():+.3f}; p({digit}) of this image minus that of a blank one is "
            f"{integrated.probability:.3f} − {integrated.baseline_probability:.3f} = "
            f"{integrated.probability - integrated.baseline_probability:+.3f} ({integrated.steps} integration steps)."
        )
    with curve_column:
        occlusion_check, integrated_check = computed["occlusion_faithfulness"], computed["integrated_faithfulness"]
        curves = {"Occlusion order": occlusion_check.curve, "Integrated-gradients order": integrated_check.curve}
        st.plotly_chart(
            explain_charts.deletion_figure(curves, integrated_check.random_curve, digit),
            key="explain_deletion_figure",
            config=_PLOTLY_CONFIG,
        )
        st.markdown(
            f"**Is each ranking right?** The curves blank rows in each method's order, most important first: the faster "
            f"p({digit}) falls, the better the ranking. *Faithfulness* is how much of a random order's area under its curve "
            "the ranking avoids: 1 = perfect, 0 = no better than random. *Area* is the ranking's own area (smaller = falls faster)."
        )
        with st.container(horizontal=True):
            st.metric(
                "Faithfulness, occlusion",
                f"{occlusion_check.score:.2f}",
                f"area {occlusion_check.area:.2f}",
                delta_color="off",
                delta_arrow="off",
            )
            st.metric(
                "Faithfulness, integrated gradients",
                f"{integrated_check.score:.2f}",
                f"area {integrated_check.area:.2f}",
                delta_color="off",
                delta_arrow="off",
            )
        st.caption(f"Random order's area: {integrated_check.random_area:.2f} (mean of 20 seeded random orders).")
    with st.expander("What each method means, and where it misleads"):
        st.markdown(METHOD_NOTES)


def _unit_inspector_panel(loaded, image: np.ndarray, result: ProbeResult, row: int) -> None:
    probe = loaded.probe
    layers = len(probe.units)
    layer, unit = st.session_state.get(keys.INSPECTED_UNIT, (layers - 1, int(probe.unit_order[-1][0])))
    layer %= layers
    chosen_layer = st.segmented_control(
        "Layer", [f"Layer {index + 1}" for index in range(layers)], default=f"Layer {layer + 1}", key="explain_layer"
    )
    if chosen_layer and int(chosen_layer.split()[-1]) - 1 != layer:
        layer = int(chosen_layer.split()[-1]) - 1
        unit = int(probe.unit_order[layer][0])
    unit = min(unit, probe.units[layer] - 1)
    st.session_state[keys.INSPECTED_UNIT] = (layer, unit)
    st.plotly_chart(
        explain_charts.unit_picker_figure(result.hidden[layer], probe.unit_order[layer], unit, layer),
        key=what_if.chart_key(keys.UNITS_CHART),
        on_select="rerun",
        selection_mode="points",
        config=_PLOTLY_CONFIG,
    )
    trace_column, equation_column = st.columns([1.05, 1], gap="medium")
    with trace_column:
        hidden, cell, gates = result.hidden[layer, :, unit], result.cell[layer, :, unit], result.gates[layer, :, :, unit]
        st.plotly_chart(
            explain_charts.unit_trace_figure(hidden, cell, gates, row, unit, layer), key="explain_unit_trace", config=_PLOTLY_CONFIG
        )
    with equation_column:
        previous_cell = float(cell[row - 2]) if row > 1 else 0.0
        st.markdown(f"**Unit {unit} of layer {layer + 1} after row {row}** (move the row slider above to step through):")
        st.latex(explain_charts.unit_equations(gates[row - 1], previous_cell, float(cell[row - 1]), float(hidden[row - 1]), row))
        st.caption(
            "i, f, o are gates between 0 (shut) and 1 (open); g is the candidate, −1 to +1. The cell c keeps f of its "
            "old value and writes i of the candidate; the unit shows o of tanh(c) as its hidden output h."
        )
        st.toggle(
            f"Silence unit {unit} (hold its output at 0) and re-read",
            value=bool(st.session_state.get(keys.SILENCED)),
            key="explain_silence_toggle",
            on_change=what_if.copy_toggle,
            args=("explain_silence_toggle", keys.SILENCED),
        )
    _unit_drivers(loaded, layer, unit)


def _unit_drivers(loaded, layer: int, unit: int) -> None:
    assets = explain_assets_view.assets_or_reason(loaded)
    if assets is None:
        return
    st.markdown(f"**The MNIST test digits that drive unit {unit} highest**, with the row where it peaks outlined:")
    columns = st.columns(len(assets.driver_indices[layer, unit]))
    for column, index, driver_row, value, picture in zip(
        columns,
        assets.driver_indices[layer, unit],
        assets.driver_rows[layer, unit],
        assets.driver_values[layer, unit],
        assets.driver_images[layer, unit],
    ):
        with column:
            st.image(
                explain_charts.driver_picture(picture, int(driver_row)),
                width=112,
                caption=f"test #{index}, row {driver_row + 1}: h = {value:.2f}",
            )


def _state_map_panel(loaded, result: ProbeResult, row: int) -> None:
    assets = explain_assets_view.assets_or_reason(loaded)
    if assets is None:
        return
    path = assets.project(result.hidden[-1])
    blanked, bottom_up, unit = edits()
    other_path = None
    original = st.session_state.get(keys.ORIGINAL_IMAGE)
    if (blanked or bottom_up or unit) and original is not None:
        other_path = assets.project(loaded.probe.run(original).hidden[-1])
    figure = explain_charts.state_map_figure(
        assets.map_points, assets.map_labels, assets.class_centres, path, row, assets.pca_explained, other_path
    )
    map_column, note_column = st.columns([2.2, 1], gap="medium")
    with map_column:
        live_plotly_chart(figure, key="explain_state_map", alt="Map of the top layer's state: ten digit clusters and this drawing's path.")
    with note_column:
        predicted = int(np.argmax(result.probabilities))
        st.markdown(state_map_sentence(assets.class_centres, path, row, predicted, other_path is not None))
        st.caption(
            f"Two axes keep {assets.pca_explained.sum():.0%} of the variance of 128 units: clusters that overlap here may be apart in full."
        )


def nearest_label(centres: np.ndarray, path: np.ndarray, row: int) -> int:
    """The digit whose big label on the map lies closest to the yellow dot (row `row`), measured on the map itself."""
    return int(np.argmin(((np.asarray(centres) - np.asarray(path)[row - 1]) ** 2).sum(axis=1)))


def state_map_sentence(centres: np.ndarray, path: np.ndarray, row: int, predicted: int, edited: bool = False) -> str:
    """What the map shows, said of the point the visitor looks at (the yellow dot), never of a place the picture cannot show."""
    nearest = nearest_label(centres, path, row)
    sentence = (
        "Each faint dot is one MNIST test digit's final top-layer state, flattened to two dimensions (PCA, fitted on "
        "the test digits); each big number sits in the middle of its digit's cluster. The dark line is this reading, "
        f"row by row; the yellow dot is row {row}, and it follows the row slider and Play.\n\n"
        f"**On this map, the yellow dot (row {row}) is closest to the big {nearest}.**"
    )
    if nearest != predicted:
        sentence += (
            f" The network answers **{predicted}** after row {IMAGE_ROWS}: it decides from all 128 units, and this flat "
            "map keeps only two directions of them, so a reading can sit beside one cluster here and still be read as another digit."
        )
    return sentence + (" The dotted grey line is the unedited reading." if edited else "")
