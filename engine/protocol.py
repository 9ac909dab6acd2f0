"""The messages between the app and the engine host: frozen, picklable dataclasses.

Requests go from the GUI to the engine (through the worker thread, and a pipe when the
engine runs in its own process); responses come back. Nothing sent is a closure, and the
GUI never waits for an answer: a request that wants one carries an `id`, and its answer
carries that id and the session's `revision`, so the GUI can drop an answer about a
session it has since replaced. Every array in a response is a host NumPy copy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.config import SessionConfig
from engine.datasets import DataSet
from engine.snapshot import Snapshot

_ids = itertools.count(1)


def next_id() -> int:
    """A fresh request id (unique within this process)."""
    return next(_ids)


# ----------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    """Base of everything the app sends to the engine."""


@dataclass(frozen=True)
class Play(Request):
    pass


@dataclass(frozen=True)
class Pause(Request):
    pass


@dataclass(frozen=True)
class TogglePlay(Request):
    pass


@dataclass(frozen=True)
class StepEpoch(Request):
    """Pause, then train exactly one more epoch."""


@dataclass(frozen=True)
class Step(Request):
    """Train `steps` mini-batch steps now (scripts, screenshots, tests)."""

    steps: int


@dataclass(frozen=True)
class Reset(Request):
    new_seed: bool = False


@dataclass(frozen=True)
class ApplyConfig(Request):
    config: SessionConfig


@dataclass(frozen=True)
class SetWeight(Request):
    """The weight from input `i` to neuron `j` of layer `layer`."""

    layer: int
    i: int
    j: int
    value: float


@dataclass(frozen=True)
class SetBias(Request):
    layer: int
    j: int
    value: float


@dataclass(frozen=True)
class SetPoints(Request):
    """Train on drawn or imported points."""

    data: DataSet


@dataclass(frozen=True)
class SetSpeed(Request):
    """Limit training to `steps_per_second`; None trains as fast as it can."""

    steps_per_second: float | None


@dataclass(frozen=True)
class OpenDocument(Request):
    """Replace the session with one read from a session document (engine.io's format).

    reason: "" for a file or a new session; else why, shown to the user."""

    document: dict
    reason: str = ""
    id: int = field(default_factory=next_id)


@dataclass(frozen=True)
class OpenLessonStep(Request):
    """Replace the session with a lesson step's (which may train many steps first)."""

    lesson: Any  # engine.lessons.Lesson (frozen)
    index: int
    id: int = field(default_factory=next_id)


@dataclass(frozen=True)
class GetDocument(Request):
    """Ask for the whole session as a document (answered by DocumentReady)."""

    id: int = field(default_factory=next_id)


@dataclass(frozen=True)
class Predict(Request):
    """The session's outputs at `points` (n, 2) (answered by Prediction)."""

    points: np.ndarray
    id: int = field(default_factory=next_id)


@dataclass(frozen=True)
class FrameWanted(Request):
    """The GUI drew the last frame: the engine may send the next one."""


@dataclass(frozen=True)
class Shutdown(Request):
    pass


REQUESTS = (Play, Pause, TogglePlay, StepEpoch, Step, Reset, ApplyConfig, SetWeight, SetBias,
            SetPoints, SetSpeed, OpenDocument, OpenLessonStep, GetDocument, Predict,
            FrameWanted, Shutdown)


# ----------------------------------------------------------------------------- responses
@dataclass(frozen=True)
class Response:
    """Base of everything the engine sends back."""


@dataclass(frozen=True)
class Frame(Response):
    """One picture of training for the GUI: the snapshot and how fast training runs."""

    snapshot: Snapshot
    steps_per_second: float
    playing: bool
    revision: int = 0
    # True when snapshot.neuron_outputs is empty because the neuron pictures have not been
    # remade since the last frame: the receiver puts the last ones back (half a megabyte a
    # frame at 8x32 not pickled, sent and copied again).
    neurons_kept: bool = False


@dataclass(frozen=True)
class SessionInfo(Response):
    """What the GUI needs after the data, the shape or the config changed.

    train/test/data are the session's (frozen) DataSets; reason is "" when nothing was
    reset, else why the network restarted ("the data changed", ...). revision grows by
    one with each SessionInfo; frames and answers carry the revision they belong to.
    """

    config: SessionConfig
    train: DataSet
    test: DataSet
    data: DataSet
    reset: bool
    reason: str
    # The config an ApplyConfig asked for (None otherwise): the window compares it with
    # the newest config it sent, so an older answer does not undo newer changes.
    requested: SessionConfig | None = None
    revision: int = 0
    request_id: int | None = None  # the OpenDocument or OpenLessonStep answered, if any


@dataclass(frozen=True)
class PlayingChanged(Response):
    playing: bool


@dataclass(frozen=True)
class DocumentReady(Response):
    id: int
    revision: int
    document: dict


@dataclass(frozen=True)
class Prediction(Response):
    """values: (n,) scores, or (n, K) class probabilities."""

    id: int
    revision: int
    values: np.ndarray


@dataclass(frozen=True)
class EngineError(Response):
    """A request failed (the engine goes on); text is for the user."""

    text: str
    id: int | None = None
    # The exception behind it: its class name, whether it is a ValueError (a bad value the
    # user can cause, as opposed to a bug), and its traceback (for tests and bug reports).
    kind: str = ""
    value_error: bool = True
    detail: str = ""


RESPONSES = (Frame, SessionInfo, PlayingChanged, DocumentReady, Prediction, EngineError)


def read_only(snapshot: Snapshot) -> Snapshot:
    """Mark a snapshot's arrays read-only, so no view can change what others draw."""
    for value in vars(snapshot).values():
        for array in value if isinstance(value, tuple) else (value,):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
    return snapshot
