"""The app in a real window: Xvfb, openbox, real key presses (xdotool XTEST), screenshots.

Starts `python -m app.main` as `make run` does, presses Space to play, checks the picture
changes while it trains, closes the window through the window manager (wmctrl -c, the
title bar's close button) and checks the app exits by itself within 5 s with a clean log.

    make test-realwindow      (.ci/run installs the tools and runs it after make test)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.realwindow

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 5.0
# A clean log has none of these: Python tracebacks, Qt's warnings (category lines such as
# "qt.qpa.xcb: ..." and "QObject::...: ..."), NumPy/Python warnings, fatal errors.
DIRTY = ("Traceback", "Error", "Warning", "warning", "qt.", "QObject", "QThread", "QWidget",
         "QPainter", "Fatal", "Aborted", "Segmentation")


def x(env: dict[str, str], *args: str, timeout: float = 15.0) -> str:
    """Run an X tool on the test display; its stdout."""
    result = subprocess.run(list(args), env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def windows(env: dict[str, str]) -> list[tuple[int, str]]:
    """(id, title) of every window the window manager manages; [] until it lists any."""
    result = subprocess.run(["wmctrl", "-l"], env=env, capture_output=True, text=True,
                            timeout=15)
    if result.returncode != 0:  # openbox sets _NET_CLIENT_LIST with its first client
        return []
    rows = [line.split(None, 3) for line in result.stdout.splitlines()]
    return [(int(row[0], 16), row[3] if len(row) > 3 else "") for row in rows]


def wait_for_window(env: dict[str, str], app: subprocess.Popen, log: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.poll() is not None:
            pytest.fail(f"the app exited ({app.returncode}) before its window showed:\n"
                        + log.read_text(errors="replace"))
        found = [wid for wid, title in windows(env) if "Neuroplay" in title]
        if found:
            return found[0]
        time.sleep(0.2)
    pytest.fail("no Neuroplay window within 60 s:\n" + log.read_text(errors="replace"))


def screenshot(env: dict[str, str], wid: int, path: Path) -> np.ndarray:
    """The window's pixels, as the X server shows them (ImageMagick's import)."""
    x(env, "import", "-window", hex(wid), str(path))
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull(), f"could not read {path}"
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32,
                           count=image.height() * image.bytesPerLine() // 4)
    return pixels.reshape(image.height(), -1)[:, : image.width()].copy()


def changed_share(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, f"the window changed size: {a.shape} -> {b.shape}"
    return float(np.mean(a != b))


def settle(env: dict[str, str], wid: int, folder: Path, name: str) -> np.ndarray:
    """A screenshot once two in a row agree (start-up drawing done), at most 10 s."""
    previous = screenshot(env, wid, folder / f"{name}.png")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = screenshot(env, wid, folder / f"{name}.png")
        if changed_share(previous, current) == 0:
            return current
        previous = current
    return previous


def dirty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(word in line for word in DIRTY)]


def test_play_with_real_keys_then_close_through_the_window_manager(desktop, tmp_path):
    log = tmp_path / "app.log"
    shots = tmp_path / "shots"
    shots.mkdir()
    started = time.monotonic()
    with log.open("wb") as out:
        app = subprocess.Popen([sys.executable, "-m", "app.main"], cwd=ROOT, env=desktop,
                               stdout=out, stderr=subprocess.STDOUT)
    try:
        wid = wait_for_window(desktop, app, log)
        x(desktop, "xdotool", "windowactivate", "--sync", str(wid))
        before = settle(desktop, wid, shots, "1-before")
        still = screenshot(desktop, wid, shots / "2-still.png")
        # A text caret may blink (a few pixels); training would change far more.
        assert changed_share(before, still) < 0.001, "the window changes before play is pressed"

        x(desktop, "xdotool", "key", "--clearmodifiers", "space")  # real key press (XTEST)
        time.sleep(2.0)
        playing = screenshot(desktop, wid, shots / "3-playing.png")
        time.sleep(2.0)
        later = screenshot(desktop, wid, shots / "4-later.png")
        assert changed_share(before, playing) > 0.01, "Space did not start training"
        assert changed_share(playing, later) > 0.01, "the picture does not change while playing"

        x(desktop, "wmctrl", "-i", "-c", hex(wid))  # as the title bar's close button does
        closed_at = time.monotonic()
        try:
            app.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            asked = [title for _, title in windows(desktop)]
            screenshot_path = shots / "5-not-closed.png"
            subprocess.run(["import", "-window", "root", str(screenshot_path)], env=desktop,
                           timeout=15)
            pytest.fail(f"the app did not exit within {EXIT_TIMEOUT_S:.0f} s of closing its "
                        f"window; windows open then: {asked} (screen: {screenshot_path})")
        exit_s = time.monotonic() - closed_at
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    text = log.read_text(errors="replace")
    print(f"window to exit: {time.monotonic() - started:.1f} s, exit after close "
          f"{exit_s:.2f} s, screenshots in {shots}")
    assert app.returncode == 0, f"exit status {app.returncode}:\n{text}"
    assert dirty_lines(text) == [], text
