"""Streamlit's own floor for the stroke round trip: the same canvas, echoing one number.

Used by `bench/stroke_latency.py` as the reference the real app is measured against.

    streamlit run bench/floor_app.py
"""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

st.set_page_config(page_title="Canvas floor", layout="wide")
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
st.metric("Echo", str(0 if image is None else int((np.asarray(image)[..., 0] > 127).sum())))
