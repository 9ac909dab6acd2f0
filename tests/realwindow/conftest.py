"""A real X server (Xvfb) with a real window manager (openbox) for tests/realwindow.

Skipped cleanly, with the reason, where the tools are missing: `.ci/run` installs them
with apt-get; `make test` never runs these (marker `realwindow`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOLS = ("Xvfb", "openbox", "xdotool", "wmctrl", "import")  # import: ImageMagick
SCREEN = "1280x800x24"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def pytest_collection_modifyitems(items) -> None:
    missing = missing_tools()
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"real-window tools missing: {', '.join(missing)} "
                                   "(apt-get install xvfb openbox xdotool wmctrl imagemagick)")
    for item in items:
        if "realwindow" in item.keywords:
            item.add_marker(skip)


def start_xvfb(log: Path) -> tuple[subprocess.Popen, str]:
    """Xvfb on the first free display number, which it writes to a pipe (-displayfd)."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=log.open("wb"), stderr=subprocess.STDOUT)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()  # written once the server accepts clients
    if not number:
        server.kill()
        raise RuntimeError(f"Xvfb did not start: {log.read_text(errors='replace')}")
    return server, f":{number}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def desktop(tmp_path_factory) -> Iterator[dict[str, str]]:
    """An X display with openbox running; yields the environment a program there gets:
    a fresh HOME and XDG folders, so no settings or autosave leak in or out."""
    root = tmp_path_factory.mktemp("desktop")
    server, display = start_xvfb(root / "xvfb.log")
    home = root / "home"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "DISPLAY": display, "HOME": str(home)}
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state"),
                      ("XDG_RUNTIME_DIR", "runtime")):
        (home / sub).mkdir(parents=True)
        env[name] = str(home / sub)
    (home / "runtime").chmod(0o700)  # Qt refuses a runtime folder others can read
    manager = subprocess.Popen(["openbox", "--sm-disable"], env=env,
                               stdout=(root / "openbox.log").open("wb"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while subprocess.run(["wmctrl", "-m"], env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline or manager.poll() is not None:
            stop(manager)
            stop(server)
            pytest.fail("openbox did not start: " + (root / "openbox.log").read_text())
        time.sleep(0.1)
    try:
        yield env
    finally:
        stop(manager)
        stop(server)
