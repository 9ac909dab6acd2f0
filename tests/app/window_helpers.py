"""Helpers for the window tests: a shown window with its own settings, waiting, closing."""

from __future__ import annotations

WAIT_MS = 20000


def until(qtbot, condition, timeout_ms: int = WAIT_MS) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout_ms)


def shown_window(qtbot, tmp_path, size=None, **kwargs):
    """A MainWindow with its own settings file, shown, its first frame drawn."""
    from PySide6.QtCore import QSettings

    from app.settings import Settings
    from app.window import MainWindow

    settings = Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))
    window = MainWindow(settings=settings, **kwargs)
    if size is not None:
        window.resize(*size)
    window.show()
    until(qtbot, lambda: window.last_frame() is not None)
    return window


def close_window(window) -> None:
    """Leave presentation mode (so a failed check does not leak its application font into
    later tests), close, and check the worker ended with the window."""
    from app.presentation import Presentation

    for presentation in window.findChildren(Presentation):
        presentation.set_active(False)
    window.close()
    assert not window.worker_running()
