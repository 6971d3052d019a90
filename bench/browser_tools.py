"""Browser and server helpers shared by the benchmarks: a real `streamlit run` on a free port, and Chromium.

Benchmarks live apart from the tests and do not import from `tests/`. `streamlit_process` starts a
server and yields it (URL, process, launch time) so a benchmark can read its memory and time its
start; `streamlit_server` yields just the URL. `draw_strokes` draws on the canvas with the mouse,
`resident_megabytes` reads a process's resident memory from /proc and `cpu_seconds` the CPU time it used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
HEALTHY_WITHIN_SECONDS = 90
# The drawing canvas (the app's and the floor app's, keyed `digit_canvas…`); the page has other canvases (the reading figures).
DRAWING_CANVAS = "[class*='st-key-digit_canvas'] canvas"
# The app has answered a drawing: its "Prediction" metric shows a digit (before the first digit it shows a dash).
APP_ANSWERED = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some((metric) =>
  metric.innerText.includes('Prediction') && /^[0-9]$/.test(metric.querySelector('[data-testid="stMetricValue"]').innerText.trim()))"""
# Installed before the page's own scripts: when the page sent and received websocket messages, so a
# stroke's round trip can be split into the server's part (the canvas's message → the rerun's last
# message) and the browser's (drawing the answer), which on this machine share the same two cores.
SOCKET_TIMES = """(() => {
  const times = window.__sockets = {sent: [], received: []};
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    times.sent.push(performance.now());
    if (!this.__heard) {
      this.__heard = true;
      this.addEventListener('message', () => times.received.push(performance.now()));
    }
    return send.call(this, data);
  };
})();"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen
    launched_at: float  # time.perf_counter() just before the process was started


@contextmanager
def streamlit_process(
    environment: dict[str, str], script: str = "app.py", directory: Path = REPOSITORY, python: str = sys.executable
) -> Iterator[Server]:
    """Start `python -m streamlit run SCRIPT` in `directory` on a free loopback port; yield it once healthy; stop it afterwards.

    `python` is the interpreter that serves (another environment's, e.g. one installed as an image installs it).
    """
    port = free_port()
    command = [python, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    output = tempfile.TemporaryFile()  # A file, not a pipe: a chatty server can never block on it.
    launched_at = time.perf_counter()
    process = subprocess.Popen(command, cwd=directory, env={**os.environ, **environment}, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
            if process.poll() is not None:
                output.seek(0)
                said = output.read().decode(errors="replace")
                raise RuntimeError(f"streamlit run {script} exited early with code {process.returncode}:\n{said}")
        else:
            raise RuntimeError(f"streamlit run {script} did not become healthy within {HEALTHY_WITHIN_SECONDS} s")
        yield Server(url, process, launched_at)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


@contextmanager
def streamlit_server(environment: dict[str, str], script: str = "app.py") -> Iterator[str]:
    """Like `streamlit_process`, yielding only the URL."""
    with streamlit_process(environment, script) as server:
        yield server.url


def draw_strokes(page, canvas_box: dict, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw polylines given in canvas fractions (0–1) with the mouse, one stroke per list."""
    for stroke in strokes:
        points = [(canvas_box["x"] + x * canvas_box["width"], canvas_box["y"] + y * canvas_box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=6)
        page.mouse.up()


def resident_megabytes(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM), in MiB, from /proc."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def _stat(pid: int) -> tuple[str, list[str]] | None:
    """A process's command name and the fields of /proc/PID/stat after it (the name is in parentheses); None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text.split("(", 1)[1].rsplit(")", 1)
    return name, rest.split()


def _processes() -> list[tuple[int, str, list[str]]]:
    """Every process now: its pid, command name and stat fields (see `_stat`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found.append((int(entry.name), *stat))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user + system) the processes have used so far, in seconds; a process gone meanwhile counts 0."""
    stats = [stat for stat in map(_stat, pids) if stat is not None]
    return sum(int(fields[11]) + int(fields[12]) for _, fields in stats) / os.sysconf("SC_CLK_TCK")  # utime, stime


def browser_pids() -> list[int]:
    """Every Chromium process on the machine (browser, renderers, GPU and utility processes)."""
    return [pid for pid, name, _ in _processes() if name.startswith("chrom")]


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (e.g. a server's training process), started from any of its threads."""
    return [child for child, _, fields in _processes() if int(fields[1]) == pid]  # fields[1]: the parent's pid
