"""Responsiveness: how late a 16 ms GUI timer fires around the things a user does while
training runs at Max (issue 11: p99 <= 20 ms, worst <= 50 ms).

The whole window offscreen, as the app builds it (MainWindow, the File menu with autosave
in a temporary data folder, the classroom), training XOR at Max. Then a script of events,
each followed by a settling time: theme switches (dark on/off, colour-blind on/off), File >
New (no question: headless prompts answer "discard"), opening each step of each built-in
lesson, an autosave, and applying the biggest network ([2, 32x8, 1] on 2,000 points) with
the 10 s after it. Training is restarted (Play, Max) after each event that pauses it.

Per event: how long the GUI-thread slot itself took (the user's click), and the p99 and
worst lateness of the timer ticks from the click to the end of its settling time (the
slot's own cost plus whatever arrives after it: the engine's answer, redraws).
A row "steady" measures the same window with no event, for reference.

--trace adds each event's longest calls of the window's and views' GUI-thread methods
(where the lateness comes from); --profile NAME profiles the events so named; --only NAME
runs only those; --theme-ab N compares the theme switch as it was before issue 11 with
today's, in N turns in one window (the same load for both).

Prints a table and writes benchmarks/results/responsiveness.json.
Run: python -m benchmarks.responsiveness [--settle-s 1.5] [--big-s 10] [--host process]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.main import limit_blas_threads  # noqa: E402

limit_blas_threads()  # as the app does

import numpy as np  # noqa: E402

from benchmarks.common import (  # noqa: E402
    LatenessProbe,
    print_table,
    show_until_first_frame,
    write_json,
)

TIMER_MS = 16
TARGETS = {"p99_ms": 20.0, "worst_ms": 50.0}
BIGGEST = {"n_points": 2000, "hidden": (32,) * 8, "activations": ("tanh",) * 8}


# GUI-thread functions timed per event (--trace): where an event's lateness comes from.
TRACED = (("app.window", "MainWindow", ("_on_session_changed", "_draw", "_show_config")),
          ("app.views.network_diagram", "NetworkView", ("set_network", "show_snapshot",
                                                        "set_palette")),
          ("app.views.boundary", "BoundaryView", ("set_data", "show_snapshot", "set_palette")),
          ("app.views.loss_chart", "LossChart", ("show_snapshot", "clear", "set_palette")),
          ("app.controls.data_panel", "DataPanel", ("set_config", "set_palette")),
          ("app.controls.network_panel", "NetworkPanel", ("set_config",)),
          ("app.controls.training_panel", "TrainingPanel", ("set_config",)),
          ("app.files", "FileController", ("new_session", "_show_session")),
          ("app.classroom", "Classroom", ("_on_step", "open_lesson")),
          # Each plot's repaint (the diagram's, the boundary's and the chart's alike).
          ("pyqtgraph.widgets.GraphicsView", "GraphicsView", ("paintEvent",)))


class Tracer:
    """Wraps TRACED's methods (before the window is built) to record (start, ms, name)."""

    def __init__(self):
        self.calls: list[tuple[float, float, str]] = []
        self._saved: list[tuple[type, str, object]] = []

    def install(self) -> None:
        import importlib

        for module, class_name, names in TRACED:
            owner = getattr(importlib.import_module(module), class_name)
            for name in names:
                original = getattr(owner, name)
                self._saved.append((owner, name, original))
                setattr(owner, name, self._timed(original, f"{class_name}.{name}"))

    def remove(self) -> None:
        for owner, name, original in self._saved:
            setattr(owner, name, original)

    def _timed(self, fn, label: str):
        calls = self.calls

        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                name = label
                if label.endswith("paintEvent"):  # whose plot: the view around it
                    name = f"{label} ({type(args[0].parentWidget()).__name__})"
                calls.append((start, (time.perf_counter() - start) * 1000, name))
        return run

    def between(self, start: float, end: float) -> dict[str, float]:
        """The longest call of each traced function in the window, longest first."""
        worst: dict[str, float] = {}
        for when, ms, label in self.calls:
            if start <= when <= end:
                worst[label] = max(worst.get(label, 0.0), ms)
        return dict(sorted(worst.items(), key=lambda item: -item[1]))


def run_loop(seconds: float) -> None:
    """Let the real event loop run (an idle GUI thread sleeps in it)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class Script:
    """Runs events one by one on the GUI thread and measures each."""

    def __init__(self, window, probe: LatenessProbe, settle_s: float, profile: str = "",
                 only: str = "", tracer: Tracer | None = None):
        self.window = window
        self.tracer = tracer
        self.only = only  # run only the events whose name holds this (and "steady")
        self.probe = probe
        self.settle_s = settle_s
        self.profile = profile  # events whose name holds this are profiled (GUI thread)
        self.rows: list[dict] = []

    def event(self, name: str, action: Callable[[], object] | None,
              settle_s: float | None = None, replay: bool = False) -> dict | None:
        if self.only and self.only not in name and action is not None:
            return None
        settle = self.settle_s if settle_s is None else settle_s
        run_loop(0.3)  # start from a quiet loop: the last event's tail is not ours
        profiler = None
        if self.profile and self.profile in name:
            import cProfile

            profiler = cProfile.Profile()  # the GUI thread only
            profiler.enable()
        start = time.perf_counter()
        if action is not None:
            action()
        slot_ms = (time.perf_counter() - start) * 1000
        if replay:  # as the user would: Max, then Space
            self.window.set_pace(None)
            self.window.play()
        run_loop(settle)
        if profiler is not None:
            import pstats

            profiler.disable()
            print(f"--- GUI thread during {name}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        late = self.probe.between(start, start + settle)
        row = {"event": name, "slot_ms": slot_ms if action is not None else None,
               "p99_ms": float(np.percentile(late, 99)) if late else 0.0,
               "worst_ms": max(late, default=0.0), "ticks": len(late),
               "settle_s": settle, "frames_drawn": self.window.frames_drawn}
        if self.tracer is not None:
            row["longest_calls_ms"] = self.tracer.between(start, start + settle)
        self.rows.append(row)
        slot = f"{slot_ms:7.1f}" if action is not None else "      -"
        print(f"{name:40s} slot {slot} ms  p99 {row['p99_ms']:6.1f}  worst "
              f"{row['worst_ms']:6.1f}", flush=True)
        if self.tracer is not None:
            top = list(row["longest_calls_ms"].items())[:4]
            print("    longest: " + ", ".join(f"{k} {v:.0f} ms" for k, v in top), flush=True)
        return row


def responsiveness(settle_s: float, big_s: float, host: str | None,
                   folder: Path, profile: str = "", only: str = "",
                   trace: bool = False) -> dict:
    from PySide6.QtWidgets import QApplication

    from app.main import build_features
    from app.settings import Settings
    from app.window import MainWindow
    from engine.config import SessionConfig

    QApplication.instance() or QApplication([])
    tracer = Tracer() if trace else None
    if tracer is not None:
        tracer.install()
    try:
        started = time.perf_counter()
        window = MainWindow(config=SessionConfig(dataset="xor"), settings=Settings(),
                            host=host)
        # Autosave on, in a temporary folder.
        features = build_features(window, autosave_folder=lambda settings: folder)
        files, classroom = features.files, features.classroom
        show_until_first_frame(window)
        first_frame_s = time.perf_counter() - started
        window.set_pace(None)
        window.play()
        run_loop(1.5)  # past start-up
        probe = LatenessProbe(TIMER_MS)
        probe.start()
        script = Script(window, probe, settle_s, profile, only, tracer)
        script.event("steady (no event)", None)
        for turn in range(2):
            script.event(f"dark on ({turn + 1})", window.dark_action.trigger)
            script.event(f"dark off ({turn + 1})", window.dark_action.trigger)
            script.event(f"colour-blind on ({turn + 1})", window.colorblind_action.trigger)
            script.event(f"colour-blind off ({turn + 1})", window.colorblind_action.trigger)
        script.event("File > New", files.new_session, replay=True)
        for lesson in classroom.lessons:
            for index in range(len(lesson.steps)):
                if index == 0:
                    action = lambda lesson=lesson: classroom.open_lesson(lesson)  # noqa: E731
                else:
                    action = lambda index=index: classroom.panel.set_step(index)  # noqa: E731
                script.event(f"lesson {lesson.title[:22]} step {index + 1}", action,
                             replay=True)
        script.event("close lesson", classroom.close_lesson, replay=True)
        script.event("File > New (after lessons)", files.new_session, replay=True)
        script.event("autosave", files.autosave_now)
        script.event("biggest network, first 10 s",
                     lambda: window.change_config(dict(BIGGEST)), settle_s=big_s,
                     replay=True)
        script.event("autosave (biggest network)", files.autosave_now)
        script.event("dark on (biggest network)", window.dark_action.trigger)
        script.event("dark off (biggest network)", window.dark_action.trigger)
        script.event("File > New (from biggest)", files.new_session, replay=True)
        probe.timer.stop()
        engine = window.presenter.host_description()
        window.close()
        window.deleteLater()
    finally:
        if tracer is not None:
            tracer.remove()
    return {"engine": engine, "first_frame_s": first_frame_s, "settle_s": settle_s,
            "big_s": big_s, "events": script.rows}


def old_theme_switch(window) -> None:
    """The theme switch as it was before issue 11 (for --theme-ab): the window's sheet set
    again (re-polishing every widget at once) and every thumbnail's data made again."""
    from PySide6.QtWidgets import QApplication

    import app.controls.data_panel as data_panel
    from app.controls import window_style_sheet
    from app.theme import apply_qt_theme, get_palette

    window._dark = not window._dark
    apply_qt_theme(QApplication.instance(), window._dark)
    window.setStyleSheet(window_style_sheet(window._dark))
    palette = get_palette(window._palette_name, window._dark)
    # Thumbnails made from scratch, as then, without emptying the new switch's caches.
    cached, icons = data_panel._thumbnail_points, window.data_panel._icons
    data_panel._thumbnail_points, window.data_panel._icons = cached.__wrapped__, {}
    try:
        for view in (window.network_view, window.boundary_view, window.loss_chart,
                     window.data_panel):
            view.set_palette(palette)
    finally:
        data_panel._thumbnail_points, window.data_panel._icons = cached, icons
    window.banner.set_dark(window._dark)
    window.playback.set_dark(window._dark)
    window.playback.fix_sizes()


def theme_ab(turns: int, settle_s: float, host: str | None) -> list[dict]:
    """Old and new theme switch in turns, in one window training at Max: the same load
    for both. The window's sheet is the two-theme one throughout (the old switch sets the
    one-theme sheet, so each old turn is followed by the new sheet set back, untimed)."""
    from PySide6.QtWidgets import QApplication

    from app.controls import window_style_sheet
    from app.settings import Settings
    from app.theme import two_theme_style_sheet
    from app.window import MainWindow
    from engine.config import SessionConfig

    QApplication.instance() or QApplication([])
    window = MainWindow(config=SessionConfig(dataset="xor"), settings=Settings(), host=host)
    show_until_first_frame(window)
    window.set_pace(None)
    window.play()
    run_loop(1.5)
    probe = LatenessProbe(TIMER_MS)
    probe.start()
    script = Script(window, probe, settle_s)
    both = two_theme_style_sheet(window_style_sheet(False), window_style_sheet(True),
                                 "QMainWindow")
    for turn in range(turns):
        script.event(f"old switch ({turn + 1})", lambda: old_theme_switch(window))
        window.setStyleSheet(both)
        window.setProperty("dark", window._dark)
        window.dark_action.setChecked(window._dark)
        script.event(f"new switch ({turn + 1})", window.dark_action.trigger)
    probe.timer.stop()
    window.close()
    return script.rows


def report(result: dict, load: tuple[float, float]) -> None:
    def met(value: float, key: str) -> str:
        return "yes" if value <= TARGETS[key] else "NO"

    print(f"\nResponsiveness while training at Max, engine in {result['engine']}; load "
          f"average {load[0]:.2f} before, {load[1]:.2f} after ({os.cpu_count()} cores)")
    rows = [(r["event"], "-" if r["slot_ms"] is None else f"{r['slot_ms']:.1f}",
             f"{r['p99_ms']:.1f} {met(r['p99_ms'], 'p99_ms')}",
             f"{r['worst_ms']:.1f} {met(r['worst_ms'], 'worst_ms')}", r["ticks"])
            for r in result["events"]]
    print_table(["event", "GUI slot (ms)", "p99 late ms (<=20)", "worst late ms (<=50)",
                 "ticks"], rows)
    missed = [r["event"] for r in result["events"]
              if r["p99_ms"] > TARGETS["p99_ms"] or r["worst_ms"] > TARGETS["worst_ms"]]
    print(f"{len(result['events']) - len(missed)} of {len(result['events'])} events within "
          f"both targets" + (f"; missed: {', '.join(missed)}" if missed else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle-s", type=float, default=1.5)
    parser.add_argument("--big-s", type=float, default=10.0)
    parser.add_argument("--host", default=None, help="process or thread (default: the app's)")
    parser.add_argument("--profile", default="",
                        help="profile the GUI thread during events whose name holds this")
    parser.add_argument("--only", default="",
                        help="run only the events whose name holds this")
    parser.add_argument("--theme-ab", type=int, default=0, metavar="TURNS",
                        help="only compare the old and new theme switch, in turns")
    parser.add_argument("--trace", action="store_true",
                        help="time the window's and views' slots per event")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    if args.theme_ab:
        rows = theme_ab(args.theme_ab, args.settle_s, args.host)
        print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
        for kind in ("old", "new"):
            mine = [r for r in rows if r["event"].startswith(kind)]
            print(f"{kind} switch: GUI slot median {np.median([r['slot_ms'] for r in mine]):.1f}"
                  f" ms, p99 late median {np.median([r['p99_ms'] for r in mine]):.1f} ms, "
                  f"worst late median {np.median([r['worst_ms'] for r in mine]):.1f} ms")
        write_json("responsiveness_theme_ab", {"load_average": [load_before,
                                                                 os.getloadavg()[0]],
                                                "events": rows})
        return
    with tempfile.TemporaryDirectory(prefix="neuroplay-responsiveness-") as folder:
        result = responsiveness(args.settle_s, args.big_s, args.host, Path(folder),
                                args.profile, args.only, args.trace)
    load = (load_before, os.getloadavg()[0])
    report(result, load)
    write_json("responsiveness", {"targets": TARGETS, "timer_ms": TIMER_MS,
                                  "load_average": load, **result})


if __name__ == "__main__":
    main()
