"""ui.components.live_chart: figures reach Plotly.js intact, from the right address, or fall back to st.plotly_chart."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.helpers import REPOSITORY
from ui.components import live_chart

_DTYPES = {
    "f4": np.float32, "f8": np.float64, "i1": np.int8, "u1": np.uint8, "i2": np.int16, "u2": np.uint16, "i4": np.int32, "u4": np.uint32,
}  # fmt: skip


def _decoded(value):
    """A JSON figure with every typed-array spec turned back into a NumPy array, as Plotly.js reads it."""
    if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(_DTYPES[value["dtype"]]).newbyteorder("<"))
        return array.reshape([int(side) for side in value["shape"].split(",")]) if "shape" in value else array
    if isinstance(value, dict):
        return {key: _decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    return value


def _assert_same(ours, plotlys, path="figure"):
    if isinstance(plotlys, dict):
        assert isinstance(ours, dict) and set(ours) == set(plotlys), path
        for key in plotlys:
            _assert_same(ours[key], plotlys[key], f"{path}.{key}")
    elif isinstance(plotlys, np.ndarray) or isinstance(ours, np.ndarray):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(plotlys, dtype=float), rtol=1e-6, atol=1e-7, err_msg=path)
    elif isinstance(plotlys, list):
        assert isinstance(ours, list) and len(ours) == len(plotlys), path
        for index, (mine, theirs) in enumerate(zip(ours, plotlys)):
            _assert_same(mine, theirs, f"{path}[{index}]")
    else:
        assert ours == plotlys, path


def test_a_figure_arrives_as_plotly_would_send_it():
    rng = np.random.default_rng(3)
    spec = {
        "data": [
            {"type": "heatmap", "z": rng.uniform(-1, 1, (28, 8)), "x": np.arange(8), "customdata": np.arange(28 * 8).reshape(28, 8)},
            {"type": "scatter", "mode": "lines", "x": np.arange(1, 29), "y": rng.dirichlet(np.ones(10), size=28)[:, 3], "xaxis": "x2"},
        ],
        "layout": {"height": 300, "xaxis2": {"domain": [0.6, 1.0]}, "annotations": [{"text": "<b>3</b>", "x": 4, "y": 0.5}]},
    }
    figure = go.Figure(spec, _validate=False)
    ours = _decoded(json.loads(live_chart.figure_json(spec)))
    plotlys = _decoded(json.loads(pio.to_json(figure, validate=False)))
    plotlys["layout"].pop("template")  # go.Figure adds plotly.py's default template; the live chart draws Plotly.js's own look.
    _assert_same(ours, plotlys)
    assert _decoded(json.loads(live_chart.figure_json(figure)))["layout"]["height"] == 300  # A go.Figure goes without its template too.


def test_arrays_are_compact_typed_arrays():
    spec = {
        "data": [
            {
                "z": np.arange(6, dtype=float).reshape(2, 3) / 7,
                "x": np.arange(3),
                "customdata": np.array([300, 2]),
                "y": np.array([1.0, np.nan]),
            }
        ],
        "layout": {"count": np.int64(3), "flag": np.bool_(True)},
    }
    trace = json.loads(live_chart.figure_json(spec))["data"][0]
    assert (trace["z"]["dtype"], trace["z"]["shape"], trace["x"]["dtype"], trace["customdata"]["dtype"]) == ("f4", "2,3", "i1", "i2")
    decoded = _decoded(trace)
    np.testing.assert_allclose(decoded["z"], spec["data"][0]["z"], rtol=1e-6)
    assert list(decoded["customdata"]) == [300, 2]
    assert np.isnan(decoded["y"][1])  # A gap in a line stays a gap.
    assert json.loads(live_chart.figure_json(spec))["layout"] == {"count": 3, "flag": True}


def test_a_nan_outside_an_array_is_refused_rather_than_sent_as_invalid_json():
    with pytest.raises(ValueError):
        live_chart.figure_json({"data": [{"y": [1.0, float("nan")]}]})


@pytest.mark.parametrize(("base_path", "expected"), [("", "/component/x/plotly.min.js"), ("/demo/", "/demo/component/x/plotly.min.js")])
def test_plotly_is_fetched_under_the_servers_base_path(base_path, expected):
    config.set_option("server.baseUrlPath", base_path)
    try:
        assert live_chart.plotly_js_url("x") == expected
    finally:
        config.set_option("server.baseUrlPath", "")


CHART_SCRIPT = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(REPOSITORY)!r})
import numpy as np
from ui.components import live_chart
if WITHOUT_PLOTLY_JS:
    live_chart._PLOTLY_DIRECTORY = Path("/nonexistent")
live_chart._components.clear()
figure = {{"data": [{{"type": "scatter", "y": np.array([0.1, 0.9])}}], "layout": {{"title": {{"text": "odds"}}}}}}
live_chart.live_plotly_chart(figure, key="odds", alt="The odds after each row")
"""


def test_the_figure_goes_to_the_live_component_with_plotly_served_by_streamlit():
    assert (live_chart._PLOTLY_DIRECTORY / "plotly.min.js").is_file()  # Shipped inside the plotly package.
    app = AppTest.from_string(CHART_SCRIPT.replace("WITHOUT_PLOTLY_JS", "False")).run()
    assert not app.exception
    (element,) = [element for element in app.get("bidi_component") if element.proto.component_name == "lstm_demo.live_plotly_chart"]
    data = json.loads(element.proto.json)
    assert json.loads(data["figure"])["layout"]["title"]["text"] == "odds"
    assert data["alt"] == "The odds after each row"  # The graph's accessible name, for screen readers.
    assert data["plotly_url"].endswith("/plotly.min.js") and "/component/" in data["plotly_url"]
    assert not app.get("plotly_chart")


@pytest.fixture
def plotly_js_restored():
    """The script below points the shared module at a missing Plotly.js; later tests in this process get it back."""
    directory = live_chart._PLOTLY_DIRECTORY
    yield
    live_chart._PLOTLY_DIRECTORY = directory
    live_chart._components.clear()


def test_without_plotly_js_the_figure_falls_back_to_st_plotly_chart(plotly_js_restored):
    app = AppTest.from_string(CHART_SCRIPT.replace("WITHOUT_PLOTLY_JS", "True")).run()
    assert not app.exception
    (chart,) = app.get("plotly_chart")
    assert "odds" in chart.proto.spec
    assert not [element for element in app.get("bidi_component") if element.proto.component_name == "lstm_demo.live_plotly_chart"]
