"""The engine host answers each request with the right responses, without Qt."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

import numpy as np
import pytest

from engine import protocol as p
from engine.config import SessionConfig
from engine.host import EngineCore, serve
from engine.io import session_to_dict
from engine.lessons import list_lessons
from engine.session import TrainingSession


@pytest.fixture
def core():
    sent: list = []
    engine = EngineCore(sent.append, TrainingSession(SessionConfig()))
    engine.start()
    return engine, sent


def of(sent, kind) -> list:
    return [m for m in sent if isinstance(m, kind)]


def test_start_sends_session_info_then_a_frame(core):
    _, sent = core
    assert [type(m) for m in sent] == [p.SessionInfo, p.Frame]
    assert sent[0].revision == 1 and sent[1].revision == 1


def test_frames_wait_for_the_gui(core):
    """At most two frames on their way: one being drawn, the next one ready."""
    engine, sent = core
    for steps in (5, 5, 5):
        engine.handle(p.Step(steps))
        engine._last_emit = 0.0  # no need to wait a display frame in a test
        engine.work()
    assert [f.snapshot.step for f in of(sent, p.Frame)] == [0, 5]
    engine.handle(p.FrameWanted())
    engine.work()
    assert [f.snapshot.step for f in of(sent, p.Frame)] == [0, 5, 15]


def test_taking_turns_sends_one_frame_at_a_time():
    sent: list = []
    engine = EngineCore(sent.append, TrainingSession(SessionConfig()), take_turns=True)
    engine.start()
    engine.handle(p.Step(5))
    engine._last_emit = 0.0
    engine.work()
    assert len(of(sent, p.Frame)) == 1
    engine.handle(p.FrameWanted())
    engine.work()
    assert [f.snapshot.step for f in of(sent, p.Frame)] == [0, 5]


def test_play_pause_and_step_epoch(core):
    engine, sent = core
    engine.handle(p.Play())
    assert engine.playing and of(sent, p.PlayingChanged)[-1].playing
    engine.work()
    assert engine.session.step_count > 0
    engine.handle(p.StepEpoch())  # pauses first
    assert not engine.playing and engine.session.epoch >= 1
    engine.handle(p.TogglePlay())
    assert engine.playing
    engine.handle(p.Pause())
    assert not engine.playing


def test_apply_reset_and_points_send_session_info(core):
    engine, sent = core
    engine.handle(p.ApplyConfig(SessionConfig(learning_rate=0.1)))
    info = of(sent, p.SessionInfo)[-1]
    assert (info.reset, info.reason, info.revision) == (False, "", 2)
    engine.handle(p.ApplyConfig(SessionConfig(learning_rate=0.1, activations=("tanh", "relu"))))
    assert of(sent, p.SessionInfo)[-1].reason == "the activation changed"
    engine.handle(p.Reset(new_seed=True))
    assert of(sent, p.SessionInfo)[-1].reset
    assert engine.session.config.init_seed == SessionConfig().init_seed + 1
    engine.handle(p.SetPoints(TrainingSession(SessionConfig(dataset="xor")).data))
    assert engine.session.config.dataset == "custom"
    assert of(sent, p.SessionInfo)[-1].revision == 5


def test_weights_speed_and_answers(core):
    engine, sent = core
    engine.handle(p.SetWeight(0, 1, 2, 0.5))
    engine.handle(p.SetBias(1, 0, -0.25))
    assert float(engine.session.model.weights[0].data[1, 2]) == 0.5
    assert float(engine.session.model.biases[1].data[0]) == -0.25
    engine.handle(p.SetSpeed(5.0))
    assert engine._limit == 5.0
    predict = p.Predict(np.zeros((3, 2)))
    engine.handle(predict)
    answer = of(sent, p.Prediction)[-1]
    assert answer.id == predict.id and answer.values.shape == (3,)
    ask = p.GetDocument()
    engine.handle(ask)
    doc = of(sent, p.DocumentReady)[-1]
    assert doc.id == ask.id and doc.document["weights"][0][1][2] == 0.5


def test_open_document_and_lesson_step_replace_the_session(core):
    engine, sent = core
    other = TrainingSession(SessionConfig(dataset="xor", hidden=(3,), activations=("tanh",)))
    other.step(20)
    request = p.OpenDocument(session_to_dict(other))
    engine.handle(request)
    info = of(sent, p.SessionInfo)[-1]
    assert info.request_id == request.id and info.reset
    assert engine.session.step_count == 20 and engine.session.config.hidden == (3,)
    lesson = list_lessons()[0][0]
    step = p.OpenLessonStep(lesson, 0)
    engine.handle(step)
    assert of(sent, p.SessionInfo)[-1].request_id == step.id
    assert engine.session.config == lesson.step_config(0)


def test_a_bad_request_is_answered_with_an_error_and_the_engine_goes_on(core):
    engine, sent = core
    engine.handle(p.SetWeight(9, 0, 0, 1.0))
    assert "layer" in of(sent, p.EngineError)[-1].text.lower()
    bad = p.OpenDocument({"format": "nope"})
    engine.handle(bad)
    assert of(sent, p.EngineError)[-1].id == bad.id
    engine.handle(p.Step(3))
    assert engine.session.step_count == 3


def test_shutdown_finishes(core):
    engine, _ = core
    engine.handle(p.Shutdown())
    assert engine.finished


def test_serve_runs_in_a_spawned_process_and_ends_on_shutdown():
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    start = p.OpenDocument(session_to_dict(TrainingSession(SessionConfig(dataset="xor"))))
    process = context.Process(target=serve, args=(theirs, start), daemon=True)
    process.start()
    theirs.close()
    assert ours.poll(60)
    assert isinstance(ours.recv(), p.SessionInfo)
    ours.send(p.Step(10))
    ours.send(p.GetDocument(id=42))
    while True:
        assert ours.poll(60)
        answer = ours.recv()
        if isinstance(answer, p.DocumentReady):
            break
    assert answer.id == 42 and answer.document["step"] == 10
    ours.send(p.Shutdown())
    process.join(30)
    assert process.exitcode == 0


def test_the_engine_host_imports_no_qt():
    """The child process imports engine.host and what it needs: never Qt or the app."""
    code = ("import sys, engine.host, engine.protocol, engine.mirror, engine.lessons; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6', 'app')]; print(bad); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_chunk_ends_when_the_next_frame_is_due(core):
    """In its own process the engine cuts a chunk short to send the next frame on time (a
    whole chunk past it spaced frames 25 ms apart); while the GUI has two frames still to
    draw it trains whole chunks."""
    import time

    from engine.host import CHUNK_BUDGET_S, FRAME_INTERVAL_S

    engine, _ = core
    engine.handle(p.Play())
    engine._seconds_per_step = 0.001
    engine._chunk_cap = 1000  # past the gentle start
    engine._in_flight = 0
    engine._last_emit = time.perf_counter() - (FRAME_INTERVAL_S - 0.004)  # due in 4 ms
    assert 1 <= engine._chunk_size() <= 4
    engine._in_flight = 2  # nothing is due: the GUI is busy
    assert engine._chunk_size() == int(CHUNK_BUDGET_S / 0.001)


def test_a_process_host_sends_neuron_pictures_only_when_remade():
    sent = []
    session = TrainingSession(SessionConfig(hidden=(4,), activations=("tanh",)))
    core = EngineCore(sent.append, session, keep_neurons_remote=True)
    core.start()
    core.handle(p.Play())
    for _ in range(60):
        core.work()
        core.handle(p.FrameWanted())
    frames = [m for m in sent if isinstance(m, p.Frame)]
    kept = [f for f in frames if f.neurons_kept]
    fresh = [f for f in frames if not f.neurons_kept]
    assert kept and fresh
    assert all(f.snapshot.neuron_outputs == () for f in kept)
    assert all(len(f.snapshot.neuron_outputs) == 2 for f in fresh)
