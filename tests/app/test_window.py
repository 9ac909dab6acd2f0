"""app/window.py driven like a user: playing, keys and menus, messages, theme, settings
and closing; the session must follow. Each control group and the weight editor have their
own test modules (tests/app/controls/, test_weight_editor.py)."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from engine_reader import run_in_engine
from PySide6.QtCore import QSettings, Qt, QtMsgType
from PySide6.QtGui import QColor
from user_actions import choose, frame_step, play_some, session, type_into
from window_helpers import close_window, shown_window, until

from app.controls.playback import format_epoch
from app.settings import Settings
from app.theme import get_palette
from app.window import MainWindow
from engine.config import SessionConfig
from engine.session import TrainingSession


def make_settings(tmp_path) -> Settings:
    """Settings in a file under tmp_path: tests never touch the user's real settings."""
    return Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))


@pytest.fixture
def open_window(qtbot, tmp_path):
    """open_window(settings=None) -> a shown MainWindow; all are closed and checked after."""
    windows: list[MainWindow] = []

    def make(settings: Settings | None = None, **kwargs) -> MainWindow:
        window = MainWindow(settings=settings or make_settings(tmp_path), **kwargs)
        window.show()
        windows.append(window)
        until(qtbot, lambda: window.last_frame() is not None)
        return window

    yield make
    for window in windows:
        window.close()
        assert not window.worker_running()


@pytest.fixture
def window(open_window) -> MainWindow:
    return open_window()


# ------------------------------------------------------------------ playing


def test_play_pause_step_reset_with_buttons(window, qtbot):
    assert window.playback.epoch.text() == format_epoch(0)
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.is_playing())
    assert "Pause" in window.playback.play_button.toolTip()
    until(qtbot, lambda: window.playback.epoch.text() not in (format_epoch(0), format_epoch(1)))

    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: not window.is_playing())
    paused_at = session(window, lambda s: s.step_count)
    qtbot.wait(200)
    assert session(window, lambda s: s.step_count) == paused_at

    epoch = session(window, lambda s: s.epoch)
    qtbot.mouseClick(window.playback.step_button, Qt.LeftButton)
    until(qtbot, lambda: window.last_frame().snapshot.epoch == epoch + 1)
    assert window.playback.epoch.text() == format_epoch(epoch + 1)

    qtbot.mouseClick(window.playback.reset_button, Qt.LeftButton)
    until(qtbot, lambda: frame_step(window) == 0)
    assert window.playback.epoch.text() == format_epoch(0)
    assert session(window, lambda s: (s.step_count, len(s.history))) == (0, 1)


def test_keyboard_shortcuts(window, qtbot):
    qtbot.keyClick(window, Qt.Key_Right)
    until(qtbot, lambda: window.last_frame().snapshot.epoch == 1)
    qtbot.keyClick(window, Qt.Key_Space)
    until(qtbot, lambda: window.is_playing())
    qtbot.keyClick(window, Qt.Key_Space)
    until(qtbot, lambda: not window.is_playing())
    assert session(window, lambda s: s.step_count) > 0
    qtbot.keyClick(window, Qt.Key_R)
    until(qtbot, lambda: frame_step(window) == 0)
    for button, key in ((window.playback.play_button, "Space"),
                        (window.playback.step_button, "Right"),
                        (window.playback.reset_button, "(R)")):
        assert key in button.toolTip()
    menus = [a.text() for a in window.help_menu.actions()]
    assert "Keyboard shortcuts" in menus and "About Neuroplay" in menus
    assert window.fullscreen_action.shortcut().toString() == "F11"


def test_loss_chart_and_numbers_follow_training(window, qtbot):
    play_some(qtbot, window, epochs=5)
    final = session(window, lambda s: (s.step_count, np.array(s.history)))
    until(qtbot, lambda: frame_step(window) == final[0])
    until(qtbot, lambda: len(window.loss_chart.history) == len(final[1]))
    np.testing.assert_array_equal(window.loss_chart.history, final[1])
    snap = window.last_frame().snapshot
    assert window.playback.train_loss.text() == f"{snap.train_loss:.3f}"
    assert window.playback.test_accuracy.text() == f"{snap.test_accuracy * 100:.1f}%"


# ------------------------------------------------------------------ resets


def test_dataset_thumbnail_resets_and_says_so(window, qtbot):
    play_some(qtbot, window)
    qtbot.mouseClick(window.data_panel._buttons["xor"], Qt.LeftButton)
    until(qtbot, lambda: session(window, lambda s: s.config.dataset) == "xor")
    until(qtbot, lambda: frame_step(window) == 0)
    until(qtbot, lambda: window.banner.text() == "Network reset: the data changed.")
    assert window.playback.epoch.text() == format_epoch(0)
    assert window.session_config().dataset == "xor"


# ------------------------------------------------------------------ divergence


def test_divergence_pauses_and_explains(window, qtbot):
    choose(qtbot, window.training_panel.loss, "mse")
    type_into(qtbot, window.training_panel.learning_rate.lineEdit(), "100")
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.banner.text().startswith("Training diverged after epoch"))
    until(qtbot, lambda: not window.is_playing())
    text = window.banner.text()
    assert "too large to compute" in text and "(try 0.03)" in text and "Reset" in text
    snap = window.last_frame().snapshot
    assert snap.diverged
    assert all(np.all(np.isfinite(w)) for w in snap.weights)
    assert f"after epoch {snap.epoch:,}:" in text  # the header's unit, the header's count
    assert " step" not in text  # one vocabulary: epochs
    assert re.search(r"\d{7,}", text) is None  # a loss as 1.2e+21, not a wall of digits
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)  # again: the same words
    until(qtbot, lambda: window.banner.kind() == "error")
    assert window.banner.text() == text
    qtbot.mouseClick(window.playback.reset_button, Qt.LeftButton)
    until(qtbot, lambda: not window.last_frame().snapshot.diverged)
    assert window.banner.text() == ""


# ------------------------------------------------------------------ closing and settings


def test_close_during_training_stops_the_thread_quietly(open_window, qtbot, qtlog):
    window = open_window()
    qtbot.mouseClick(window.playback.play_button, Qt.LeftButton)
    until(qtbot, lambda: window.last_frame().snapshot.epoch >= 2)
    window.close()
    assert not window.worker_running()
    messages = [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg]
    assert not [m for m in messages if "thread" in m.lower() or "timer" in m.lower()]


def test_settings_survive_a_restart(open_window, qtbot, tmp_path):
    first = open_window()
    type_into(qtbot, first.training_panel.learning_rate.lineEdit(), "0.3")
    qtbot.mouseClick(first.network_panel.add_layer, Qt.LeftButton)
    qtbot.mouseClick(first.show_test, Qt.LeftButton)
    first.resize(1000, 700)  # the narrowest allowed; the 800 px offscreen screen clamps wider
    first.centralWidget().layout().activate()  # the splitter takes its new width now
    first.main_splitter.setSizes([300, 400, 400])
    sizes = first.main_splitter.sizes()
    first.close()

    second = open_window()
    c = second.session_config()
    assert (c.learning_rate, c.hidden) == (0.3, (8, 4, 4))
    assert session(second, lambda s: s.config) == c
    assert second.show_test.isChecked()
    assert (second.width(), second.height()) == (1000, 700)
    assert second.main_splitter.sizes() == sizes


@pytest.mark.parametrize("stored", [
    "{not json", json.dumps({"learning_rate": "fast"}), json.dumps({"hidden": [99]}),
    json.dumps(["a list"]), json.dumps({"unknown": 1}),
])
def test_bad_stored_settings_fall_back_to_defaults(open_window, tmp_path, stored):
    store = QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat)
    store.setValue("session/config", stored)
    store.setValue("window/geometry", "garbage")
    store.setValue("view/speed", "very fast")
    store.sync()
    window = open_window(Settings(store))
    assert window.session_config() == SessionConfig()


# ------------------------------------------------------------------ look


def has_colour(image, color: str, tolerance: int = 40) -> bool:
    target = np.array(QColor(color).getRgb()[:3])
    ptr = image.convertToFormat(image.Format.Format_RGB888)
    width, height, stride = ptr.width(), ptr.height(), ptr.bytesPerLine()
    raw = np.frombuffer(ptr.constBits(), np.uint8, count=stride * height)
    pixels = raw.reshape(height, stride)[:, :width * 3].reshape(height, width, 3)
    return bool(np.any(np.all(np.abs(pixels.astype(int) - target) <= tolerance, axis=2)))


def test_rendered_window_is_not_blank_and_shows_both_classes(window, qtbot):
    play_some(qtbot, window, epochs=3)
    image = window.grab().toImage()
    assert image.width() >= 1000
    small = image.scaled(160, 100)
    colours = {small.pixel(x, y) for x in range(160) for y in range(100)}
    assert len(colours) > 50
    boundary = window.boundary_view.grab().toImage()
    palette = get_palette()
    assert has_colour(boundary, palette.class_color(0))
    assert has_colour(boundary, palette.class_color(1))


def test_dark_theme_and_colorblind_palette(window, qtbot):
    window.dark_action.trigger()
    until(qtbot, window.settled)  # the views recolour one per event-loop turn
    assert window.boundary_view.palette_.dark
    assert window.settings.load_bool("dark", False)
    window.colorblind_action.trigger()
    until(qtbot, window.settled)  # the views recolour one per event-loop turn
    assert window.network_view.palette_ == get_palette("colorblind", dark=True)
    boundary = window.boundary_view.grab().toImage()
    assert has_colour(boundary, get_palette("colorblind", dark=True).class_color(1))


def test_load_session_shows_it(window, qtbot):
    play_some(qtbot, window, epochs=1)
    config = SessionConfig(dataset="circles", hidden=(5,), activations=("tanh",))
    window.load_session(TrainingSession(config))
    until(qtbot, lambda: session(window, lambda s: s.config) == config)
    until(qtbot, lambda: [w.shape for w in window.last_frame().snapshot.weights]
          == [(2, 5), (5, 1)])
    assert window.session_config() == config
    assert window.network_panel.layer_count.text() == "1 hidden layer"
    assert window.data_panel._buttons["circles"].isChecked()
    assert window.file_menu.title() == "&File"


def test_lessons_can_hide_control_groups(window):
    window.set_control_group_visible("regularization", False)
    panel = window.training_panel
    form = panel.layout()
    # The rate shares the regularization's row: ask for the row, not the widget.
    assert not form.isRowVisible(panel.row_of(panel.regularization))
    assert not form.isRowVisible(panel.row_of(panel.regularization_rate))
    assert form.isRowVisible(panel.row_of(panel.loss))
    window.set_control_group_visible("data", False)
    assert window.data_panel.isHidden()
    window.set_control_group_visible("data", True)
    window.set_control_group_visible("regularization", True)
    assert not window.data_panel.isHidden()
    assert form.isRowVisible(panel.row_of(panel.regularization_rate))
    with pytest.raises(ValueError, match="unknown hyperparameter group"):
        window.set_control_group_visible("colours", False)


def test_command_line():
    from app.main import parse_args

    args = parse_args(["lesson.neuroplay", "--reset-settings"])
    assert (args.file, args.reset_settings, args.smoke_test) == ("lesson.neuroplay", True, False)
    assert parse_args(["--smoke-test"]).smoke_test


def test_screenshot_saves_a_picture_of_the_trained_window(tmp_path, qapp):
    from PySide6.QtGui import QImage

    from app.screenshot import take_screenshot

    out = take_screenshot(str(tmp_path / "shot.png"), steps=50, size=(1024, 700))
    image = QImage(out)
    assert (image.width(), image.height()) == (1024, 700)
    assert has_colour(image, get_palette().class_color(0))
    assert has_colour(image, get_palette().class_color(1))


def test_shortcuts_work_wherever_the_focus_is_except_in_text_fields(window, qtbot):
    """A focused slider or spin box must not eat Right (step) or Space (play); a text
    field keeps its keys, so typing a learning rate never steps the network."""
    from PySide6.QtWidgets import QApplication

    slider, spin = window.data_panel.noise, window.data_panel.points
    noise, points = slider.value(), spin.value()
    for widget, epoch in ((slider, 1), (spin, 2)):
        widget.setFocus()
        until(qtbot, lambda w=widget: QApplication.focusWidget() is w)
        qtbot.keyClick(widget, Qt.Key_Right)
        until(qtbot, lambda e=epoch: window.last_frame().snapshot.epoch == e)
    assert (slider.value(), spin.value()) == (noise, points)
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_Space)
    until(qtbot, lambda: window.is_playing())
    qtbot.keyClick(slider, Qt.Key_Space)
    until(qtbot, lambda: not window.is_playing())
    assert slider.value() == noise

    field = window.training_panel.learning_rate.lineEdit()  # an editable combo's text
    field.setFocus()
    until(qtbot, lambda: QApplication.focusWidget() is not slider)
    step = session(window, lambda s: s.step_count)
    field.setCursorPosition(0)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Right)
    qtbot.wait(100)
    assert field.cursorPosition() == 1  # the key moved the text cursor...
    assert session(window, lambda s: s.step_count) == step  # ...and trained nothing


def test_help_lists_the_windows_real_shortcuts(window, qtbot):
    """Help > Keyboard shortcuts is read from the actions: an action added later (here
    one with Ctrl+K) appears, and so does every key the menus answer to."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMessageBox

    extra = QAction("Keep this run", window)
    extra.setShortcut(QKeySequence("Ctrl+K"))
    window.training_menu.addAction(extra)
    help_action = next(a for a in window.help_menu.actions()
                       if a.text() == "Keyboard shortcuts")
    help_action.trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    text = boxes[0].text()
    boxes[0].close()
    assert "Ctrl+K" in text and "Keep this run" in text
    for key in ("Space", "Right arrow", "F11", "Ctrl+Q"):
        assert f"<b>{key}</b>" in text
    assert "text field" in text  # says where they do not work


def test_a_closed_window_drops_requests_without_waiting(open_window):
    window = open_window()
    window.close()
    assert not window.worker_running()
    window.play()  # nothing to do it, and nothing waits for an answer
    with pytest.raises(TimeoutError):
        run_in_engine(window, lambda s: s.step_count, timeout_s=0.5)


def test_about_names_the_installed_version(window, qtbot):
    from importlib.metadata import version

    from PySide6.QtWidgets import QMessageBox
    about = next(a for a in window.help_menu.actions() if a.text() == "About Neuroplay")
    about.trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and version("neuroplay") in boxes[0].text()
    assert window.presenter.host_description() in boxes[0].text()  # where the engine runs
    boxes[0].close()


def test_an_older_answer_does_not_undo_newer_changes(window, qtbot):
    """Two changes sent before the worker answers the first: a change the user makes when
    that first answer arrives must build on both, not on the first alone."""
    from PySide6.QtCore import QObject, Slot

    class User(QObject):
        answers = 0

        @Slot(object)
        def on_info(self, _info) -> None:
            self.answers += 1
            if self.answers == 1:
                window.change_config({"data_seed": 5})

    user = User()
    window.presenter.session_changed.connect(user.on_info)
    window.change_config({"learning_rate": 0.3})
    window.change_config({"noise": 0.2})
    until(qtbot, lambda: user.answers >= 3)
    got = session(window, lambda s: (s.config.learning_rate, s.config.noise,
                                     s.config.data_seed))
    assert got == (0.3, 0.2, 5)
    assert window.session_config().noise == 0.2
    assert window.data_panel.noise.value() == 20


def test_a_frame_sent_before_a_reset_is_not_drawn_after_it(window, qtbot):
    """Frames and the reset travel in order, but the window draws a frame a moment after
    it arrives: a reset in that moment must not let the old run's rows onto the chart."""
    import dataclasses

    window.step_epoch()
    until(qtbot, lambda: window.last_frame().snapshot.epoch == 1)
    old = window.last_frame()
    assert len(old.snapshot.history) > 0
    info = dataclasses.replace(window._info, reset=True, reason="")
    window._on_frame(old)  # arrives...
    window._on_session_changed(info)  # ...and a reset right behind it
    qtbot.wait(100)
    assert len(window.loss_chart.history) == 0
    assert window.playback.epoch.text() == format_epoch(0)
    window.step_epoch()  # the worker was told the dropped frame was done: it goes on
    until(qtbot, lambda: window.last_frame().snapshot.epoch == 2)


def test_a_session_change_is_drawn_view_by_view_with_no_frame_between(window, qtbot):
    """While training runs, each session change lays the views out over a few event-loop
    turns (in one slot a lesson step or File > New stalled the window 30-120 ms); no
    frame is drawn on a half-made layout, and the views end showing the new network."""
    unsettled_draws, settled_after_slot = [], []
    draw = window.pacer._draw

    def checked_draw(frame, plan):
        if not window.settled():
            unsettled_draws.append(frame)
        draw(frame, plan)

    window.pacer._draw = checked_draw
    # Connected after the window's own slot: how the window stands when that returns.
    window.presenter.session_changed.connect(
        lambda _info: settled_after_slot.append(window.settled()))
    window.set_pace(None)
    window.play()
    for hidden in ((5,), (3, 4), (6,)):
        drawn = window.frames_drawn
        window.change_config({"hidden": hidden, "activations": ("tanh",) * len(hidden)})
        until(qtbot, lambda hidden=hidden: window.settled()
              and window.network_view.layer_sizes == (2, *hidden, 1))
        until(qtbot, lambda drawn=drawn: window.frames_drawn > drawn + 2)
        cards = [c for c in window.network_panel.cards() if c.isVisible()]
        assert tuple(int(c.count.text()) for c in cards) == hidden
    assert settled_after_slot and not any(settled_after_slot)
    assert unsettled_draws == []


def test_start_up_is_left_out_of_full_collections_once(qtbot, tmp_path, monkeypatch):
    """After the first frame, what start-up made is frozen out of the garbage collector's
    full passes (20-30 ms each on the GUI thread), once per process."""
    import gc

    import app.window as window_module

    gc.unfreeze()
    monkeypatch.setattr(window_module, "_start_up_frozen", False)
    first = shown_window(qtbot, tmp_path / "first")
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the widgets, plot items and pens of start-up
        second = shown_window(qtbot, tmp_path / "second")
        close_window(second)
        assert gc.get_freeze_count() <= frozen  # a second window freezes nothing more
    finally:
        close_window(first)
        gc.unfreeze()
