"""The worker and its engine host (a child process, or in-thread), driven through the
presenter, with a real TrainingSession and no window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from engine_reader import run_in_engine
from PySide6.QtCore import QObject, QtMsgType

from app.presenter import SessionPresenter
from engine.config import SessionConfig
from engine.protocol import Frame, SessionInfo
from engine.session import TrainingSession, reset_reason

WAIT_MS = 20000


class Recorder(QObject):
    """Collects what the worker sends, acknowledging frames like the window does."""

    def __init__(self, worker):
        super().__init__()
        self.worker = worker
        self.frames: list[Frame] = []
        self.infos: list[SessionInfo] = []
        self.playing: list[bool] = []
        self.errors: list[str] = []
        worker.frame_ready.connect(self.on_frame)
        worker.session_changed.connect(self.infos.append)
        worker.playing_changed.connect(self.playing.append)
        worker.error.connect(self.errors.append)

    def on_frame(self, frame: Frame) -> None:
        self.frames.append(frame)
        self.worker.frame_drawn()

    def last(self):
        return self.frames[-1].snapshot


class Holder:
    """The presenter under its old name in these tests: `holder.worker` sends requests."""

    def __init__(self, presenter: SessionPresenter):
        self.worker = presenter


@pytest.fixture(params=["process", "thread"])
def running(qapp, request):
    """(holder, recorder) training a small moons session; stopped at the end."""
    made = []

    def start(config: SessionConfig | None = None):
        session = TrainingSession(config or SessionConfig())
        presenter = SessionPresenter(session, host=request.param)
        recorder = Recorder(presenter)
        presenter.start()
        made.append(presenter)
        return Holder(presenter), recorder

    yield start
    for presenter in made:
        assert presenter.close()
        assert not presenter.is_running()


def until(qtbot, condition) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=WAIT_MS)


def ask(holder, fn):
    return run_in_engine(holder.worker, fn)


def test_first_frame_and_session_info_arrive(running, qtbot):
    holder, rec = running()
    until(qtbot, lambda: rec.frames and rec.infos)
    info = rec.infos[0]
    assert info.config == SessionConfig()
    assert len(info.train.points) + len(info.test.points) == SessionConfig().n_points
    snap = rec.last()
    assert snap.step == 0 and snap.epoch == 0
    assert [w.shape for w in snap.weights] == [(2, 8), (8, 4), (4, 1)]


def test_play_trains_and_pause_stops(running, qtbot):
    holder, rec = running()
    holder.worker.play()
    until(qtbot, lambda: rec.frames and rec.last().epoch >= 3)
    assert rec.playing[0] is True
    holder.worker.pause()
    until(qtbot, lambda: rec.playing[-1] is False)
    stopped_at = ask(holder, lambda s: s.step_count)
    qtbot.wait(200)  # a playing worker would train many steps in this time
    assert ask(holder, lambda s: s.step_count) == stopped_at


def test_history_arrives_once_and_in_order(running, qtbot):
    """Rows from successive frames, joined, are exactly the session's whole history."""
    holder, rec = running()
    holder.worker.play()
    until(qtbot, lambda: rec.frames and rec.last().epoch >= 40)
    holder.worker.pause()
    until(qtbot, lambda: rec.playing[-1] is False)
    final_step = ask(holder, lambda s: s.step_count)
    until(qtbot, lambda: rec.last().step == final_step)
    history = ask(holder, lambda s: np.array(s.history))
    starts = [f.snapshot.history_start for f in rec.frames]
    joined = np.concatenate([f.snapshot.history for f in rec.frames])
    assert starts == sorted(starts)
    np.testing.assert_array_equal(joined, history)
    assert len(rec.frames) < final_step  # frames are not one per step


def test_step_epoch_trains_exactly_one_epoch(running, qtbot):
    holder, rec = running()
    until(qtbot, lambda: rec.frames)
    per_epoch = ask(holder, lambda s: s.steps_per_epoch)
    holder.worker.step_epoch()
    until(qtbot, lambda: rec.last().epoch == 1)
    assert rec.last().step == per_epoch == 16  # 160 training points, batches of 10
    holder.worker.step_epoch()
    until(qtbot, lambda: rec.last().epoch == 2)
    assert rec.last().step == 2 * per_epoch


def test_live_change_keeps_training_and_data_change_resets(running, qtbot):
    holder, rec = running()
    holder.worker.step_epoch()
    until(qtbot, lambda: rec.frames and rec.last().epoch == 1)
    faster = SessionConfig(learning_rate=0.1)
    holder.worker.apply(faster)
    until(qtbot, lambda: rec.infos[-1].config == faster)
    assert rec.infos[-1].reset is False and rec.infos[-1].reason == ""
    assert ask(holder, lambda s: (s.epoch, s.config.learning_rate)) == (1, 0.1)

    noisier = faster.replace(noise=0.3)
    holder.worker.apply(noisier)
    until(qtbot, lambda: rec.infos[-1].config == noisier)
    assert rec.infos[-1].reset is True
    assert rec.infos[-1].reason == "the data changed"
    until(qtbot, lambda: rec.last().epoch == 0 and rec.last().history_start == 0)


def test_commands_while_paused_send_a_fresh_frame(running, qtbot):
    holder, rec = running()
    until(qtbot, lambda: rec.frames)
    holder.worker.set_weight(0, 1, 3, 2.5)
    holder.worker.set_bias(1, 2, -1.25)
    until(qtbot, lambda: rec.last().weights[0][1, 3] == 2.5
                    and rec.last().biases[1][2] == -1.25)
    assert ask(holder, lambda s: float(s.snapshot().weights[0][1, 3])) == 2.5


def test_bad_command_reports_and_worker_goes_on(running, qtbot):
    holder, rec = running()
    holder.worker.set_weight(7, 0, 0, 1.0)  # there is no layer 7
    until(qtbot, lambda: rec.errors)
    assert "layer" in rec.errors[0].lower()
    holder.worker.step_epoch()
    until(qtbot, lambda: rec.frames and rec.last().epoch == 1)


def test_divergence_pauses_and_keeps_finite_weights(running, qtbot):
    config = SessionConfig(problem="regression", dataset="plane", learning_rate=100.0)
    holder, rec = running(config)
    holder.worker.play()
    until(qtbot, lambda: rec.frames and rec.last().diverged)
    until(qtbot, lambda: rec.playing and rec.playing[-1] is False)
    snap = rec.last()
    assert all(np.all(np.isfinite(w)) for w in snap.weights)
    assert all(np.all(np.isfinite(b)) for b in snap.biases)
    holder.worker.play()  # refused until the user fixes something
    until(qtbot, lambda: len(rec.errors) >= 1)
    assert "diverged" in rec.errors[-1].lower()


def test_speed_limit_is_respected_loosely(running, qtbot):
    """At 10 steps/s the worker cannot have run hundreds of steps by the 5th epoch frame."""
    holder, rec = running()
    holder.worker.set_speed(10)
    holder.worker.play()
    until(qtbot, lambda: rec.frames and rec.last().step >= 5)
    holder.worker.pause()
    until(qtbot, lambda: rec.playing[-1] is False)
    steps = ask(holder, lambda s: s.step_count)
    assert 5 <= steps < 200


def test_predict_and_document_answer_by_id(running, qtbot):
    holder, rec = running()
    answers = []
    holder.worker.answered.connect(answers.append)
    first = holder.worker.predict(np.array([[0.0, 0.0], [1.0, 1.0]]))
    second = holder.worker.request_document()
    until(qtbot, lambda: len(answers) == 2)
    assert [a.id for a in answers] == [first, second]
    assert answers[0].values.shape == (2,)
    assert answers[1].document["config"] == SessionConfig().to_dict()


def test_load_session_replaces_the_session(running, qtbot):
    holder, rec = running()
    holder.worker.step_epoch()
    until(qtbot, lambda: rec.frames and rec.last().epoch == 1)
    other = TrainingSession(SessionConfig(dataset="xor", hidden=(3,), activations=("tanh",)))
    holder.worker.open_session(other)
    until(qtbot, lambda: rec.infos[-1].config.dataset == "xor")
    until(qtbot, lambda: [w.shape for w in rec.last().weights] == [(2, 3), (3, 1)])
    assert rec.last().epoch == 0


def test_stop_while_playing_ends_the_thread_without_qt_warnings(running, qtbot, qtlog):
    holder, rec = running()
    holder.worker.play()
    until(qtbot, lambda: rec.frames and rec.last().epoch >= 2)
    holder.worker.request_document()  # an answer nobody will wait for
    assert holder.worker.close()
    assert not holder.worker.is_running()
    assert holder.worker.engine_pid() is None  # the engine process has ended too
    holder.worker.play()  # dropped: nothing runs it, nothing waits
    messages = [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg]
    assert not [m for m in messages if "thread" in m.lower() or "timer" in m.lower()]


def test_frames_hold_read_only_arrays(running, qtbot):
    holder, rec = running()
    until(qtbot, lambda: rec.frames)
    snap = rec.last()
    for array in (*snap.weights, *snap.biases, snap.boundary, snap.history):
        with pytest.raises(ValueError):
            array[...] = 0


@pytest.mark.parametrize(("change", "reason"), [
    ({"dataset": "xor"}, "the data changed"),
    ({"n_points": 300}, "the data changed"),
    ({"features": ("x1", "x2", "x1^2")}, "the input features changed"),
    ({"hidden": (8, 4, 2), "activations": ("relu",) * 3}, "the network's shape changed"),
    ({"activations": ("tanh", "relu")}, "the activation changed"),
    ({"seed_exact": True, "loss": "mse"}, "the activation changed"),
    ({"init_seed": 5}, "the initialisation changed"),
])
def test_reset_reason_names_what_changed(change, reason):
    old = SessionConfig()
    assert reset_reason(old, old.replace(**change)) == reason


def test_every_frame_has_neuron_pictures_though_the_engine_sends_some_once(running, qtbot):
    """The process host sends a neuron picture only when remade (Frame.neurons_kept): the
    worker puts the last one back, so the GUI's frames all carry one, of the right shape,
    equal to the last remade one."""
    holder, recorder = running(SessionConfig(hidden=(5, 3), activations=("tanh", "tanh")))
    holder.worker.play()
    until(qtbot, lambda: len(recorder.frames) >= 30)
    holder.worker.pause()
    shapes = {tuple(m.shape[0] for m in f.snapshot.neuron_outputs) for f in recorder.frames}
    assert shapes == {(5, 3, 1)}
    assert not any(f.neurons_kept for f in recorder.frames)
    # Frames in a row that kept their pictures hold the very same arrays.
    same = sum(a.snapshot.neuron_outputs[0] is b.snapshot.neuron_outputs[0]
               for a, b in zip(recorder.frames, recorder.frames[1:], strict=False))
    assert same > 0
