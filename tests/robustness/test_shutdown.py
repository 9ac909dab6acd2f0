"""Ending Neuroplay at awkward moments: SIGTERM to the real app, SIGTERM while training
with unsaved work, while a file dialog is open, while saving. Never a crash, and the
autosave is always a whole session file that the next start offers back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from monkey import features_of
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from test_files import WAIT_MS, assert_same_state, state, state_of_file

import app.files as files
from app.main import install_signal_handlers
from engine.io import load_session

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def sigterm():
    """Restores Python's SIGTERM handler after a test installs the app's."""
    before = signal.getsignal(signal.SIGTERM)
    yield lambda: os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGTERM, before)


def find(folder: Path, name: str) -> list[Path]:
    return sorted(folder.rglob(name))


def kept(tmp_path: Path) -> Path:
    """The one session the closed window kept (app/autosave.py)."""
    (path,) = [p for p in find(tmp_path / "appdata", "*.json") if p.name != "discarded.json"]
    return path


def test_sigterm_ends_the_real_app_cleanly(tmp_path):
    """`neuroplay` in its own process, its data in tmp_path: SIGTERM after start-up."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-m", "app.main"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not find(tmp_path, "*.lock") and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()
            time.sleep(0.1)
        assert find(tmp_path, "*.lock"), "the app never started"
        time.sleep(1.5)  # the window is shown and the first frame drawn
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert "Traceback" not in err and "QThread" not in err, err
    assert not find(tmp_path, "*.lock")  # a clean quit
    assert not [p for p in find(tmp_path, "*.json") if p.parent.name == "autosave"]  # nothing
    # unsaved, so nothing is kept to offer


def test_sigterm_while_training_keeps_the_unsaved_work(app_window, prompts, qtbot, sigterm,
                                                       tmp_path):
    window = app_window()
    install_signal_handlers(window, features_of(window), [signal.SIGTERM])
    window.play()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= 3, timeout=WAIT_MS)
    sigterm()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert not window.worker_running()
    saved = state_of_file(kept(tmp_path))
    assert saved[6] > 0  # steps trained
    assert_same_state(saved, state_after_restart(app_window, prompts))


def state_after_restart(app_window, prompts):
    """Start again and accept the kept session."""
    prompts.restore_answer = True
    window = app_window()
    assert features_of(window).files.offer_kept_session()
    assert prompts.restore_asked
    return state(window)


def test_sigterm_while_a_file_dialog_is_open(app_window, prompts, qtbot, sigterm, tmp_path):
    window = app_window()
    install_signal_handlers(window, features_of(window), [signal.SIGTERM])
    window.step_epoch()  # unsaved work
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch == 1, timeout=WAIT_MS)
    closed_inside = []

    def open_path(caption, folder, filters) -> str:
        """A modal dialog: its own event loop, in which the signal arrives."""
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if not window.isVisible() else None)
        poll.start(10)
        QTimer.singleShot(WAIT_MS, loop.quit)
        sigterm()
        loop.exec()
        closed_inside.append(not window.isVisible())
        return ""  # a real dialog returns nothing when the app quits under it

    prompts.open_path = open_path
    assert not features_of(window).files.open_dialog()
    assert closed_inside == [True] and not window.worker_running()
    assert state_of_file(kept(tmp_path))[7] == 1  # the epoch


def test_sigterm_while_saving(app_window, prompts, qtbot, sigterm, tmp_path, monkeypatch):
    window = app_window()
    install_signal_handlers(window, features_of(window), [signal.SIGTERM])
    window.step_epoch()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch == 1, timeout=WAIT_MS)
    write = files.write_atomic

    def write_while_signalled(path, text):
        sigterm()  # arrives half way through the save
        time.sleep(0.05)
        write(path, text)

    monkeypatch.setattr(files, "write_atomic", write_while_signalled)
    assert features_of(window).files.save_as(tmp_path / "mine.json")
    assert window.isVisible()  # the save finished before the quit began
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert load_session(tmp_path / "mine.json").epoch == 1
    assert not find(tmp_path / "appdata", "*.json")  # saved: nothing to offer
    assert not find(tmp_path / "appdata", "*.lock")


def test_quit_with_the_window_closed_twice_and_the_app_quitting(app_window, qtbot):
    """Close during training, then the application's own quit: no second shutdown."""
    window = app_window()
    window.play()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= 1, timeout=WAIT_MS)
    window.close()
    window.close()
    QApplication.instance().aboutToQuit.emit()  # connected to window.shutdown
    assert not window.worker_running() and not window.isVisible()
