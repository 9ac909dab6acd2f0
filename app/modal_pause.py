"""Training pauses while a modal dialog is open over the window, and plays on after it.

What a dialog saves, exports or asks about is then the network the user saw when it
opened. Qt tells the window itself: it receives WindowBlocked when any modal dialog (a
message box, a file or input dialog, ours or another feature's) blocks it, and
WindowUnblocked when the last one is gone.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class PauseUnderModal(QObject):
    """Pauses `window`'s training under a modal dialog; plays on only if it paused it."""

    def __init__(self, window: QWidget, is_playing: Callable[[], bool],
                 pause: Callable[[], None], play: Callable[[], None]):
        super().__init__(window)
        self._is_playing, self._pause, self._play = is_playing, pause, play
        self._resume = False
        self.enabled = True
        window.installEventFilter(self)

    def forget(self) -> None:
        """The session was replaced or the window is closing: do not play on afterwards."""
        self._resume = False

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.WindowBlocked and self.enabled and self._is_playing():
            self._pause()
            self._resume = True
        elif kind == QEvent.WindowUnblocked and self._resume:
            self._resume = False
            if self.enabled:
                self._play()
        return False
