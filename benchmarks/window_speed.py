"""The whole window training live, offscreen: frames per second, training speed against
the same session headless, and how late a 16 ms GUI timer fires (responsiveness).

Network [2, 8, 8, 8, 8, 8, 8, 1] on 500 points. Targets: >= 30 frames/s, >= 70% of the
headless steps/s (headless measured before and after the window, the mean; the load
average is printed too, since the machine is shared), worst GUI timer delay <= 50 ms.
Also measured for comparison, for half the time: the worker training while the GUI draws
(app.worker.TAKE_TURNS = False).
Prints a table and writes benchmarks/results/window_speed.json.
Run: python -m benchmarks.window_speed [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.main import limit_blas_threads  # noqa: E402

limit_blas_threads()  # as the app does, for the window and the headless run alike

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import worker as training_worker  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.window import MainWindow  # noqa: E402
from benchmarks.common import print_table, write_json  # noqa: E402
from engine.config import SessionConfig  # noqa: E402
from engine.session import TrainingSession  # noqa: E402

CONFIG = SessionConfig(n_points=500, hidden=(8,) * 6, activations=("tanh",) * 6)
TIMER_MS = 16
TARGETS = {"frames_per_second": 30.0, "training_ratio": 0.70, "worst_gui_delay_ms": 50.0}


def headless_steps_per_second(seconds: float) -> float:
    """Steps/s of the same session with no window, in chunks like the worker runs."""
    session = TrainingSession(CONFIG)
    session.step(50)  # warm up
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds:
        steps += session.step(20)
    return steps / (time.perf_counter() - start)


class LatenessProbe:
    """A 16 ms QTimer on the GUI thread that records how late each tick is."""

    def __init__(self):
        self.delays_ms: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start(TIMER_MS)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.delays_ms.append(max(0.0, (now - self._last) * 1000 - TIMER_MS))
        self._last = now


def windowed(app: QApplication, seconds: float) -> dict:
    """Train in the shown window for `seconds`; measure frames, steps and GUI delays."""
    window = MainWindow(config=CONFIG, settings=Settings())
    window.resize(1280, 800)
    window.show()
    deadline = time.monotonic() + 30
    while window.last_frame() is None and time.monotonic() < deadline:
        app.processEvents()
    window.set_pace(None)  # as fast as it goes, not the default pace
    window.play()
    warm_until = time.monotonic() + 1.0
    while time.monotonic() < warm_until:  # let the chunk size settle
        app.processEvents()
    probe = LatenessProbe()
    steps0 = window.run_in_worker(lambda s: s.step_count)
    frames0 = window.frames_drawn
    start = time.perf_counter()
    probe.start()
    # A real event loop, as the app runs: an idle GUI thread sleeps in it without the GIL
    # (a processEvents/sleep polling loop would take the GIL from training 1000 times a
    # second and delay every hand-over between the threads).
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    elapsed = time.perf_counter() - start
    frames = window.frames_drawn - frames0
    steps = window.run_in_worker(lambda s: s.step_count) - steps0
    probe.timer.stop()
    window.close()
    delays = np.array(probe.delays_ms[1:] or [0.0])
    return {"frames_per_second": frames / elapsed, "steps_per_second": steps / elapsed,
            "worst_gui_delay_ms": float(delays.max()),
            "p99_gui_delay_ms": float(np.percentile(delays, 99)),
            "timer_ticks": int(delays.size), "seconds": elapsed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    headless_seconds = min(args.seconds, 5.0)
    headless_before = headless_steps_per_second(headless_seconds)
    training_worker.TAKE_TURNS = False
    parallel = windowed(app, args.seconds / 2)
    training_worker.TAKE_TURNS = True
    live = windowed(app, args.seconds)
    # Headless again after the window: other work on a shared machine comes and goes, and
    # the mean of before and after is what the window's run is compared against.
    headless_after = headless_steps_per_second(headless_seconds)
    headless = (headless_before + headless_after) / 2
    ratio = live["steps_per_second"] / headless
    rows = [
        ("frames drawn per second", live["frames_per_second"], ">= 30",
         live["frames_per_second"] >= TARGETS["frames_per_second"]),
        ("training steps/s, window", live["steps_per_second"], "", None),
        ("training steps/s, headless", headless, "", None),
        ("  headless before / after", f"{headless_before:,.0f} / {headless_after:,.0f}", "",
         None),
        ("window / headless", ratio, ">= 0.70", ratio >= TARGETS["training_ratio"]),
        ("worst GUI timer delay (ms)", live["worst_gui_delay_ms"], "<= 50",
         live["worst_gui_delay_ms"] <= TARGETS["worst_gui_delay_ms"]),
        ("99th percentile delay (ms)", live["p99_gui_delay_ms"], "", None),
        ("without turns: frames/s", parallel["frames_per_second"], "", None),
        ("without turns: window / headless", parallel["steps_per_second"] / headless, "", None),
        ("without turns: worst delay (ms)", parallel["worst_gui_delay_ms"], "", None),
    ]
    print(f"Window training {CONFIG.layer_sizes} on {CONFIG.n_points} points, "
          f"{live['seconds']:.1f} s; load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after ({os.cpu_count()} cores)")
    print_table(["measure", "value", "target", "met"],
                [(name, value, target, "" if met is None else ("yes" if met else "NO"))
                 for name, value, target, met in rows])
    write_json("window_speed", {
        "network": list(CONFIG.layer_sizes), "points": CONFIG.n_points,
        "headless_steps_per_second": headless, "training_ratio": ratio,
        "headless_before_after": [headless_before, headless_after],
        "targets": TARGETS, **live,
        "without_turns": {**parallel,
                          "training_ratio": parallel["steps_per_second"] / headless},
    })


if __name__ == "__main__":
    main()
