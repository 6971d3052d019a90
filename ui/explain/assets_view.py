"""The explanation assets of the model on show: loaded and checked, or computed from MNIST on request.

A model's map, unit driver digits and not-a-digit detector live beside it in an `.explain.npz`
(`model/explain/assets.py`). This module reads them (cached per file), checks that they belong to
the weights on show, and otherwise says why they are missing and offers to compute them. The
computation is bounded per server process: one at a time, counted against the visitor's start
limit in public mode, and not offered on a public server without training. It draws no panel;
`ui/explain/panels.py` asks it for the assets.
"""

from __future__ import annotations

import threading

import streamlit as st

from model.data import MnistUnavailableError
from model.explain.assets import AssetDefaults, ExplainAssets, compute_assets, load_assets, save_assets, weights_digest
from model.shapes import explain_assets_path_for
from ui import resources, settings

ON_DEMAND_DIGITS = 10000  # Training digits the novelty centroids are fitted on when a run's assets are computed in the page.


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_assets(path: str, modified_time: float) -> ExplainAssets | None:
    try:
        return load_assets(path)
    except ValueError:
        return None


@st.cache_resource(show_spinner=False, max_entries=16)
def _weights_digest(path: str, modified_time: float, probe_id: int, _probe) -> str:
    return weights_digest(_probe)


def assets_for(loaded: resources.LoadedModel) -> tuple[ExplainAssets | None, str]:
    """The model's assets if they exist and belong to its weights; else None and why not."""
    path = explain_assets_path_for(loaded.path)
    if not path.is_file():
        return None, "The map, the unit examples and the not-a-digit check have not been computed for this model yet."
    assets = _load_assets(str(path), path.stat().st_mtime)
    if assets is None:
        return None, f"{path.name} could not be read; compute it again."
    if assets.model_digest != _weights_digest(str(loaded.path), loaded.path.stat().st_mtime, id(loaded.probe), loaded.probe):
        return None, f"{path.name} was computed for other weights than these (an earlier epoch, or before the model was retrained)."
    return assets, ""


def _is_the_saved_model(loaded: resources.LoadedModel) -> bool:
    try:
        return resources.load_classifier(loaded.path).probe is loaded.probe
    except ValueError:  # ModelFileError: a file that does not load has nothing to compute for.
        return False


def assets_or_reason(loaded: resources.LoadedModel) -> ExplainAssets | None:
    """The assets, or None after saying why they are missing and offering to compute them from MNIST."""
    assets, reason = assets_for(loaded)
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
        save_assets(arrays, explain_assets_path_for(loaded.path))
