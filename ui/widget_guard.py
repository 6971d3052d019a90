"""Forged widget values: dropped before any widget sees them, with a plain message, so the page recovers.

Streamlit turns each widget's value from the browser back into a Python value with that widget's
own deserializer, which trusts the value's type: a forged message (NaN for the Epochs field, a
number where the LSTM-units choice expects a label) raises inside Streamlit before the script runs,
and again on every rerun of that session, so its page keeps the error. `install()` makes such a
value count as absent instead: it is dropped from the session, the widget falls back to its last
good value or its default, the detail goes to the server's log, and `show_notice()` tells the
visitor in one sentence. Only a value whose own widget refuses it is dropped; every other value is
Streamlit's as before. The check is where Streamlit reads widget values (`WStates.__getitem__`),
the one place every widget's value passes through; nothing else of Streamlit is changed.
"""

from __future__ import annotations

import sys
import threading

import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetState as WidgetStateProto
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state import Serialized, WStates

NOTICE = "A value sent for one of this page's controls was not one it can take, so the control was reset."
MAX_SESSIONS_NOTED = 1000
_dropped: dict[str, int] = {}  # Session id → values dropped since its page last said so.
_dropped_lock = threading.Lock()
_installed = threading.Lock()


def _read_guarded(original):
    def read(self: WStates, key: str):
        sent, metadata = self.states.get(key), self.widget_metadata.get(key)
        try:
            value = original(self, key)
            if isinstance(sent, Serialized):
                self.get_serialized(key)  # It must also go back to the browser as its widget writes it.
            return value
        except KeyError:
            raise
        except Exception as error:  # The widget's own deserializer or serializer refused the value it was sent.
            _note_dropped(key, error)
            # As if the browser had sent no value (the widget's default), under the widget's own value type.
            # Replaced, not removed: Streamlit may be iterating over these states.
            self.states[key] = Serialized(WidgetStateProto(id=key))
            if metadata is not None:
                self.widget_metadata[key] = metadata
            try:
                return original(self, key)
            except Exception:
                raise KeyError(key) from None

    read.guards_forged_values = True
    return read


def _note_dropped(key: str, error: Exception) -> None:
    print(f"A forged value for widget {key} was dropped: {type(error).__name__}: {error}", file=sys.stderr)
    context = get_script_run_ctx()
    if context is None:
        return
    with _dropped_lock:
        if len(_dropped) >= MAX_SESSIONS_NOTED:
            _dropped.clear()  # Sessions that left before their notice: never let them pile up.
        _dropped[context.session_id] = _dropped.get(context.session_id, 0) + 1


def install() -> None:
    """Guard every widget's value read in this process (once; later calls do nothing)."""
    with _installed:
        if not getattr(WStates.__getitem__, "guards_forged_values", False):
            WStates.__getitem__ = _read_guarded(WStates.__getitem__)


def show_notice() -> None:
    """Say once, in this session's page, that a forged value was dropped."""
    context = get_script_run_ctx()
    if context is None:
        return
    with _dropped_lock:
        dropped = _dropped.pop(context.session_id, 0)
    if dropped:
        st.warning(NOTICE)
