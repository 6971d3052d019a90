"""The evaluation view: the active model on the 10,000 MNIST test images, its mistakes, and run comparisons.

Test accuracy, loss, confusion matrix and the list of mistakes are computed once per model file
and cached for every visitor. Accuracy on each digit is drawn as bars; clicking a cell of the
confusion matrix shows those mistakes, and a mistake can be opened in the row-by-row drawing view.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from model.data import MnistUnavailableError
from model.shapes import NUMBER_OF_CLASSES
from ui import navigation, resources
from ui.evaluate import charts, compare, confusion

GALLERY_SIZE = 24
GALLERY_COLUMNS = 6
EVALUATION_BATCH_SIZE = 1000  # About 60 MB of gate pre-activations per batch.
# Evaluations kept (about 200 KB each): more than a public server's 20 saved runs and its shipped model, so
# a visitor stepping through the model choices does not classify the test set again on every switch.
EVALUATIONS_KEPT = 32


@st.cache_data(show_spinner="Classifying the 10,000 test images…", max_entries=EVALUATIONS_KEPT)
def evaluate(model_path: str, modified_time: float, data_path: str | None) -> dict:
    """Accuracy, loss, confusion matrix and mistakes of one model file on the MNIST test set."""
    loaded = resources.load_classifier(resources.Path(model_path))
    _, (images, labels) = resources.load_dataset(data_path)
    # The NumPy probe's lean path, a batch at a time: no Keras in the serving process.
    probabilities = loaded.probe.predict(images.astype(np.float32) / 255.0, batch_size=EVALUATION_BATCH_SIZE)
    predicted = probabilities.argmax(axis=1)
    confidence_in_truth = np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1.0)
    matrix = np.zeros((NUMBER_OF_CLASSES, NUMBER_OF_CLASSES), dtype=int)
    np.add.at(matrix, (labels, predicted), 1)
    mistakes = np.flatnonzero(predicted != labels)
    # The most confident mistakes first: they are the most telling.
    mistakes = mistakes[np.argsort(-probabilities[mistakes, predicted[mistakes]])]
    return {
        "accuracy": float((predicted == labels).mean()),
        "loss": float(-np.log(confidence_in_truth).mean()),
        "confusion": matrix,
        "mistakes": mistakes,
        "predicted": predicted,
        "confidence": probabilities.max(axis=1),
    }


def render() -> None:
    st.title("How good is it?")
    loaded = resources.active_classifier()
    if loaded is None:
        return
    st.caption(f"Evaluating {loaded.in_a_sentence} on the 10,000 MNIST test images it never trained on.")
    try:
        path = loaded.path
        result = evaluate(str(path), path.stat().st_mtime, resources.data_path_setting())
    except MnistUnavailableError as error:
        st.warning(str(error))
        return
    navigation.follow_switch()
    images, labels = resources.test_images()
    accuracy_column, loss_column, mistakes_column = st.columns(3)
    accuracy_column.metric("Test accuracy", f"{result['accuracy']:.2%}")
    loss_column.metric("Test loss", f"{result['loss']:.4f}")
    mistakes_column.metric("Mistakes", f"{len(result['mistakes'])} of {len(labels):,}")

    matrix_column, gallery_column = st.columns([1, 1.3], gap="large")
    with matrix_column:
        st.subheader("Confusion matrix")
        event = st.plotly_chart(
            charts.confusion_matrix(result["confusion"]), key="confusion_matrix", on_select="rerun", selection_mode="points"
        )
        st.caption(
            "Each row is a true digit, each column the digit the network answered. The diagonal (uncoloured) holds "
            "the right answers; red cells show which digits it mixes up. Click a cell to see those mistakes."
        )
        st.plotly_chart(charts.class_accuracy_bars(confusion.class_accuracy(result["confusion"])), key="class_accuracy")
    with gallery_column:
        cell = confusion.chosen_cell(event)
        mistakes = result["mistakes"]
        if cell is None:
            st.subheader("Its most confident mistakes")
        else:
            true_digit, said = cell
            mistakes = mistakes[(labels[mistakes] == true_digit) & (result["predicted"][mistakes] == said)]
            st.subheader(f"{true_digit} read as {said}: {len(mistakes)} mistake{'s' if len(mistakes) != 1 else ''}")
            if not len(mistakes):
                st.caption("None: click another cell, or click this one again to go back to all mistakes.")
        _gallery(images, labels, result, mistakes[:GALLERY_SIZE])
    st.divider()
    compare.compare_runs_ui()


# On a phone, Streamlit stacks columns one under another: 24 mistakes became a 14,000-pixel column.
# Keep them three to a row there instead.
_GALLERY_PHONE_CSS = """<style>@media (max-width: 640px) {
  .st-key-mistakes_gallery [data-testid="stHorizontalBlock"] { flex-direction: row !important; flex-wrap: wrap !important; }
  .st-key-mistakes_gallery [data-testid="stColumn"] { flex: 0 0 calc(33% - 1rem) !important; width: calc(33% - 1rem) !important;
    min-width: 0 !important; }
}</style>"""


def _gallery(images: np.ndarray, labels: np.ndarray, result: dict, mistakes: np.ndarray) -> None:
    st.html(_GALLERY_PHONE_CSS)
    with st.container(key="mistakes_gallery"):
        _gallery_rows(images, labels, result, mistakes)


def _gallery_rows(images: np.ndarray, labels: np.ndarray, result: dict, mistakes: np.ndarray) -> None:
    for start in range(0, len(mistakes), GALLERY_COLUMNS):
        columns = st.columns(GALLERY_COLUMNS)
        for column, index in zip(columns, mistakes[start : start + GALLERY_COLUMNS]):
            column.image(np.kron(images[index], np.ones((3, 3), dtype=np.uint8)), width="stretch")
            column.caption(f"true {labels[index]}, said {result['predicted'][index]}")
            column.button(
                "Read",
                key=f"open_{index}",
                on_click=navigation.open_mistake_in_draw_page,
                args=(int(index),),
                help="Open it in the row-by-row view",
                width="stretch",
            )
