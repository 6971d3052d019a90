"""Helpers for the browser tests: a real `streamlit run app.py` on a free port, and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(environment: dict[str, str], script: str = "app.py"):
    """Start `streamlit run` on a free loopback port; yield its URL; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    process = subprocess.Popen(command, cwd=REPOSITORY, env={**os.environ, **environment}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{process.stdout.read().decode(errors='replace')}")
        else:
            raise RuntimeError("streamlit did not become healthy within 90 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def draw_strokes(page, canvas_box: dict, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw polylines given in canvas fractions (0–1) with the mouse, one stroke per list."""
    for stroke in strokes:
        points = [(canvas_box["x"] + x * canvas_box["width"], canvas_box["y"] + y * canvas_box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=6)
        page.mouse.up()


SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
ONE = [[(0.5, 0.15), (0.5, 0.85)]]
ZERO = [[(0.5, 0.15), (0.3, 0.3), (0.28, 0.6), (0.5, 0.85), (0.7, 0.6), (0.7, 0.3), (0.5, 0.15)]]


def take_screenshot(path: str) -> None:
    """Draw a 7 in the real app and save a screenshot of the drawing view (the README's picture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, streamlit_server({}) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1750}, device_scale_factor=1)
        page.goto(url, wait_until="networkidle")
        canvas = page.locator("canvas").last
        canvas.wait_for(timeout=60_000)
        draw_strokes(page, canvas.bounding_box(), SEVEN)
        page.get_by_text("LSTM layer 1: hidden state").wait_for(timeout=60_000)
        time.sleep(2)
        page.screenshot(path=path)
        browser.close()


if __name__ == "__main__":
    take_screenshot(sys.argv[1] if len(sys.argv) > 1 else "assets/screenshot_draw.png")
