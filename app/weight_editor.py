"""Setting one weight or bias to a typed value: a click on the diagram opens a small inline
editor near the pointer (not a dialog); Enter sends the value to the engine.

`WeightEditor` is the part the window wires to the diagram's edit requests; `ValueEditor`
is the editor widget. The value rule (finite, within +-1e6) is the engine's
(`engine.limits.in_value_range`), so the editor refuses exactly what the session would.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget
from shiboken6 import isValid

from app.views.network_diagram import neuron_name, weight_name
from engine import limits

EDITOR_MAX_WIDTH = 340


def parse_value(text: str) -> float | None:
    """A typed weight: "-0.5", "1,5" (decimal comma), "2e-3"; None when it is not a finite
    number within +-MAX_VALUE."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if limits.in_value_range(value) else None


class ValueEditor(QFrame):
    """A small inline editor for one number, shown near the cursor (not a dialog).

    Enter applies (`accepted(float)`), Escape or leaving it cancels. Text that is not a
    finite number within +-MAX_VALUE shows a message and changes nothing.
    """

    accepted = Signal(float)

    def __init__(self, title: str, value: float, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("valueEditor")
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.title = QLabel(title)
        self.title.setObjectName("editorTitle")
        self.title.setWordWrap(True)  # a long name takes two lines; it is never cut
        self.editor = QLineEdit(f"{value:.4g}")
        self.editor.selectAll()
        self.editor.setMinimumWidth(150)
        self.editor.returnPressed.connect(self._on_return)
        self.message = QLabel("Enter to apply, Esc to cancel")
        self.message.setObjectName("editorHint")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        # Wide enough for the title on one line when it can be, up to EDITOR_MAX_WIDTH.
        margins = layout.contentsMargins()
        title_width = self.title.fontMetrics().horizontalAdvance(title) + 8
        self.setMaximumWidth(EDITOR_MAX_WIDTH)
        self.setMinimumWidth(min(title_width + margins.left() + margins.right(),
                                 EDITOR_MAX_WIDTH))
        self.editor.installEventFilter(self)

    def open_at(self, point: QPoint) -> None:
        """Show with the top-left near `point` (parent coordinates), kept inside the parent."""
        self.adjustSize()
        parent = self.parentWidget().rect()
        x = min(max(point.x() + 8, 0), max(parent.width() - self.width(), 0))
        y = min(max(point.y() + 8, 0), max(parent.height() - self.height(), 0))
        self.move(x, y)
        self.show()
        self.raise_()
        self.editor.setFocus()

    def _on_return(self) -> None:
        text = self.editor.text().strip()
        value = parse_value(text)
        if value is None:
            self.message.setText(f"{text!r} is not a number {limits.VALUE_RANGE}; "
                                 "nothing was changed. Type a number such as -0.5.")
            self.message.setProperty("error", True)
            self.message.setStyleSheet("color: #c62828;")
            self.adjustSize()
            return
        self.accepted.emit(value)
        self.close_editor()

    def close_editor(self) -> None:
        self.hide()
        self.deleteLater()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.editor:
            if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape:
                self.close_editor()
                return True
            if event.type() == QEvent.FocusOut and event.reason() in (
                    Qt.MouseFocusReason, Qt.TabFocusReason, Qt.BacktabFocusReason):
                self.close_editor()
        return super().eventFilter(watched, event)


class WeightEditor(QObject):
    """Opens a ValueEditor for a weight or bias and sends what is typed to the presenter.

    presenter: the SessionPresenter (its last frame gives the value shown, its session info
    the network's shape, set_weight/set_bias take the new value). host: the widget the
    editor floats over. anchor: where it opens when the pointer is not over `host`.
    """

    def __init__(self, presenter, host: QWidget, anchor: QWidget,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._presenter = presenter
        self._host = host
        self._anchor = anchor
        self._editor: ValueEditor | None = None

    def edit_weight(self, layer: int, i: int, j: int) -> None:
        value = self._current_value(lambda s: float(s.weights[layer][i, j]))
        self._open(f"Weight, {weight_name(layer, i, j)}{self._output_note(layer)}", value,
                   lambda v: self._presenter.set_weight(layer, i, j, v))

    def edit_bias(self, layer: int, j: int) -> None:
        value = self._current_value(lambda s: float(s.biases[layer][j]))
        self._open(f"Bias, {neuron_name(layer, j)}{self._output_note(layer)}", value,
                   lambda v: self._presenter.set_bias(layer, j, v))

    def editor(self) -> ValueEditor | None:
        """The inline editor open now, if any."""
        editor = self._editor
        return editor if editor is not None and isValid(editor) and editor.isVisible() else None

    def _current_value(self, read: Callable) -> float:
        frame = self._presenter.last_frame()
        if frame is None:
            return 0.0
        try:
            return read(frame.snapshot)
        except (IndexError, ValueError):  # a frame from before the network's new shape
            return 0.0

    def _output_note(self, layer: int) -> str:
        """The names are the diagram's tooltips' (one naming everywhere)."""
        info = self._presenter.session_info()
        return " (output)" if info is not None and layer == len(info.config.hidden) else ""

    def _open(self, title: str, value: float, apply: Callable[[float], None]) -> None:
        if self._editor is not None and isValid(self._editor):  # Esc already deleted it
            self._editor.close_editor()
        self._editor = ValueEditor(title, value, self._host)
        self._editor.accepted.connect(apply)
        where = self._host.mapFromGlobal(QCursor.pos())
        if not self._host.rect().contains(where):
            where = self._anchor.mapTo(self._host, self._anchor.rect().center())
        self._editor.open_at(QPoint(where))
