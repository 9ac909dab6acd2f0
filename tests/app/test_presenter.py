"""The presenter: the GUI's one mirror of the session, and recovery from a lost engine."""

from __future__ import annotations

import os
import signal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from engine_reader import engine_session, wait_for_mirror
from window_helpers import close_window, shown_window
from window_helpers import until as wait_until

from app.presenter import session_fingerprint
from engine.config import SessionConfig
from engine.io import make_custom_dataset, session_to_dict
from engine.session import TrainingSession

WAIT_MS = 30000


def until(qtbot, condition) -> None:
    wait_until(qtbot, condition, WAIT_MS)


@pytest.fixture
def window(qtbot, tmp_path):
    made = shown_window(qtbot, tmp_path, host="process")
    yield made
    close_window(made)
    assert not made.worker_running()


def test_the_mirror_writes_the_engines_own_document(window, qtbot):
    window.presenter.step(37)
    window.presenter.set_weight(0, 1, 2, 0.75)
    wait_for_mirror(window)
    until(qtbot, lambda: window.presenter.mirror.weights[0][1, 2] == 0.75)
    engine_doc = session_to_dict(engine_session(window))
    mirror_doc = window.presenter.document()
    # Frames carry no optimizer or shuffle state: only the engine's own document has it
    # (Save and autosave ask the engine; see FileController._document_future).
    assert mirror_doc.pop("training_state") is None
    assert engine_doc.pop("training_state") is not None
    assert mirror_doc == engine_doc


def test_frames_of_a_replaced_session_are_dropped(window, qtbot):
    window.presenter.set_speed(None)
    window.play()
    until(qtbot, lambda: window.last_frame().snapshot.step > 50)
    other = TrainingSession(SessionConfig(dataset="xor", hidden=(3,), activations=("tanh",)))
    window.load_session(other)
    window.play()  # opening a session pauses
    # At once, and after every later frame: the mirror is the new session, never the old.
    shapes = [tuple(w.shape for w in window.presenter.mirror.weights)]
    window.presenter.frame_ready.connect(
        lambda f: shapes.append(tuple(w.shape for w in f.snapshot.weights)))
    until(qtbot, lambda: len(shapes) > 3)
    assert set(shapes) == {((2, 3), (3, 1))}


def test_a_killed_engine_is_restarted_and_nothing_is_lost(window, qtbot):
    points = np.array([[0.1, 0.2], [-0.5, 0.4], [0.7, -0.3], [-0.2, -0.6]])
    window.set_points(make_custom_dataset(points, np.array([0, 1, 1, 0]), "classification"))
    until(qtbot, lambda: window.presenter.mirror.config.dataset == "custom")
    window.presenter.set_speed(None)
    window.play()
    until(qtbot, lambda: window.last_frame().snapshot.step > 200)
    old_pid = window.presenter.engine_pid()
    shown = window.last_frame().snapshot.step
    os.kill(old_pid, signal.SIGKILL)
    until(qtbot, lambda: window.presenter.restarts == 1)
    assert window.isVisible()
    assert "engine stopped" in window.banner.text()
    until(qtbot, lambda: window.presenter.engine_pid() not in (None, old_pid))
    # Training goes on from where the window was, on the same drawn points.
    until(qtbot, lambda: window.last_frame().snapshot.step > shown + 100)
    assert window.is_playing()
    session = engine_session(window)
    np.testing.assert_array_equal(session.data.points, points)
    assert session.step_count > shown
    assert len(session.history) >= 1 and session.history[0][0] == 0.0  # the early rows kept


def test_about_says_where_the_engine_runs(window):
    assert window.presenter.host_description() == "its own process"


def test_the_presenter_holds_modified_and_says_when_it_changes(window, qtbot):
    presenter = window.presenter
    changes: list[bool] = []
    presenter.modified_changed.connect(changes.append)
    assert not presenter.is_modified()  # a fresh window is nobody's work
    for epoch in (1, 2, 3):
        window.step_epoch()
        until(qtbot, lambda epoch=epoch: window.last_frame().snapshot.epoch == epoch)
    assert presenter.is_modified()
    assert changes == [True]  # once, not once a frame
    presenter.mark_saved()
    assert not presenter.is_modified() and changes == [True, False]
    presenter.mark_unsaved()  # kept work continued: in no file of the user's
    assert presenter.is_modified() and changes == [True, False, True]
    presenter.mark_saved()
    opened = TrainingSession(SessionConfig(dataset="xor", hidden=(3,), activations=("tanh",)))
    fingerprint = session_fingerprint(opened)
    window.load_session(opened)  # another session: modified until it is marked saved
    assert presenter.is_modified()
    presenter.mark_saved(fingerprint)
    assert not presenter.is_modified()
    shape = presenter.mirror.weights[0].shape
    until(qtbot, lambda: presenter.session_info().config == opened.config
          and window.last_frame().snapshot.weights[0].shape == shape)
    assert not presenter.is_modified()  # the engine's answer is the same session
    window.change_config({"learning_rate": 0.5})
    until(qtbot, presenter.is_modified)
