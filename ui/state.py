"""The names of everything the pages keep in `st.session_state`, in one place.

Widgets and callbacks of several modules meet in session state; a key spelled twice is a bug
waiting to happen, so each is spelled here once and imported, with a line saying what it holds.
A button's key that nothing reads back stays beside its button.
"""

from __future__ import annotations

# The app and what its pages share.
ACTIVE_MODEL = "active_model_path"  # The visitor's model: the shipped one or a run in the runs folder.
MODEL_CHOICE = "model_choice"  # The sidebar's model box (kept in step with ACTIVE_MODEL).
MNIST_PATH = "mnist_path"  # The sidebar's MNIST location (never on a public server).
DRAW_PAGE = "draw_page"  # The Draw page's object, so another page can switch to it.
SWITCH_TO_DRAW = "switch_to_draw"  # Set by a callback that opened a digit for the Draw page: switch there on the next run.

# Tokens from the address (ui/settings.py): read once into the session, never written back into an address.
OPERATOR_TOKEN = "operator_token"  # What `?operator=` gave; checked against the server's token on every use.
RUN_OWNER_TOKEN = "run_owner_token"  # The token of the run this visitor started (or an old link's `?trainer=`): Stop is theirs.
TOKEN_NOTICE = "token_notice"  # Why a token in the address was not used, shown once.

# The Draw page: what is being read.
SOURCE = "digit_source"  # "canvas", "test" (an MNIST test digit) or "shared" (a drawing from the address).
TEST_INDEX = "test_digit_index"  # The MNIST test digit's index when SOURCE is "test".
FROM_MISTAKES = "test_digit_is_mistake"  # True when that test digit was opened from the Evaluate view's mistakes.
SHARED_IMAGE = "shared_drawing"  # The 28×28 image decoded from the address when SOURCE is "shared".
TEST_DIGIT_ERROR = "test_digit_error"  # Why a test digit could not be loaded, shown under the canvas.
CANVAS_GENERATION = "canvas_generation"  # Bumped to give the canvas a new key: a blank canvas.
BRUSH_WIDTH = "brush_width"  # The brush width slider.

# Which row is shown, and Play.
DRAWING_SIGNATURE = "reading_signature"  # Identifies the digit last read: a new one reopens at row 28.
ROW = "reading_row"  # The row shown (1–28): the one truth the slider, the metric and every panel follow.
ROW_SLIDER_GENERATION = "reading_row_slider_generation"  # A new drawing gets a fresh slider widget.
PLAYING = "playing_rows"  # True while Play steps through the rows.
PLAY_SPEED = "play_speed"  # The speed control's choice.
STATE_VIEW = "state_view"  # "Hidden state", "Cell state" or "Gates".

# The address.
ADDRESS_READ = "address_read"  # The address was read into the session once, at its start.
ADDRESS_NOTICE = "address_notice"  # A short note on a part of the address that could not be used.

# Cached per session.
READING_CACHE = "reading_cache"  # (signature, ProbeResult, decision row) of the digit last read.

# The reading's figures and Play's clock, which the browser's actions address by key.
PENDING_ROW = "reading_row_from_address"  # The address's row, applied when its digit is first read.
PLAY_TICK = "play_tick"  # Play's hidden "next row" button, pressed by the browser's clock.
ANSWER_CHART = "reading_answer"
INPUT_PICTURE = "reading_input"
STATES_CHART = "reading_states"

# Teach it (the Draw page's corrections).
TEACH_CORRECTIONS = "teach_corrections"  # [(28×28 uint8 image, label)], this visitor's corrected drawings.
TEACH_LABEL = "teach_label"  # The "It's a …" pick.
TEACH_CHANGED = "teach_corrections_changed"  # Set by a correction button inside the drawing fragment: rerun the page.
TEACH_RUN = "teach_run_id"  # The fine-tune this visitor started.
TEACH_ERROR = "teach_error"  # Why the last Teach it could not start.
TEACH_PENDING = "teach_pending"  # (28×28 uint8 image, label, reason): a pick on a drawing flagged as not a digit, awaiting a confirm.

# The explanations under a reading (plain keys, not widget keys, so closing a panel does not undo an edit).
EXPLAIN_PANEL = "explain_panel"  # The panel chosen.
EXPLAIN_IMPORTANCE = "explain_importance"  # (image signature, computed row importance)
BLANKED_ROWS = "explain_blanked_rows"  # Sorted 0-based rows of the drawing that are blanked.
BOTTOM_UP = "explain_bottom_up"  # True while the rows are read bottom to top.
INSPECTED_UNIT = "explain_unit"  # (layer, unit) open in the inspector.
SILENCED = "explain_silenced"  # True while the inspected unit is silenced.
ORIGINAL_IMAGE = "explain_original_image"  # The digit before the what-if edits.
EXPLAIN_MODEL = "explain_model"  # The model (or training snapshot) reading the digit on show.
EXPLAIN_DIGIT = "explain_digit"  # Signature of the unedited digit the edits were made on.
ROWS_CHART = "explain_rows_chart"  # The clickable rows of What if (a new widget per generation, see `chart`).
UNITS_CHART = "explain_units_chart"  # The clickable units of the inspector.

# The Train page.
TRAIN_ERROR = "train_error"  # Why the last Start could not start a run.
WATCHED_RUN = "watched_run_id"  # The run this visitor started or saw running: shown after it ends.
FORM_RUN = "form_restored_from"  # The run whose settings were last put into the form.
CONFIRM_DELETE = "confirm_delete_run"  # The run a visitor asked to delete, until they confirm or cancel.
RUN_ACTIONS_CHOICE = "saved_runs_chosen"  # The run the saved-runs table's actions (Use, downloads, Delete) apply to.
RUN_ACTIONS_NEWEST = "run_actions_newest"  # The newest run when the table was last drawn: a new run is chosen at once.


def row_slider(generation: int) -> str:
    """The widget key of the Row slider for the given drawing generation."""
    return f"reading_row_slider_{generation}"


def canvas(generation: int) -> str:
    """The widget key of the canvas for the given generation."""
    return f"digit_canvas_{generation}" if generation else "digit_canvas"


def chart_generation(name: str) -> str:
    """The key counting the widgets of clickable chart `name` (a new one lets the same point be clicked again)."""
    return f"{name}_generation"


def chart(name: str, generation: int) -> str:
    """The widget key of clickable chart `name` in its given generation."""
    return f"{name}_{generation}"


def train_form(field_name: str) -> str:
    """The widget key of the Train form's field for `TrainConfig.<field_name>`."""
    return f"train_{field_name}"


def timelapse(model_stem: str) -> str:
    """The Epoch slider's key for one model (a model of its own keeps its own moment)."""
    return f"timelapse_{model_stem}"


# The "Why an LSTM?" page (ui/compare/).
COMPARE_PAGE = "compare_page"  # The page object, so the Draw page can link to it.
LAST_DIGIT = "last_digit"  # (28×28 image, description) of the digit the Draw page read last: what the comparison reads.
COMPARE_SOURCE = "compare_source"  # "Your last drawing" or "An example".
COMPARE_EXAMPLE = "compare_example"  # The hand-drawn example digit (0–9) read when no drawing is chosen.
COMPARE_BLANK_ROWS = "compare_blank_rows"  # The blank-rows slider: rows of nothing read after the drawing.
