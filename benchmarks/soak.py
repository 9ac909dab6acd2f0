"""Soak: long runs keep memory flat, the loss history whole and the speed steady.

session: a million training steps of the TensorFlow Playground's default network
(inputs x1, x2; hidden 4 and 2 tanh; one output: [2, 4, 2, 1]) on its 500 circle points,
taking a snapshot every 100 steps as the window's worker does. Reports RSS at the start
and end, steps/s in each tenth of the run (no decay), and how much of the RSS growth the
kept loss history explains.

window: the whole window offscreen, training at full speed while a point is drawn and
erased every half second, for --minutes (10). Reports, minute by minute, frames drawn
per second, training steps/s, the worst and 99th-percentile lateness of a 16 ms GUI
timer, RSS, and the loss-chart rows held (all of them: the chart downsamples to draw).

big: the largest network the controls allow (8 hidden layers of 32) on the largest data
set (2000 points), training in the window for --big-seconds (60), no drawing: the same
per-minute figures (target: no GUI delay over 100 ms).

Prints tables and writes benchmarks/results/soak.json (each mode updates its own part).
Run: python -m benchmarks.soak [session|window|big|both] [--steps N] [--minutes M]
     [--big-seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.main import limit_blas_threads  # noqa: E402

limit_blas_threads()  # as the app does

import numpy as np  # noqa: E402

from benchmarks.common import RESULTS, print_table, show_until_first_frame, write_json  # noqa: E402
from engine.config import SessionConfig  # noqa: E402
from engine.io import decode_history  # noqa: E402
from engine.session import TrainingSession  # noqa: E402

# TensorFlow Playground's defaults: circle data, 500 points, half for training, batch 10.
PLAYGROUND = SessionConfig(dataset="circles", n_points=500, noise=0.0, train_fraction=0.5,
                           hidden=(4, 2), activations=("tanh", "tanh"), batch_size=10,
                           learning_rate=0.03)
SNAPSHOT_EVERY = 100  # steps; the worker sends one frame per chunk of about this many
HISTORY_ROW_BYTES = 48  # a row of engine.history.History: 6 float64 (its buffer doubles)
TIMER_MS = 16
DRAW_EVERY_S = 0.5
BIGGEST = SessionConfig(n_points=2000, hidden=(32,) * 8, activations=("relu",) * 8)


def rss_mb(pid: int | None = None) -> float:
    """A process's resident memory now, in MB: this one's, or process `pid`'s (Linux /proc;
    elsewhere this one's peak RSS, and NaN for another process)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        if pid is not None:
            return float("nan")
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


# ------------------------------------------------------------------ the session


def session_soak(steps: int) -> dict:
    """Train `steps` steps with a snapshot every SNAPSHOT_EVERY; measure speed and memory."""
    session = TrainingSession(PLAYGROUND)
    session.step(SNAPSHOT_EVERY)  # warm up: first allocations, caches
    sent = 0
    rss_start = rss_mb()
    rows_start = len(session.history)
    tenth = max(steps // 10, SNAPSHOT_EVERY)
    tenths = []
    start = mark = time.perf_counter()
    done = done_at_mark = 0
    while done < steps:
        n = session.step(min(SNAPSHOT_EVERY, steps - done))
        if n == 0:
            raise RuntimeError(f"training stopped at step {session.step_count}: "
                               f"{session.message}")
        done += n
        snap = session.snapshot(history_start=sent)
        sent = snap.history_start + len(snap.history)
        if done - done_at_mark >= tenth or done == steps:
            now = time.perf_counter()
            tenths.append({"steps": done, "steps_per_second": (done - done_at_mark) / (now - mark),
                           "rss_mb": rss_mb()})
            mark, done_at_mark = now, done
    elapsed = time.perf_counter() - start
    rss_end = rss_mb()
    history_mb = (len(session.history) - rows_start) * HISTORY_ROW_BYTES / 2**20
    return {"network": list(PLAYGROUND.layer_sizes), "points": PLAYGROUND.n_points,
            "steps": done, "seconds": elapsed, "steps_per_second": done / elapsed,
            "rss_start_mb": rss_start, "rss_end_mb": rss_end,
            "history_rows": len(session.history), "history_mb": history_mb,
            "growth_besides_history_mb": rss_end - rss_start - history_mb,
            "final_train_loss": session.history[-1][2], "tenths": tenths}


def report_session(result: dict) -> None:
    print(f"\nSession soak: {result['network']} on {result['points']} points, "
          f"{result['steps']:,} steps in {result['seconds']:.0f} s")
    print_table(["steps so far", "steps/s", "RSS (MB)"],
                [(f"{t['steps']:,}", t["steps_per_second"], t["rss_mb"])
                 for t in result["tenths"]])
    print_table(["measure", "value"], [
        ("RSS at start (MB)", result["rss_start_mb"]),
        ("RSS at end (MB)", result["rss_end_mb"]),
        ("loss history rows kept", result["history_rows"]),
        ("of which the history (MB)", result["history_mb"]),
        ("growth besides the history (MB)", result["growth_besides_history_mb"]),
        ("final training loss", result["final_train_loss"]),
    ])


# ------------------------------------------------------------------ the window


def window_soak(minutes: float, config: SessionConfig | None = None, draw: bool = True,
                minute_s: float = 60.0) -> dict:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.main import build_features
    from app.settings import Settings
    from app.window import MainWindow

    app = QApplication.instance() or QApplication([])
    # In-memory settings: no autosave, no lock, nothing remembered.
    window = MainWindow(config=config, settings=Settings())
    tools = build_features(window).drawing.tools
    show_until_first_frame(window)
    if draw:
        tools.draw_button.click()
    window.set_pace(None)  # as fast as it goes, not the default pace
    window.play()

    delays: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        delays.append(max(0.0, (now - last[0]) * 1000 - TIMER_MS))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TIMER_MS)
    rng = np.random.default_rng(7)
    view = window.boundary_view
    rss_start = rss_mb()
    minutes_out = []
    start = time.monotonic()
    next_draw = start
    erase = False
    spot = (0.0, 0.0)
    frames0, t0 = window.frames_drawn, start
    # Drawn points start a new run (step 0): count the steps trained, across those resets.
    trained = steps0 = 0
    last_step = window.last_frame().snapshot.step
    drawn = 0
    for minute in range(1, int(np.ceil(minutes)) + 1):
        end = start + min(minute, minutes) * minute_s
        delays.clear()
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)  # an idle GUI thread sleeps in its event loop
            step = window.last_frame().snapshot.step
            trained += step - last_step if step >= last_step else step
            last_step = step
            if draw and time.monotonic() >= next_draw:
                next_draw += DRAW_EVERY_S
                # Add a point, then erase it: the data set stays the same size.
                if not erase:
                    spot = tuple(rng.uniform(-0.8, 0.8, 2))
                tools.eraser_button.setChecked(erase)
                QTest.mouseClick(view.plot_widget.viewport(), Qt.LeftButton,
                                 pos=view.scene_pos(*spot))
                erase = not erase
                drawn += 1
        now = time.monotonic()
        steps = trained
        ticks = np.array(delays or [0.0])
        minutes_out.append({
            "minute": minute, "frames_per_second": (window.frames_drawn - frames0) / (now - t0),
            "steps_per_second": (steps - steps0) / (now - t0),
            "worst_gui_delay_ms": float(ticks.max()),
            "p99_gui_delay_ms": float(np.percentile(ticks, 99)), "rss_mb": rss_mb(),
            "engine_rss_mb": rss_mb(window.presenter.engine_pid()),
            "chart_rows": int(len(window.loss_chart.history)), "steps": int(steps)})
        frames0, steps0, t0 = window.frames_drawn, steps, now
    timer.stop()
    # Paused, the window draws the chart with every row the session sent (while playing,
    # rows wait a few frames for the next chart redraw).
    window.pause()
    session_rows = len(decode_history(engine_document(window)["history"]))  # base64 rows
    deadline = time.monotonic() + 10
    # "!=", not "<": the last click may have started a new run the chart has not seen yet.
    while len(window.loss_chart.history) != session_rows and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    rows_kept = int(len(window.loss_chart.history))
    points = len(window.presenter.mirror.data.points)
    window.close()
    return {"network": list(window.session_config().layer_sizes), "minutes": minutes,
            "rss_start_mb": rss_start, "rss_end_mb": minutes_out[-1]["rss_mb"],
            "clicks": drawn, "points_at_end": points, "chart_rows": rows_kept,
            "session_history_rows": session_rows, "period_s": minute_s,
            "per_minute": minutes_out}


def engine_document(window, timeout_s: float = 30.0) -> dict:
    """The engine's own session document, after every request sent so far (a benchmark
    may wait for it; the app never does)."""
    from PySide6.QtWidgets import QApplication

    answers: list = []
    wanted: list[int] = []
    window.presenter.answered.connect(
        lambda a: answers.append(a) if wanted and getattr(a, "id", None) == wanted[0] else None)
    wanted.append(window.presenter.request_document())
    deadline = time.monotonic() + timeout_s
    while not answers and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    if not answers:
        raise TimeoutError("the engine did not send its document")
    return answers[0].document


def report_window(result: dict) -> None:
    print(f"\nWindow soak: {result['network']} on {result['points_at_end']} points, "
          f"{result['minutes']:g} periods of {result['period_s']:g} s, "
          f"{result['clicks']} drawing clicks")
    print_table(["period", "frames/s", "steps/s", "worst delay (ms)", "p99 delay (ms)",
                 "RSS (MB)", "engine RSS (MB)", "chart rows"],
                [(m["minute"], m["frames_per_second"], m["steps_per_second"],
                  m["worst_gui_delay_ms"], m["p99_gui_delay_ms"], m["rss_mb"],
                  m["engine_rss_mb"], m["chart_rows"])
                 for m in result["per_minute"]])
    print(f"RSS {result['rss_start_mb']:.0f} MB at start, {result['rss_end_mb']:.0f} MB at end; "
          f"chart holds {result['chart_rows']:,} of the session's "
          f"{result['session_history_rows']:,} history rows")


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=("session", "window", "big", "both"),
                        default="both")
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--big-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    path = RESULTS / "soak.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = {}
    record.pop("benchmark", None)
    record.pop("machine", None)
    if args.mode in ("session", "both"):
        record["session"] = session_soak(args.steps)
        report_session(record["session"])
    if args.mode in ("window", "both"):
        record["window"] = window_soak(args.minutes)
        report_window(record["window"])
    if args.mode == "big":
        # Periods of 10 s, so a slow start shows apart from the steady state.
        record["big"] = window_soak(args.big_seconds / 10, BIGGEST, draw=False, minute_s=10)
        report_window(record["big"])
    write_json("soak", record)


if __name__ == "__main__":
    main()
