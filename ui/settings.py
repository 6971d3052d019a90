"""The server's settings as the pages see them: environment variables overlaid by `.streamlit/secrets.toml`.

Only this module reads Streamlit's secrets; `model.hosting.settings` parses what it collects into a typed
`DemoSettings`. It also knows who the visitor is for the per-visitor start limit, and whether the
visitor holds the operator's token, and how much of a failed run's error a visitor may read.

Tokens never stay in an address that could be shared: `?operator=TOKEN` (and a run owner's
`?trainer=TOKEN`) is read once into the session and taken out of the address at once
(`take_tokens_from_address`), and the app never writes a token into the address. A parameter given
twice (`?operator=x&operator=TOKEN`) is refused, not resolved.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from model.hosting.settings import DemoSettings, setting_names
from model.hosting.start_limiter import StartLimiter
from model.training.process import FailureKind, JobFailure
from ui import state as keys

OPERATOR_PARAMETER = "operator"
OWNER_PARAMETER = "trainer"  # The token of the visitor who started a run: Stop is theirs. Kept in the session only.
# Each token's address parameter and the session-state key it is kept under once read.
TOKEN_KEYS = {OPERATOR_PARAMETER: keys.OPERATOR_TOKEN, OWNER_PARAMETER: keys.RUN_OWNER_TOKEN}


def setting_values() -> dict[str, object]:
    """`LSTM_DEMO_*` and `MNIST_NPZ` from the environment, overridden by secrets of the same names."""
    values: dict[str, object] = {name: os.environ[name] for name in setting_names(os.environ)}
    try:
        values.update({name: st.secrets[name] for name in setting_names(st.secrets.keys())})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        pass  # No secrets file: environment variables only.
    return values


def demo_settings() -> DemoSettings:
    """The parsed settings; raises ValueError naming a bad value (the app shows it and stops)."""
    return DemoSettings.from_mapping(setting_values())


def runs_directory() -> Path:
    """Where runs are saved; read on its own so that a bad unrelated setting cannot break the import."""
    value = setting_values().get("LSTM_DEMO_RUNS_DIR")
    return Path(str(value)) if value else DemoSettings.runs_directory


def visitor_key() -> str:
    """Who is asking, for per-visitor limits: the connection's IP address.

    Behind a proxy on loopback, the server takes it from the proxy's X-Forwarded-For (see
    `deploy/nginx.conf`). Local connections all share one key.
    """
    return st.context.ip_address or "local"


@st.cache_resource
def start_limiter(min_seconds: int | None) -> StartLimiter:
    """The server process's record of who started a run when (one per limit value)."""
    return StartLimiter(min_seconds)


def take_tokens_from_address() -> None:
    """Move every token in the address into the session, and out of the address; a repeated one is dropped and not used."""
    for parameter, key in TOKEN_KEYS.items():
        if parameter not in st.query_params:
            continue
        values = st.query_params.get_all(parameter)
        del st.query_params[parameter]
        if len(values) == 1 and values[0]:
            st.session_state[key] = values[0]
        else:
            st.session_state.pop(key, None)
            st.session_state[keys.TOKEN_NOTICE] = f"The address gave `{parameter}=` more than once (or empty), so it was not used."


def session_token(parameter: str) -> str | None:
    """The token this session was opened with for `parameter` (taken from the address first, if it is still there)."""
    take_tokens_from_address()
    token = st.session_state.get(TOKEN_KEYS[parameter])
    return token if isinstance(token, str) else None


def remember_token(parameter: str, token: str) -> None:
    """Keep a token for this session (e.g. the owner's of a run just started); it never goes into the address."""
    st.session_state[TOKEN_KEYS[parameter]] = token


def show_token_notice() -> None:
    """Say once why a token in the address was not used."""
    notice = st.session_state.pop(keys.TOKEN_NOTICE, None)
    if notice:
        st.warning(notice)


def is_operator() -> bool:
    """Whether this session was opened with the operator's token; never true when none is set."""
    try:
        return demo_settings().is_operator(session_token(OPERATOR_PARAMETER))
    except ValueError:
        return False


def failure_for_visitor(failure: JobFailure | None) -> str:
    """A run's failure as a visitor may read it: on a public server an unexpected error's detail stays in the server's log."""
    if failure is None:
        return "The run failed."
    try:
        public = demo_settings().public
    except ValueError:
        public = True
    if public and failure.kind is FailureKind.UNEXPECTED:
        return "Training failed because of an unexpected error on the server; its log has the details."
    return failure.message
