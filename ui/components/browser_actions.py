"""What the drawing page does in the browser alone: copy its address, save the reading figures as one
PNG, keep the canvas's toolbar in view on touch screens, and keep time for Play.

None of them needs the server: the address bar already holds the reading (see `ui/share.py`),
and the figures are already painted in the page (see `ui/components/reading_figure.py`). So they are one
small Streamlit component, one element on the page, whose buttons act in the page.
"""

from __future__ import annotations

import streamlit as st

_ACTIONS_JS = """
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  return new Promise((resolve, reject) => {  // Plain http on a LAN: the older copy command.
    const field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    copied ? resolve() : reject(new Error("copy refused"));
  });
}

async function savePng(selectors, fileName) {
  const figures = selectors.map((s) => document.querySelector(s + " .reading-figure")).filter((f) => f && f.picture);
  if (!figures.length) throw new Error("no figure on the page yet");
  const pictures = figures.map((figure) => figure.picture(2));  // Each figure painted again at twice its size.
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(...pictures.map((p) => p.width));
  canvas.height = pictures.reduce((total, p) => total + p.height, 0);
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  let top = 0;
  for (const picture of pictures) { context.drawImage(picture, 0, top); top += picture.height; }
  const link = document.createElement("a");
  link.download = fileName;
  link.href = canvas.toDataURL("image/png");
  document.body.appendChild(link);
  link.click();
  link.remove();
}

// The canvas floats its toolbar (undo, redo, clear) over whatever lies above it, and only on hover,
// which a finger cannot do: keep it in view, in the flow under the canvas, so it covers nothing (the
// caption above the canvas included); on screens without hover, with larger buttons for a finger.
const TOUCH_TOOLBAR_CSS = `.dc-toolbar { opacity: 1 !important; position: static !important; padding: .25rem 0 0 0 !important; }
@media (hover: none) {
  .dc-icon-button { padding: .55rem !important; }
  .dc-icon-button svg { width: 1.25rem !important; height: 1.25rem !important; }
}`;
function fitCanvasToolbar(attempt) {
  let found = false;
  for (const host of document.querySelectorAll("[class*='st-key-digit_canvas'] *")) {
    const root = host.shadowRoot;
    if (!root || !root.querySelector(".dc-toolbar")) continue;
    found = true;
    if (!root.querySelector("style[data-touch-toolbar]")) {
      const style = document.createElement("style");
      style.dataset.touchToolbar = "yes";
      style.textContent = TOUCH_TOOLBAR_CSS;
      root.appendChild(style);
    }
  }
  if (!found && attempt < 20) setTimeout(() => fitCanvasToolbar(attempt + 1), 250);
}

// Play's clock: while the server says it is playing, press the hidden "next row" button once per
// step. Each step is then an ordinary click, queued behind any click or stroke of the visitor's,
// so Pause, a new stroke or a slider move always win (a server-side sleep-and-rerun loop lost them).
let playTimer = null;
function runClock(data) {
  clearTimeout(playTimer);
  playTimer = null;
  if (!data || !data.playing) return;
  playTimer = setTimeout(() => {
    const next = document.querySelector(".st-key-" + data.tick_key + " button");
    if (next) next.click();
  }, data.milliseconds_per_row);
}

export default function ({ data, parentElement }) {
  runClock(data.clock);
  fitCanvasToolbar(0);
  let bar = parentElement.querySelector(".reading-actions");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "reading-actions";
    bar.style.cssText = "display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;font-family:inherit;";
    const button = (label, title) => {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = label;
      element.title = title;
      element.style.cssText = "font:inherit;font-size:.95rem;padding:.3rem .75rem;border-radius:.5rem;cursor:pointer;" +
        "border:1px solid rgba(49,51,63,.2);background:white;color:inherit;min-height:2.4rem;";
      bar.appendChild(element);
      return element;
    };
    const copy = button("Copy link", "The way to share this reading: a link to this drawing, model and row");
    copy.className = "copy-link";
    const png = button("Figure (PNG)", "Save the running answer and the panels below it as one PNG picture");
    png.className = "save-png";
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.style.cssText = "font-size:.85rem;opacity:.75;";
    bar.appendChild(status);
    // The link is built from the reading the server last drew (bar.dataset.link), never read from the
    // address bar, which may still be catching up with the latest stroke.
    copy.addEventListener("click", () => {
      const query = bar.dataset.link;
      const link = query ? window.location.origin + window.location.pathname + "?" + query : window.location.href;
      copyText(link)
        .then(() => { status.textContent = "Link copied: it opens this drawing, model and row."; })
        .catch(() => { window.prompt("Copy this link:", link); });
    });
    png.addEventListener("click", () => {
      status.textContent = "Preparing the picture…";
      savePng(JSON.parse(bar.dataset.figures), bar.dataset.fileName)
        .then(() => { status.textContent = "Figure saved."; })
        .catch((error) => { status.textContent = "Could not save the figure: " + error.message; });
    });
    parentElement.appendChild(bar);
  }
  bar.dataset.figures = JSON.stringify(data.figures);
  bar.dataset.fileName = data.file_name;
  bar.dataset.link = data.link || "";
}
"""


@st.cache_resource
def _component():
    return st.components.v2.component("lstm_demo.reading_actions", js=_ACTIONS_JS, isolate_styles=False)


def reading_actions(
    figure_keys: list[str], file_name: str, canvas_key: str, clock: dict, link: str = "", key: str = "reading_actions"
) -> None:
    """ "Copy link" and "Figure (PNG)" buttons; the PNG stacks the reading figures with these keys, top to bottom.

    The same element keeps the canvas's toolbar in view on touch screens (`canvas_key` is the canvas
    it fits, drawn again with each new canvas) and keeps Play's time (`clock`, from `play_clock`):
    one element, not three, for a stroke to update. Copy link copies `link` (the reading's query, from
    the server) on this page's address, so a link copied right after a stroke already holds the drawing.
    """
    selectors = [f".st-key-{figure_key}" for figure_key in figure_keys]
    _component()(key=key, data={"figures": selectors, "file_name": file_name, "canvas": canvas_key, "clock": clock, "link": link})


def play_clock(playing: bool, seconds_per_row: float, row: int, tick_key: str) -> dict:
    """What the browser's clock needs: while `playing`, press the button with key `tick_key` after
    `seconds_per_row` (once per rerun: one row per step)."""
    return {"playing": playing, "milliseconds_per_row": int(seconds_per_row * 1000), "row": row, "tick_key": tick_key}
