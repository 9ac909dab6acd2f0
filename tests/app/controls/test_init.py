"""app/controls/__init__.py: the labels of the config's values and the shared combo boxes."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from app.controls import (
    ACTIVATION_LABELS,
    DATASET_LABELS,
    INIT_LABELS,
    LEARNING_RATES,
    LOSS_LABELS,
    OPTIMIZER_LABELS,
    OUTPUT_LABELS,
    PROBLEM_LABELS,
    REGULARIZATION_LABELS,
    REGULARIZATION_RATES,
    SCHEDULE_LABELS,
    ChoiceCombo,
    NumberCombo,
    format_number,
    window_style_sheet,
)
from engine import config


@pytest.mark.parametrize(("labels", "names"), [
    (ACTIVATION_LABELS, config.ACTIVATIONS), (OUTPUT_LABELS, config.OUTPUT_ACTIVATIONS),
    (OPTIMIZER_LABELS, config.OPTIMIZERS), (LOSS_LABELS, config.LOSSES),
    (REGULARIZATION_LABELS, config.REGULARIZATIONS), (SCHEDULE_LABELS, config.SCHEDULES),
    (INIT_LABELS, config.INITS), (PROBLEM_LABELS, config.PROBLEMS),
    (DATASET_LABELS, (*config.DATASETS, config.CUSTOM_DATASET)),
])
def test_every_name_the_engine_knows_has_a_label(labels, names):
    assert set(labels) == set(names)


def test_preset_numbers_are_values_the_engine_accepts():
    for rate in LEARNING_RATES:
        config.SessionConfig(learning_rate=rate)
    for rate in REGULARIZATION_RATES:
        config.SessionConfig(regularization_rate=rate)


def test_format_number_has_no_exponent_and_no_trailing_zeros():
    assert [format_number(v) for v in (0.00001, 3.0, 0.03, 100)] == [
        "0.00001", "3", "0.03", "100"]


def test_choice_combo_shows_labels_and_gives_values(qtbot):
    combo = ChoiceCombo(OPTIMIZER_LABELS)
    qtbot.addWidget(combo)
    got: list[str] = []
    combo.value_changed.connect(got.append)
    combo.set_value("adam")
    assert (combo.value(), combo.currentText(), got) == ("adam", "Adam", [])  # not the user
    index = combo.findData("rmsprop")
    combo.setCurrentIndex(index)  # as a click in the list does, then Qt says "activated"
    combo.activated.emit(index)
    assert got == ["rmsprop"]
    with pytest.raises(ValueError, match="not a choice"):
        combo.set_value("lbfgs")


def test_number_combo_takes_typed_numbers_in_range_only(qtbot):
    combo = NumberCombo((0.1, 1.0), 0.0, 10.0, "The rate")
    qtbot.addWidget(combo)
    values: list[float] = []
    errors: list[str] = []
    combo.value_changed.connect(values.append)
    combo.invalid.connect(errors.append)
    for text in ("2,5", "2.5", "-1", "nan", "fast"):
        combo.lineEdit().setText(text)
        qtbot.keyClick(combo.lineEdit(), Qt.Key_Return)
    assert values == [2.5]  # the same value again emits nothing
    assert len(errors) == 3 and all("from 0 to 10" in e for e in errors)
    assert combo.value() == 2.5 and combo.currentText() == "2.5"


def test_the_style_sheet_differs_light_and_dark():
    assert window_style_sheet(True) != window_style_sheet(False)
    assert "QToolButton#playButton" in window_style_sheet(False)
