"""The Streamlit side of the demo: one folder per page, what pages share, and the components they draw with.

`draw/`, `explain/` (the explanations under the Draw page's reading), `train/`, `evaluate/` and
`compare/` each hold a page's view and its chart builders; `components/` the palette, the reading
figure's renderer, the live chart and the browser actions; `state.py` every session-state key,
`resources.py` what is loaded once per server, `navigation.py` what one page asks of another,
`settings.py` the server's settings. Chart builders are pure functions (arrays in, figures out).
Pages call the engine in `model/`; `app.py` only wires them into pages.
"""
