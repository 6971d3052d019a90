"""The explanations under the reading: which rows mattered, what-if edits, a unit inspector and the state map.

The drawing view calls four functions: `apply_what_if(digit)` turns the digit into the image the
network should read (rows blanked, rows reversed), `read(probe, image)` reads it (with the
inspected unit silenced when the visitor asks), `novelty_note(result)` says "does not look like a
digit" beside the prediction when the detector fires, and `render(...)` draws the panels. Nothing
is computed per stroke unless it is cheap: the panels are shown one at a time when chosen, and
row importance only when its button is pressed. Clicks on the clickable figures are taken at the
start of the next run (before the probe reads), so an edit changes every panel in that same run;
they are checked like any visitor input, and edits belong to one digit (a new one opens unedited).
The heavy work is bounded per server process: row importance for two visitors at once, and a
model's assets one at a time, counted against the visitor's start limit in public mode.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading

import numpy as np
import streamlit as st

from model import explain
from model.data import MnistUnavailableError
from model.explain_assets import AssetDefaults, ExplainAssets, assets_path_for, compute_assets, load_assets, save_assets, weights_digest
from model.probe import ProbeResult
from ui import explain_charts, resources, settings
from ui.live_chart import live_plotly_chart

PANELS = ("Which rows mattered", "What if", "Unit inspector", "State map")
PANEL_KEY = "explain_panel"
BLANKED_KEY = "explain_blanked_rows"  # Sorted 0-based rows of the drawing that are blanked.
BOTTOM_UP_KEY = "explain_bottom_up"
UNIT_KEY = "explain_unit"  # (layer, unit) open in the inspector.
SILENCED_KEY = "explain_silenced"  # True while the inspected unit is silenced.
IMPORTANCE_KEY = "explain_importance"  # (image signature, computed row importance)
ORIGINAL_KEY = "explain_original_image"  # The digit before the what-if edits.
MODEL_KEY = "explain_model"  # The model (or training snapshot) reading the digit on show.
DIGIT_KEY = "explain_digit"  # Signature of the unedited digit the edits were made on.
ROWS_CHART = "explain_rows_chart"
UNITS_CHART = "explain_units_chart"
IMPORTANCE_AT_ONCE = 2  # Row-importance computations running at once, whoever asks; a visitor beyond these is asked to retry.
IMAGE_ROWS = 28  # Rows of a digit, the ones a click may blank.
ON_DEMAND_DIGITS = 10000  # Training digits the novelty centroids are fitted on when a run's assets are computed in the page.
_PLOTLY_CONFIG = {"displayModeBar": False}


# State kept across runs (plain keys, not widget keys, so closing a panel does not undo an edit) ---------


def _generation(name: str) -> int:
    return st.session_state.get(name + "_generation", 0)


def _chart_key(name: str) -> str:
    return f"{name}_{_generation(name)}"


def _new_chart(name: str) -> None:
    """A fresh chart widget, so the same row or unit can be clicked again."""
    st.session_state[name + "_generation"] = _generation(name) + 1


def _clicked_points(name: str, curve: int) -> list[dict]:
    """The points of `curve` clicked on chart `name` (the browser's event, taken as untrusted), or []."""
    event = st.session_state.get(_chart_key(name))
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


def _undo_all() -> None:
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
            _undo_all()
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


def novelty_note(result: ProbeResult) -> None:
    """Beside the prediction: say so when the drawing's final state lies far from every digit the network learned."""
    assets = _active_assets()
    if assets is None:
        return
    final_state = result.hidden[-1, -1]
    if assets.detector.is_novel(final_state):
        predicted = int(np.argmax(result.probabilities))
        st.warning(
            f"**This does not look like a digit** to the network: its final state lies farther from every digit it "
            f"learned than all but 1% of MNIST test digits. It still answers {predicted}, because it can only answer with a digit.",
            icon=":material/help:",
        )


# Per-model assets ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_assets(path: str, modified_time: float) -> ExplainAssets | None:
    try:
        return load_assets(path)
    except ValueError:
        return None


@st.cache_resource(show_spinner=False, max_entries=16)
def _weights_digest(path: str, modified_time: float, probe_id: int, _probe) -> str:
    return weights_digest(_probe)


def _assets_for(loaded: resources.LoadedModel) -> tuple[ExplainAssets | None, str]:
    """The model's assets if they exist and belong to its weights; else None and why not."""
    path = assets_path_for(loaded.path)
    if not path.is_file():
        return None, "The map, the unit examples and the not-a-digit check have not been computed for this model yet."
    assets = _load_assets(str(path), path.stat().st_mtime)
    if assets is None:
        return None, f"{path.name} could not be read; compute it again."
    if assets.model_digest != _weights_digest(str(loaded.path), loaded.path.stat().st_mtime, id(loaded.probe), loaded.probe):
        return None, f"{path.name} was computed for other weights than these (an earlier epoch, or before the model was retrained)."
    return assets, ""


def _active_assets() -> ExplainAssets | None:
    loaded = st.session_state.get(MODEL_KEY)
    return _assets_for(loaded)[0] if loaded is not None else None


def _is_the_saved_model(loaded: resources.LoadedModel) -> bool:
    try:
        return resources.load_classifier(loaded.path).probe is loaded.probe
    except ValueError:  # ModelFileError: a file that does not load has nothing to compute for.
        return False


def _assets_or_reason(loaded: resources.LoadedModel) -> ExplainAssets | None:
    """The assets, or None after saying why they are missing and offering to compute them from MNIST."""
    assets, reason = _assets_for(loaded)
    if assets is not None:
        return assets
    st.info(reason)
    if not _is_the_saved_model(loaded):
        return None  # A training snapshot (the Epoch slider): its assets would overwrite the saved model's.
    refusal = _asset_computation_refusal()
    if refusal:
        st.caption(refusal)
        return None
    if st.button("Compute them from MNIST (a minute or two)", key="explain_compute_assets"):
        _compute_assets_on_click(loaded)
    return None


@st.cache_resource(show_spinner=False)
def _asset_computation_lock() -> threading.Lock:
    """One computation of explanation assets at a time in this server process, whoever asks."""
    return threading.Lock()


def _public_limiter():
    """The per-visitor start limiter when this visitor's computation counts as a start, else None.

    On a public server computing assets is a heavy job like a training run: it shares the runs'
    per-visitor start limit, unless the page holds the operator's token.
    """
    server = settings.demo_settings()
    if not server.public or settings.is_operator():
        return None
    return settings.start_limiter(server.min_seconds_between_starts)


def _asset_computation_refusal() -> str | None:
    """Why this server does not offer to compute a model's assets in the page, or None when it does."""
    try:
        server = settings.demo_settings()
    except ValueError:
        return "The server's settings could not be read, so nothing is computed here."
    if server.public and not server.training_enabled:
        return "This public server does not compute them in the page; its operator can, from the command line."
    return None


def _compute_assets_on_click(loaded: resources.LoadedModel) -> None:
    """Compute and save the model's assets: within the visitor's start limit, one computation at a time."""
    try:
        limiter = _public_limiter()
        if limiter is not None:
            limiter.check(settings.visitor_key())
        (x_train, y_train), (x_test, y_test) = resources.load_dataset(resources.data_path_setting())
    except MnistUnavailableError as error:
        st.warning(f"They need the MNIST digits, which are not available here: {error}")
        return
    except ValueError as error:  # The start limit's wait, or a bad setting.
        st.warning(str(error))
        return
    lock = _asset_computation_lock()
    if not lock.acquire(blocking=False):
        st.warning("Another visitor's explanation assets are being computed right now; try again in a minute or two.")
        return
    try:
        if limiter is not None:
            limiter.record(settings.visitor_key())
        _compute_and_save_assets(loaded, x_train, y_train, x_test, y_test)
    except OSError:  # A read-only or full disk; the message would name the server's folders.
        st.warning("They were computed but could not be saved on this server, so they cannot be shown.")
        return
    finally:
        lock.release()
    st.rerun(scope="fragment")


def _compute_and_save_assets(loaded: resources.LoadedModel, x_train, y_train, x_test, y_test) -> None:
    with st.spinner("Reading the 10,000 test digits and 10,000 training digits…"):
        arrays = compute_assets(
            loaded.probe,
            x_test,
            y_test,
            x_train,
            y_train,
            weights_digest(loaded.probe),
            AssetDefaults(training_digits=ON_DEMAND_DIGITS),
        )
        save_assets(arrays, assets_path_for(loaded.path))


# The panels ------------------------------------------------------------------------------------------------


def render(loaded: resources.LoadedModel, image: np.ndarray, result: ProbeResult, row: int) -> None:
    """The explanation panels for the reading on show (`image` is what the network read)."""
    st.subheader("Why this answer?")
    _edits_note(loaded, result)
    panel = st.segmented_control(
        "Explain", PANELS, key=PANEL_KEY, help="Each panel is computed only while it is open, so drawing stays fast"
    )
    if panel == "Which rows mattered":
        _rows_mattered_panel(loaded, image, result)
    elif panel == "What if":
        _what_if_panel(loaded, result)
    elif panel == "Unit inspector":
        _unit_inspector_panel(loaded, image, result, row)
    elif panel == "State map":
        _state_map_panel(loaded, result, row)


def _edits_note(loaded, result: ProbeResult) -> None:
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
        st.button("Undo all edits", key="explain_undo", on_click=_undo_all, icon=":material/undo:")


def _image_signature(probe, image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image, dtype=np.float32).tobytes() + str(id(probe)).encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _importance_slots() -> threading.BoundedSemaphore:
    """Row importance computed for at most this many visitors at once in this server process (CPU and about 60 MB each)."""
    return threading.BoundedSemaphore(IMPORTANCE_AT_ONCE)


def _compute_importance(probe, image: np.ndarray) -> dict:
    digit = explain.predicted_digit(probe, image)
    occlusion = explain.occlusion(probe, image, digit)
    integrated = explain.integrated_gradients(probe, image, digit)
    return {
        "digit": digit,
        "occlusion": occlusion,
        "integrated": integrated,
        "occlusion_faithfulness": explain.faithfulness(probe, image, occlusion, digit),
        "integrated_faithfulness": explain.faithfulness(probe, image, integrated.rows, digit),
    }


METHOD_NOTES = (
    "**Occlusion** blanks one row at a time and measures how far the answer's probability drops. It is direct, but it "
    "misses rows that matter only together: if two rows carry the same stroke, blanking either alone changes little, "
    "and once the network is certain most single rows score near zero.\n\n"
    "**Integrated gradients** add up the gradients along the way from a blank image to this one. Their 28 row scores "
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
    stored = st.session_state.get(IMPORTANCE_KEY)
    if stored is None or stored[0] != signature:
        st.caption("Measured on demand (about a second), never on every stroke.")
        if not st.button("Explain this reading", key="explain_rows_button", icon=":material/insights:", type="primary"):
            return
        slots = _importance_slots()
        if not slots.acquire(blocking=False):
            st.warning("The server is explaining other visitors' readings right now; try again in a moment.")
            return
        try:
            with st.spinner("Blanking rows and integrating gradients…"):
                stored = (signature, _compute_importance(loaded.probe, image))
        finally:
            slots.release()
        st.session_state[IMPORTANCE_KEY] = stored
    computed = stored[1]
    digit, integrated = computed["digit"], computed["integrated"]
    figure_column, curve_column = st.columns([1.25, 1], gap="medium")
    with figure_column:
        scores = {"Occlusion": computed["occlusion"], "Integrated gradients": integrated.rows}
        st.plotly_chart(explain_charts.row_importance_figure(image, scores, digit), key="explain_rows_figure", config=_PLOTLY_CONFIG)
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


def _what_if_panel(loaded, result: ProbeResult) -> None:
    original = st.session_state.get(ORIGINAL_KEY)
    if original is None:
        return
    blanked, _, _ = edits()
    image_column, controls_column = st.columns([1, 1.4], gap="medium")
    with image_column:
        st.plotly_chart(
            explain_charts.what_if_figure(original, blanked),
            key=_chart_key(ROWS_CHART),
            on_select="rerun",
            selection_mode="points",
            config=_PLOTLY_CONFIG,
        )
    with controls_column:
        st.toggle(
            "Read bottom-up (last row first)",
            value=bool(st.session_state.get(BOTTOM_UP_KEY)),
            key="explain_bottom_up_toggle",
            on_change=_copy_toggle,
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


def _copy_toggle(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = bool(st.session_state[widget_key])


def _unit_inspector_panel(loaded, image: np.ndarray, result: ProbeResult, row: int) -> None:
    probe = loaded.probe
    layers = len(probe.units)
    layer, unit = st.session_state.get(UNIT_KEY, (layers - 1, int(probe.unit_order[-1][0])))
    layer %= layers
    chosen_layer = st.segmented_control(
        "Layer", [f"Layer {index + 1}" for index in range(layers)], default=f"Layer {layer + 1}", key="explain_layer"
    )
    if chosen_layer and int(chosen_layer.split()[-1]) - 1 != layer:
        layer = int(chosen_layer.split()[-1]) - 1
        unit = int(probe.unit_order[layer][0])
    unit = min(unit, probe.units[layer] - 1)
    st.session_state[UNIT_KEY] = (layer, unit)
    st.plotly_chart(
        explain_charts.unit_picker_figure(result.hidden[layer], probe.unit_order[layer], unit, layer),
        key=_chart_key(UNITS_CHART),
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
            value=bool(st.session_state.get(SILENCED_KEY)),
            key="explain_silence_toggle",
            on_change=_copy_toggle,
            args=("explain_silence_toggle", SILENCED_KEY),
        )
    _unit_drivers(loaded, layer, unit)


def _unit_drivers(loaded, layer: int, unit: int) -> None:
    assets = _assets_or_reason(loaded)
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
    assets = _assets_or_reason(loaded)
    if assets is None:
        return
    path = assets.project(result.hidden[-1])
    blanked, bottom_up, unit = edits()
    other_path = None
    original = st.session_state.get(ORIGINAL_KEY)
    if (blanked or bottom_up or unit) and original is not None:
        other_path = assets.project(loaded.probe.run(original).hidden[-1])
    figure = explain_charts.state_map_figure(
        assets.map_points, assets.map_labels, assets.class_centres, path, row, assets.pca_explained, other_path
    )
    map_column, note_column = st.columns([2.2, 1], gap="medium")
    with map_column:
        live_plotly_chart(figure, key="explain_state_map", alt="Map of the top layer's state: ten digit clusters and this drawing's path.")
    with note_column:
        nearest = int(np.argmin(((assets.class_centres - path[-1]) ** 2).sum(axis=1)))
        st.markdown(
            "Each faint dot is one MNIST test digit's final top-layer state, flattened to two dimensions (PCA, fitted on "
            f"the test digits); the big numbers mark where each digit's cluster lies. The dark line is this reading, row by "
            f"row; the yellow dot is row {row}, and it follows the row slider and Play. After row 28 it lies nearest the "
            f"**{nearest}** cluster." + (" The dotted grey line is the unedited reading." if other_path is not None else "")
        )
        st.caption(
            f"Two axes keep {assets.pca_explained.sum():.0%} of the variance of 128 units: clusters that overlap here may be apart in full."
        )
