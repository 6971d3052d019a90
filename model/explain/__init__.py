"""Explanations of a reading: gradients through the probe, row attributions, and the per-model assets.

`backprop` walks the probe's replay back through time; `attribution` ranks the rows of a digit by
what they did to the answer; `novelty` tells digits from scribbles; `assets` computes and reads
the per-model files (map, unit driver digits, novelty detector) beside a `.keras` file
(`python -m model.explain.assets`). NumPy only: none of it imports TensorFlow.
"""
