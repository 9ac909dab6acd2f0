"""app/banner.py: one message at a time, floating over the panels; info fades, warnings
and errors stay until closed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.banner import OVERLAY_MARGIN, OVERLAY_WIDTH, Banner


@pytest.fixture
def page(qtbot):
    """A 900x500 page with one panel; the banner floats over the panel."""
    root = QWidget()
    root.resize(900, 500)
    panel = QWidget(root)
    QVBoxLayout(root).addWidget(panel)
    banner = Banner(root)
    banner.float_over(panel)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    return root, panel, banner


def test_a_message_shows_and_closes(page, qtbot):
    _, _, banner = page
    assert banner.text() == ""
    banner.show_message("Training diverged", "warning")
    assert (banner.text(), banner.kind()) == ("Training diverged", "warning")
    qtbot.mouseClick(banner._close, Qt.LeftButton)
    assert banner.text() == "" and banner.isHidden()


def test_info_fades_and_warnings_stay(page, qtbot):
    _, _, banner = page
    banner.show_message("Network reset: the data changed.", "info", timeout_ms=50)
    qtbot.waitUntil(lambda: banner.text() == "", timeout=5000)
    banner.show_message("Slow", "warning")
    qtbot.wait(200)
    assert banner.text() == "Slow"
    banner.show_message("Gone soon", "error", timeout_ms=50)  # an error may fade when told
    qtbot.waitUntil(lambda: banner.text() == "", timeout=5000)


def test_a_message_floats_over_the_bottom_of_the_panel_and_moves_nothing(page, qtbot):
    root, panel, banner = page
    before = panel.geometry()
    banner.show_message("A message long enough to need room. " * 3, "error")
    assert panel.geometry() == before
    area = panel.geometry()
    placed = banner.geometry()
    assert area.contains(placed)
    assert placed.width() <= OVERLAY_WIDTH
    assert OVERLAY_MARGIN <= area.bottom() - placed.bottom() <= OVERLAY_MARGIN + 1
    assert abs(placed.center().x() - area.center().x()) <= 1
    root.resize(600, 400)  # it follows the panel
    qtbot.waitUntil(lambda: banner.geometry().width() == panel.width() - 2 * OVERLAY_MARGIN,
                    timeout=5000)


def test_an_unknown_kind_is_refused(page):
    _, _, banner = page
    with pytest.raises(ValueError, match="info, warning, error"):
        banner.show_message("?", "shout")


def test_dark_restyles_the_message(page):
    _, _, banner = page
    banner.show_message("Hello", "info")
    light = banner.styleSheet()
    banner.set_dark(True)
    assert banner.styleSheet() != light and "#1d3047" in banner.styleSheet()
