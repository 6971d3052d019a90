"""Streamlit's own floor for the stroke round trip: the same canvas, echoing one number.

Used by `bench/stroke_latency.py` as the reference the real app is measured against. With
`FLOOR_EXTRA_CHARTS=N` it also draws N Plotly heatmaps per stroke, to price one chart in the browser.
With `FLOOR_FREEZE_GC=1` it freezes what is loaded (`gc.freeze()`), so that Streamlit's full
garbage collection after every run (`runner.postScriptGC`) stops costing it 100–180 ms a stroke:
the tightest floor, used by `bench/server_crowd.py --frozen-floor`. With `FLOOR_SAVE_DRAWING=PATH`
it saves each drawing it receives (H×W×4 uint8) to PATH with `numpy.save`, for
`bench/canvas_fidelity.py`.

    streamlit run bench/floor_app.py
"""

import gc
import os
import sys
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

st.set_page_config(page_title="Canvas floor", layout="wide")
if os.environ.get("FLOOR_FREEZE_GC") == "1":
    gc.freeze()  # Streamlit's full collection after every run then skips what is loaded (the app does the same, ui/resources.py).
result = st_canvas(
    stroke_width=20,
    stroke_color="#FFFFFF",
    background_color="#000000",
    height=280,
    width=280,
    drawing_mode="freedraw",
    return_image_data=True,
    key="digit_canvas",
)
image = result.image_data
inked = 0 if image is None else int((np.asarray(image)[..., 0] > 127).sum())
st.metric("Echo", str(inked))
if image is not None and os.environ.get("FLOOR_SAVE_DRAWING"):
    saved = Path(os.environ["FLOOR_SAVE_DRAWING"])
    np.save(saved.with_suffix(".partial.npy"), np.asarray(image, dtype=np.uint8))
    os.replace(saved.with_suffix(".partial.npy"), saved)  # The reader never sees half a file.
extra_charts = int(os.environ.get("FLOOR_EXTRA_CHARTS", "0"))
if extra_charts:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from model.shapes import IMAGE_ROWS
    from ui.components.charts import DIVERGING, unvalidated_figure

    rng = np.random.default_rng(inked)
    for index in range(extra_charts):
        heatmap = {"type": "heatmap", "z": rng.uniform(-1, 1, (IMAGE_ROWS, 128)), "colorscale": DIVERGING, "zmid": 0}
        st.plotly_chart(unvalidated_figure([heatmap], {"height": 300}), key=f"extra_{index}")
