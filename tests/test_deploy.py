"""Deployment: the Dockerfile's facts, the .dockerignore, and two replicas behind nginx drawing through the proxy.

Docker's daemon is not available where these tests run, so the Dockerfile is parsed and its facts
checked (base, requirements, user, health check, public mode, port); its HEALTHCHECK command is
run for real against a replica. The nginx recipe (`deploy/nginx.conf`) is run as it is, with only
its ports changed, in front of two `streamlit run app.py` replicas sharing one runs folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import http.cookiejar
import os
import re
import shlex
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import APP_ANSWERED, CHROMIUM, CHROMIUM_FLAGS, DRAWING_CANVAS, SEVEN, draw_strokes, free_port, streamlit_server
from tests.helpers import REPOSITORY

DOCKERFILE = REPOSITORY / "Dockerfile"
NGINX_SITE = REPOSITORY / "deploy" / "nginx.conf"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#") and not pending:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if text:
            instruction, _, arguments = text.partition(" ")
            logical.append((instruction.upper(), arguments.strip()))
    return logical


def _all(instruction: str) -> list[str]:
    return [arguments for name, arguments in dockerfile_instructions() if name == instruction]


def _environment() -> dict[str, str]:
    pairs = {}
    for arguments in _all("ENV"):
        for word in shlex.split(arguments):
            name, _, value = word.partition("=")
            pairs[name] = value
    return pairs


def test_dockerfile_is_a_slim_python_311_image_with_the_app_requirements_only():
    assert _all("FROM") == ["python:3.11-slim"]
    installs = [command for command in _all("RUN") if "pip install" in command]
    assert installs == ["pip install -r requirements.txt"]
    requirements = (REPOSITORY / "requirements.txt").read_text()
    assert "pytest" not in requirements and "playwright" not in requirements
    for arguments in _all("COPY"):
        *sources, _ = [word for word in shlex.split(arguments) if not word.startswith("--")]
        for source in sources:
            assert (REPOSITORY / source).exists(), f"COPY {source}: no such file in the repository"


def test_dockerfile_runs_as_a_non_root_user_in_public_mode_with_a_health_check():
    instructions = dockerfile_instructions()
    users = [index for index, (name, _) in enumerate(instructions) if name == "USER"]
    assert users and instructions[users[-1]][1] not in ("root", "0")
    assert all(name != "RUN" for name, _ in instructions[users[-1] :]), "nothing runs as root after USER"
    environment = _environment()
    assert environment["LSTM_DEMO_MODE"] == "public" and environment["PORT"] == "8501"
    assert environment["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "none" and environment["MALLOC_ARENA_MAX"] == "2"
    (healthcheck,) = _all("HEALTHCHECK")
    assert "/_stcore/health" in healthcheck and "os.environ.get('PORT', '8501')" in healthcheck
    (command,) = _all("CMD")
    assert "--server.port=${PORT}" in command and "streamlit run app.py" in command
    assert set(_all("EXPOSE")[0].split()) == {"8501", "7860"}


def dockerignore_excludes(path: str) -> bool:
    """Whether Docker leaves `path` out of the build context (its patterns as this file uses them)."""
    lines = (REPOSITORY / ".dockerignore").read_text().splitlines()
    for pattern in (line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")):
        if pattern.startswith("**/"):
            parts = path.split("/")
            if any(fnmatch.fnmatch("/".join(parts[index:]), pattern[3:]) for index in range(len(parts))):
                return True
        elif fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            return True
    return False


def test_dockerignore_keeps_runs_caches_tests_and_git_out():
    for path in [".git/HEAD", "runs/run-1.keras", "tests/test_app.py", "model/__pycache__/data.cpython-311.pyc", ".pytest_cache/v"]:
        assert dockerignore_excludes(path), path
    for path in ["app.py", "model/data.py", "ui/resources.py", "assets/lstm_mnist.keras", ".streamlit/config.toml", "requirements.txt"]:
        assert not dockerignore_excludes(path), path


def _nginx_configuration(folder: Path, listen_port: int, replica_ports: list[int]) -> Path:
    """The recipe as shipped, its ports changed, inside a minimal main config that runs without root."""
    site = NGINX_SITE.read_text()
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{listen_port};", site)
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in replica_ports)
    site = re.sub(r"(?:    server 127\.0\.0\.1:\d+;\n)+", servers, site)
    (folder / "site.conf").write_text(site)
    temporary = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        + "http {\n"
        + temporary
        + "    log_format replicas '$lstm_demo_replica $upstream_addr $uri';\n"
        + f"    access_log {folder / 'access.log'} replicas;\n"
        + f"    include {folder / 'site.conf'};\n}}\n"
    )
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


@contextlib.contextmanager
def nginx(configuration: Path, port: int):
    process = subprocess.Popen(["nginx", "-c", str(configuration), "-p", str(configuration.parent)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read().decode(errors='replace')}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def _replica_of_each_request(log: Path) -> dict[str, set[str]]:
    replicas: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        cookie, upstream, _ = line.split(" ", 2)
        replicas.setdefault(cookie, set()).add(upstream)
    return replicas


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nginx") is None or not Path(CHROMIUM).exists(), reason="needs Debian's nginx and chromium")
def test_two_replicas_behind_nginx_are_sticky_and_serve_a_real_stroke(tmp_path):
    from playwright.sync_api import sync_playwright

    runs = tmp_path / "runs"
    environment = {"LSTM_DEMO_MODE": "public", "LSTM_DEMO_RUNS_DIR": str(runs)}
    with streamlit_server(environment) as first, streamlit_server(environment) as second:
        replica_ports = [int(url.rsplit(":", 1)[1]) for url in (first, second)]
        # The image's own health check, run as the image runs it, against a replica.
        (healthcheck,) = _all("HEALTHCHECK")
        probe = shlex.split(healthcheck.split("CMD ", 1)[1])
        assert subprocess.run(probe, env={**os.environ, "PORT": str(replica_ports[0])}, timeout=30).returncode == 0

        port = free_port()
        with nginx(_nginx_configuration(tmp_path, port, replica_ports), port) as proxy:
            readiness_checks = set(_replica_of_each_request(tmp_path / "access.log"))
            # Sixteen new browsers spread over both replicas; each then stays on its own.
            for _ in range(16):
                jar = http.cookiejar.CookieJar()
                browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
                for _ in range(3):
                    browser.open(proxy + "/_stcore/health", timeout=10).read()
                assert "lstm_demo_replica" in [cookie.name for cookie in jar]
            # Keyed by the browser's replica key: a new browser's first request is hashed on the key
            # its response then hands it as a cookie.
            logged = _replica_of_each_request(tmp_path / "access.log")
            replicas = {key: upstreams for key, upstreams in logged.items() if key not in readiness_checks}
            assert len(replicas) == 16 and all(len(upstreams) == 1 for upstreams in replicas.values())
            assert {upstream for upstreams in replicas.values() for upstream in upstreams} == {f"127.0.0.1:{p}" for p in replica_ports}

            # A real stroke in Chromium, through the proxy's websocket.
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                page = chromium.new_page(viewport={"width": 1400, "height": 1400})
                page.goto(proxy, wait_until="domcontentloaded")
                canvas = page.locator(DRAWING_CANVAS).last
                canvas.wait_for(timeout=90_000)
                page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=90_000)
                assert page.get_by_label("MNIST data (optional)").count() == 0, "public mode: no path field"
                draw_strokes(page, canvas.bounding_box(), SEVEN)
                page.wait_for_function(APP_ANSWERED, timeout=90_000)  # The drawing was read, through the proxy.
                # The unit inspector's digit pictures are media files, which live in the replica that made them.
                page.get_by_text("Unit inspector", exact=True).click()
                page.wait_for_function(
                    "() => [...document.querySelectorAll('[data-testid=\"stImage\"] img')].some(i => i.complete && i.naturalWidth > 0)",
                    timeout=90_000,
                )
                chromium.close()
            browser_requests = _replica_of_each_request(tmp_path / "access.log")
            (chromium_key,) = [key for key in browser_requests if key not in replicas and key not in readiness_checks]
            # The page, its scripts, its websocket and its media files all came from one replica.
            assert len(browser_requests[chromium_key]) == 1
