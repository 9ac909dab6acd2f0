"""A one-line banner across the top of the window: info, warnings and errors.

Info messages ("Network reset: the data changed") fade after a few seconds; warnings
(divergence) stay until the user closes them or the cause goes away. The banner floats
over the bottom of another widget (`float_over`), like a toast, so that a message never
moves the layout and never covers the buttons along the top of the panels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_STYLES = {
    "info": ("#e8f1fb", "#1d5d99", "#0877bd"),
    "warning": ("#fff4e5", "#7a4100", "#f59322"),
    "error": ("#fdecea", "#8a1c12", "#d93025"),
}
_DARK_STYLES = {
    "info": ("#1d3047", "#cfe3f7", "#5aa9e6"),
    "warning": ("#45321a", "#ffe2bd", "#f59322"),
    "error": ("#4a2220", "#ffd7d3", "#ff6b5e"),
}
INFO_TIMEOUT_MS = 4000
OVERLAY_MARGIN = 12  # px between the floating banner and the edges of what it covers
OVERLAY_WIDTH = 760  # px at most: a line people read at a glance


class Banner(QFrame):
    """Shows one message at a time; `text()` is what the user reads now ("" when hidden)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self._kind = "info"
        self._dark = False
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self._close = QToolButton()
        self._close.setText("\u2715")
        self._close.setToolTip("Close this message")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self.hide_message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._close, 0, Qt.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide_message)
        self._anchor: QWidget | None = None
        self.hide()

    def float_over(self, anchor: QWidget) -> None:
        """Float over the bottom of `anchor` (a sibling or its descendant) instead of taking
        a place in a layout: showing or hiding a message then moves nothing."""
        self._anchor = anchor
        anchor.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._anchor and event.type() in (QEvent.Resize, QEvent.Move,
                                                        QEvent.Show):
            self._place()
        return super().eventFilter(watched, event)

    def _place(self) -> None:
        anchor, parent = self._anchor, self.parentWidget()
        if anchor is None or parent is None:
            return
        area = anchor.rect().translated(anchor.mapTo(parent, anchor.rect().topLeft()))
        width = max(min(area.width() - 2 * OVERLAY_MARGIN, OVERLAY_WIDTH), 100)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else -1
        height = max(height, self.sizeHint().height())
        self.setGeometry(area.center().x() - width // 2,
                         area.bottom() - OVERLAY_MARGIN - height, width, height)
        self.raise_()

    def show_message(self, text: str, kind: str = "info", timeout_ms: int | None = None) -> None:
        """kind: "info" (hides after a few seconds unless timeout_ms=0), "warning", "error"."""
        if kind not in _STYLES:
            raise ValueError(f"banner kind must be one of {', '.join(_STYLES)}, not {kind!r}")
        self._kind = kind
        self._label.setText(text)
        self._restyle()
        self.show()
        self._place()  # the new text may need another line
        if timeout_ms is None:
            timeout_ms = INFO_TIMEOUT_MS if kind == "info" else 0
        if timeout_ms > 0:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def hide_message(self) -> None:
        self._timer.stop()
        self._label.setText("")
        self.hide()

    def text(self) -> str:
        return "" if self.isHidden() else self._label.text()

    def kind(self) -> str:
        return self._kind

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self._restyle()

    def _restyle(self) -> None:
        background, foreground, accent = (_DARK_STYLES if self._dark else _STYLES)[self._kind]
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background}; border-left: 4px solid {accent};"
            f" border-radius: 4px; }}"
            f" QFrame#banner QLabel {{ color: {foreground}; font-size: 10.5pt; }}"
            f" QFrame#banner QToolButton {{ color: {foreground}; border: none; }}")
