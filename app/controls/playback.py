"""The top bar: reset, play/pause, step, speed, and the numbers of training so far."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
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

from engine.session import readable_number

# The pace, slow to fast, in epochs per second: a logarithmic scale (1-2-5) from one epoch
# a second to Max (None: as fast as training goes). An epoch is the unit the counters use.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, None)
# Two moons with the default network (160 training points, batch 10, lr 0.03) has its
# boundary within 5% of its final shape after 67-85 epochs and 99% of the points right
# after 103-165 (init seeds 1-5, measured epoch by epoch): at 20 epochs/s that takes about
# 5 seconds, slow enough to watch and quick enough to keep a class's attention.
DEFAULT_PACE = 20
# Below this, at Max, the bar says training is slow (the network or data is large).
SLOW_STEPS_PER_SECOND = 200
RATE_TIP = "Passes over the training data per second"
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


def pace_text(pace: float | None) -> str:
    """The slider's label: "1 epoch/s", "20 epochs/s", "Max"."""
    if pace is None:
        return "Max"
    return f"{pace:g} epoch/s" if pace == 1 else f"{pace:g} epochs/s"


def steps_per_second_limit(pace: float | None, steps_per_epoch: int) -> float | None:
    """The worker's speed limit (training steps per second) for a pace in epochs/s."""
    return None if pace is None else float(pace) * max(int(steps_per_epoch), 1)


def format_loss(value: float) -> str:
    """0.123 below 1000, else two digits and an exponent (1.2e+21): never a wall of digits.
    The engine's readable_number, so the header and the divergence message agree."""
    return readable_number(value) if math.isfinite(value) else "\u2014"


def format_accuracy(value: float) -> str:
    return "\u2014" if not math.isfinite(value) else f"{value * 100:.1f}%"


def format_rate(epochs_per_second: float) -> str:
    """Epochs per second as the header shows it: one decimal under 10, whole above."""
    if not math.isfinite(epochs_per_second) or epochs_per_second <= 0:
        return "\u2014"
    if epochs_per_second < 9.95:
        return f"{epochs_per_second:.1f}"
    return f"{epochs_per_second:,.0f}"


def format_epoch(epoch: int) -> str:
    """000,042: fixed width so the bar does not jump as the count grows (1.23M past that)."""
    return f"{epoch:07,d}" if epoch < 1_000_000 else f"{epoch / 1e6:.2f}M"


# The widest texts each number can show: its field is sized to the widest of them, in the
# font it has now (presentation mode enlarges it), so no value is ever cut.
EPOCH_TEXTS = ("000,000", "0.00M")
RATE_TEXTS = ("00,000", "0.0")
LOSS_TEXTS = ("000.000", "0.0e+00")  # losses are never negative
ACCURACY_TEXTS = ("100.0%",)


class Stat(QWidget):
    """A caption above a big number; the number's field fits the widest value it can take."""

    def __init__(self, caption: str, tip: str, widest: tuple[str, ...],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.widest = widest
        self.on_resized: Callable[[], None] | None = None  # the bar refolds then
        self.caption = QLabel(caption.upper())
        self.caption.setObjectName("statCaption")
        self.value = QLabel("\u2014")
        self.value.setObjectName("statValue")
        self.setToolTip(tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 0, 3, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        # A style sheet or presentation mode changes the fonts: refit then.
        self.caption.installEventFilter(self)
        self.value.installEventFilter(self)

    def set_text(self, text: str) -> None:
        self.value.setText(text)

    def fix_size(self) -> None:
        """Fix the number's size, so new text never relayouts the window (which would
        repaint all of it on every frame)."""
        self.value.ensurePolished()
        self.caption.ensurePolished()
        metrics = self.value.fontMetrics()
        width = max(max(metrics.horizontalAdvance(t) for t in self.widest),
                    self.caption.fontMetrics().horizontalAdvance(self.caption.text())) + 6
        size = QSize(width, metrics.height() + 2)
        if self.value.minimumSize() != size or self.value.maximumSize() != size:
            self.value.setFixedSize(size)
            if self.on_resized is not None:
                self.on_resized()

    def fits(self) -> bool:
        """True when the number shown now fits its field whole."""
        return (self.value.fontMetrics().horizontalAdvance(self.value.text())
                <= self.value.width())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self.fix_size()
        return False

    def text(self) -> str:
        return self.value.text()


class PlaybackBar(QFrame):
    """Signals: play_clicked, step_clicked, reset_clicked, pace_changed(epochs/s or None)."""

    play_clicked = Signal()
    step_clicked = Signal()
    reset_clicked = Signal()
    pace_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("playbackBar")
        self.reset_button = self._button("Reset the network to its first weights (R)",
                                         "resetButton", 40)
        self.play_button = self._button("Play (Space)", "playButton", 52)
        self.step_button = self._button("Train one more epoch (Right arrow)", "stepButton", 40)
        self._icon_color = "#3c4043"
        self._playing = False
        self._steps_per_epoch = 1
        self._pace_before_max = DEFAULT_PACE
        self.max_button = QToolButton()
        self.set_dark(False)
        self.reset_button.clicked.connect(self.reset_clicked)
        self.play_button.clicked.connect(self.play_clicked)
        self.step_button.clicked.connect(self.step_clicked)

        self.speed = QSlider(Qt.Horizontal)
        self.speed.setObjectName("paceSlider")
        self.speed.setRange(0, len(PACES) - 1)
        self.speed.setPageStep(1)
        self.speed.setValue(PACES.index(DEFAULT_PACE))
        self.speed.setFixedWidth(84)
        # Never the keyboard focus: Right arrow and Space must stay training's keys.
        self.speed.setFocusPolicy(Qt.NoFocus)
        self.speed_label = QLabel(pace_text(DEFAULT_PACE))
        self.speed_label.setObjectName("statValueSmall")
        self.max_button.setText("Max")
        self.max_button.setObjectName("maxButton")
        self.max_button.setCheckable(True)
        self.max_button.setFocusPolicy(Qt.NoFocus)
        self.max_button.setToolTip("Train as fast as it goes; click again for the pace "
                                   "you had")
        self.speed.valueChanged.connect(self._on_slider)
        self.max_button.clicked.connect(self._on_max)
        # The pace controls in one box, so a narrow bar can fold them away whole.
        self.pace_box = QWidget()
        self.pace_box.setObjectName("paceBox")
        speed_box = QVBoxLayout(self.pace_box)
        speed_box.setContentsMargins(0, 0, 0, 0)
        speed_box.setSpacing(0)
        speed_caption = QLabel("PACE")
        speed_caption.setObjectName("statCaption")
        speed_row = QHBoxLayout()
        speed_row.setSpacing(6)
        # The label sits beside the slider, in a field of its own: never under the handle.
        speed_row.addWidget(self.speed)
        speed_row.addWidget(self.speed_label)
        speed_row.addWidget(self.max_button)
        speed_box.addWidget(speed_caption)
        speed_box.addLayout(speed_row)

        self.epoch = Stat("Epoch", "Passes over the training data so far", EPOCH_TEXTS)
        self.epochs_per_second = Stat("Epochs/s", RATE_TIP, RATE_TEXTS)
        self.train_loss = Stat("Train loss", "Loss on the training points", LOSS_TEXTS)
        self.test_loss = Stat("Test loss", "Loss on the test points (not trained on)",
                              LOSS_TEXTS)
        self.train_accuracy = Stat("Train acc.", "Share of training points classified right",
                                   ACCURACY_TEXTS)
        self.test_accuracy = Stat("Test acc.", "Share of test points classified right",
                                  ACCURACY_TEXTS)
        self.stats = (self.epoch, self.epochs_per_second, self.train_loss, self.test_loss,
                      self.train_accuracy, self.test_accuracy)
        self.epoch.set_text(format_epoch(0))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(6)
        layout.addWidget(self.reset_button)
        layout.addWidget(self.play_button)
        layout.addWidget(self.step_button)
        layout.addSpacing(6)
        layout.addWidget(self.pace_box)
        layout.addStretch(1)
        for stat in self.stats:
            layout.addWidget(stat)
        self.speed_label.installEventFilter(self)
        self._update_speed_tip()
        # When the bar is too narrow for everything (presentation mode's large fonts on a
        # 1024 px projector), these fold away, first to last: the numbers a class reads
        # stay whole. A lesson still sets its pace; a wider window brings the slider back.
        self.foldable = (self.epochs_per_second, self.pace_box)
        self._folded_minimum = 0
        for stat in self.stats:
            stat.on_resized = self._fold_to_width

    def _button(self, tip: str, name: str, size: int) -> QToolButton:
        button = QToolButton()
        button.setIconSize(QSize(size // 2, size // 2))
        button.setToolTip(tip)
        button.setObjectName(name)
        button.setFixedSize(QSize(size, size))
        button.setFocusPolicy(Qt.NoFocus)  # Space belongs to play/pause, not the focused button
        return button

    def fix_sizes(self) -> None:
        """Fit the fields to their widest values in the current fonts."""
        for stat in self.stats:
            stat.fix_size()
        self._fit_speed_label()
        self._fold_to_width()

    def folded(self) -> list[QWidget]:
        """The parts folded away now for lack of width."""
        return [w for w in self.foldable if w.isHidden()]

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        if self._folded_minimum:  # narrower is fine: parts fold away (see _fold_to_width)
            hint.setWidth(min(hint.width(), self._folded_minimum))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fold_to_width()

    def _fold_to_width(self) -> None:
        """Show as many of the foldable parts as the bar's width holds, in order."""
        layout = self.layout()
        for widget in self.foldable:
            widget.setVisible(False)
        layout.invalidate()
        self._folded_minimum = layout.minimumSize().width()
        for widget in self.foldable[::-1]:  # the last to fold is the first to show
            widget.setVisible(True)
            layout.invalidate()
            if layout.minimumSize().width() > self.width():
                widget.setVisible(False)
                layout.invalidate()
                break
        self.updateGeometry()

    def _fit_speed_label(self) -> None:
        self.speed_label.ensurePolished()
        metrics = self.speed_label.fontMetrics()
        width = max(metrics.horizontalAdvance(pace_text(p)) for p in PACES) + 8
        if self.speed_label.width() != width or self.speed_label.minimumWidth() != width:
            self.speed_label.setFixedWidth(width)
            if hasattr(self, "foldable"):
                self._fold_to_width()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.speed_label and event.type() in (QEvent.FontChange,
                                                             QEvent.StyleChange):
            self._fit_speed_label()
        return False

    def set_dark(self, dark: bool) -> None:
        """Icon colours for the theme (the play button stays white on blue)."""
        self._icon_color = "#e6e6e6" if dark else "#3c4043"
        accent = "#2f8fd8" if dark else "#0877bd"  # the play button's blue
        line = "#4a4d52" if dark else "#c9ced6"
        self.max_button.setStyleSheet(
            f"QToolButton {{ border: 1px solid {line}; border-radius: 4px; padding: 2px 4px; }}"
            f"QToolButton:checked {{ background: {accent}; color: white; "
            f"border-color: {accent}; }}")
        self.reset_button.setIcon(paint_icon("reset", self._icon_color))
        self.step_button.setIcon(paint_icon("step", self._icon_color))
        self.set_playing(self._playing)

    def set_playing(self, playing: bool) -> None:
        """Show whether the worker is training: the button's icon follows its real state."""
        self._playing = playing
        self.play_button.setIcon(paint_icon("pause" if playing else "play", "#ffffff", 26))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.play_button.setProperty("playing", playing)

    def is_playing(self) -> bool:
        """What the play button shows now (pause icon = True)."""
        return self._playing

    # ------------------------------------------------------------ pace
    def pace(self) -> float | None:
        """Epochs per second chosen now; None is Max."""
        return PACES[self.speed.value()]

    def set_pace(self, pace: float | None) -> None:
        """Choose `pace` epochs/s (None: Max); a pace between two stops takes the nearer
        one on the log scale."""
        self.speed.setValue(nearest_pace_index(pace))

    def set_steps_per_epoch(self, steps: int) -> None:
        """The data and batch size decide how many steps an epoch is (tooltips say so)."""
        self._steps_per_epoch = max(int(steps), 1)
        self._update_speed_tip()

    def steps_per_epoch(self) -> int:
        return self._steps_per_epoch

    def speed_limit(self) -> float | None:
        """The pace as the worker's limit, in training steps per second (None: no limit)."""
        return steps_per_second_limit(self.pace(), self._steps_per_epoch)

    def _on_slider(self, index: int) -> None:
        pace = PACES[index]
        if pace is not None:
            self._pace_before_max = pace
        self.speed_label.setText(pace_text(pace))
        self.max_button.setChecked(pace is None)
        self._update_speed_tip()
        self.pace_changed.emit(pace)

    def _on_max(self, checked: bool) -> None:
        self.set_pace(None if checked else self._pace_before_max)
        self.max_button.setChecked(self.pace() is None)

    def _update_speed_tip(self) -> None:
        pace = self.pace()
        steps = self._steps_per_epoch
        unit = "step" if steps == 1 else "steps"
        if pace is None:
            now = "Max: as fast as training goes"
        else:
            now = f"{pace_text(pace)} = {pace * steps:,.0f} training steps/s"
        self.speed.setToolTip(f"Pace, from 1 epoch a second to as fast as it goes.\n{now} "
                              f"({steps} {unit} per epoch)")
        self.speed_label.setToolTip(self.speed.toolTip())

    # ------------------------------------------------------------ numbers
    def show_numbers(self, snapshot, steps_per_second: float, playing: bool) -> None:
        """Fill the numbers from a Snapshot; the speed in epochs/s (steps/s in the tip)."""
        self.epoch.set_text(format_epoch(snapshot.epoch))
        rate = steps_per_second / self._steps_per_epoch
        self.epochs_per_second.set_text(format_rate(rate) if playing else "\u2014")
        slow = playing and self.pace() is None and 0 < steps_per_second < SLOW_STEPS_PER_SECOND
        self.set_slow(slow)
        if playing and steps_per_second > 0:
            self.epochs_per_second.setToolTip(
                f"{SLOW_TIP if slow else RATE_TIP}: {rate:,.1f} epochs/s = "
                f"{steps_per_second:,.0f} training steps/s")
        self.train_loss.set_text(format_loss(snapshot.train_loss))
        self.test_loss.set_text(format_loss(snapshot.test_loss))
        self.train_accuracy.set_text(format_accuracy(snapshot.train_accuracy))
        self.test_accuracy.set_text(format_accuracy(snapshot.test_accuracy))

    def set_slow(self, slow: bool) -> None:
        """Say that training runs slowly: "EPOCHS/S · SLOW" in the caption, and why."""
        stat = self.epochs_per_second
        caption = "EPOCHS/S \u00b7 SLOW" if slow else "EPOCHS/S"
        if stat.caption.text() != caption:  # only on a change: no relayout per frame
            stat.caption.setText(caption)
            stat.setToolTip(SLOW_TIP if slow else RATE_TIP)
            stat.caption.setStyleSheet("color: #e8710a;" if slow else "")

    def is_slow(self) -> bool:
        return self.epochs_per_second.caption.text().endswith("SLOW")


def nearest_pace_index(pace: float | None) -> int:
    """The slider stop nearest `pace` epochs/s on the log scale (None or inf: Max)."""
    if pace is None or not math.isfinite(pace):
        return len(PACES) - 1
    stops = [p for p in PACES if p is not None]
    pace = max(float(pace), 1e-9)
    return min(range(len(stops)), key=lambda i: abs(math.log(stops[i] / pace)))
