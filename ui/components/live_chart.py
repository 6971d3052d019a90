"""A Plotly chart that stays mounted and redraws in place, for figures that change all the time.

It draws the live training curves (new on every poll) and the explanation's state map.
`st.plotly_chart` mounts a fresh chart for every new figure and then draws it a second time
(Streamlit's own theme pass). This custom component keeps one Plotly.js graph per key and calls
`Plotly.react` on it with each new figure, so a new figure costs one redraw. (The reading figures,
redrawn on every stroke, are cheaper still on a canvas: `ui/components/reading_figure.py`.)

Plotly.js itself comes from the installed `plotly` package (its `package_data/plotly.min.js`),
served by Streamlit's component file route; nothing is downloaded from the internet. Where that
route is unavailable the figure falls back to `st.plotly_chart`.
"""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import streamlit as st

_PLOTLY_DIRECTORY = Path(plotly.__file__).resolve().parent / "package_data"

_RENDERER_JS = r"""
const loads = {};
function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loads[url]) {
    loads[url] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { delete loads[url]; reject(new Error("Plotly.js could not be loaded from " + url)); };
      document.head.appendChild(script);
    });
  }
  return loads[url];
}

export default function ({ data, parentElement }) {
  let graph = parentElement.querySelector(".live-plotly-chart");
  if (!graph) {
    graph = document.createElement("div");
    graph.className = "live-plotly-chart";
    graph.style.width = "100%";
    parentElement.appendChild(graph);
  }
  // Streamlit calls this when the component goes away; once the graph has left the page, free
  // Plotly's listeners (its window resize handler would otherwise keep the old graph alive).
  const cleanUp = () => setTimeout(() => {
    if (graph.isConnected) return;
    if (window.Plotly) window.Plotly.purge(graph);
  }, 0);
  if (data.alt) {
    graph.setAttribute("role", "img");
    graph.setAttribute("aria-label", data.alt);
  }
  if (graph.dataset.drawn === data.revision) return cleanUp;  // the very figure already on show (a poll with nothing new)
  const figure = JSON.parse(data.figure);
  graph.style.height = (figure.layout.height || 450) + "px";
  graph.dataset.revision = data.revision;
  const draw = () => loadPlotly(data.plotly_url).then((Plotly) => {
    if (graph.dataset.revision !== data.revision) return;  // a newer figure has arrived meanwhile
    return Plotly.react(graph, figure.data, { ...figure.layout, autosize: true }, { displayModeBar: false, responsive: true })
      .then(() => { graph.dataset.drawn = data.revision; });
  }).catch((error) => {
    graph.textContent = String(error);
  });
  draw();
  return cleanUp;
}
"""


@st.cache_resource
def _components():
    """Register the file route for Plotly.js and the renderer once per server process; None if unavailable."""
    if not (_PLOTLY_DIRECTORY / "plotly.min.js").is_file():
        return None
    try:
        import streamlit.components.v1 as components_v1

        assets = components_v1.declare_component("plotly_js", path=str(_PLOTLY_DIRECTORY))
        renderer = st.components.v2.component("lstm_demo.live_plotly_chart", js=_RENDERER_JS, isolate_styles=False)
    except Exception:  # noqa: BLE001 - an API moved in another Streamlit version: fall back to st.plotly_chart.
        return None
    return assets.name, renderer


def plotly_js_url(asset_name: str) -> str:
    """Where the browser fetches Plotly.js: the component file route, under the server's base path."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (f"{base}/" if base else "") + f"component/{asset_name}/plotly.min.js"


# Plotly.js typed-array dtypes, by NumPy dtype name.
_TYPED_ARRAY_DTYPES = {"float32": "f4", "int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4"}


def _compact(array: np.ndarray) -> np.ndarray:
    """Floats as float32 (seven significant digits, more than any chart shows); integers in the smallest type that holds them."""
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    if array.dtype.kind in "biu":
        if array.size == 0:
            return array.astype(np.int32)
        low, high = int(array.min()), int(array.max())
        for candidate in (np.int8, np.uint8, np.int16, np.uint16, np.int32):
            limits = np.iinfo(candidate)
            if limits.min <= low and high <= limits.max:
                return array.astype(candidate)
    return array


def _encode_array(value):
    """`json.dumps` hook: a NumPy array as a Plotly.js typed-array spec, a NumPy scalar as a number."""
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, np.ndarray):
        raise TypeError(f"cannot encode {type(value).__name__} in a figure")
    array = _compact(value)
    dtype = _TYPED_ARRAY_DTYPES.get(array.dtype.name)
    if dtype is None:
        return value.tolist()
    little_endian = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    spec = {"dtype": dtype, "bdata": base64.b64encode(little_endian.tobytes()).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = ",".join(str(side) for side in array.shape)
    return spec


def figure_json(figure: dict | go.Figure) -> str:
    """A figure spec (dicts, lists, NumPy arrays) as the JSON Plotly.js reads, arrays as typed arrays."""
    if isinstance(figure, go.Figure):
        figure = figure.to_plotly_json()
        figure["layout"] = {key: value for key, value in figure["layout"].items() if key != "template"}  # Plotly.js's own look.
    return json.dumps(figure, default=_encode_array, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def live_plotly_chart(figure: dict | go.Figure, key: str, alt: str = "") -> None:
    """Show `figure` (a spec or a `go.Figure`); the same key keeps the same graph on the page, redrawn in place.

    `alt` is what a screen reader says for the chart (its accessible name).
    """
    components = _components()
    if components is None:
        st.plotly_chart(figure if isinstance(figure, go.Figure) else go.Figure(figure, _validate=False), key=key, theme=None,
                        config={"displayModeBar": False})  # fmt: skip
        return
    asset_name, renderer = components
    figure_json_text = figure_json(figure)
    revision = f"{zlib.crc32(figure_json_text.encode()):08x}"
    data = {"figure": figure_json_text, "plotly_url": plotly_js_url(asset_name), "revision": revision, "alt": alt}
    renderer(key=key, data=data)
