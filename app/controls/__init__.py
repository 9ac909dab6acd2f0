"""Control panels of the main window, and the small widgets they share.

Each panel shows part of a SessionConfig: `set_config(config)` updates it without
emitting anything, and it emits `changed(dict)` with the fields the user changed.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from engine.config import MAX_REGULARIZATION_RATE

# Names the user reads for the config's values (keyed by engine.config's names; a test
# checks they cover them). Feature labels are the engine's (engine.features.FEATURE_LABELS).
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear",
                     "leaky_relu": "Leaky ReLU", "sin": "Sine", "gaussian": "Gaussian"}
OUTPUT_LABELS = {"auto": "Auto", "linear": "Linear", "relu": "ReLU", "sigmoid": "Sigmoid",
                 "tanh": "Tanh"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                    "rmsprop": "RMSprop", "adam": "Adam"}
LOSS_LABELS = {"auto": "Auto", "mse": "Mean squared error", "bce": "Cross-entropy",
               "hinge": "Hinge", "softmax_ce": "Softmax cross-entropy"}
REGULARIZATION_LABELS = {"none": "None", "l1": "L1", "l2": "L2"}
SCHEDULE_LABELS = {"constant": "Constant", "linear": "Linear decay", "step": "Step decay",
                   "cosine": "Cosine decay"}
INIT_LABELS = {"uniform": "Uniform", "xavier": "Xavier", "he": "He", "zeros": "Zeros"}
PROBLEM_LABELS = {"classification": "Classification", "regression": "Regression"}
DATASET_LABELS = {"moons": "Two moons", "xor": "XOR", "xor_cloud": "XOR cloud",
                  "circles": "Circles", "gaussians": "Gaussians", "spiral": "Spiral",
                  "checkerboard": "Checkerboard", "plane": "Plane",
                  "multi_gaussian": "Gaussian hills", "custom": "Your points"}

# TensorFlow Playground's choices; any other value can be typed.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0,
                        MAX_REGULARIZATION_RATE)


def format_number(value: float) -> str:
    """0.00001 -> "0.00001", 3.0 -> "3": no exponent, no trailing zeros."""
    return np.format_float_positional(float(value), trim="-")


class ChoiceCombo(QComboBox):
    """A combo box over fixed values with labels; emits value_changed(value) on user choice."""

    value_changed = Signal(str)

    def __init__(self, labels: dict[str, str], parent=None):
        super().__init__(parent)
        for value, label in labels.items():
            self.addItem(label, value)
        self.activated.connect(lambda _i: self.value_changed.emit(self.value()))

    def value(self) -> str:
        return self.currentData()

    def set_value(self, value: str) -> None:
        index = self.findData(value)
        if index < 0:
            raise ValueError(f"{value!r} is not a choice here")
        self.setCurrentIndex(index)


class NumberCombo(QComboBox):
    """An editable combo of preset numbers. Typing any number in [low, high] works too.

    value_changed(float) fires when the user picks or types a new valid value;
    invalid(str) carries a message for anything else, and the old value comes back.
    """

    value_changed = Signal(float)
    invalid = Signal(str)

    def __init__(self, presets, low: float, high: float, what: str, parent=None):
        super().__init__(parent)
        self._low, self._high, self._what = low, high, what
        self._value = float(presets[0])
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.NoInsert)
        for v in presets:
            self.addItem(format_number(v), float(v))
        self.activated.connect(self._on_activated)
        self.lineEdit().editingFinished.connect(self._on_edited)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        self._value = float(value)
        index = self.findData(self._value)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(format_number(self._value))

    def _on_activated(self, index: int) -> None:
        self._commit(self.itemText(index))

    def _on_edited(self) -> None:
        self._commit(self.currentText())

    def _commit(self, text: str) -> None:
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not self._low <= value <= self._high:
            self.set_value(self._value)
            self.invalid.emit(f"{self._what} must be a number from {format_number(self._low)} "
                              f"to {format_number(self._high)}, not {text.strip()!r}.")
            return
        if value == self._value:
            self.set_value(value)
            return
        self.set_value(value)
        self.value_changed.emit(value)


def window_style_sheet(dark: bool) -> str:
    """The window's look: titled cards, a round play button, big numbers."""
    line = "#3c3f44" if dark else "#dadce0"
    card = "#26282b" if dark else "#ffffff"
    muted = "#9aa0a6" if dark else "#5f6368"
    soft = "#34373c" if dark else "#eef1f4"
    accent = "#2f8fd8" if dark else "#0877bd"
    selected = "#1d3047" if dark else "#e3effa"
    return f"""
QGroupBox {{
    background: {card}; border: 1px solid {line}; border-radius: 8px;
    margin-top: 16px; padding: 8px 2px 4px 2px;
}}
QGroupBox::title {{
    subcontrol-origin: margin; subcontrol-position: top left; left: 10px; top: 1px;
    padding: 0 4px; color: {muted};
}}
QScrollArea#controlScroll, QWidget#controlColumn, QScrollArea#layerScroll,
QWidget#layerStrip {{ background: transparent; }}
QFrame#playbackBar {{ border-bottom: 1px solid {line}; }}
QLabel#statCaption {{ color: {muted}; font-size: 8pt; }}
QLabel#statValue {{ font-size: 15pt; }}
QLabel#statValueSmall {{ font-size: 10pt; }}
QLabel#layerCount {{ font-weight: 600; }}
QLabel#cardTitle {{ color: {muted}; font-size: 8pt; }}
QFrame#layerCard {{ border: 1px solid {line}; border-radius: 6px; }}
QToolButton#playButton {{
    border-radius: 26px; background: {accent}; color: white; font-size: 20pt;
}}
QToolButton#playButton:hover {{ background: #1a8ad0; }}
QToolButton#resetButton, QToolButton#stepButton {{
    border-radius: 20px; background: {soft}; font-size: 15pt;
}}
QToolButton#resetButton:hover, QToolButton#stepButton:hover {{ background: {line}; }}
QToolButton[objectName^="dataset_"] {{
    border: 2px solid transparent; border-radius: 6px; padding: 2px; font-size: 8pt;
}}
QToolButton[objectName^="dataset_"]:checked {{ border-color: {accent}; background: {selected}; }}
QPushButton[objectName^="feature_"] {{
    border: 1px solid {line}; border-radius: 4px; padding: 4px 2px; background: {soft};
}}
QPushButton[objectName^="feature_"]:checked {{
    background: {accent}; color: white; border-color: {accent};
}}
QFrame#valueEditor {{ background: {card}; border: 1px solid {accent}; border-radius: 6px; }}
QLabel#editorHint {{ color: {muted}; font-size: 8pt; }}
"""
