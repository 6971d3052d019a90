"""The Streamlit side of the demo: chart builders, cached resources and the three views.

`ui.components.charts` holds pure functions (arrays in, Plotly figures out) and imports no Streamlit; the
view modules (`draw_view`, `train_view`, `evaluate_view`) lay out widgets and call the engine in
`model/`. `app.py` only wires the views into pages.
"""
