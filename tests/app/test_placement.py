"""app/placement.py: a window and its frame fitted to the free area of its screen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from app.placement import FRAME_ALLOWANCE, available_geometry, fit_to_screen, keep_on_screen


def test_a_window_that_fits_stays_where_it_is():
    screen = QRect(0, 0, 1920, 1080)
    window = QRect(100, 100, 800, 600)
    assert fit_to_screen(window, screen) == window


def test_a_window_too_big_shrinks_to_the_screen_less_its_frame():
    projector = QRect(0, 0, 1024, 768)
    fitted = fit_to_screen(QRect(0, 0, 1280, 800), projector)
    assert fitted.width() == 1024 - FRAME_ALLOWANCE[0]
    assert fitted.height() == 768 - FRAME_ALLOWANCE[1]
    assert projector.contains(fitted)


@pytest.mark.parametrize("where", [(-500, -300), (1500, 900), (300, 2000)])
def test_a_window_off_screen_comes_back_with_its_title_bar(where):
    screen = QRect(0, 0, 1366, 768)
    fitted = fit_to_screen(QRect(*where, 800, 600), screen)
    assert fitted.size() == QRect(0, 0, 800, 600).size()
    assert fitted.top() >= FRAME_ALLOWANCE[1] - FRAME_ALLOWANCE[0] // 2  # title bar shows
    assert fitted.right() + FRAME_ALLOWANCE[0] // 2 <= screen.right()
    assert fitted.bottom() + FRAME_ALLOWANCE[0] // 2 <= screen.bottom()


def test_a_second_screen_to_the_right_is_its_own_area():
    right = QRect(1920, 0, 1280, 1024)
    fitted = fit_to_screen(QRect(100, 100, 800, 600), right)
    assert right.contains(fitted)


def test_keep_on_screen_moves_a_real_window(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    available = available_geometry(widget)
    assert available is not None
    widget.setGeometry(available.right() - 50, available.bottom() - 50, 400, 300)
    keep_on_screen(widget)
    assert available.contains(widget.geometry())
    keep_on_screen(widget, centre=True)
    assert abs(widget.geometry().center().x() - available.center().x()) <= FRAME_ALLOWANCE[0]
