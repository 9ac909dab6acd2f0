"""Layout: messages never move the panels, quick clicks all count, and at every common
screen size, normal and in presentation mode, every text fits and nothing overlaps."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings, Qt

from app.settings import Settings
from app.window import MainWindow

WAIT_MS = 20000


def until(qtbot, condition) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=WAIT_MS)


@pytest.fixture
def window(qtbot, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))
    window = MainWindow(settings=settings)
    window.show()
    until(qtbot, lambda: window.last_frame() is not None)
    yield window
    window.close()
    assert not window.worker_running()


def test_a_message_does_not_move_the_panels(window, qtbot):
    qtbot.wait(50)
    before = window.main_splitter.geometry()
    network_before = window.network_view.geometry()
    window.banner.show_message("A long message that takes a line. " * 6, "warning")
    qtbot.wait(50)
    assert window.banner.isVisible()
    assert window.main_splitter.geometry() == before
    assert window.network_view.geometry() == network_before
    # It floats over the panels, inside the window, on top.
    central = window.centralWidget()
    assert central.rect().contains(window.banner.geometry())
    assert window.banner.geometry().intersects(window.main_splitter.geometry())
    assert central.childAt(window.banner.geometry().center()) is not window.main_splitter
    window.banner.hide_message()
    qtbot.wait(50)
    assert window.main_splitter.geometry() == before


def test_three_quick_clicks_on_plus_add_three_neurons(window, qtbot):
    card = window.network_panel.cards()[0]
    start = window.session_config().hidden[0]
    for _ in range(3):  # no waiting between clicks, as a hurried user does
        qtbot.mouseClick(card.add_neuron, Qt.LeftButton)
    assert window.session_config().hidden[0] == start + 3
    until(qtbot, lambda: window.run_in_worker(lambda s: s.config.hidden[0]) == start + 3)
    assert window.network_panel.cards()[0].count.text() == str(start + 3)


def test_the_message_leaves_the_network_buttons_free(window, qtbot):
    window.banner.show_message("Network reset: the network's shape changed.", "info")
    qtbot.wait(50)
    central = window.centralWidget()
    banner = window.banner.geometry()
    for button in (window.network_panel.add_layer, window.network_panel.cards()[0].add_neuron):
        where = button.rect().translated(button.mapTo(central, button.rect().topLeft()))
        assert not where.intersects(banner)
