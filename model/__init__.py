"""The engine of the demo: data, network, training, storage, preprocessing and the probe.

Nothing in this package imports Streamlit: it is used by the app (`app.py`), by the training
CLI (`python -m model.training`), by the tests and by the benchmarks alike.

Importing it, before NumPy or TensorFlow loads, sets two process-wide defaults (an environment
variable already set wins):
- TensorFlow's C++ start-up chatter is silenced: it says nothing a user of this demo needs.
- NumPy's BLAS (OpenBLAS) runs on one thread. The probe's products are small (one drawing: 1×28
  rows through 128-unit layers), and OpenBLAS's idle threads spin on the cores the server's
  visitors share: with eight visitors drawing, a stroke cost the serving process 90 ms of CPU
  with two BLAS threads and 24 ms with one, with the same p50 round trip
  (`OPENBLAS_NUM_THREADS=2 python bench/server_crowd.py 8`, then without the variable).
  A 10,000-image evaluation takes longer on one thread (1.7 → 2.1 s, `bench/probe_speed.py`); a public server's
  other visitors keep the second core. The training process sets its own thread pools
  (`model/training/process.py`).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
