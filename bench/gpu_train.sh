#!/usr/bin/env bash
# The one prepared run for a lent GPU machine (see README, "Training on a GPU"): it checks that the
# LSTM takes the cuDNN kernel, times the seed recipe's epochs there, and trains the shipped model
# with the CLI. Wheels for Keras travel in .whl/ and MNIST in .device-data/ (both git-ignored).
set -euo pipefail
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export KERAS_BACKEND=${KERAS_BACKEND:-torch}
export MNIST_NPZ=${MNIST_NPZ:-.device-data/mnist.npz}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 bench/gpu_check.py "$OUT/gpu_check.json"
python3 -m model.training --epochs 3 --batch-size 32 --learning-rate 0.001 --learning-rate-schedule constant \
  --warmup-fraction 0 ${SMOKE_ARGS:-} --out "$OUT/seed_recipe_gpu.keras" 2>&1 | tr '\r' '\n' | grep -v '%'
python3 -m model.training --augment --epochs "${SHIPPED_EPOCHS:-24}" --batch-size 128 --learning-rate 0.002 ${SMOKE_ARGS:-} \
  --out "$OUT/lstm_mnist.keras" 2>&1 | tr '\r' '\n' | grep -v '%'
