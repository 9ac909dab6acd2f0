"""The presenter: the one GUI-side mirror of the session and the worker's only subscriber.

Views and features ask it for changes (play, apply a config, open a document, predict...)
and listen to its view-level signals. It never waits for the engine: requests go out as
protocol messages, answers come back as signals. It keeps what the GUI last heard (config,
data, last frame, history, revision) in a SessionMirror, so saving reads the mirror, and
an engine process that dies is restarted from it.

It also holds "modified": whether the session differs from what was last saved or opened
(a fingerprint of step, config, weights and points, compared with the one `mark_saved`
was given), so the File menu, autosave and the title read one answer.

Signals (GUI thread): frame_ready(Frame), session_changed(SessionInfo),
playing_changed(bool), modified_changed(bool), error(str), engine_lost(str),
answered(DocumentReady | Prediction | EngineError with an id), failed(EngineError).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.worker import HOST_NAMES, EngineWorker, default_host
from engine import protocol as p
from engine.config import SessionConfig
from engine.datasets import DataSet
from engine.io import session_to_dict
from engine.mirror import SessionMirror
from engine.protocol import Frame, SessionInfo
from engine.session import TrainingSession


def setup_digest(config: SessionConfig, data: DataSet) -> bytes:
    """The part of a fingerprint that changes only with a SessionInfo: config and points."""
    digest = hashlib.sha1(json.dumps(config.to_dict()).encode())
    digest.update(np.asarray(data.points, dtype=np.float64).tobytes())
    digest.update(np.asarray(data.labels, dtype=np.float64).tobytes())
    return digest.digest()


def state_fingerprint(step: int, config: SessionConfig, weights, biases, data: DataSet,
                      setup: bytes | None = None) -> bytes:
    """What identifies a session's state for "modified": step, config, weights, points.
    `setup`: setup_digest(config, data), when the caller has it already."""
    digest = hashlib.sha1(f"{int(step)}|".encode())
    digest.update(setup_digest(config, data) if setup is None else setup)
    for array in (*weights, *biases):
        digest.update(np.asarray(array, dtype=np.float32).tobytes())
    return digest.digest()


def session_fingerprint(session) -> bytes:
    """state_fingerprint of a TrainingSession or a SessionMirror (they read alike)."""
    weights, biases = session.parameters_as_lists()
    return state_fingerprint(session.step_count, session.config, weights, biases, session.data)


class SessionPresenter(QObject):
    """Drives one engine host for one window. `start()` once the window is wired."""

    frame_ready = Signal(object)
    session_changed = Signal(object)
    playing_changed = Signal(bool)
    modified_changed = Signal(bool)
    error = Signal(str)
    engine_lost = Signal(str)
    answered = Signal(object)
    failed = Signal(object)  # every EngineError, with the exception's kind and traceback

    def __init__(self, session: TrainingSession, host: str | None = None,
                 backend: str = "numpy", parent: QObject | None = None):
        super().__init__(parent)
        self.mirror = SessionMirror(session)
        self.host = host or default_host()
        self._worker = EngineWorker(session, self.host, backend)
        self._worker.received.connect(self._on_received)
        self._worker.engine_lost.connect(self._on_engine_lost)
        self._last_frame: Frame | None = None
        self._info: SessionInfo | None = None
        self._playing = False
        self._speed: float | None = None
        self._open_id: int | None = None  # answers before this open's SessionInfo are stale
        self.restarts = 0
        self._setup: tuple | None = None  # (config, data, their setup_digest)
        # What was last saved or opened: a fingerprint, or None for work that is in no file
        # of the user's (continued from an autosave): modified until saved.
        self._saved: bytes | None = self.fingerprint()
        self._modified = False

    # ------------------------------------------------------------ lifetime
    def start(self) -> None:
        self._worker.start()

    def close(self, timeout_ms: int = 10000) -> bool:
        """Stop the engine and the worker thread and wait; True when both ended."""
        return self._worker.close(timeout_ms)

    def is_running(self) -> bool:
        return self._worker.is_running()

    def host_description(self) -> str:
        return HOST_NAMES[self._worker.host]  # the worker falls back to "thread" if need be

    def engine_pid(self) -> int | None:
        return self._worker.engine_pid()

    # ------------------------------------------------------------ what the GUI knows
    def last_frame(self) -> Frame | None:
        return self._last_frame

    def session_info(self) -> SessionInfo | None:
        return self._info

    def is_playing(self) -> bool:
        return self._playing

    @property
    def revision(self) -> int:
        return self.mirror.revision

    # ------------------------------------------------------------ modified
    def fingerprint(self) -> bytes:
        """The fingerprint of the session as the GUI last heard of it (from the mirror's
        arrays: parameters_as_lists would cost a list per weight every frame)."""
        m = self.mirror
        cached = self._setup
        if cached is None or cached[0] is not m.config or cached[1] is not m.data:
            # Config and points change with a SessionInfo, not a frame: hash them once.
            cached = self._setup = (m.config, m.data, setup_digest(m.config, m.data))
        return state_fingerprint(m.step_count, m.config, m.weights, m.biases, m.data,
                                 cached[2])

    def is_modified(self) -> bool:
        return self._modified

    def mark_saved(self, fingerprint: bytes | None = None) -> None:
        """The session is in a file as it is now, or as it was when `fingerprint` was taken
        (a save whose document the engine made a moment ago)."""
        self._saved = self.fingerprint() if fingerprint is None else fingerprint
        self._update_modified()

    def mark_unsaved(self) -> None:
        """The session is in no file of the user's (kept work continued): modified until
        the next mark_saved."""
        self._saved = None
        self._update_modified()

    def _update_modified(self) -> None:
        modified = self._saved is None or (self.mirror.ready
                                            and self.fingerprint() != self._saved)
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)

    def document(self) -> dict:
        """The session as engine.io's document, from what the GUI last heard."""
        return session_to_dict(self.mirror)

    # ------------------------------------------------------------ requests
    def send(self, request: p.Request) -> None:
        self._worker.send(request)

    def play(self) -> None:
        self.send(p.Play())

    def pause(self) -> None:
        self.send(p.Pause())

    def toggle_play(self) -> None:
        self.send(p.TogglePlay())

    def step_epoch(self) -> None:
        self.send(p.StepEpoch())

    def step(self, steps: int) -> None:
        self.send(p.Step(steps))

    def reset(self, new_seed: bool = False) -> None:
        self.send(p.Reset(new_seed))

    def apply(self, config: SessionConfig) -> None:
        self.send(p.ApplyConfig(config))

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        self.send(p.SetWeight(layer, i, j, value))

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self.send(p.SetBias(layer, j, value))

    def set_points(self, data: DataSet) -> None:
        self.send(p.SetPoints(data))

    def set_speed(self, steps_per_second: float | None) -> None:
        self._speed = steps_per_second
        self.send(p.SetSpeed(steps_per_second))

    def open_session(self, session: TrainingSession) -> None:
        """Show and train `session` (built on the GUI thread: a file, File > New)."""
        self.mirror.copy_session(session)
        request = p.OpenDocument(session_to_dict(session))
        self._open_id = request.id
        self.send(request)
        self._update_modified()

    def open_lesson_step(self, lesson, index: int) -> int:
        """The engine builds (and may pre-train) a lesson step's session."""
        request = p.OpenLessonStep(lesson, index)
        self._open_id = request.id
        self.send(request)
        return request.id

    def predict(self, points: np.ndarray) -> int:
        """Ask for the outputs at `points`; `answered` brings a Prediction with this id."""
        request = p.Predict(np.array(points, dtype=np.float64))
        self.send(request)
        return request.id

    def request_document(self) -> int:
        """Ask the engine itself for its document (DocumentReady with this id)."""
        request = p.GetDocument()
        self.send(request)
        return request.id

    def document_future(self):
        """A concurrent Future of the engine's own document (see EngineWorker)."""
        return self._worker.document_future()

    def frame_drawn(self) -> None:
        """The GUI drew the last frame: the engine may send the next one."""
        self.send(p.FrameWanted())

    # ------------------------------------------------------------ responses
    def _stale(self, response: p.Response) -> bool:
        if self._open_id is not None:
            if isinstance(response, SessionInfo) and response.request_id == self._open_id:
                self._open_id = None
                return False
            if isinstance(response, p.EngineError) and response.id == self._open_id:
                self._open_id = None  # the open failed: the old session goes on
                return False
            return not isinstance(response, p.PlayingChanged | p.EngineError)
        revision = getattr(response, "revision", None)
        return revision is not None and revision < self.mirror.revision

    def _on_received(self, response: p.Response) -> None:
        if self._stale(response):
            if isinstance(response, Frame):
                self.frame_drawn()  # or the engine would wait for us forever
            return
        if isinstance(response, Frame):
            self.mirror.take_frame(response)
            self._last_frame = response
            self.frame_ready.emit(response)
            self._update_modified()
        elif isinstance(response, SessionInfo):
            self.mirror.take_info(response)
            self._info = response
            self.session_changed.emit(response)
            self._update_modified()
        elif isinstance(response, p.PlayingChanged):
            self._playing = response.playing
            self.playing_changed.emit(response.playing)
        elif isinstance(response, p.EngineError):
            self.failed.emit(response)
            self.error.emit(response.text)
            if response.id is not None:
                self.answered.emit(response)
        else:
            self.answered.emit(response)

    def _on_engine_lost(self, why: str) -> None:
        """Start a fresh engine from the mirror, then go on as the user left it."""
        self.restarts += 1
        was_playing = self._playing
        self._open_id = None
        self.mirror.revision = 0  # the new engine counts from 1 again
        self.engine_lost.emit(why)
        self._worker.restart(p.OpenDocument(self.document()))
        self.send(p.SetSpeed(self._speed))
        if was_playing:
            self.send(p.Play())
