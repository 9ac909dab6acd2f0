"""The whole app as `neuroplay` starts it (File menu, autosave, classroom), with every
question answered by a script and every file kept under tmp_path; and a record of Qt's
warnings. Shares the scripted prompts and window closing of tests/app/test_files.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))
from test_files import WAIT_MS, ScriptedPrompts, close_windows  # noqa: E402

import app.classroom as classroom  # noqa: E402
from app.main import build_features  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.window import MainWindow  # noqa: E402

__all__ = ["WAIT_MS", "ScriptedPrompts"]


class ScriptedDialogs:
    """Stands in for the QFileDialog and QInputDialog the classroom opens."""

    def __init__(self):
        self.lesson_paths: list[str] = []
        self.titles: list[str] = []

    def getOpenFileName(self, *args, **kwargs):  # noqa: N802 - Qt's name
        return (self.lesson_paths.pop(0) if self.lesson_paths else "", "")

    def getText(self, *args, **kwargs):  # noqa: N802 - Qt's name
        return (self.titles.pop(0), True) if self.titles else ("", False)


@pytest.fixture
def prompts(monkeypatch, tmp_path):
    """Scripted answers for the File menu; lessons live in tmp_path (app_window puts the
    autosave there too)."""
    scripted = ScriptedPrompts()
    dialogs = ScriptedDialogs()
    scripted.dialogs = dialogs
    monkeypatch.setattr(classroom, "user_lessons_dir", lambda: tmp_path / "lessons")
    monkeypatch.setattr(classroom, "QFileDialog", dialogs)
    monkeypatch.setattr(classroom, "QInputDialog", dialogs)
    return scripted


@pytest.fixture
def app_window(qtbot, prompts, tmp_path):
    """app_window(**kwargs) -> a shown MainWindow with every feature attached, first frame
    drawn. Closed (discarding changes) after the test."""
    windows: list[MainWindow] = []

    def make(**kwargs) -> MainWindow:
        window = MainWindow(settings=Settings(), **kwargs)
        build_features(window, prompts, lambda settings: tmp_path / "appdata")
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: window.last_frame() is not None, timeout=WAIT_MS)
        return window

    yield make
    prompts.ask_save_changes = lambda name: "discard"
    close_windows([w for w in windows if w.isVisible() or w.worker_running()], qtbot.wait)


# The offscreen platform cannot pass a window's size limits to a window system; a real
# platform can. Not a problem of the app.
PLATFORM_ONLY = ("This plugin does not support propagateSizeHints()",
                 "This plugin does not support raise()",
                 "This plugin does not support grabbing the keyboard")


@pytest.fixture
def qt_warnings():
    """Every Qt message of warning level or worse during the test, as text."""
    messages: list[str] = []

    def handler(kind, context, text):
        if text in PLATFORM_ONLY:
            return
        if kind not in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            messages.append(f"{kind.name}: {text}")
        elif previous is not None:
            previous(kind, context, text)

    previous = qInstallMessageHandler(handler)
    yield messages
    qInstallMessageHandler(previous)
