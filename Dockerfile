# The public demo in one container: the app in public mode, served by Streamlit as a non-root user.
# Two images from this file (docs/hosting.md, "In a container"):
#
#   docker build -t lstm-demo .                               # full (the default): visitors may train
#   docker build --target serve -t lstm-demo-serve .          # serving only: no TensorFlow, training off
#   docker run -p 8501:8501 lstm-demo
#   docker run -p 7860:7860 -e PORT=7860 lstm-demo            # as on Hugging Face Spaces
#
# Settings (README, "Hosting a public demo") are passed with -e; MNIST for the test digits,
# evaluation and training is mounted and named with MNIST_NPZ, e.g.
#   -v /srv/mnist.npz:/data/mnist.npz:ro -e MNIST_NPZ=/data/mnist.npz
FROM python:3.11-slim AS base

# MALLOC_ARENA_MAX=2: glibc keeps fewer per-thread heaps; with four visitors drawing the serving
# process peaked at 195-197 MB, against 247 MB with glibc's default (bench/results/crowd.txt).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8501 \
    LSTM_DEMO_MODE=public \
    LSTM_DEMO_RUNS_DIR=/data/runs \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    MALLOC_ARENA_MAX=2

# Hugging Face Spaces runs containers as user 1000; so does this image everywhere.
RUN useradd --create-home --uid 1000 demo \
    && mkdir -p /data/runs \
    && chown demo:demo /data/runs

WORKDIR /home/demo/app
EXPOSE 8501 7860

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8501') + '/_stcore/health', timeout=4)"

CMD ["sh", "-c", "exec streamlit run app.py --server.address=0.0.0.0 --server.port=${PORT}"]

# The app's code and assets, listed once; both images copy them after their packages, for a cached layer.
FROM scratch AS source
COPY app.py /app/app.py
COPY .streamlit/config.toml /app/.streamlit/config.toml
COPY model/ /app/model/
COPY ui/ /app/ui/
COPY assets/ /app/assets/

# Serving only: the pages, the NumPy probe and the weights reader, without Keras or TensorFlow, so
# training is off. Packages are installed without byte-code (compiled in memory at each start) and
# without what the serving process never loads: the test suites of pandas and NumPy, pyarrow's C++
# headers, Flight RPC, S3/GCS/Azure/HDFS file systems and two spare copies of one library (Streamlit
# uses Arrow's tables and IPC only), and the source map of pydeck's Jupyter extension.
FROM base AS serve
ENV LSTM_DEMO_TRAINING=off
COPY requirements-serve.txt ./
RUN pip install --no-compile -r requirements-serve.txt \
    && cd /usr/local/lib/python3.11/site-packages \
    && rm -rf pandas/tests numpy/tests numpy/*/tests pyarrow/tests pyarrow/include pyarrow/*flight* \
        pyarrow/libarrow_s3* pyarrow/_s3fs* pyarrow/_gcsfs* pyarrow/_azurefs* pyarrow/_hdfs* pyarrow/_pyarrow_cpp_tests* \
        pyarrow/libarrow_python.so pyarrow/libarrow_python.so.*.*.* pydeck/nbextension/static/index.js.map
COPY --from=source --chown=demo:demo /app/ ./
USER demo

# Full (the default target, the last stage): the app's own requirements, training included (no test tools).
FROM base AS full
COPY requirements-serve.txt requirements.txt ./
RUN pip install -r requirements.txt
COPY --from=source --chown=demo:demo /app/ ./
USER demo
