"""What each container image installs, and whether the serving one serves: the two targets of the Dockerfile, side by side.

Where no Docker daemon runs, the images cannot be built, so this installs what each target
installs into a fresh virtual environment, by running the target's own `pip install` line from
the Dockerfile (its paths pointed at the environment instead of `/usr/local`), and measures:

- the installed packages' size (the sum of the files' sizes, as an image layer holds them), and
  the app's files the image copies (`.dockerignore`'s exclusions left out);
- a real `streamlit run app.py` from each environment, with the target's settings (public mode;
  training off for `serve`): the time to healthy, the Dockerfile's HEALTHCHECK command run against
  it, a seven drawn in Chromium and read, the server's resident memory after it, and whether
  TensorFlow is mapped into the serving process.

An image is those two sizes plus its base, `python:3.11-slim`, which is not measured here.

    MNIST_NPZ=/path/to/mnist.npz flock /tmp/browser.lock python bench/serving_image.py --environments /tmp/images

Environments already in `--environments` are reused (delete them to reinstall). Appends to bench/results/serving_image.txt.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_tools import (  # noqa: E402
    APP_ANSWERED,
    CHROMIUM,
    CHROMIUM_FLAGS,
    DRAWING_CANVAS,
    REPOSITORY,
    draw_strokes,
    resident_megabytes,
    streamlit_process,
)

RESULTS = REPOSITORY / "bench" / "results" / "serving_image.txt"
TARGETS = ("serve", "full")
IMAGE_SITE_PACKAGES = "/usr/local/lib/python3.11/site-packages"
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
MEGABYTE = 1_000_000


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's (INSTRUCTION, arguments), line continuations joined, by its name."""
    stages: dict[str, list[tuple[str, str]]] = {}
    pending, stage = "", None
    for line in (REPOSITORY / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") and not pending:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = " ".join((pending + line).split()), ""
        if not text:
            continue
        instruction, _, arguments = text.partition(" ")
        if instruction.upper() == "FROM":
            stage = arguments.split()[-1]
            stages[stage] = []
        stages[stage].append((instruction.upper(), arguments))
    return stages


def stage_settings(target: str) -> dict[str, str]:
    """The ENV of the target and the stages it is built on."""
    stages, settings = dockerfile_stages(), {}
    chain = [target]
    while (parent := stages[chain[-1]][0][1].split()[0]) in stages:
        chain.append(parent)
    for name in reversed(chain):
        for instruction, arguments in stages[name]:
            if instruction == "ENV":
                settings.update(word.split("=", 1) for word in shlex.split(arguments))
    return settings


def site_packages(environment: Path) -> Path:
    return environment / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def install(target: str, environment: Path) -> None:
    """Run the target's `pip install` line from the Dockerfile into `environment`."""
    stage = dockerfile_stages()[target]
    (command,) = [arguments for instruction, arguments in stage if instruction == "RUN" and "pip install" in arguments]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True)
    pip = f"{shlex.quote(sys.executable)} -m pip --python {shlex.quote(str(environment / 'bin' / 'python'))} install"
    command = command.replace("pip install", pip, 1).replace(IMAGE_SITE_PACKAGES, shlex.quote(str(site_packages(environment))))
    subprocess.run(["bash", "-c", command], cwd=REPOSITORY, check=True)


def tree_bytes(path: Path, skip=lambda path: False) -> int:
    """The sum of the sizes of the files under `path` (links counted as links), leaving out what `skip` names."""
    if path.is_file():
        return path.lstat().st_size
    total = 0
    for folder, folders, files in os.walk(path):
        folders[:] = [name for name in folders if not skip(Path(folder) / name)]
        total += sum((Path(folder) / name).lstat().st_size for name in files if not skip(Path(folder) / name))
    return total


def app_bytes() -> int:
    """The files the `source` stage copies, as .dockerignore leaves them (no caches, no screenshots)."""
    sources = [words.split()[0] for instruction, words in dockerfile_stages()["source"] if instruction == "COPY"]

    def skip(path: Path) -> bool:
        return path.name == "__pycache__" or path.suffix == ".pyc" or path.name.startswith("screenshot")

    return sum(tree_bytes(REPOSITORY / source, skip) for source in sources)


def serve_a_drawing(target: str, environment: Path, mnist: str | None) -> dict[str, float | str]:
    """Start the app from `environment` with the target's settings; the health check, one drawing, memory."""
    settings = stage_settings(target)
    runs = tempfile.mkdtemp(prefix=f"runs-{target}-")
    server_environment = {name: settings[name] for name in ("LSTM_DEMO_MODE", "LSTM_DEMO_TRAINING") if name in settings}
    server_environment |= {"LSTM_DEMO_RUNS_DIR": runs, "MALLOC_ARENA_MAX": settings.get("MALLOC_ARENA_MAX", ""), "PYTHONPATH": ""}
    if mnist:
        server_environment["MNIST_NPZ"] = mnist
    python = str(environment / "bin" / "python")
    with streamlit_process(server_environment, python=python) as server:
        healthy_seconds = time.perf_counter() - server.launched_at
        (healthcheck,) = [arguments for instruction, arguments in dockerfile_stages()["base"] if instruction == "HEALTHCHECK"]
        probe = shlex.split(healthcheck.split("CMD ", 1)[1])
        port = server.url.rsplit(":", 1)[1]
        health = subprocess.run([python, *probe[1:]], env={**os.environ, "PORT": port}, timeout=30).returncode
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(server.url, wait_until="domcontentloaded")
            canvas = page.locator(DRAWING_CANVAS).last
            canvas.wait_for(timeout=120_000)
            page.get_by_text("Draw a digit from 0 to 9").wait_for(timeout=120_000)
            draw_strokes(page, canvas.bounding_box(), SEVEN)
            page.wait_for_function(APP_ANSWERED, timeout=120_000)
            answered_seconds = time.perf_counter() - server.launched_at
            browser.close()
        memory = resident_megabytes(server.process.pid)
        maps = Path(f"/proc/{server.process.pid}/maps").read_text()
    return {
        "healthy_s": healthy_seconds,
        "first_answer_s": answered_seconds,
        "healthcheck": "passed" if health == 0 else f"failed ({health})",
        "rss_mib": memory,
        "tensorflow_loaded": "yes" if "tensorflow" in maps else "no",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--environments", type=Path, required=True, help="where the two environments are installed (or reused)")
    arguments = parser.parse_args()
    mnist = os.environ.get("MNIST_NPZ")
    application = app_bytes()
    lines = [f"## {datetime.now(UTC).isoformat(timespec='seconds')} on {os.cpu_count()} CPUs: python bench/serving_image.py"]
    lines.append(f"the app's files (the source stage): {application / MEGABYTE:.1f} MB")
    for target in TARGETS:
        environment = arguments.environments / target
        if not (environment / "bin" / "python").exists():
            install(target, environment)
        packages = tree_bytes(site_packages(environment))
        served = serve_a_drawing(target, environment, mnist)
        lines.append(
            f"{target:>5}: packages {packages / MEGABYTE:,.0f} MB + app {application / MEGABYTE:.0f} MB = "
            f"{(packages + application) / MEGABYTE:,.0f} MB above python:3.11-slim; "
            f"healthy after {served['healthy_s']:.1f} s, health check {served['healthcheck']}, a drawn seven read "
            f"{served['first_answer_s']:.1f} s after launch, server {served['rss_mib']:.0f} MiB resident after it, "
            f"TensorFlow loaded: {served['tensorflow_loaded']}"
        )
    lines.append("The base image python:3.11-slim is not measured here (no Docker daemon); an image is its size plus the above.")
    text = "\n".join(lines)
    print(text)
    with open(RESULTS, "a", encoding="utf-8") as results:
        results.write(text + "\n\n")


if __name__ == "__main__":
    main()
