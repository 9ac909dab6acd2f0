"""The lesson panel: a lesson's title, the current step's text in large type, Back/Next.

It shows; it does not run anything. `app/classroom.py` listens to `step_changed` and
applies the step to the window, and fills the output table with the engine's numbers.

    python -m app.lessons_panel      # the first built-in lesson on its own
"""

from __future__ import annotations

import math
import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.lessons import Lesson

BASE_TEXT_PT = 15  # lesson text size at 100% zoom: readable from the back of a room


def _format(value: float) -> str:
    """Inputs and targets as typed: 0, 1, 0.5."""
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def format_output(value: float) -> str:
    """An output as the table shows it: three decimals (0.780, 0.000), never an exponent
    that a narrow column cuts ("5.468e..."); large values with three digits (1.23e+04)."""
    if not math.isfinite(value):
        return "\u2014"
    text = f"{value:.3f}" if abs(value) < 1000 else f"{value:.3g}"
    return "0.000" if text == "-0.000" else text


class LessonPanel(QWidget):
    """Title, "Step k of n", the step's text, an optional output table, Back/Next."""

    step_changed = Signal(int)  # 0-based index of the step now shown
    close_requested = Signal()
    pace_requested = Signal(object)  # epochs/s the lesson's text assumes; None: Max

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lesson: Lesson | None = None
        self.index = 0
        self._scale = 1.0

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.counter = QLabel()
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setFrameShape(QTextBrowser.NoFrame)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["input", "target", "output"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.close_button = QPushButton("Close lesson")
        self.back_button.setShortcut(Qt.Key_PageUp)  # presenter remotes send PageUp/Down
        self.next_button.setShortcut(Qt.Key_PageDown)

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.counter)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.close_button)

        self.back_button.clicked.connect(self.previous_step)
        self.next_button.clicked.connect(self.next_step)
        self.close_button.clicked.connect(self.close_requested)
        self.set_text_scale(1.0)
        self._show()

    # ------------------------------------------------------------ public API
    def set_lesson(self, lesson: Lesson | None, index: int = 0) -> None:
        """Show `lesson` at step `index` (emits step_changed); None clears the panel."""
        self.lesson = lesson
        self.index = 0
        self.table.setRowCount(0)
        if lesson is not None and lesson.output_table:
            self.table.setRowCount(len(lesson.output_table))
            for r, (x1, x2, target) in enumerate(lesson.output_table):
                self._cell(r, 0, f"({_format(x1)}, {_format(x2)})")
                self._cell(r, 1, _format(target))
                self._cell(r, 2, "…")
        self.table.setVisible(bool(lesson is not None and lesson.output_table))
        self._fit_table()
        if lesson is not None and lesson.pace is not None:
            self.pace_requested.emit(None if math.isinf(lesson.pace) else lesson.pace)
        if lesson is None:
            self._show()
        else:
            self.set_step(index)

    def set_step(self, index: int) -> None:
        """Show step `index` (clamped to the lesson) and emit step_changed."""
        if self.lesson is None:
            return
        self.index = min(max(index, 0), len(self.lesson.steps) - 1)
        self._show()
        self.step_changed.emit(self.index)

    def next_step(self) -> None:
        if self.lesson is not None and self.index < len(self.lesson.steps) - 1:
            self.set_step(self.index + 1)

    def previous_step(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.set_step(self.index - 1)

    def set_outputs(self, outputs) -> None:
        """Fill the output column: outputs (rows,) numbers computed by the engine."""
        for r, value in enumerate(outputs):
            if r < self.table.rowCount():
                self._cell(r, 2, format_output(float(value)))
                self.table.item(r, 2).setToolTip(f"{float(value):.6g}")
        self._fit_columns()

    def outputs_shown(self) -> list[str]:
        return [self.table.item(r, 2).text() for r in range(self.table.rowCount())]

    def set_text_scale(self, scale: float) -> None:
        """Make every text of the panel `scale` times its normal size (presentation mode)."""
        self._scale = scale
        body = QFont(self.font())
        body.setPointSizeF(BASE_TEXT_PT * scale)
        self.text.setFont(body)
        self.text.document().setDefaultFont(body)
        title = QFont(body)
        title.setPointSizeF(BASE_TEXT_PT * 1.35 * scale)
        title.setBold(True)
        self.title.setFont(title)
        small = QFont(body)
        small.setPointSizeF(BASE_TEXT_PT * 0.85 * scale)
        for widget in (self.counter, self.back_button, self.next_button, self.close_button,
                       self.table):
            widget.setFont(small)
        # The header is drawn by the window's style sheet, which ignores setFont.
        self.table.setStyleSheet(
            f"QHeaderView::section {{ font-size: {small.pointSizeF():.1f}pt; }}")
        self.setMinimumWidth(int(280 * min(scale, 2.0)))
        self._fit_table()

    # ------------------------------------------------------------ internals
    def _cell(self, row: int, column: int, text: str) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignCenter)
        self.table.setItem(row, column, item)

    def cut_cells(self) -> list[str]:
        """Texts that do not fit their cell whole (for tests; [] when all fit)."""
        cut = []
        metrics = self.table.fontMetrics()
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                # 6 px: the cell's own margins on both sides
                if item is not None and (metrics.horizontalAdvance(item.text()) + 6
                                         > self.table.columnWidth(c)):
                    cut.append(item.text())
        return cut

    def _fit_columns(self) -> None:
        """Columns share the width, but none narrower than its widest text: the panel
        grows (or scrolls) rather than cutting a number."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        widest = 0
        for c in range(self.table.columnCount()):
            texts = [self.table.horizontalHeaderItem(c).text()]
            texts += [self.table.item(r, c).text() for r in range(self.table.rowCount())
                      if self.table.item(r, c) is not None]
            widest = max(widest, max(metrics.horizontalAdvance(t) for t in texts) + 16)
        # The columns stretch to equal widths: each at least the widest text of any.
        header.setMinimumSectionSize(widest)
        self.table.setMinimumWidth(widest * self.table.columnCount()
                                   + 2 * self.table.frameWidth())

    def _fit_table(self) -> None:
        self._fit_columns()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().sizeHint().height() + 4
        height += sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(height)

    def _show(self) -> None:
        lesson = self.lesson
        if lesson is None:
            self.title.setText("No lesson open")
            self.counter.setText("")
            self.text.setHtml("<p>Choose a lesson from the <b>Lessons</b> menu.</p>")
            self.back_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        self.title.setText(lesson.title)
        n = len(lesson.steps)
        self.counter.setText(f"Step {self.index + 1} of {n}")
        self.text.setHtml(lesson.steps[self.index].text)
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < n - 1)


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from engine.lessons import list_lessons

    app = QApplication.instance() or QApplication(sys.argv)
    panel = LessonPanel()
    lessons, _ = list_lessons()
    panel.set_lesson(lessons[0] if lessons else None)
    panel.resize(420, 700)
    panel.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
