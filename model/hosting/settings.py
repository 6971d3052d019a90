"""The server's settings: one mapping of `LSTM_DEMO_*` names in, one typed `DemoSettings` out.

A hosted demo is configured by environment variables, overlaid by `.streamlit/secrets.toml` entries
of the same names (the overlay is read by `ui/settings.py`; this module only parses the mapping it
is given). `LSTM_DEMO_MODE=public` turns on everything a public server needs, with safe defaults
that any explicit setting still overrides. A bad value raises `ValueError` naming the setting.
This module imports neither Keras nor Streamlit; its `DemoSettings` is the one hosting policy, which the training supervisor,
`model.hosting.runs_folder`, the pages and `app.py` enforce.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from model.config import TrainConfig
from model.shapes import REPOSITORY

SETTING_PREFIX = "LSTM_DEMO_"
DATA_SETTING = "MNIST_NPZ"  # The server's own MNIST location; read beside the LSTM_DEMO_* names.
MODES = ("local", "public")
SWITCH_VALUES = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False}
NO_LIMIT = "none"  # A numeric cap set to this is lifted, also in public mode.
MINIMUM_OPERATOR_TOKEN_LENGTH = 16

# What public mode sets when the operator has not set it. Outside public mode nothing is capped,
# except the free disk space kept when saving a run.
PUBLIC_DEFAULTS = {
    "LSTM_DEMO_TRAINING": "on",
    "LSTM_DEMO_MAX_EPOCHS": "3",
    "LSTM_DEMO_MAX_TRAIN_SUBSET": "10000",
    "LSTM_DEMO_MAX_RUN_SECONDS": "600",
    "LSTM_DEMO_MIN_SECONDS_BETWEEN_STARTS": "900",
    "LSTM_DEMO_MAX_SAVED_RUNS": "20",
    "LSTM_DEMO_MIN_FREE_DISK_MB": "500",
}
LOCAL_DEFAULTS = {"LSTM_DEMO_TRAINING": "on", "LSTM_DEMO_MIN_FREE_DISK_MB": "100"}

# Every setting, with what it does: the README's hosting table says the same.
SETTING_DESCRIPTIONS = {
    "LSTM_DEMO_MODE": "`public` turns on every protection below with its public default; `local` (default) caps nothing",
    "LSTM_DEMO_TRAINING": "`on` or `off`: whether visitors may train at all",
    "LSTM_DEMO_MAX_EPOCHS": "most epochs of one run",
    "LSTM_DEMO_MAX_TRAIN_SUBSET": "most training images of one run",
    "LSTM_DEMO_MAX_RUN_SECONDS": "a run is stopped (and saved) after this many seconds",
    "LSTM_DEMO_MIN_SECONDS_BETWEEN_STARTS": "one visitor (one IP address) may start a run at most this often",
    "LSTM_DEMO_MAX_SAVED_RUNS": "most visitor runs kept in the runs folder; the oldest go first, never the shipped model",
    "LSTM_DEMO_MIN_FREE_DISK_MB": "a run is not saved when the runs folder's disk would keep less free space than this",
    "LSTM_DEMO_RUNS_DIR": "where runs are saved (default `runs/`); replicas behind one proxy share it",
    "LSTM_DEMO_OPERATOR_TOKEN": (
        f"a secret of {MINIMUM_OPERATOR_TOKEN_LENGTH}+ characters; the Train page opened with `?operator=TOKEN` can stop any run "
        "and delete saved runs"
    ),
}


def settings_table() -> str:
    """The settings as the Markdown table of docs/hosting.md (a test keeps the two the same)."""

    def default(defaults: dict[str, str], name: str) -> str:
        return f"`{defaults[name]}`" if name in defaults else "–"

    rows = ["| setting | public default | local default | what it does |", "| --- | --- | --- | --- |"]
    for name, description in SETTING_DESCRIPTIONS.items():
        what = description.replace("|", "\\|")
        rows.append(f"| `{name}` | {default(PUBLIC_DEFAULTS, name)} | {default(LOCAL_DEFAULTS, name)} | {what} |")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class DemoSettings:
    """Everything the server was told, typed and checked: the hosting policy, in one object; `None` means no limit.

    `check` and `clamp` keep a run within the caps (the training supervisor and the pages ask them),
    `out_of_time` says when a run is past `max_run_seconds` (the supervisor stops it and saves it);
    `min_seconds_between_starts` is honoured by the pages (per visitor, `model.hosting.start_limiter`),
    `max_saved_runs` and `min_free_disk_bytes` by the save path (`model.hosting.runs_folder`).
    """

    public: bool = False
    training_enabled: bool = True
    max_epochs: int | None = None
    max_train_subset: int | None = None
    max_run_seconds: int | None = None
    min_seconds_between_starts: int | None = None
    max_saved_runs: int | None = None
    min_free_disk_bytes: int = int(LOCAL_DEFAULTS["LSTM_DEMO_MIN_FREE_DISK_MB"]) * 1_000_000
    runs_directory: Path = REPOSITORY / "runs"
    operator_token: str | None = field(default=None, repr=False)  # A secret: never in a log line.
    data_path: str | None = None

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object]) -> DemoSettings:
        """Parse `LSTM_DEMO_*` (and `MNIST_NPZ`) values; raise ValueError naming a bad one."""
        mode = _text(settings, "LSTM_DEMO_MODE") or "local"
        if mode.lower() not in MODES:
            raise ValueError(f"LSTM_DEMO_MODE must be 'public' or 'local', got {mode!r}")
        public = mode.lower() == "public"
        given = {name: value for name, value in settings.items() if value not in (None, "")}
        values = {**(PUBLIC_DEFAULTS if public else LOCAL_DEFAULTS), **given}
        free_disk_megabytes = _whole_number(values, "LSTM_DEMO_MIN_FREE_DISK_MB", minimum=0)
        return cls(
            public=public,
            training_enabled=_switch(values, "LSTM_DEMO_TRAINING"),
            max_epochs=_whole_number(values, "LSTM_DEMO_MAX_EPOCHS"),
            max_train_subset=_whole_number(values, "LSTM_DEMO_MAX_TRAIN_SUBSET"),
            max_run_seconds=_whole_number(values, "LSTM_DEMO_MAX_RUN_SECONDS"),
            min_seconds_between_starts=_whole_number(values, "LSTM_DEMO_MIN_SECONDS_BETWEEN_STARTS"),
            max_saved_runs=_whole_number(values, "LSTM_DEMO_MAX_SAVED_RUNS"),
            min_free_disk_bytes=(free_disk_megabytes or 0) * 1_000_000,
            runs_directory=Path(_text(values, "LSTM_DEMO_RUNS_DIR") or REPOSITORY / "runs"),
            operator_token=_operator_token(values),
            data_path=_text(values, DATA_SETTING) or None,
        )

    def check(self, config: TrainConfig) -> None:
        """Raise ValueError, with a message for the visitor, when this server does not allow `config`."""
        if not self.training_enabled:
            raise ValueError("Training is turned off on this server.")
        if self.max_epochs is not None and config.epochs > self.max_epochs:
            raise ValueError(f"This server allows at most {self.max_epochs} epochs, not {config.epochs}.")
        if self.max_train_subset is not None and not 0 < config.train_subset <= self.max_train_subset:
            raise ValueError(f"This server trains on at most {self.max_train_subset} images; set the training subset size.")

    def clamp(self, config: TrainConfig) -> TrainConfig:
        """The config with its epochs and training subset brought within the caps (defaults on a capped server)."""
        overrides = {}
        if self.max_epochs is not None:
            overrides["epochs"] = min(config.epochs, self.max_epochs)
        if self.max_train_subset is not None and not 0 < config.train_subset <= self.max_train_subset:
            overrides["train_subset"] = self.max_train_subset
        return dataclasses.replace(config, **overrides)

    def out_of_time(self, started: float, now: float | None = None) -> bool:
        """Whether a run started at `started` (time.time()) has used up its `max_run_seconds`."""
        if self.max_run_seconds is None:
            return False
        return (time.time() if now is None else now) - started >= self.max_run_seconds

    def is_operator(self, token: object) -> bool:
        """Whether `token` (from the page's URL) is the operator's; False when no token is set."""
        if self.operator_token is None or not isinstance(token, str):
            return False
        return hmac.compare_digest(token.encode(), self.operator_token.encode())


def setting_names(names: object) -> list[str]:
    """The names among `names` that this module reads (to pick them out of the environment)."""
    return [name for name in names if isinstance(name, str) and (name.startswith(SETTING_PREFIX) or name == DATA_SETTING)]


def _text(settings: Mapping[str, object], name: str) -> str:
    value = settings.get(name)
    return "" if value is None else str(value).strip()


def _switch(settings: Mapping[str, object], name: str) -> bool:
    value = _text(settings, name).lower()
    if value not in SWITCH_VALUES:
        raise ValueError(f"{name} must be 'on' or 'off', got {value!r}")
    return SWITCH_VALUES[value]


def _whole_number(settings: Mapping[str, object], name: str, minimum: int = 1) -> int | None:
    value = _text(settings, name)
    if value == "" or value.lower() == NO_LIMIT:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        kind = "a positive whole number" if minimum == 1 else f"a whole number of at least {minimum}"
        raise ValueError(f"{name} must be {kind} (or '{NO_LIMIT}' for no limit), got {value!r}")
    return number


def _operator_token(settings: Mapping[str, object]) -> str | None:
    token = _text(settings, "LSTM_DEMO_OPERATOR_TOKEN")
    if not token:
        return None
    if len(token) < MINIMUM_OPERATOR_TOKEN_LENGTH:
        raise ValueError(f"LSTM_DEMO_OPERATOR_TOKEN must be at least {MINIMUM_OPERATOR_TOKEN_LENGTH} characters long, got {len(token)}")
    return token
