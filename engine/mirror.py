"""The app's copy of a session's state, kept up to date from protocol responses.

`SessionMirror` reads like a TrainingSession where saving needs one (config, data, counters,
weights, history), so `engine.io.session_to_dict(mirror)` writes the same document the
engine would, without asking the engine: saving never waits for training, and a lost
engine process is restarted from it.
"""

from __future__ import annotations

import numpy as np

from engine.config import SessionConfig
from engine.datasets import DataSet
from engine.history import History
from engine.protocol import Frame, SessionInfo


class SessionMirror:
    """What the GUI last heard about the session: SessionInfo, then frames."""

    def __init__(self, session=None):
        self.config: SessionConfig | None = None
        self.data: DataSet | None = None
        self.train: DataSet | None = None
        self.test: DataSet | None = None
        self.step_count = 0
        self.epoch = 0
        self.weights: tuple[np.ndarray, ...] = ()
        self.biases: tuple[np.ndarray, ...] = ()
        self.history = History()
        self.diverged = False
        self.message = ""
        self.revision = 0
        if session is not None:
            self.copy_session(session)

    def copy_session(self, session) -> None:
        """Take everything from a TrainingSession the GUI built (a file, a new session)."""
        self.config, self.data = session.config, session.data
        self.train, self.test = session.train, session.test
        self.step_count, self.epoch = session.step_count, session.epoch
        weights, biases = session.parameters_as_lists()
        self.weights = tuple(np.asarray(w, dtype=np.float32) for w in weights)
        self.biases = tuple(np.asarray(b, dtype=np.float32) for b in biases)
        self.history = History(session.history)
        self.diverged, self.message = session.diverged, session.message

    def training_state(self) -> None:
        """Not known here: frames carry no optimizer or shuffle state. A document made from
        the mirror (an engine restarted after a crash) starts them afresh; Save and
        autosave ask the engine for its own document, which has them."""
        return None

    def take_info(self, info: SessionInfo) -> None:
        self.config, self.data, self.train, self.test = (info.config, info.data, info.train,
                                                         info.test)
        self.revision = info.revision
        if info.reset:
            self.history = History()

    def take_frame(self, frame: Frame) -> None:
        snap = frame.snapshot
        self.step_count, self.epoch = snap.step, snap.epoch
        self.weights, self.biases = snap.weights, snap.biases
        self.diverged, self.message = snap.diverged, snap.message
        # Rows from history_start on replace ours (a weight edit rewrites the last row;
        # the engine's thinning resends up to 20,000 rows): at once, not row by row, which
        # took 40-80 ms of the GUI thread about once a second at XOR's pace.
        self.history.truncate(snap.history_start)
        self.history.extend(snap.history)

    def parameters_as_lists(self) -> tuple[list, list]:
        return ([np.asarray(w, dtype=np.float64).tolist() for w in self.weights],
                [np.asarray(b, dtype=np.float64).tolist() for b in self.biases])

    @property
    def ready(self) -> bool:
        """True once config, data and weights are all known."""
        return self.config is not None and self.data is not None and bool(self.weights)
