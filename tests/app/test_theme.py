"""app/theme.py: palettes, and the window's one style sheet holding both themes.

A theme switch flips the window's "dark" property and re-polishes only the widgets whose
rules differ between the themes; these tests check that everything is still coloured as
the theme says, both ways, and that the colour-blind switch leaves the style alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QImage
from window_helpers import until

from app.controls import window_style_sheet
from app.theme import (
    PALETTES,
    apply_qt_theme,
    get_palette,
    hex_to_rgb,
    themed_selectors,
    two_theme_style_sheet,
)

LIGHT = """
QGroupBox { background: #ffffff; border: 1px solid #dadce0; }
QLabel#same { font-size: 8pt; }
QToolButton[objectName^="dataset_"]:checked { border-color: #0877bd; }
QFrame#card::title, QLabel#hint { color: #5f6368; }
"""
DARK = (LIGHT.replace("#ffffff", "#26282b").replace("#0877bd", "#2f8fd8")
        .replace("#5f6368", "#9aa0a6"))


def pixels(image: QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    return raw.reshape(height, stride)[:, :width * 3].reshape(height, width, 3).copy()


def commonest(image: QImage) -> str:
    """The colour covering most of the picture, '#rrggbb'."""
    flat = pixels(image).reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return QColor(*(int(v) for v in colours[counts.argmax()])).name()


def has_colour(image: QImage, color: str, tolerance: int = 12) -> bool:
    target = np.array(QColor(color).getRgb()[:3])
    return bool(np.any(np.all(np.abs(pixels(image).astype(int) - target) <= tolerance,
                              axis=2)))


def settle(window, qtbot) -> None:
    """Wait for the switch's re-polish and recolouring (a slice per event-loop turn) and
    the repaints."""
    until(qtbot, window.settled)
    qtbot.wait(20)


# ------------------------------------------------------------------ the sheet
def test_two_theme_sheet_scopes_each_rule_under_the_property():
    sheet = two_theme_style_sheet(LIGHT, DARK, "QMainWindow")
    assert 'QMainWindow[dark="false"] QGroupBox { background: #ffffff;' in sheet
    assert 'QMainWindow[dark="true"] QGroupBox { background: #26282b;' in sheet
    # Every selector of a list is scoped, not only the first.
    assert ('QMainWindow[dark="true"] QFrame#card::title, QMainWindow[dark="true"] '
            'QLabel#hint { color: #9aa0a6; }') in sheet
    assert sheet.count("{") == 2 * LIGHT.count("{")


def test_themed_selectors_are_those_whose_rules_differ():
    assert themed_selectors(LIGHT, DARK) == [("QGroupBox", "", False),
                                             ("QToolButton", "dataset_", True),
                                             ("QFrame", "card", False),
                                             ("QLabel", "hint", False)]
    assert themed_selectors(LIGHT, LIGHT) == []


def test_the_windows_sheets_differ_only_in_colours():
    """What lets a switch skip re-laying out: sizes, fonts and paddings are the same."""
    def without_colours(sheet: str) -> str:
        import re

        return re.sub(r"#[0-9a-fA-F]{6}\b", "#colour", sheet)

    assert window_style_sheet(False) != window_style_sheet(True)
    assert without_colours(window_style_sheet(False)) == without_colours(
        window_style_sheet(True))


# ------------------------------------------------------------------ the window
def test_dark_switch_colours_the_cards_and_buttons_and_back(window, qtbot):
    light_card = commonest(window.training_panel.grab().toImage())
    assert light_card == "#ffffff"
    window.dark_action.trigger()
    settle(window, qtbot)
    assert commonest(window.training_panel.grab().toImage()) == "#26282b"
    assert has_colour(window.playback.grab().toImage(), "#2f8fd8")  # the play button
    assert has_colour(window.features_panel.grab().toImage(), "#2f8fd8")  # a chosen feature
    window.dark_action.trigger()
    settle(window, qtbot)
    assert commonest(window.training_panel.grab().toImage()) == light_card
    assert has_colour(window.playback.grab().toImage(), "#0877bd")
    assert not has_colour(window.playback.grab().toImage(), "#2f8fd8", tolerance=4)


def test_theme_there_and_back_leaves_the_window_as_it_was(window, qtbot):
    window.pause()
    until(qtbot, lambda: not window.is_playing())
    settle(window, qtbot)
    before = pixels(window.grab().toImage())
    for action in (window.dark_action, window.colorblind_action):
        action.trigger()
        settle(window, qtbot)
        assert not np.array_equal(pixels(window.grab().toImage()), before)
        action.trigger()
        settle(window, qtbot)
        assert np.array_equal(pixels(window.grab().toImage()), before), action.text()


def full_repolish(window, qtbot) -> np.ndarray:
    """The window's picture after every widget is styled afresh (as setting the sheet
    again does): what the switch's partial re-polish must look like."""
    window.setStyleSheet(window.styleSheet() + " ")
    settle(window, qtbot)
    return pixels(window.grab().toImage())


def test_switching_looks_the_same_as_restyling_everything(window, qtbot):
    window.pause()
    until(qtbot, lambda: not window.is_playing())
    for _ in range(2):  # dark, then light again
        window.dark_action.trigger()
        settle(window, qtbot)
        switched = pixels(window.grab().toImage())
        assert np.array_equal(switched, full_repolish(window, qtbot))


def test_a_card_made_after_the_switch_has_the_new_theme(window, qtbot):
    window.dark_action.trigger()
    layers = len(window.session_config().hidden)
    window.change_config({"hidden": (3,) * (layers + 1),
                          "activations": ("tanh",) * (layers + 1)})
    until(qtbot, lambda: len(window.session_config().hidden) == layers + 1)
    window.pause()
    until(qtbot, lambda: not window.is_playing())
    settle(window, qtbot)
    cards = window.network_panel.grab().toImage()
    assert not has_colour(cards, "#dadce0", tolerance=0)  # the light theme's card border
    assert np.array_equal(pixels(window.grab().toImage()), full_repolish(window, qtbot))


def test_colour_blind_switch_recolours_thumbnails_and_keeps_the_style(window, qtbot):
    sheet = window.styleSheet()
    button = window.data_panel._buttons["xor"]
    colorblind = get_palette("colorblind")
    assert not has_colour(button.icon().pixmap(72, 72).toImage(), colorblind.class_color(0), 2)
    window.colorblind_action.trigger()
    settle(window, qtbot)
    assert window.styleSheet() == sheet
    assert has_colour(button.icon().pixmap(72, 72).toImage(), colorblind.class_color(0), 2)
    assert window.boundary_view.palette_ == colorblind


def test_palette_lut_runs_from_class0_through_white_to_class1():
    pal = get_palette()
    assert pal.lut.shape == (256, 4) and pal.lut.dtype == np.uint8
    assert tuple(pal.lut[0, :3]) == hex_to_rgb(pal.class_colors[0])
    assert tuple(pal.lut[255, :3]) == hex_to_rgb(pal.class_colors[1])
    assert pal.lut[127:129, :3].min() >= 235  # near-white in the middle
    assert len(pal.class_colors) >= 5
    # TensorFlow Playground's convention: class 0 orange, class 1 blue.
    orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
    assert blue[2] > blue[0] and orange[0] > orange[2]
    assert pal.weight_positive == pal.class_colors[1] and pal.weight_negative == pal.class_colors[0]


def test_colorblind_palette_keeps_the_meaning_of_blue_and_orange():
    for dark in (False, True):
        pal = get_palette("colorblind", dark)
        orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
        assert blue[2] > blue[0] and orange[0] > orange[2]
        assert tuple(pal.lut[255, :3]) == tuple(blue)  # positive outputs are blue
        assert pal.weight_positive == pal.class_colors[1]


def test_colorblind_and_dark_variants_differ():
    assert set(PALETTES) == {"default", "colorblind"}
    assert get_palette("colorblind").class_colors != get_palette().class_colors
    dark = get_palette(dark=True)
    assert sum(hex_to_rgb(dark.background)) < 150 < sum(hex_to_rgb(dark.foreground))
    with pytest.raises(ValueError, match="unknown palette 'neon'"):
        get_palette("neon")


def test_lut_for_classes_has_one_band_per_class():
    pal = get_palette()
    lut = pal.lut_for_classes(4)
    assert lut.shape == (256, 4)
    for c in range(4):
        assert tuple(lut[c * 64 + 63, :3]) == hex_to_rgb(pal.class_colors[c])
        assert tuple(lut[c * 64, :3]) == hex_to_rgb(pal.neutral)


def test_apply_qt_theme_dark_then_light(qapp):
    apply_qt_theme(qapp, dark=True)
    assert qapp.style().name().lower() == "fusion"
    assert qapp.palette().window().color().lightness() < 80
    apply_qt_theme(qapp, dark=False)
    assert qapp.palette().window().color().lightness() > 180



def test_a_switch_recolours_over_event_loop_turns_and_ends_whole(window, qtbot):
    """The click itself only flips the theme: widgets and views take their new colours
    over the next event-loop turns (at once it cost 45-70 ms while training ran), and
    every view ends in the new palette."""
    light = window.boundary_view.palette_
    turns = []
    ticker = QTimer(window)  # counts event-loop turns until everything is recoloured
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: turns.append(window.settled()))
    ticker.start()
    window.dark_action.trigger()
    assert not window.settled() and window.boundary_view.palette_ is light
    until(qtbot, window.settled)
    ticker.stop()
    assert turns.count(False) >= 4  # each view and restyle slice had a turn of its own
    dark = get_palette(dark=True)
    for view in (window.boundary_view, window.network_view, window.loss_chart):
        assert view.palette_ == dark
