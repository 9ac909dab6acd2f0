"""The engine host: a TrainingSession driven by protocol requests. Never imports Qt.

`EngineCore` handles one request at a time and trains in chunks sized to a time budget,
sending responses through a plain callback. It runs either in the app's worker thread
(`take_turns=True`: training and drawing then share one interpreter lock, so training
waits while the GUI draws) or in a child process (`serve`, the default), where training
and drawing each get a core and training never waits for the GUI.

Frames are paced by the GUI: one is sent only after the GUI said it drew the last one
(FrameWanted), at most one per display frame, so a slow GUI never builds a backlog.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections import deque
from collections.abc import Callable

from engine import protocol as p
from engine.features import MAP_GRID
from engine.io import session_from_dict, session_to_dict
from engine.session import DATA_CHANGED, TrainingSession, reset_reason

FRAME_INTERVAL_S = 1 / 60
# Frames take at most this share of the engine's time while playing (the rest trains):
# measured on 2 cores, an [8x32] network's frames cost 2-3 ms, which at 60 a second kept
# training to 0.76 of its headless speed. Small networks still get 60 frames a second.
FRAME_SHARE = 0.1
MAX_FRAME_INTERVAL_S = 1 / 24
CHUNK_BUDGET_S = 0.012  # training time per chunk: short enough to answer requests promptly
SLOW_TICK_S = 0.016  # time between chunks when a speed limit is set
# Taking turns (in-thread host only): the share of time training keeps while playing.
TRAINING_SHARE = 0.7
MAX_TRAIN_BETWEEN_FRAMES_S = 0.05  # so even a slow GUI gets about 10 frames a second
MAX_DRAW_WAIT_S = 0.25  # train on if the GUI has not drawn a frame by then
# While playing, snapshots are what training gives up for frames: the boundary grid shrinks
# (down to the coarsest here) so one costs about SNAPSHOT_BUDGET_S (a 32x8 network took
# 23 ms for the full 100x100 grid, a tenth of its training at 30 frames/s); paused, frames
# use the full grid. Neuron pictures are redrawn at most NEURON_INTERVAL_S apart by the
# window, so they are recomputed no more often.
FULL_GRID = 100
PLAYING_GRIDS = (100, 80, 64, 50, 40)
SNAPSHOT_BUDGET_S = 0.0015
NEURON_INTERVAL_S = 1 / 15


class EngineCore:
    """Owns one TrainingSession; `handle(request)` and `work()` send responses to `send`."""

    def __init__(self, send: Callable[[p.Response], None], session: TrainingSession,
                 take_turns: bool = False, backend: str = "numpy",
                 keep_neurons_remote: bool = False):
        self._send = send
        self.session = session
        self.take_turns = take_turns
        self.keep_neurons_remote = keep_neurons_remote  # see Frame.neurons_kept
        self._emit_cost = 0.0  # engine CPU seconds to make and send a frame, smoothed
        self.backend = backend
        self.revision = 0
        self.finished = False
        self.playing = False
        self._limit: float | None = None  # steps per second; None: as fast as possible
        self._allowance = 0.0
        self._last_tick = time.perf_counter()
        self._seconds_per_step = 0.001
        # Steps a chunk may have while the step's cost is still being learnt (a new
        # network): it doubles each chunk. A chunk cut short for a frame leaves it as it
        # was: it once fell back to that chunk's size, and the chunks after each frame
        # started again from a few steps (6 chunks a frame at [2,8x6,1], each with its
        # fixed cost).
        self._chunk_cap = 1
        self._rate_window: deque[tuple[float, int]] = deque()
        self._history_sent = 0
        self._dirty = True
        # Frames sent and not yet drawn. Taking turns: one at a time. In a process: two, so
        # the next frame is on its way while the GUI draws one (hides the round trip).
        self._in_flight = 0
        self._max_in_flight = 1 if take_turns else 2
        self._last_emit = 0.0
        self._frame_started = 0.0
        self._train_started = time.perf_counter()
        self._frame_cost = 0.005  # seconds from starting a snapshot to the GUI having drawn it
        self._seconds_per_cell = 1e-7  # snapshot time per boundary grid cell, smoothed
        self._neurons: tuple | None = None  # the last neuron pictures, and when made
        self._neurons_at = 0.0

    # ------------------------------------------------------------ requests
    def start(self) -> None:
        """The first answer: what the session is, then its first frame."""
        self._send_info(reset=True, reason="")
        self.work()

    def handle(self, request: p.Request) -> None:
        """Apply one request; a failing request is answered with an EngineError."""
        try:
            self._handle(request)
        except Exception as exc:  # a bad request must never end the engine
            self._send(_error(exc, _describe(exc), getattr(request, "id", None)))
            self._dirty = True
            if isinstance(request, p.ApplyConfig):  # the window shows what the session has
                self._send_info(reset=False, reason="")

    def _handle(self, r: p.Request) -> None:
        s = self.session
        if isinstance(r, p.FrameWanted):
            self._on_frame_drawn()
            return
        self._dirty = True
        if isinstance(r, p.Play | p.Pause | p.TogglePlay):
            want = {p.Play: True, p.Pause: False}.get(type(r), not self.playing)
            self._set_playing(want)
        elif isinstance(r, p.StepEpoch):
            self._set_playing(False)
            if s.diverged:
                self._send(p.EngineError(s.message or "Training diverged: press Reset first."))
            else:
                self._timed(lambda: s.run_epochs(1))
        elif isinstance(r, p.Step):
            self._timed(lambda: s.step(r.steps))
        elif isinstance(r, p.Reset):
            s.reset(new_seed=r.new_seed)
            self._new_session(s, reason="")
        elif isinstance(r, p.ApplyConfig):
            old = s.config
            reset = s.apply(r.config)
            if reset:
                self._after_reset()
            self._send_info(reset=reset, reason=reset_reason(old, s.config) if reset else "",
                            requested=r.config)
        elif isinstance(r, p.SetWeight):
            s.set_weight(r.layer, r.i, r.j, r.value)
        elif isinstance(r, p.SetBias):
            s.set_bias(r.layer, r.j, r.value)
        elif isinstance(r, p.SetPoints):
            reset = s.set_points(r.data)
            if reset:
                self._after_reset()
            self._send_info(reset=bool(reset), reason=DATA_CHANGED if reset else "")
        elif isinstance(r, p.SetSpeed):
            self._limit = r.steps_per_second
            self._allowance = 0.0
        elif isinstance(r, p.OpenDocument):
            self._set_playing(False)
            self._new_session(session_from_dict(r.document, backend=self.backend), r.reason,
                              r.id)
        elif isinstance(r, p.OpenLessonStep):
            from engine.lessons import open_session  # late: most sessions need no lesson

            self._set_playing(False)
            self._new_session(open_session(r.lesson, r.index, backend=self.backend), "", r.id)
        elif isinstance(r, p.GetDocument):
            self._send(p.DocumentReady(r.id, self.revision, session_to_dict(s)))
        elif isinstance(r, p.Predict):
            self._send(p.Prediction(r.id, self.revision, s.predict(r.points)))
        elif isinstance(r, p.Shutdown):
            self.finished = True
            self.playing = False
        else:
            raise ValueError(f"unknown request {type(r).__name__}")

    def _new_session(self, session: TrainingSession, reason: str,
                     request_id: int | None = None) -> None:
        self.session = session
        self._after_reset()
        self._send_info(reset=True, reason=reason, request_id=request_id)

    def _after_reset(self) -> None:
        self._history_sent = 0
        self._chunk_cap = 1  # another network: learn its step's cost again
        self._rate_window.clear()
        self._neurons = None

    def _send_info(self, reset: bool, reason: str, requested=None,
                   request_id: int | None = None) -> None:
        s = self.session
        self.revision += 1
        self._send(p.SessionInfo(s.config, s.train, s.test, s.data, reset, reason, requested,
                                 self.revision, request_id))

    def _set_playing(self, playing: bool) -> None:
        if playing and self.session.diverged:
            self._send(p.EngineError(self.session.message or "Training diverged: lower the "
                                     "learning rate and press Reset."))
            playing = False
        if playing == self.playing:
            return
        self.playing = playing
        self._rate_window.clear()
        self._allowance = 0.0
        self._last_tick = self._train_started = time.perf_counter()
        self._send(p.PlayingChanged(playing))

    # ------------------------------------------------------------ training
    def idle_timeout(self) -> float | None:
        """Seconds the host may sleep before `work()` has something to do; None: until
        a request comes."""
        if self.finished:
            return 0.0
        if self.playing and not self._waiting_for_gui():
            return SLOW_TICK_S if self._limit is not None else 0.0
        if self.playing:  # taking turns: sleep until the GUI is done, or too long has passed
            return max(0.0, MAX_DRAW_WAIT_S - (time.perf_counter() - self._last_emit))
        if self._dirty and self._gui_ready():
            return max(0.0, self._frame_interval() - (time.perf_counter() - self._last_emit))
        return None

    def _waiting_for_gui(self) -> bool:
        return (self.take_turns and not self._gui_ready()
                and time.perf_counter() - self._last_emit < MAX_DRAW_WAIT_S)

    def work(self) -> None:
        """One chunk of training when playing, then a frame when one is due."""
        if self.finished:
            return
        if self.playing and not self._waiting_for_gui():
            n = self._chunk_size()
            if n > 0:
                try:
                    self._timed(lambda: self.session.step(n))
                except Exception as exc:  # never let a training error end the engine
                    self._set_playing(False)
                    self._send(_error(exc, f"Training stopped: {_describe(exc)}"))
                if self.session.diverged:
                    self._set_playing(False)
        self._maybe_frame()

    def _on_frame_drawn(self) -> None:
        if self._in_flight == 0:
            return
        self._in_flight -= 1
        now = time.perf_counter()
        self._frame_cost = 0.7 * self._frame_cost + 0.3 * (now - self._frame_started)
        self._train_started = now

    def _gui_ready(self) -> bool:
        return self._in_flight < self._max_in_flight

    def _training_budget(self) -> float:
        """Taking turns: seconds to train before the next frame, TRAINING_SHARE of each
        frame's cycle. Else frames come as often as the display shows them."""
        if not self.take_turns:
            return FRAME_INTERVAL_S
        share = TRAINING_SHARE / (1 - TRAINING_SHARE)
        return min(max(FRAME_INTERVAL_S, share * self._frame_cost), MAX_TRAIN_BETWEEN_FRAMES_S)

    def _chunk_size(self) -> int:
        now = time.perf_counter()
        budget = CHUNK_BUDGET_S
        if self.take_turns:
            left = self._training_budget() - (now - self._train_started)
            budget = min(CHUNK_BUDGET_S, max(left, 0.002))
        by_time = max(1, int(budget / max(self._seconds_per_step, 1e-7)))
        by_time = min(by_time, self._chunk_cap)
        if self.playing and not self.take_turns and self._gui_ready():
            # End the chunk when the next frame is due: a whole chunk past it spaced frames
            # 25 ms apart (40 frames/s at 8x6 with the GUI idle half the time).
            due = self._last_emit + self._frame_interval() - now
            # Rounded up: a chunk ending just short of it left a frame not yet due, and
            # one more chunk of a step or two (with a chunk's fixed cost) before it.
            by_time = min(by_time, max(1, math.ceil(due / max(self._seconds_per_step, 1e-7))))
        if self._limit is None:
            self._last_tick = now
            return by_time
        self._allowance = min(self._allowance + self._limit * (now - self._last_tick),
                              self._limit + 1)
        self._last_tick = now
        n = min(int(self._allowance), by_time)
        self._allowance -= n
        return n

    def _timed(self, run: Callable[[], int]) -> None:
        start = time.perf_counter()
        done = run()
        elapsed = time.perf_counter() - start
        if done > 0:
            # Smooth, but follow a change of network size within a few chunks.
            self._seconds_per_step = 0.7 * self._seconds_per_step + 0.3 * elapsed / done
            self._chunk_cap = min(2 * max(self._chunk_cap, done) + 1, 1 << 30)
            self._rate_window.append((time.perf_counter(), self.session.step_count))
        self._dirty = True

    def _steps_per_second(self) -> float:
        window = self._rate_window
        now = time.perf_counter()
        while len(window) > 2 and now - window[0][0] > 1.0:
            window.popleft()
        if not self.playing or len(window) < 2:
            return 0.0
        (t0, s0), (t1, s1) = window[0], window[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def _maybe_frame(self) -> None:
        """Send a frame when something changed, the GUI is ready, and it is time."""
        if not self._dirty or not self._gui_ready():
            return
        now = time.perf_counter()
        if self.playing and self.take_turns:
            if now - self._train_started < self._training_budget():
                return
        elif now - self._last_emit < self._frame_interval():
            return
        self._frame_started = now
        cpu = time.process_time()
        snap, kept = self._snapshot(now)
        self._history_sent = snap.history_start + len(snap.history)
        self._dirty = False
        self._in_flight += 1
        self._last_emit = now  # frames a frame interval apart from start to start
        self._send(p.Frame(snap, self._steps_per_second(), self.playing, self.revision, kept))
        if self.playing:
            # CPU time, not wall time: a send that waits for the GUI to read the pipe
            # costs training nothing, and must not thin the frames.
            cost = time.process_time() - cpu  # the snapshot, pickling and sending
            self._emit_cost = 0.8 * self._emit_cost + 0.2 * cost

    def _frame_interval(self) -> float:
        """Seconds between frames while playing: a display frame, or longer when making
        frames would take more than FRAME_SHARE of the engine's time (a big network)."""
        if not self.playing:
            return FRAME_INTERVAL_S
        return min(max(FRAME_INTERVAL_S, self._emit_cost / FRAME_SHARE), MAX_FRAME_INTERVAL_S)


    def _snapshot(self, now: float):
        grid = FULL_GRID
        if self.playing:
            fits = math.sqrt(SNAPSHOT_BUDGET_S / self._seconds_per_cell)
            grid = next((g for g in PLAYING_GRIDS if g <= fits), PLAYING_GRIDS[-1])
        fresh = (not self.playing or self._neurons is None
                 or now - self._neurons_at >= NEURON_INTERVAL_S
                 or self.session.step_count == 0)
        snap = self.session.snapshot(history_start=self._history_sent, grid=grid,
                                     neuron_grid=MAP_GRID if fresh else 0)
        cost = time.perf_counter() - now
        if fresh:
            self._neurons, self._neurons_at = snap.neuron_outputs, now
        else:
            # Across a process the receiver keeps the last pictures (Frame.neurons_kept).
            snap = dataclasses.replace(snap, neuron_outputs=() if self.keep_neurons_remote
                                       else self._neurons)
            self._seconds_per_cell = 0.7 * self._seconds_per_cell + 0.3 * cost / grid**2
        return snap, not fresh and self.keep_neurons_remote


def _error(exc: Exception, text: str, request_id: int | None = None) -> p.EngineError:
    return p.EngineError(text, request_id, type(exc).__name__, isinstance(exc, ValueError),
                         "".join(traceback.format_exception(exc)))


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[0].upper() + text[1:]


def serve(connection, start: p.OpenDocument, backend: str = "numpy") -> None:
    """The child process's main: answer requests from `connection` until Shutdown or
    until the app's end of the pipe closes. Imports no Qt."""
    try:
        session = session_from_dict(start.document, backend=backend)
    except Exception as exc:  # a start document the engine rejects: start fresh
        connection.send(_error(exc, f"The session could not be restored: {_describe(exc)}"))
        session = TrainingSession(backend=backend)
    core = EngineCore(connection.send, session, take_turns=False, backend=backend,
                      keep_neurons_remote=True)
    try:
        core.start()
        while not core.finished:
            if connection.poll(core.idle_timeout()):
                while connection.poll(0) and not core.finished:
                    core.handle(connection.recv())
            core.work()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass  # the app went away (or was interrupted): nothing is left to answer
    finally:
        connection.close()
