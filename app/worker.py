"""The training worker: owns the TrainingSession on its own QThread.

The GUI never touches the session. It calls the worker's command methods (thread-safe:
they put a command on a queue and wake the worker), and it receives `Frame`s (a snapshot
of host copies plus the measured speed) and `SessionInfo`s through queued signals.

Training runs in chunks sized to a time budget, driven by a QTimer that lives in the
worker thread, so commands are applied between chunks and the worker's event loop stays
responsive. At most one frame is emitted per display frame (about 60 per second), and
only once the GUI has drawn the previous one, so a slow GUI never builds up a backlog.

While the GUI draws a frame the worker does not train: both are Python threads, and
running them at once makes each wait for the interpreter lock many times per frame (a
frame took 140 ms that way on a busy machine). Instead they take turns: the worker trains
for a budget sized so training keeps about TRAINING_SHARE of the time, then hands over a
frame and sleeps until the GUI says it is drawn (or MAX_DRAW_WAIT_S passes).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine.config import SessionConfig
from engine.snapshot import Snapshot

FRAME_INTERVAL_S = 1 / 60
CHUNK_BUDGET_S = 0.012  # training time per chunk: short enough to apply commands promptly
TRAINING_SHARE = 0.7  # of the time while playing; drawing and snapshots get the rest
MAX_TRAIN_BETWEEN_FRAMES_S = 0.05  # so even a slow GUI gets about 10 frames a second
MAX_DRAW_WAIT_S = 0.25  # train on if the GUI has not drawn a frame by then
TAKE_TURNS = True  # False: train while the GUI draws (benchmarks compare the two)
SLOW_TICK_MS = 16  # chunk timer interval when a speed limit is set

# Fields grouped by what a reset means to the user.
_DATA_FIELDS = ("problem", "dataset", "n_points", "noise", "train_fraction", "data_seed",
                "classes")
_FEATURE_FIELDS = ("features",)
_SHAPE_FIELDS = ("hidden", "activations", "output_activation", "seed_exact")
_INIT_FIELDS = ("init", "init_seed")


@dataclass(frozen=True)
class Frame:
    """One picture of training for the GUI: the snapshot and how fast training runs."""

    snapshot: Snapshot
    steps_per_second: float
    playing: bool


@dataclass(frozen=True)
class SessionInfo:
    """What the GUI needs after the data, the shape or the config changed.

    train/test/data are the session's (frozen) DataSets; reason is "" when nothing was
    reset, else why the network restarted ("the data changed", ...).
    """

    config: SessionConfig
    train: Any
    test: Any
    data: Any
    reset: bool
    reason: str
    # The config an "apply" asked for (None for other commands): the window compares it
    # with the newest config it sent, so an older answer does not undo newer changes.
    requested: SessionConfig | None = None


def reset_reason(old: SessionConfig, new: SessionConfig) -> str:
    """Why `session.apply(new)` reset the network, in the user's words."""
    changed = {f.name for f in dataclasses.fields(new)
               if getattr(old, f.name) != getattr(new, f.name)}
    if changed & set(_DATA_FIELDS):
        return "the data changed"
    if changed & set(_FEATURE_FIELDS):
        return "the input features changed"
    if changed & set(_SHAPE_FIELDS):
        return "the network's shape changed"
    if changed & set(_INIT_FIELDS):
        return "the initialisation changed"
    return "the settings changed"


class TrainingWorker(QObject):
    """Runs a TrainingSession. Create it on the GUI thread, then `moveToThread` and start.

    Signals (queued to the GUI): frame_ready(Frame), session_changed(SessionInfo),
    playing_changed(bool), error(str), stopped().
    """

    frame_ready = Signal(object)
    session_changed = Signal(object)
    playing_changed = Signal(bool)
    error = Signal(str)
    stopped = Signal()
    _wake = Signal()

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._stop_requested = threading.Event()
        self._home_thread = QThread.currentThread()
        self._playing = False
        self._steps_per_second_limit: float | None = None  # None: as fast as possible
        self._allowance = 0.0  # steps earned under a speed limit, not yet run
        self._last_tick = time.perf_counter()
        self._seconds_per_step = 0.001
        self._last_chunk = 1
        self._rate_window: deque[tuple[float, int]] = deque()
        self._history_sent = 0
        self._dirty = True
        self._gui_ready = True
        self._last_emit = 0.0
        self._frame_started = 0.0
        self._train_started = time.perf_counter()  # when the current stretch of training began
        self._frame_cost = 0.005  # seconds from starting a snapshot to the GUI having drawn it
        self._chunk_timer: QTimer | None = None
        self._frame_timer: QTimer | None = None
        self._finished = False
        self._wake.connect(self._on_wake)

    # ------------------------------------------------------------ GUI-thread API
    def play(self) -> None:
        self._post("play")

    def pause(self) -> None:
        self._post("pause")

    def toggle_play(self) -> None:
        self._post("toggle")

    def step_epoch(self) -> None:
        """Pause, then train exactly one more epoch."""
        self._post("step_epoch")

    def reset(self, new_seed: bool = False) -> None:
        self._post("reset", new_seed)

    def apply(self, config: SessionConfig) -> None:
        self._post("apply", config)

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        self._post("set_weight", layer, i, j, value)

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self._post("set_bias", layer, j, value)

    def set_points(self, dataset) -> None:
        self._post("set_points", dataset)

    def set_speed(self, steps_per_second: float | None) -> None:
        """Limit training to `steps_per_second`; None trains as fast as it can."""
        self._post("set_speed", steps_per_second)

    def load_session(self, session) -> None:
        """Replace the session (made on the GUI thread, never touched there again)."""
        self._post("load_session", session)

    def call(self, fn: Callable[[Any], Any]) -> Future:
        """Run fn(session) in the worker thread between chunks; the Future holds its result.

        A fresh frame follows, since fn may have changed the session."""
        future: Future = Future()
        if not self._post("call", fn, future):
            future.cancel()  # the worker has stopped: nobody would ever answer
        return future

    def frame_drawn(self) -> None:
        """The GUI drew the last frame: the worker may send the next one."""
        self._post("ack")

    def stop(self) -> None:
        """Ask the worker to stop; the owner then quits and waits for the thread."""
        self._stop_requested.set()
        self._wake.emit()

    def _post(self, name: str, *args) -> bool:
        """Queue a command and wake the worker; False once the worker is stopping."""
        if self._stop_requested.is_set():
            return False
        self._commands.put((name, args))
        self._wake.emit()
        return True

    # ------------------------------------------------------------ worker thread
    @Slot()
    def start(self) -> None:
        """Connected to QThread.started: make the timers here, in the worker thread."""
        self._chunk_timer = QTimer(self)
        self._chunk_timer.timeout.connect(self._tick)
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._maybe_emit)
        self._emit_session(reset=True, reason="")
        self._dirty = True
        self._maybe_emit()

    @Slot()
    def _on_wake(self) -> None:
        if self._finished:
            return
        if self._stop_requested.is_set():
            self._shutdown()
            return
        self._drain()
        self._maybe_emit()

    def _drain(self) -> bool:
        """Apply every queued command; True when any of them changed what is shown."""
        changed = False
        while True:
            try:
                name, args = self._commands.get_nowait()
            except queue.Empty:
                self._dirty |= changed
                return changed
            try:
                changed |= self._run_command(name, args)
            except Exception as exc:  # a bad command must never kill the worker
                self.error.emit(_describe(exc))
                changed = True
                if name == "apply":  # the window shows what the session really has
                    self._emit_session(reset=False, reason="")

    def _run_command(self, name: str, args: tuple) -> bool:
        session = self._session
        if name == "ack":
            self._on_frame_drawn()
            return False
        if name in ("play", "pause", "toggle"):
            want = {"play": True, "pause": False}.get(name, not self._playing)
            self._set_playing(want)
            return True
        if name == "step_epoch":
            self._set_playing(False)
            if session.diverged:
                self.error.emit(session.message or "Training diverged: press Reset first.")
            else:
                self._timed_steps(lambda: session.run_epochs(1))
            return True
        if name == "reset":
            session.reset(new_seed=args[0])
            self._after_reset()
            self._emit_session(reset=True, reason="")
            return True
        if name == "apply":
            old = session.config
            reset = session.apply(args[0])
            if reset:
                self._after_reset()
            self._emit_session(reset=reset, reason=reset_reason(old, args[0]) if reset else "",
                               requested=args[0])
            return True
        if name == "set_weight":
            session.set_weight(*args)
            return True
        if name == "set_bias":
            session.set_bias(*args)
            return True
        if name == "set_points":
            reset = session.set_points(args[0])
            if reset:
                self._after_reset()
            self._emit_session(reset=bool(reset), reason="the data changed" if reset else "")
            return True
        if name == "set_speed":
            self._steps_per_second_limit = args[0]
            self._allowance = 0.0
            self._update_timer()
            return False
        if name == "load_session":
            self._session = args[0]
            self._set_playing(False)
            self._after_reset()
            self._emit_session(reset=True, reason="")
            return True
        if name == "call":
            fn, future = args
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(session))
                except Exception as exc:
                    future.set_exception(exc)
            return True  # fn may have changed the session: show it
        raise ValueError(f"unknown worker command {name!r}")

    def _after_reset(self) -> None:
        self._history_sent = 0
        self._rate_window.clear()

    def _emit_session(self, reset: bool, reason: str,
                      requested: SessionConfig | None = None) -> None:
        s = self._session
        self.session_changed.emit(SessionInfo(s.config, s.train, s.test, s.data, reset, reason,
                                              requested))

    def _set_playing(self, playing: bool) -> None:
        if playing and self._session.diverged:
            self.error.emit(self._session.message
                            or "Training diverged: lower the learning rate and press Reset.")
            playing = False
        if playing == self._playing:
            return
        self._playing = playing
        self._rate_window.clear()
        self._allowance = 0.0
        self._last_tick = self._train_started = time.perf_counter()
        self._update_timer()
        self.playing_changed.emit(playing)

    def _update_timer(self) -> None:
        if self._chunk_timer is None:
            return
        if not self._playing:
            self._chunk_timer.stop()
            return
        interval = 0 if self._steps_per_second_limit is None else SLOW_TICK_MS
        self._chunk_timer.start(interval)

    @Slot()
    def _tick(self) -> None:
        """One chunk of training, then maybe a frame."""
        if self._stop_requested.is_set():
            self._shutdown()
            return
        self._drain()
        if not self._playing:
            self._maybe_emit()
            return
        if TAKE_TURNS and not self._gui_ready and self._waited_for_gui() < MAX_DRAW_WAIT_S:
            self._chunk_timer.stop()  # the GUI is drawing: sleep until it says it is done
            self._frame_timer.start(max(1, int((MAX_DRAW_WAIT_S - self._waited_for_gui())
                                               * 1000)))
            return
        n = self._chunk_size()
        if n > 0:
            try:
                self._timed_steps(lambda: self._session.step(n))
            except Exception as exc:  # never let a training error kill the thread
                self._set_playing(False)
                self.error.emit(f"Training stopped: {_describe(exc)}")
            if self._session.diverged:
                self._set_playing(False)
        self._maybe_emit()

    def _waited_for_gui(self) -> float:
        return time.perf_counter() - self._last_emit

    def _on_frame_drawn(self) -> None:
        if self._gui_ready:
            return
        self._gui_ready = True
        now = time.perf_counter()
        self._frame_cost = 0.7 * self._frame_cost + 0.3 * (now - self._frame_started)
        self._train_started = now
        self._update_timer()

    def _training_budget(self) -> float:
        """Seconds to train before the next frame: TRAINING_SHARE of each frame's cycle."""
        share = TRAINING_SHARE / (1 - TRAINING_SHARE)
        return min(max(FRAME_INTERVAL_S, share * self._frame_cost), MAX_TRAIN_BETWEEN_FRAMES_S)

    def _chunk_size(self) -> int:
        left = self._training_budget() - (time.perf_counter() - self._train_started)
        budget = min(CHUNK_BUDGET_S, max(left, 0.002))
        by_time = max(1, int(budget / max(self._seconds_per_step, 1e-7)))
        by_time = min(by_time, 2 * self._last_chunk + 1)  # grow gently after a slow start
        now = time.perf_counter()
        limit = self._steps_per_second_limit
        if limit is None:
            self._last_tick = now
            return by_time
        self._allowance = min(self._allowance + limit * (now - self._last_tick), limit + 1)
        self._last_tick = now
        n = min(int(self._allowance), by_time)
        self._allowance -= n
        return n

    def _timed_steps(self, run: Callable[[], int]) -> None:
        start = time.perf_counter()
        done = run()
        elapsed = time.perf_counter() - start
        if done > 0:
            per_step = elapsed / done
            # Smooth, but follow a change of network size within a few chunks.
            self._seconds_per_step = 0.7 * self._seconds_per_step + 0.3 * per_step
            self._last_chunk = done
            self._rate_window.append((time.perf_counter(), self._session.step_count))
        self._dirty = True

    def _steps_per_second(self) -> float:
        window = self._rate_window
        now = time.perf_counter()
        while len(window) > 2 and now - window[0][0] > 1.0:
            window.popleft()
        if not self._playing or len(window) < 2:
            return 0.0
        (t0, s0), (t1, s1) = window[0], window[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    @Slot()
    def _maybe_emit(self) -> None:
        """Send a frame when something changed, the GUI is ready, and it is time."""
        if self._finished:
            return
        if self._playing and not self._gui_ready:
            if TAKE_TURNS:
                self._update_timer()  # waited long enough for the GUI: train on meanwhile
            return
        if not self._dirty or not self._gui_ready:
            return
        now = time.perf_counter()
        if self._playing and TAKE_TURNS:
            if now - self._train_started < self._training_budget():
                return
        else:
            wait = FRAME_INTERVAL_S - (now - self._last_emit)
            if wait > 0:
                if self._frame_timer is not None and not self._frame_timer.isActive():
                    self._frame_timer.start(max(1, int(wait * 1000)))
                return
        self._frame_started = now
        snap = self._session.snapshot(history_start=self._history_sent)
        self._history_sent = snap.history_start + len(snap.history)
        self._dirty = False
        self._gui_ready = False
        self._last_emit = time.perf_counter()
        self.frame_ready.emit(Frame(snap, self._steps_per_second(), self._playing))

    def _shutdown(self) -> None:
        """Stop the timers here, hand the object back to the GUI thread, end the loop."""
        if self._finished:
            return
        self._finished = True
        self._playing = False
        for timer in (self._chunk_timer, self._frame_timer):
            if timer is not None:
                timer.stop()
        # Cancel calls nobody will run, so no caller waits forever.
        while True:
            try:
                name, args = self._commands.get_nowait()
            except queue.Empty:
                break
            if name == "call":
                args[1].cancel()
        self.moveToThread(self._home_thread)
        self.stopped.emit()
        thread = QThread.currentThread()
        thread.quit()


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[0].upper() + text[1:] if text else text


class WorkerThread:
    """A TrainingWorker on its own QThread, started at once; `close()` ends both cleanly."""

    def __init__(self, session):
        self.thread = QThread()
        self.thread.setObjectName("neuroplay-training")
        self.worker = TrainingWorker(session)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)

    def start(self) -> None:
        self.thread.start()

    def close(self, timeout_ms: int = 10000) -> bool:
        """Stop the worker, quit the thread, wait for it. True when it ended in time."""
        if not self.thread.isRunning():
            return True
        self.worker.stop()
        ended = self.thread.wait(timeout_ms)
        return bool(ended)
