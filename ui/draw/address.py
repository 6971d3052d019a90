"""The Draw page's address: read once when a session opens it, rewritten to describe the reading on show.

What the parameters mean and how they are checked is `ui/share.py`'s; this module applies them to
the session (the digit, the row, the model) and keeps the address bar in step.
"""

from __future__ import annotations

import urllib.parse

import streamlit as st

from ui import navigation, resources, share
from ui import state as keys
from ui.draw.canvas import Digit


def read_address_once() -> None:
    """At a session's start, open what the address describes; a part that does not check out is dropped with a short notice."""
    if st.session_state.get(keys.ADDRESS_READ):
        return
    st.session_state[keys.ADDRESS_READ] = True
    models = {path.name: path for path, _ in resources.saved_models()}
    given = {name: st.query_params.get_all(name) for name in st.query_params}
    reading, problems = share.parse_address(given, list(models))
    if problems:
        st.session_state[keys.ADDRESS_NOTICE] = "This link could not be opened in full. " + " ".join(problems)
    if reading.image is not None:
        st.session_state[keys.SOURCE] = "shared"
        st.session_state[keys.SHARED_IMAGE] = reading.image
    elif reading.test_index is not None:
        navigation.open_test_digit(reading.test_index, reading.mistake)
    if reading.has_digit:
        st.session_state[keys.PENDING_ROW] = reading.row
    if reading.model_name is not None and models[reading.model_name].resolve() != resources.active_model_path().resolve():
        resources.set_active_model(models[reading.model_name])
        st.rerun()  # Once, so that the sidebar's model box shows the model too.


def write_address(digit: Digit | None, row: int) -> str:
    """Keep the address bar describing the reading on show (only this view's own parameters are touched).

    Called as soon as the reading is known, before its figures are drawn, so the address follows a stroke
    at once; returns the query that describes the reading, which Copy link copies whatever the address bar holds.
    """
    image = digit.image if digit is not None and digit.test_index is None else None
    test_index = digit.test_index if digit is not None else None
    mistake = digit.mistake if digit is not None else False
    wanted = share.address_parameters(image, test_index, mistake, resources.active_model_path().name, row)
    for name in (*share.READING_PARAMETERS, share.MODEL_PARAMETER, share.ROW_PARAMETER):
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]
    return urllib.parse.urlencode(wanted)
