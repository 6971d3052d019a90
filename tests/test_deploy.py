"""Deployment: the Dockerfile's facts, the .dockerignore, and two replicas behind nginx drawing through the proxy.

Docker's daemon is not available where these tests run, so the Dockerfile is parsed and the facts of
both its images checked (the full default and `--target serve`: base, requirements, user, health
check, public mode, port, training off without TensorFlow); its HEALTHCHECK command is
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


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions by its name (`FROM IMAGE AS NAME`), its FROM first, in the file's order."""
    stages: dict[str, list[tuple[str, str]]] = {}
    for name, arguments in dockerfile_instructions():
        if name == "FROM":
            words = arguments.split()
            stage = words[2] if len(words) == 3 and words[1].upper() == "AS" else f"stage-{len(stages)}"
            stages[stage] = []
        stages[stage].append((name, arguments))
    return stages


def target_instructions(target: str) -> list[tuple[str, str]]:
    """What builds the image `docker build --target TARGET` makes: its parent stages' instructions, then its own."""
    stages = dockerfile_stages()
    (_, arguments), *own = stages[target]
    parent = arguments.split()[0]
    return (target_instructions(parent) if parent in stages else [("FROM", parent)]) + own


def _of(target: str, instruction: str) -> list[str]:
    return [arguments for name, arguments in target_instructions(target) if name == instruction]


def _environment(target: str) -> dict[str, str]:
    pairs = {}
    for arguments in _of(target, "ENV"):
        for word in shlex.split(arguments):
            name, _, value = word.partition("=")
            pairs[name] = value
    return pairs


def _requirement_names(file_name: str) -> set[str]:
    """The packages a requirements file names, its `-r` includes followed."""
    names = set()
    for line in (REPOSITORY / file_name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= _requirement_names(line[3:].strip())
        elif line:
            names.add(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower())
    return names


IMAGES = ["serve", "full"]
TRAINING_PACKAGES = {"tensorflow", "tensorflow-cpu", "keras", "torch", "jax"}


def test_dockerfile_builds_the_full_image_by_default_and_a_serving_image_by_target():
    stages = dockerfile_stages()
    assert list(stages) == ["base", "source", "serve", "full"], "full is the last stage: the default target"
    assert _of("serve", "FROM") == _of("full", "FROM") == ["python:3.11-slim"]
    assert _of("full", "RUN")[-1] == "pip install -r requirements.txt"
    (serve_install,) = [" ".join(command.split()) for command in _of("serve", "RUN") if "pip install" in command]
    assert serve_install.startswith("pip install --no-compile -r requirements-serve.txt &&")
    removed = shlex.split(serve_install.split("rm -rf", 1)[1])
    never_loaded = ("pandas/", "numpy/", "pyarrow/", "pydeck/")
    assert all(path.startswith(never_loaded) for path in removed), "only what the serving process never loads"
    for stage in stages.values():
        for name, arguments in stage:
            if name != "COPY" or "--from=" in arguments:
                continue
            *sources, _ = [word for word in shlex.split(arguments) if not word.startswith("--")]
            for source in sources:
                assert (REPOSITORY / source).exists(), f"COPY {source}: no such file in the repository"


def test_the_serving_image_installs_no_training_package_and_turns_training_off():
    serving, full = _requirement_names("requirements-serve.txt"), _requirement_names("requirements.txt")
    assert not serving & TRAINING_PACKAGES and {"numpy", "h5py", "streamlit"} <= serving
    assert serving < full and {"keras", "tensorflow-cpu"} <= full
    assert not (serving | full) & {"pytest", "playwright", "ruff"}
    assert _environment("serve")["LSTM_DEMO_TRAINING"] == "off"
    assert "LSTM_DEMO_TRAINING" not in _environment("full"), "the full image trains (public mode's default)"


@pytest.mark.parametrize("target", IMAGES)
def test_each_image_runs_as_a_non_root_user_in_public_mode_with_a_health_check(target):
    instructions = target_instructions(target)
    users = [index for index, (name, _) in enumerate(instructions) if name == "USER"]
    assert users and instructions[users[-1]][1] not in ("root", "0")
    assert all(name != "RUN" for name, _ in instructions[users[-1] :]), "nothing runs as root after USER"
    assert _of(target, "COPY")[-1] == "--from=source --chown=demo:demo /app/ ./"
    environment = _environment(target)
    assert environment["LSTM_DEMO_MODE"] == "public" and environment["PORT"] == "8501"
    assert environment["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "none" and environment["MALLOC_ARENA_MAX"] == "2"
    (healthcheck,) = _of(target, "HEALTHCHECK")
    assert "/_stcore/health" in healthcheck and "os.environ.get('PORT', '8501')" in healthcheck
    (command,) = _of(target, "CMD")
    assert "--server.port=${PORT}" in command and "streamlit run app.py" in command
    assert set(_of(target, "EXPOSE")[0].split()) == {"8501", "7860"}


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
    kept = ["app.py", "model/data.py", "ui/resources.py", "assets/lstm_mnist.keras", ".streamlit/config.toml", "requirements.txt"]
    for path in [*kept, "requirements-serve.txt"]:
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
