"""What the window tests do as a user would (pick from a list, type, play a little), and
how they read the engine's session afterwards."""

from __future__ import annotations

from engine_reader import run_in_engine
from PySide6.QtCore import Qt
from window_helpers import until


def session(window, fn):
    """Read the real session (a copy from its document), after every request so far."""
    return run_in_engine(window, fn)


def frame_step(window) -> int:
    return window.last_frame().snapshot.step


def choose(qtbot, combo, value) -> None:
    """Open the combo's list and click `value`, as a user would."""
    target = combo.findData(value)
    assert target >= 0, value
    combo.showPopup()
    view = combo.view()
    until(qtbot, view.isVisible)
    rect = view.visualRect(view.model().index(target, 0))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())
    until(qtbot, lambda: not view.isVisible())


def type_into(qtbot, line_edit, text: str) -> None:
    line_edit.selectAll()
    qtbot.keyClick(line_edit, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key_Return)


def play_some(qtbot, window, epochs: int = 3) -> int:
    """Play until `epochs` epochs are shown, pause, and return the step count."""
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.last_frame().snapshot.epoch >= epochs)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: not window.is_playing())
    return session(window, lambda s: s.step_count)


def record(signal) -> list:
    """Everything `signal` emits from now on, in order."""
    got: list = []
    signal.connect(got.append)
    return got
