"""Hosting policy: what a server allows, and how it keeps its runs folder, visitors' starts and memory in bounds.

`settings` parses the `LSTM_DEMO_*` settings, `runs_folder` keeps the saved runs within their
cap and disk floor, `start_limiter` spaces one visitor's training starts, `memory` gives freed
memory back to the operating system. Nothing here imports Streamlit; `ui/settings.py` reads the
settings from the environment and secrets.
"""
