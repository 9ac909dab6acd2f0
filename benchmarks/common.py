"""Shared helpers for benchmarks: time a function, print a table, write JSON results."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def best_time(fn: Callable[[], object], min_seconds: float = 0.2, repeats: int = 5,
              sync: Callable[[], object] = lambda: None) -> float:
    """Seconds per call of `fn`: the best of `repeats` runs of at least `min_seconds` each
    (the best, because other work on a shared machine only ever slows a run down).
    `sync` runs before each run's clock stops: a GPU's work is queued, not done."""
    fn()  # warm up caches and allocations
    sync()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4 or calls >= 1 << 20:
            break
        calls *= 2
    per_call = [elapsed / calls]
    calls = max(1, round(calls * min_seconds / max(elapsed, 1e-9)))
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        per_call.append((time.perf_counter() - start) / calls)
    return min(per_call)


def best_times(fns: Sequence[Callable[[], object]], min_seconds: float = 0.2,
               repeats: int = 7) -> list[float]:
    """Seconds per call of each function, measured in turns (so a burst of load from
    elsewhere hits all of them alike), the best of `repeats` turns each."""
    counts = []
    for fn in fns:
        fn()
        calls, elapsed = 1, 0.0
        while calls < 1 << 20:
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / 8:
                break
            calls *= 2
        counts.append(max(1, round(calls * min_seconds / max(elapsed, 1e-9))))
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, (fn, calls) in enumerate(zip(fns, counts, strict=True)):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / calls)
    return best


def print_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Print rows under column headings, aligned; returns the text."""
    cells = [[str(c) for c in columns]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    text = "\n".join(lines)
    print(text)
    return text


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def write_json(name: str, data: dict) -> Path:
    """Write `data` plus the machine's description to benchmarks/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {"benchmark": name, "machine": machine(), **data}
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}")
    return path


def machine() -> dict:
    import numpy as np

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "numpy": np.__version__,
            "cpu_count": os.cpu_count(), "load_average": load,
            "processor": platform.processor() or platform.machine(),
            "system": platform.system(), "time": time.strftime("%Y-%m-%d %H:%M:%S")}


class LatenessProbe:
    """A precise QTimer of `interval_ms` on the GUI thread: (when, lateness ms) of every
    tick, how late the GUI answered (Qt is imported only when a probe is made)."""

    def __init__(self, interval_ms: int = 16):
        from PySide6.QtCore import Qt, QTimer

        self.interval_ms = interval_ms
        self.ticks: list[tuple[float, float]] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    @property
    def delays_ms(self) -> list[float]:
        return [late for _, late in self.ticks]

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start(self.interval_ms)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append((now, max(0.0, (now - self._last) * 1000 - self.interval_ms)))
        self._last = now

    def between(self, start: float, end: float) -> list[float]:
        """Lateness of the ticks from `start` to `end`. A tick ending a stall that began in
        the window belongs to it, even if it fires just after: the first tick after `end`
        counts too."""
        inside = [late for when, late in self.ticks if start <= when <= end]
        after = next((late for when, late in self.ticks if when > end), None)
        return inside + ([after] if after is not None else [])


def show_until_first_frame(window, timeout_s: float = 30.0) -> None:
    """Show `window` at the app's default size (1280x800) and run Qt's loop until it has
    drawn its first frame, or `timeout_s` has passed."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    # Not fitted to the screen: on the offscreen 800x800 screen the window maximised itself
    # to 796x796 (and the benchmarks before this measured that smaller window).
    window.setWindowState(Qt.WindowNoState)
    window.resize(1280, 800)
    window.show()
    deadline = time.monotonic() + timeout_s
    while window.last_frame() is None and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.001)
