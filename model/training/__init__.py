"""Training: fitting a network, fine-tuning it on a visitor's drawings, and running either in a process of its own.

`train` and `fine_tune` fit a model and report progress through a callback they are handed;
`steps`, `augment` and `snapshots` are their parts; `record` and `store` save a run beside its
model; `process` runs a job in a child process and `supervisor` runs one job at a time for the
server; `estimate` says how long a run will take; `python -m model.training` is the command line.
Importing this package imports nothing heavy: the server reads records and starts jobs without Keras.
"""
