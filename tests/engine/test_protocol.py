"""Every request and response survives pickling (the pipe to the engine process)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from engine import protocol as p
from engine.config import SessionConfig
from engine.io import session_to_dict
from engine.lessons import list_lessons
from engine.session import TrainingSession


def _examples() -> list:
    session = TrainingSession(SessionConfig(dataset="xor"))
    snap = session.snapshot()
    config = session.config
    lesson = list_lessons()[0][0] if list_lessons()[0] else None
    return [
        p.Play(), p.Pause(), p.TogglePlay(), p.StepEpoch(), p.Step(7), p.Reset(True),
        p.ApplyConfig(config.replace(learning_rate=0.1)), p.SetWeight(0, 1, 2, 0.5),
        p.SetBias(1, 0, -0.25), p.SetPoints(session.data), p.SetSpeed(None), p.SetSpeed(30.0),
        p.OpenDocument(session_to_dict(session), "why"), p.OpenLessonStep(lesson, 0),
        p.GetDocument(), p.Predict(np.zeros((3, 2))), p.FrameWanted(), p.Shutdown(),
        p.Frame(snap, 12.5, True, 3),
        p.SessionInfo(config, session.train, session.test, session.data, True, "the data "
                      "changed", config, 4, 9),
        p.PlayingChanged(True), p.DocumentReady(1, 2, {"a": [1.0]}),
        p.Prediction(1, 2, np.arange(3.0)), p.EngineError("bad", 5),
    ]


def _equal(a, b) -> bool:
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(_equal(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def test_every_message_type_has_an_example():
    kinds = {type(m) for m in _examples()}
    assert kinds == set(p.REQUESTS) | set(p.RESPONSES)


@pytest.mark.parametrize("message", _examples(), ids=lambda m: type(m).__name__)
def test_message_round_trips_through_pickle(message):
    again = pickle.loads(pickle.dumps(message))
    assert _equal(again, message)


@pytest.mark.parametrize("message", _examples(), ids=lambda m: type(m).__name__)
def test_messages_are_frozen(message):
    field = dataclasses.fields(message)[0].name if dataclasses.fields(message) else None
    if field is None:
        return
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(message, field, None)


def test_requests_wanting_answers_get_fresh_ids():
    assert p.GetDocument().id != p.GetDocument().id
    assert p.Predict(np.zeros((1, 2))).id != p.OpenDocument({}).id


def test_read_only_marks_every_snapshot_array():
    snap = p.read_only(TrainingSession().snapshot())
    for array in (*snap.weights, *snap.neuron_outputs, snap.boundary, snap.history):
        assert not array.flags.writeable
