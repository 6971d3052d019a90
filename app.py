"""The Streamlit app: draw a digit and watch an LSTM read it, train it, and evaluate it.

Run with `streamlit run app.py`. This file only wires the views (in `ui/`) into pages and the
sidebar, and applies the server's settings (`LSTM_DEMO_MODE=public`: no data path field, no
error details sent to visitors); the network, training and probe live in `model/`.
"""

from __future__ import annotations

import streamlit as st

import model  # noqa: F401  (before NumPy and TensorFlow load: quiet TensorFlow logs, one BLAS thread; see model/__init__.py)
from model.hosting.runs_folder import PeriodicSweep, prune_runs, sweep_temporary_files
from model.hosting.settings import DemoSettings
from model.shapes import IMAGE_COLUMNS, IMAGE_ROWS
from model.training.checkpoint import recover_orphaned_checkpoints
from ui import navigation, page_style, resources, server_memory, settings, widget_guard
from ui import state as keys
from ui.compare import view as compare_view
from ui.draw import view as draw_view
from ui.evaluate import view as evaluate_view
from ui.train import view as train_view


def sidebar(server: DemoSettings) -> None:
    with st.sidebar:
        st.markdown("### An LSTM reads your handwriting")
        st.caption(f"A recurrent network reads each digit as {IMAGE_ROWS} rows of {IMAGE_COLUMNS} pixels, one row at a time.")
        entries = resources.saved_models()
        if entries:
            paths = [str(path) for path, _ in entries]
            labels = {str(path): resources.describe_model(path, history) for path, history in entries}
            active = str(resources.active_model_path())
            if active in paths:
                # Keep the box in step when another view (e.g. "Use for drawing") changed the model.
                st.session_state[keys.MODEL_CHOICE] = active
            st.selectbox(
                "Model",
                paths,
                format_func=labels.get,
                key=keys.MODEL_CHOICE,
                on_change=lambda: resources.set_active_model(resources.Path(st.session_state[keys.MODEL_CHOICE])),
            )
        if server.public:
            return  # No visitor hands a public server a path: data comes from its own MNIST_NPZ setting.
        st.text_input(
            "MNIST data (optional)",
            key=keys.MNIST_PATH,
            placeholder="path to mnist.npz or an IDX folder",
            help="Used for test digits, evaluation and training. Empty: the MNIST_NPZ variable, else Keras's cache or download.",
        )


def server_settings() -> DemoSettings:
    """The parsed settings, with public mode applied; a bad setting stops every page with its message."""
    try:
        server = settings.demo_settings()
    except ValueError as error:
        st.error(f"This server is misconfigured: {error}")
        st.stop()
    if server.public:
        # Visitors see a generic message for an unexpected error; the details go to the server's log.
        st.set_option("client.showErrorDetails", "none")
    return server


@st.cache_resource(show_spinner=False)
def tidy_runs_folder(runs_directory: str, max_saved_runs: int | None) -> PeriodicSweep:
    """Once per server process: save the runs a dead server left as checkpoints, sweep what killed saves left,
    bring the runs within the cap, and do the first two every few minutes on."""
    recover_orphaned_checkpoints(runs_directory)
    sweep_temporary_files(runs_directory)
    prune_runs(runs_directory, max_saved_runs, protected=[resources.SHIPPED_MODEL])
    periodic_sweep = PeriodicSweep(runs_directory, recover=recover_orphaned_checkpoints)
    periodic_sweep.start()
    return periodic_sweep


def main() -> None:
    st.set_page_config(page_title="An LSTM reads your handwriting", page_icon="✍️", layout="wide")
    page_style.apply()  # What keeps a phone's screen readable, on every page (ui/page_style.py).
    widget_guard.install()  # From the next message on, a forged widget value is dropped, not raised on every rerun.
    widget_guard.show_notice()
    server = server_settings()
    settings.take_tokens_from_address()  # First thing: no token stays in an address the page may rewrite or a visitor copy.
    settings.show_token_notice()
    tidy_runs_folder(str(resources.RUNS_DIRECTORY), server.max_saved_runs)
    server_memory.watch_server_memory()  # Freed memory back to the OS once visitors have gone (ui/server_memory.py).
    draw_page = st.Page(draw_view.render, title="Draw", icon=":material/draw:", url_path="draw", default=True)
    navigation.remember_draw_page(draw_page)
    compare_page = st.Page(compare_view.render_page, title="Why an LSTM?", icon=":material/compare_arrows:", url_path="why-lstm")
    st.session_state[keys.COMPARE_PAGE] = compare_page
    pages = [
        draw_page,
        compare_page,
        st.Page(train_view.render, title="Train", icon=":material/monitoring:", url_path="train"),
        st.Page(evaluate_view.render, title="Evaluate", icon=":material/fact_check:", url_path="evaluate"),
    ]
    current_page = st.navigation(pages)
    sidebar(server)
    current_page.run()


main()
