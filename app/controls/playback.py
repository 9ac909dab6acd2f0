"""The top bar: reset, play/pause, step, speed, and the numbers of training so far."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# Slider positions, slow to fast: training steps per second, None = as fast as it goes.
SPEEDS: tuple[float | None, ...] = (1, 3, 10, 30, 100, 300, 1000, None)
# Below this, at full speed, the bar says training is slow (the network or data is large).
SLOW_STEPS_PER_SECOND = 200
STEPS_TIP = "Training updates per second"
SLOW_TIP = ("Training is slow: the network or the data set is large. Fewer layers, "
            "neurons or points train faster.")


def paint_icon(kind: str, color: str, size: int = 24) -> QIcon:
    """A crisp play / pause / step / reset glyph (fonts may lack the Unicode symbols)."""
    ratio = 3
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(color))
    s = float(size)
    if kind in ("play", "step"):
        left = 0.24 * s if kind == "play" else 0.2 * s
        right = 0.82 * s if kind == "play" else 0.66 * s
        path = QPainterPath(QPointF(left, 0.16 * s))
        path.lineTo(right, 0.5 * s)
        path.lineTo(left, 0.84 * s)
        path.closeSubpath()
        painter.drawPath(path)
        if kind == "step":
            painter.drawRoundedRect(QRectF(0.7 * s, 0.18 * s, 0.11 * s, 0.64 * s), 1, 1)
    elif kind == "pause":
        for x in (0.26, 0.57):
            painter.drawRoundedRect(QRectF(x * s, 0.18 * s, 0.17 * s, 0.64 * s), 1.5, 1.5)
    elif kind == "reset":
        pen = QPen(QColor(color), 0.11 * s, Qt.SolidLine, Qt.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawArc(QRectF(0.2 * s, 0.2 * s, 0.6 * s, 0.6 * s), 100 * 16, 290 * 16)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(color))
        head = QPainterPath(QPointF(0.36 * s, 0.06 * s))
        head.lineTo(0.56 * s, 0.2 * s)
        head.lineTo(0.36 * s, 0.34 * s)
        head.closeSubpath()
        painter.drawPath(head)
    else:
        raise ValueError(f"no icon called {kind!r}")
    painter.end()
    return QIcon(pixmap)


def speed_text(speed: float | None) -> str:
    if speed is None:
        return "Max"
    return f"{speed:g} step/s" if speed == 1 else f"{speed:g} steps/s"


def format_loss(value: float) -> str:
    if not math.isfinite(value):
        return "\u2014"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.2g}"


def format_accuracy(value: float) -> str:
    return "\u2014" if not math.isfinite(value) else f"{value * 100:.1f}%"


class Stat(QWidget):
    """A caption above a big number."""

    def __init__(self, caption: str, tip: str, widest: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.widest = widest  # the widest text it will show: its width is fixed to that
        self.caption = QLabel(caption.upper())
        self.caption.setObjectName("statCaption")
        self.value = QLabel("\u2014")
        self.value.setObjectName("statValue")
        self.setToolTip(tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def set_text(self, text: str) -> None:
        self.value.setText(text)

    def fix_size(self) -> None:
        """Fix the number's size, so new text never relayouts the window (which would
        repaint all of it on every frame)."""
        self.value.ensurePolished()
        metrics = self.value.fontMetrics()
        width = max(metrics.horizontalAdvance(self.widest),
                    self.caption.sizeHint().width()) + 4
        self.value.setFixedSize(width, metrics.height() + 2)

    def text(self) -> str:
        return self.value.text()


class PlaybackBar(QFrame):
    """Signals: play_clicked, step_clicked, reset_clicked, speed_changed(speed or None)."""

    play_clicked = Signal()
    step_clicked = Signal()
    reset_clicked = Signal()
    speed_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("playbackBar")
        self.reset_button = self._button("Reset the network to its first weights (R)",
                                         "resetButton", 40)
        self.play_button = self._button("Play (Space)", "playButton", 52)
        self.step_button = self._button("Train one more epoch (Right arrow)", "stepButton", 40)
        self._icon_color = "#3c4043"
        self._playing = False
        self.set_dark(False)
        self.reset_button.clicked.connect(self.reset_clicked)
        self.play_button.clicked.connect(self.play_clicked)
        self.step_button.clicked.connect(self.step_clicked)

        self.speed = QSlider(Qt.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setValue(len(SPEEDS) - 1)
        self.speed.setFixedWidth(100)
        self.speed.setToolTip("Training speed, from one step a second to as fast as it goes")
        self.speed_label = QLabel(speed_text(None))
        self.speed_label.setObjectName("statValueSmall")
        self.speed.valueChanged.connect(self._on_speed)
        speed_box = QVBoxLayout()
        speed_box.setSpacing(0)
        speed_caption = QLabel("SPEED")
        speed_caption.setObjectName("statCaption")
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed)
        speed_row.addWidget(self.speed_label)
        speed_box.addWidget(speed_caption)
        speed_box.addLayout(speed_row)

        self.epoch = Stat("Epoch", "Passes over the training data so far", "000,000")
        self.steps_per_second = Stat("Steps/s", STEPS_TIP, "00,000")
        self.train_loss = Stat("Train loss", "Loss on the training points", "000.000")
        self.test_loss = Stat("Test loss", "Loss on the test points (not trained on)",
                              "000.000")
        self.train_accuracy = Stat("Train acc.", "Share of training points classified right",
                                   "100.0%")
        self.test_accuracy = Stat("Test acc.", "Share of test points classified right",
                                  "100.0%")
        self.stats = (self.epoch, self.steps_per_second, self.train_loss, self.test_loss,
                      self.train_accuracy, self.test_accuracy)
        self.epoch.set_text(format_epoch(0))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(8)
        layout.addWidget(self.reset_button)
        layout.addWidget(self.play_button)
        layout.addWidget(self.step_button)
        layout.addSpacing(12)
        layout.addLayout(speed_box)
        layout.addStretch(1)
        for stat in self.stats:
            layout.addWidget(stat)

    def _button(self, tip: str, name: str, size: int) -> QToolButton:
        button = QToolButton()
        button.setIconSize(QSize(size // 2, size // 2))
        button.setToolTip(tip)
        button.setObjectName(name)
        button.setFixedSize(QSize(size, size))
        button.setFocusPolicy(Qt.NoFocus)  # Space belongs to play/pause, not the focused button
        return button

    def fix_sizes(self) -> None:
        """Call after the style sheet changes (fonts decide the sizes)."""
        for stat in self.stats:
            stat.fix_size()
        self.speed_label.setFixedWidth(self.speed_label.fontMetrics().horizontalAdvance(
            speed_text(1000)) + 8)

    def set_dark(self, dark: bool) -> None:
        """Icon colours for the theme (the play button stays white on blue)."""
        self._icon_color = "#e6e6e6" if dark else "#3c4043"
        self.reset_button.setIcon(paint_icon("reset", self._icon_color))
        self.step_button.setIcon(paint_icon("step", self._icon_color))
        self.set_playing(self._playing)

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.play_button.setIcon(paint_icon("pause" if playing else "play", "#ffffff", 26))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.play_button.setProperty("playing", playing)

    def speed_value(self) -> float | None:
        return SPEEDS[self.speed.value()]

    def set_speed(self, speed: float | None) -> None:
        index = SPEEDS.index(speed) if speed in SPEEDS else len(SPEEDS) - 1
        self.speed.setValue(index)

    def _on_speed(self, index: int) -> None:
        self.speed_label.setText(speed_text(SPEEDS[index]))
        self.speed_changed.emit(SPEEDS[index])

    def show_numbers(self, snapshot, steps_per_second: float, playing: bool) -> None:
        """Fill the numbers from a Snapshot."""
        self.epoch.set_text(format_epoch(snapshot.epoch))
        self.steps_per_second.set_text(f"{steps_per_second:,.0f}" if playing else "\u2014")
        self.set_slow(playing and self.speed_value() is None
                      and 0 < steps_per_second < SLOW_STEPS_PER_SECOND)
        self.train_loss.set_text(format_loss(snapshot.train_loss))
        self.test_loss.set_text(format_loss(snapshot.test_loss))
        self.train_accuracy.set_text(format_accuracy(snapshot.train_accuracy))
        self.test_accuracy.set_text(format_accuracy(snapshot.test_accuracy))

    def set_slow(self, slow: bool) -> None:
        """Say that training runs slowly: "STEPS/S · SLOW" in the caption, and why."""
        stat = self.steps_per_second
        caption = "STEPS/S \u00b7 SLOW" if slow else "STEPS/S"
        if stat.caption.text() != caption:  # only on a change: no relayout per frame
            stat.caption.setText(caption)
            stat.setToolTip(SLOW_TIP if slow else STEPS_TIP)
            stat.caption.setStyleSheet("color: #e8710a;" if slow else "")

    def is_slow(self) -> bool:
        return self.steps_per_second.caption.text().endswith("SLOW")


def format_epoch(epoch: int) -> str:
    """000,042: fixed width so the bar does not jump as the count grows (1.23M past that)."""
    return f"{epoch:07,d}" if epoch < 1_000_000 else f"{epoch / 1e6:.2f}M"
