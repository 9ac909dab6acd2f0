"""`neuroplay --smoke-test [--screenshot PATH]`: prove an install works, end to end.

Opens the real window with the features `neuroplay` adds to it (File menu, classroom),
offscreen when there is no display, trains a few hundred steps
through the window's training worker, draws the last frame, checks the loss chart shows it
and the picture is not blank, saves the picture only when asked (--screenshot), prints the
time from launch to the first drawn frame and exits 0. Any failure exits 1 with the reason
on stderr. Never reads or writes the user's saved settings.

A windowed build (Windows, macOS app bundle) has no console: sys.stdout and sys.stderr
are then None, so every line goes through say(), which writes only where a stream exists.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

SMOKE_STEPS = 300
TIMEOUT_S = 60.0
MIN_COLOURS = 64  # distinct colours a drawn window has; a blank or black one has a handful
MAX_BACKGROUND_SHARE = 0.9  # share of pixels the commonest colour may cover


class SmokeFailure(Exception):
    """The smoke test found something wrong; the message says what, for the user."""


def say(text: str, error: bool = False) -> None:
    """Print a line at once, to stderr when `error`; nothing when there is no console."""
    stream = sys.stderr if error else sys.stdout
    if stream is None:
        return
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream must not fail the test
        pass


def seconds_since_launch() -> float | None:
    """How long ago this process started (Linux /proc), or None where that is unknown."""
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# Process start on the monotonic clock, measured as early as this module is imported.
_AGO = seconds_since_launch()
LAUNCH_TIME = time.monotonic() - (_AGO if _AGO is not None else 0.0)


def app_version() -> str:
    """The installed package version; a frozen build must carry its metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neuroplay")
    except PackageNotFoundError:
        if getattr(sys, "frozen", False):
            raise SmokeFailure("the build lacks the neuroplay package metadata "
                               "(copy_metadata in packaging/neuroplay.spec)") from None
        return "unknown (running from a source tree that is not pip-installed)"


def qt_loaded_in(pid: int | None) -> str:
    """The PySide6 modules process `pid` has loaded ("QtCore+QtGui"), "none", or "unknown"
    where Linux's /proc is not there: the engine's child process must load no GUI."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text() if pid else ""
    except OSError:
        return "unknown"
    if not maps:
        return "unknown"
    found = sorted(set(re.findall(r"PySide6/(Qt\w+)\.[\w.]*so", maps)))
    return "+".join(found) or "none"


def check_picture(image) -> tuple[int, float]:
    """Count distinct colours and the commonest colour's share in a QImage.

    Raises SmokeFailure when the picture looks blank. Returns (colours, share).
    """
    import numpy as np
    from PySide6.QtGui import QImage

    if image.isNull() or image.width() < 100 or image.height() < 100:
        raise SmokeFailure(f"the window picture is empty ({image.width()}x{image.height()})")
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), dtype=np.uint32,
                           count=rgb.height() * rgb.bytesPerLine() // 4)
    pixels = pixels.reshape(rgb.height(), -1)[:, : rgb.width()]
    values, counts = np.unique(pixels, return_counts=True)
    share = float(counts.max()) / pixels.size
    if len(values) < MIN_COLOURS or share > MAX_BACKGROUND_SHARE:
        raise SmokeFailure(f"the window looks blank: {len(values)} colours, "
                           f"{share:.0%} of it one colour")
    return len(values), share


def legend_text(chart) -> str:
    """What the loss chart's legend says for the training loss."""
    legend = chart.legend
    if hasattr(legend, "text"):  # the legend strip above the plot
        return legend.text("training loss")
    labels = [label.text for sample, label in legend.items if sample.item is chart.train_curve]
    return labels[0] if labels else ""  # pyqtgraph's own legend


def loss_texts(value: float) -> set[str]:
    """The ways the window writes a loss: the header's format and four decimals."""
    texts = {f"{value:.4f}"}
    try:
        from app.controls.playback import format_loss
    except ImportError:
        return texts
    return texts | {format_loss(value)}


def check_chart(chart, last) -> int:
    """The loss chart holds every history row up to `last` (a Snapshot) and its legend shows
    the last training loss; SmokeFailure otherwise. Returns the rows held."""
    import numpy as np

    from engine.snapshot import HISTORY_COLUMNS

    rows = chart.history
    end = last.history_start + len(last.history)
    if len(rows) < 2 or len(rows) != end:
        raise SmokeFailure(f"the loss chart holds {len(rows)} history rows, the last frame "
                           f"has {end}: the chart was not drawn")
    _, losses = chart.train_curve.getData()
    if losses is None or not np.isfinite(np.asarray(losses, dtype=float)).any():
        raise SmokeFailure("the loss chart draws no training loss curve")
    shown = legend_text(chart)
    wanted = loss_texts(last.train_loss) | loss_texts(rows[-1][HISTORY_COLUMNS.index("train_loss")])
    if not any(text in shown for text in wanted):
        raise SmokeFailure(f"the loss legend says {shown!r}, not the last training loss "
                           f"{last.train_loss:.4f}")
    return len(rows)


def wait_until(app, done, what: str, timeout_s: float = TIMEOUT_S) -> None:
    """Run the event loop until done() is true; SmokeFailure naming `what` on timeout."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SmokeFailure(f"timed out after {timeout_s:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


def smoke_test(screenshot: str | None) -> dict:
    """Open the window, train, draw, save and check the picture; return what was measured.

    Prints the version line and the first-frame line as soon as they are known.
    """
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            or sys.platform in ("win32", "darwin")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.icon import app_icon
    from app.main import build_features
    from app.settings import Settings
    from app.window import MainWindow

    version = app_version()
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    utf8 = "on" if sys.flags.utf8_mode else "off"  # the frozen app sets it (neuroplay.spec)
    say(f"Neuroplay {version} ({frozen}, Qt platform {QApplication.platformName()}, "
        f"UTF-8 mode {utf8})")
    icon = app_icon()
    if icon.isNull():
        raise SmokeFailure("the app icon did not load (resources/icons missing)")
    app.setWindowIcon(icon)
    window = MainWindow(settings=Settings())  # in-memory settings: the user's stay untouched
    features = build_features(window)
    try:
        window.show()
        wait_until(app, lambda: window.last_frame() is not None, "the first frame")
        first_frame_s = time.monotonic() - LAUNCH_TIME
        # At once and flushed: benchmarks/startup.py times this line from outside.
        say(f"first frame: {first_frame_s:.3f} s after launch")
        first = window.last_frame().snapshot

        window.presenter.set_speed(None)  # as fast as it can: the worker's real play loop
        window.play()
        wait_until(app, lambda: window.last_frame().snapshot.step >= first.step + SMOKE_STEPS,
                   f"{SMOKE_STEPS} training steps")
        window.pause()
        wait_until(app, lambda: not window.is_playing(), "training to pause")
        # While playing, the chart is redrawn only a few times a second; a paused frame
        # draws everything. Pausing sends no frame, so step one epoch and wait for it.
        paused_at = window.last_frame().snapshot.step
        window.step_epoch()
        wait_until(app, lambda: (not window.last_frame().playing
                                 and window.last_frame().snapshot.step > paused_at),
                   "the paused frame")
        for _ in range(5):  # let the layouts and the repaints it asked for settle
            app.processEvents()
            time.sleep(0.02)
        last = window.last_frame().snapshot
        if last.diverged or not math.isfinite(last.train_loss):
            raise SmokeFailure(f"training went wrong: {last.message or last.train_loss}")

        # Where training ran: the packaged app must start its engine child process too.
        pid = window.presenter.engine_pid()
        engine = (window.presenter.host_description(), pid, qt_loaded_in(pid))
        chart_rows = check_chart(window.loss_chart, last)
        image = window.grab().toImage()
        colours, share = check_picture(image)
        if screenshot and not image.save(screenshot):
            raise SmokeFailure(f"could not write the screenshot to {screenshot}")
    finally:
        features.files.finish()  # a smoke run has nothing to save: no unsaved-changes question
        window.close()
        if window.worker_running():
            raise SmokeFailure("the training thread did not stop when the window closed")
    return {"first": first, "last": last, "colours": colours, "share": share,
            "chart_rows": chart_rows, "screenshot": screenshot, "engine": engine}


def run(args: argparse.Namespace | None = None) -> int:
    """Run the smoke test; `args.screenshot` is where to save the picture (None: not saved).

    Returns the exit status: 0 when everything worked, 1 with the reason on stderr.
    """
    if args is None:
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--screenshot")
        args, _ = parser.parse_known_args(sys.argv[1:])
    try:
        result = smoke_test(getattr(args, "screenshot", None))
    except SmokeFailure as exc:
        say(f"neuroplay smoke test FAILED: {exc}", error=True)
        return 1
    except Exception as exc:  # any crash is a failed smoke test, with its reason
        say(f"neuroplay smoke test FAILED: {type(exc).__name__}: {exc}", error=True)
        return 1
    first, last = result["first"], result["last"]
    say(f"trained: steps {first.step} -> {last.step}, "
        f"train loss {first.train_loss:.4f} -> {last.train_loss:.4f}")
    say(f"loss chart: {result['chart_rows']} rows drawn, legend at {last.train_loss:.4f}")
    where, pid, qt = result["engine"]
    say(f"engine: in {where} (engine pid {pid}, app pid {os.getpid()}, Qt in engine: {qt})")
    say(f"picture: {result['colours']} colours, commonest {result['share']:.0%}")
    say(f"screenshot: {result['screenshot'] or 'not saved (pass --screenshot PATH)'}")
    say("smoke test passed")
    return 0
