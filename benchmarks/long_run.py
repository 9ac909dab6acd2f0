"""Long run: XOR at Max speed, left training, with the autosave on (issue 11, "Long runs
stay light"). Before the history was bounded, each minute's autosave froze the GUI for
0.8 s to 12.4 s as the session file grew to 50 MB, and closing took 11.7 s.

The whole window offscreen (File menu and autosave attached, the data folder in a temporary
directory), a fresh XOR session, speed at Max, play, leave it for --minutes (60). A 16 ms
GUI timer measures lateness. Reports per period: epochs trained, the worst GUI lateness in
the period and in the 2 s after each autosave started, the autosave file's size, RSS, and
the history rows held by the session and the chart; then how long closing took.
Each autosave's own costs are timed where they run: the GUI thread's slots (asking for the
document, handing it to the writer), the engine making the document (the round trip from
asking to the answer), the writer thread's
JSON, write and fsync. The overall lateness also holds drawing and, on a shared machine,
other programs; the autosave's share of it is the GUI column.

Targets: no GUI stall over 50 ms at any autosave, session file under 5 MB, RSS under
300 MB and flat after the first minutes, close within 1 s.

Prints tables and writes benchmarks/results/long_run.json.
Run: python -m benchmarks.long_run [--minutes M] [--period-s S] [--autosave-s S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.main import limit_blas_threads  # noqa: E402

limit_blas_threads()  # as the app does

import numpy as np  # noqa: E402

from benchmarks.common import print_table, show_until_first_frame, write_json  # noqa: E402
from benchmarks.soak import rss_mb  # noqa: E402
from engine.config import SessionConfig  # noqa: E402

XOR = SessionConfig(dataset="xor")
TIMER_MS = 16
AFTER_AUTOSAVE_S = 2.0  # lateness this soon after an autosave started is charged to it


def long_run(minutes: float, period_s: float = 60.0, autosave_s: float = 60.0,
             folder: Path | None = None) -> dict:
    """Train XOR at Max in the window for minutes * 60 s; figures per period of period_s."""
    from PySide6.QtWidgets import QApplication

    import app.autosave as autosave
    import app.files as files_module
    from app.main import build_features
    from app.settings import Settings
    from app.window import MainWindow

    QApplication.instance() or QApplication([])
    own_folder = None
    if folder is None:
        own_folder = tempfile.TemporaryDirectory(prefix="neuroplay-long-run-")
        folder = Path(own_folder.name)
    costs: dict[str, list[tuple[float, float]]] = {"gui": [], "document": [], "writer": [],
                                                   "starts": []}
    controller = files_module.FileController
    patches = [(autosave, "data_folder", lambda settings: folder),
               (controller, "autosave_now", timed(timed(controller.autosave_now,
                                                        costs["starts"]), costs["gui"]))]
    patches += [(controller, name, timed(getattr(controller, name), costs["gui"]))
                for name in ("_on_document", "_on_autosaved")]
    patches += [(controller, "_document_future", answered_in(controller._document_future,
                                                             costs["document"])),
                (autosave, "write_atomic", timed(autosave.write_atomic, costs["writer"]))]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        return _run(MainWindow(config=XOR, settings=Settings()),
                    lambda window: build_features(window).files, folder, costs,
                    minutes, period_s, autosave_s)
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
        if own_folder is not None:
            own_folder.cleanup()


def _run(window, attach, folder: Path, costs: dict, minutes: float, period_s: float,
         autosave_s: float) -> dict:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    import app.autosave as autosave

    app = QApplication.instance()
    files = attach(window)
    files.autosaver.timer.setInterval(int(autosave_s * 1000))
    show_until_first_frame(window)
    window.set_pace(None)  # Max
    window.play()

    ticks: list[tuple[float, float]] = []  # (when, lateness ms)
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        ticks.append((now, max(0.0, (now - last[0]) * 1000 - TIMER_MS)))
        last[0] = now

    autosaves: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TIMER_MS)

    periods = []
    start = time.monotonic()
    t0 = time.perf_counter()
    epoch0 = 0
    n_periods = max(1, int(np.ceil(minutes * 60 / period_s)))
    for period in range(1, n_periods + 1):
        end = start + min(period * period_s, minutes * 60)
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)  # an idle GUI thread sleeps in its event loop
        now = time.perf_counter()
        snap = window.last_frame().snapshot
        autosaves[:] = [when for when, _ in costs["starts"]]
        in_period = [late for when, late in ticks if when >= t0]
        after = [late for when, late in ticks if when >= t0 and any(
            0 <= when - s <= AFTER_AUTOSAVE_S for s in autosaves)]
        path = files.slot.path
        periods.append({
            "period": period, "epoch": int(snap.epoch),
            "epochs_per_second": (snap.epoch - epoch0) / (now - t0),
            "worst_gui_delay_ms": max(in_period, default=0.0),
            "p99_gui_delay_ms": float(np.percentile(in_period, 99)) if in_period else 0.0,
            "worst_after_autosave_ms": max(after, default=None),
            "p99_after_autosave_ms": float(np.percentile(after, 99)) if after else None,
            "autosaves": sum(1 for s in autosaves if s >= t0),
            **{f"{kind}_ms": max((ms for when, ms in costs[kind] if when >= t0), default=None)
               for kind in ("gui", "document", "writer")},
            "file_mb": path.stat().st_size / 2**20 if path.exists() else None,
            "rss_mb": rss_mb(),
            "engine_rss_mb": rss_mb(window.presenter.engine_pid()),
            "session_rows": int(snap.history_start + len(snap.history)),
            "chart_rows": int(len(window.loss_chart.history)),
        })
        report_period(periods[-1])
        t0, epoch0 = now, snap.epoch
        ticks.clear()
    timer.stop()
    close_start = time.perf_counter()
    window.close()
    close_s = time.perf_counter() - close_start
    kept = sorted((folder / autosave.FOLDER_NAME).glob("*.json"))
    kept_mb = kept[0].stat().st_size / 2**20 if kept else None
    window.deleteLater()
    return {"config": "xor, defaults, speed Max", "minutes": minutes, "period_s": period_s,
            "autosave_s": autosave_s, "close_s": close_s, "kept_file_mb": kept_mb,
            "periods": periods}


def answered_in(fn, into: list):
    """fn returning a Future, recording (start, milliseconds until it is answered): the
    engine makes the document in its own process, so this is the round trip."""
    def run(*args, **kwargs):
        start = time.perf_counter()
        future = fn(*args, **kwargs)
        future.add_done_callback(
            lambda _: into.append((start, (time.perf_counter() - start) * 1000)))
        return future
    return run


def timed(fn, into: list):
    """fn, recording (start, milliseconds) of each call into `into` (any thread)."""
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into.append((start, (time.perf_counter() - start) * 1000))
    return run


def report_period(p: dict) -> None:
    print(f"period {p['period']}: epoch {p['epoch']:,}, worst GUI delay "
          f"{p['worst_gui_delay_ms']:.0f} ms, file {p['file_mb'] or 0:.2f} MB, "
          f"RSS {p['rss_mb']:.0f} MB, engine {p['engine_rss_mb']:.0f} MB", flush=True)


def report(result: dict) -> None:
    print(f"\nLong run: {result['config']}, {result['minutes']:g} min, periods of "
          f"{result['period_s']:g} s, autosave every {result['autosave_s']:g} s")
    print_table(["period", "epoch", "epochs/s", "worst delay (ms)", "p99 delay (ms)",
                 "worst after autosave (ms)", "p99 after autosave (ms)", "autosave GUI (ms)",
                 "document (ms)", "writer (ms)", "file (MB)", "RSS (MB)", "engine RSS (MB)",
                 "session rows",
                 "chart rows"],
                [(p["period"], p["epoch"], p["epochs_per_second"], p["worst_gui_delay_ms"],
                  p["p99_gui_delay_ms"], p["worst_after_autosave_ms"],
                  p["p99_after_autosave_ms"], p["gui_ms"],
                  p["document_ms"], p["writer_ms"], p["file_mb"], p["rss_mb"],
                  p["engine_rss_mb"], p["session_rows"], p["chart_rows"])
                 for p in result["periods"]])
    print(f"close took {result['close_s']:.2f} s; the kept session file is "
          f"{result['kept_file_mb'] or 0:.2f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--period-s", type=float, default=60.0)
    parser.add_argument("--autosave-s", type=float, default=60.0)
    args = parser.parse_args(argv)
    result = long_run(args.minutes, args.period_s, args.autosave_s)
    report(result)
    write_json("long_run", result)


if __name__ == "__main__":
    main()
