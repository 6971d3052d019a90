"""The engine of the demo: data, network, training, storage, preprocessing and the probe.

Nothing in this package imports Streamlit: it is used by the app (`app.py`), by the training
CLI (`python -m model.train`), by the tests and by the benchmarks alike.
"""

import os

# TensorFlow's C++ start-up chatter says nothing a user of this demo needs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
