# The public demo in one container: the app in public mode, served by Streamlit as a non-root user.
#
#   docker build -t lstm-demo . && docker run -p 8501:8501 lstm-demo
#   docker run -p 7860:7860 -e PORT=7860 lstm-demo            # as on Hugging Face Spaces
#
# Settings (README, "Hosting a public demo") are passed with -e; MNIST for the test digits,
# evaluation and training is mounted and named with MNIST_NPZ, e.g.
#   -v /srv/mnist.npz:/data/mnist.npz:ro -e MNIST_NPZ=/data/mnist.npz
FROM python:3.11-slim

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
# The app's own requirements only (no test tools); installed before the code for a cached layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=demo:demo app.py ./
COPY --chown=demo:demo .streamlit/config.toml .streamlit/config.toml
COPY --chown=demo:demo model/ model/
COPY --chown=demo:demo ui/ ui/
COPY --chown=demo:demo assets/ assets/

USER demo
EXPOSE 8501 7860

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8501') + '/_stcore/health', timeout=4)"

CMD ["sh", "-c", "exec streamlit run app.py --server.address=0.0.0.0 --server.port=${PORT}"]
