"""app/controls/playback.py, the top bar, driven like a user: the pace in epochs/s, Max,
the header numbers, focus."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSlider, QComboBox
from user_actions import frame_step, session
from window_helpers import close_window, shown_window, until

from app.classroom import Classroom
from app.controls.playback import (
    ACCURACY_TEXTS,
    DEFAULT_PACE,
    EPOCH_TEXTS,
    LOSS_TEXTS,
    PACES,
    RATE_TEXTS,
    format_accuracy,
    format_epoch,
    format_loss,
    format_rate,
    nearest_pace_index,
    pace_text,
    steps_per_second_limit,
)
from app.parts import window_parts
from engine.io import make_custom_dataset


@pytest.fixture
def window(qtbot, tmp_path):
    made = shown_window(qtbot, tmp_path, size=(1024, 768))
    yield made
    close_window(made)


@pytest.fixture
def limits(window, monkeypatch):
    """Every speed limit the window sends the worker, in steps per second."""
    sent: list = []
    real = window.presenter.set_speed

    def record(limit):
        sent.append(limit)
        real(limit)

    monkeypatch.setattr(window.presenter, "set_speed", record)
    return sent


def click_slider_end(qtbot, slider, right: bool) -> None:
    """A click on the groove near one end: the handle moves one stop that way."""
    x = slider.width() - 3 if right else 3
    qtbot.mouseClick(slider, Qt.LeftButton, pos=QPoint(x, slider.height() // 2))


def test_paces_are_a_log_scale_from_one_epoch_a_second_to_max():
    stops = [p for p in PACES if p is not None]
    assert stops[0] == 1 and PACES[-1] is None
    ratios = np.diff(np.log10(stops))
    assert np.all(ratios > 0.2) and np.all(ratios < 0.45)  # 1-2-5: even steps in log
    assert nearest_pace_index(30) == PACES.index(20) or nearest_pace_index(30) == PACES.index(50)
    assert nearest_pace_index(float("inf")) == len(PACES) - 1
    assert pace_text(1) == "1 epoch/s" and pace_text(20) == "20 epochs/s"


def test_pace_in_epochs_per_second_becomes_steps_per_second(window, qtbot, limits):
    bar = window.playback
    assert bar.pace() == DEFAULT_PACE and bar.speed_label.text() == "20 epochs/s"
    assert bar.steps_per_epoch() == 16  # 160 training points, batch 10
    assert bar.speed_limit() == 20 * 16
    click_slider_end(qtbot, bar.speed, right=False)
    assert bar.pace() == 10 and bar.speed_label.text() == "10 epochs/s"
    assert limits[-1] == 10 * 16
    assert "160 training steps/s" in bar.speed.toolTip()
    window.change_config({"batch_size": 20})  # an epoch is now 8 steps: same epochs/s
    until(qtbot, lambda: bar.steps_per_epoch() == 8)
    assert limits[-1] == 10 * 8
    window.change_config({"batch_size": 0})  # full batch: one step an epoch
    until(qtbot, lambda: bar.steps_per_epoch() == 1)
    assert limits[-1] == 10
    assert window.settings.load_int("pace", 0, 0, 1000) == 10


def test_max_is_one_click_away_and_a_second_click_comes_back(window, qtbot, limits):
    bar = window.playback
    click_slider_end(qtbot, bar.speed, right=True)
    assert bar.pace() == 50
    qtbot.mouseClick(bar.max_button, Qt.LeftButton)
    assert bar.pace() is None and bar.speed_label.text() == "Max" and limits[-1] is None
    assert bar.max_button.isChecked()
    qtbot.mouseClick(bar.max_button, Qt.LeftButton)
    assert bar.pace() == 50 and limits[-1] == 50 * 16 and not bar.max_button.isChecked()


def test_pace_label_is_beside_the_slider_and_whole_at_every_stop(window):
    bar = window.playback
    for index in range(len(PACES)):
        bar.speed.setValue(index)
        label, slider = bar.speed_label, bar.speed
        assert not label.geometry().intersects(slider.geometry())
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()


def test_right_arrow_steps_an_epoch_at_start(window, qtbot):
    focus = window.focusWidget()
    assert focus is not None
    assert not isinstance(focus, QAbstractSlider | QComboBox)
    pace = window.playback.speed.value()
    qtbot.keyClick(focus, Qt.Key_Right)
    until(qtbot, lambda: window.last_frame().snapshot.epoch == 1)
    assert window.playback.speed.value() == pace
    assert window.playback.speed.focusPolicy() == Qt.NoFocus


def stats_fit(bar) -> list[str]:
    """Texts of the header that would not fit their field whole (at the current fonts)."""
    cut = []
    widest = {bar.epoch: EPOCH_TEXTS, bar.epochs_per_second: RATE_TEXTS,
              bar.train_loss: LOSS_TEXTS, bar.test_loss: LOSS_TEXTS,
              bar.train_accuracy: ACCURACY_TEXTS, bar.test_accuracy: ACCURACY_TEXTS}
    for stat, texts in widest.items():
        old = stat.text()
        for text in (*texts, format_loss(7.1e21), "1.23M"):
            if text in ("1.23M",) and stat is not bar.epoch:
                continue
            if stat not in (bar.train_loss, bar.test_loss) and "e+" in text:
                continue
            stat.set_text(text)
            if not stat.fits():
                cut.append(f"{stat.caption.text()}: {text}")
        stat.set_text(old)
    shown = [w for w in (bar.reset_button, bar.play_button, bar.step_button, bar.pace_box,
                         *bar.stats) if w.isVisible()]
    for widget in shown:  # whole inside the bar, at its own minimum width, no overlaps
        if not bar.rect().contains(widget.geometry()):
            cut.append(f"{widget.objectName() or widget} outside the bar")
        if widget.width() < widget.minimumSizeHint().width():
            cut.append(f"{widget.objectName() or widget} squeezed")
        cut += [f"{widget} overlaps {other}" for other in shown
                if other is not widget and widget.geometry().intersects(other.geometry())]
    return cut


def test_header_numbers_are_whole_at_1024x768_and_in_presentation_mode(window, qtbot):
    bar = window.playback
    assert bar.width() <= 1024
    assert bar.folded() == []  # at 1024 px with normal fonts everything shows
    assert stats_fit(bar) == []
    qtbot.mouseClick(bar.max_button, Qt.LeftButton)  # checked, it is drawn larger
    qtbot.wait(20)
    assert bar.folded() == [] and stats_fit(bar) == []
    presentation = Classroom(window_parts(window)).presentation
    before = bar.train_loss.value.width()
    presentation.set_active(True)
    window.showNormal()  # the offscreen screen is not a 1024 px projector: be one
    window.resize(1024, 768)
    until(qtbot, lambda: bar.train_loss.value.width() > before)  # refitted to the new font
    until(qtbot, lambda: bar.width() <= window.width() == 1024)  # the header spans it
    qtbot.wait(50)
    assert stats_fit(bar) == []
    assert bar.epoch.isVisible() and bar.train_accuracy.isVisible()  # never folded
    axis = window.loss_chart.plot.getAxis("left")  # larger axis text, the same numbers
    assert axis.autoSIPrefixScale == 1.0 and "(x" not in axis.labelString()
    presentation.set_active(False)
    until(qtbot, lambda: bar.train_loss.value.width() == before)
    window.resize(1024, 768)
    until(qtbot, lambda: bar.folded() == [])  # normal fonts: everything shows again
    assert stats_fit(bar) == []


def test_legend_and_header_show_the_same_numbers_every_frame(window, qtbot):
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, window.is_playing)
    seen = set()
    for _ in range(40):
        qtbot.wait(25)
        header = window.playback.train_loss.text()
        assert window.loss_chart.legend.text("training loss") == f"training loss {header}"
        test = window.playback.test_loss.text()
        assert window.loss_chart.legend.text("test loss") == f"test loss {test}"
        seen.add(header)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    assert len(seen) > 3  # the numbers moved while we compared


def test_header_speed_is_in_epochs_per_second(window, qtbot):
    qtbot.mouseClick(window.playback.max_button, Qt.LeftButton)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.playback.epochs_per_second.text() not in ("\u2014", ""))
    bar = window.playback
    assert bar.epochs_per_second.caption.text().startswith("EPOCHS/S")
    tip = bar.epochs_per_second.toolTip()
    epochs, steps = re.search(r"([\d,.]+) epochs/s = ([\d,]+) training steps/s", tip).groups()
    epochs, steps = float(epochs.replace(",", "")), float(steps.replace(",", ""))
    assert steps == pytest.approx(16 * epochs, rel=0.02, abs=16)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: not window.is_playing())


def test_clearing_every_point_while_playing_stops_and_says_so(window, qtbot):
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.last_frame().snapshot.epoch >= 2)
    window.set_points(make_custom_dataset(np.zeros((0, 2)), np.zeros(0), "classification"))
    until(qtbot, lambda: not window.is_playing())
    assert not window.playback.is_playing()
    assert window.playback.play_button.toolTip() == "Play (Space)"
    assert "no training points" in window.banner.text()


def test_play_right_after_loading_a_session_with_points_is_not_refused(window, qtbot):
    """After all points were cleared, a new session with points plays at once (the long
    monkey found Play refused until the worker's answer came)."""
    from engine.config import SessionConfig
    from engine.session import TrainingSession

    window.set_points(make_custom_dataset(np.zeros((0, 2)), np.zeros(0), "classification"))
    until(qtbot, lambda: "no training points" in window.banner.text())
    window.load_session(TrainingSession(SessionConfig()))
    window.play()  # at once, before the worker has answered
    until(qtbot, window.is_playing)
    assert "no training points" not in window.banner.text()
    window.pause()


def test_header_formats_keep_their_width_and_never_show_nan():
    assert (format_epoch(42), format_epoch(999_999)) == ("000,042", "999,999")
    assert format_epoch(1_234_567) == "1.23M"
    assert (format_rate(2.345), format_rate(12_345.6), format_rate(0.0)) == (
        "2.3", "12,346", "\u2014")
    assert (format_accuracy(0.875), format_accuracy(float("nan"))) == ("87.5%", "\u2014")
    assert format_loss(float("inf")) == "\u2014"
    assert steps_per_second_limit(20, 16) == 320.0
    assert steps_per_second_limit(None, 16) is None  # Max: no limit
    assert steps_per_second_limit(5, 0) == 5.0  # no points yet: one step an epoch


def test_speed_slider_slows_training(window, qtbot):
    window.change_config({"batch_size": 0})  # one step an epoch
    until(qtbot, lambda: window.playback.steps_per_epoch() == 1)
    window.playback.set_pace(10)
    assert window.playback.speed_label.text() == "10 epochs/s"
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: frame_step(window) >= 3)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: not window.is_playing())
    # At full speed this many frames would hold hundreds of steps.
    assert session(window, lambda s: s.step_count) < 100
