"""app/controls/network_panel.py: layers, neurons and activations, on their own and
driving the window's session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from user_actions import choose, record, session
from window_helpers import WAIT_MS, until

from app.controls.network_panel import NEW_LAYER_SIZE, NetworkPanel
from engine.config import MAX_HIDDEN_LAYERS, MAX_NEURONS, SessionConfig

# ------------------------------------------------------------------ on its own


@pytest.fixture
def panel(qtbot):
    made = NetworkPanel()
    qtbot.addWidget(made)
    made.resize(360, 300)
    made.show()
    return made


def test_cards_follow_the_config_without_emitting(panel):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(hidden=(3, 5, 1), activations=("tanh", "tanh", "tanh")))
    assert changes == []
    assert [c.count.text() for c in panel.cards()] == ["3", "5", "1"]
    assert panel.layer_count.text() == "3 hidden layers"
    assert panel.all_activations.value() == "tanh"
    assert not panel.cards()[2].remove_neuron.isEnabled()  # one neuron is the least
    panel.set_config(SessionConfig(hidden=(2,), activations=("relu",)))
    assert len(panel.cards()) == 1 and panel.layer_count.text() == "1 hidden layer"


def test_buttons_ask_for_the_shape_they_show(panel, qtbot):
    changes = record(panel.changed)
    qtbot.mouseClick(panel.add_layer, Qt.LeftButton)
    qtbot.mouseClick(panel.cards()[1].add_neuron, Qt.LeftButton)
    qtbot.mouseClick(panel.remove_layer, Qt.LeftButton)
    assert changes == [
        {"hidden": (8, 4, NEW_LAYER_SIZE), "activations": ("relu",) * 3},
        {"hidden": (8, 5)},
        {"hidden": (8,), "activations": ("relu",)},
    ]  # the panel shows the default config until the window answers


def test_cards_kept_after_fewer_layers_come_back_right(panel, qtbot):
    """Cards of removed layers are hidden and reused: back in place, showing the new
    layer, and their buttons ask for that layer's changes."""
    panel.set_config(SessionConfig(hidden=(3, 5, 7), activations=("relu",) * 3))
    third = panel.cards()[2]
    panel.set_config(SessionConfig(hidden=(3,), activations=("relu",)))
    shown = [c for c in panel.findChildren(type(third)) if c.isVisibleTo(panel)]
    assert shown == panel.cards() and len(shown) == 1
    panel.set_config(SessionConfig(hidden=(3, 2, 6), activations=("relu", "tanh", "sigmoid")))
    assert panel.cards()[2] is third and third.isVisibleTo(panel)
    assert [c.count.text() for c in panel.cards()] == ["3", "2", "6"]
    assert third.activation.value() == "sigmoid"
    assert third.geometry().left() > panel.cards()[1].geometry().left()  # in its own column
    changes = record(panel.changed)
    qtbot.mouseClick(third.add_neuron, Qt.LeftButton)
    qtbot.mouseClick(panel.cards()[1].remove_neuron, Qt.LeftButton)
    choose(qtbot, third.activation, "tanh")
    assert changes == [{"hidden": (3, 2, 7)}, {"hidden": (3, 1, 6)},
                       {"activations": ("relu", "tanh", "tanh")}]


def test_cards_made_ahead_stay_hidden_until_their_layer_comes(panel, qtbot):
    qtbot.waitUntil(lambda: not panel.warming(), timeout=WAIT_MS)
    made = panel.findChildren(type(panel.cards()[0]))
    assert len(made) >= MAX_HIDDEN_LAYERS
    assert [c for c in made if c.isVisibleTo(panel)] == panel.cards()
    full = SessionConfig(hidden=(2,) * MAX_HIDDEN_LAYERS, activations=("tanh",) * MAX_HIDDEN_LAYERS)
    panel.set_config(full)
    assert set(panel.cards()) <= set(made)  # no card made now
    assert all(c.isVisibleTo(panel) and c.count.text() == "2" for c in panel.cards())
    assert len(panel.cards()) == MAX_HIDDEN_LAYERS


def test_the_engines_limits_disable_the_buttons(panel):
    full = SessionConfig(hidden=(MAX_NEURONS,) * MAX_HIDDEN_LAYERS,
                         activations=("relu",) * MAX_HIDDEN_LAYERS)
    panel.set_config(full)
    assert not panel.add_layer.isEnabled()
    assert not any(c.add_neuron.isEnabled() for c in panel.cards())
    panel.set_config(SessionConfig(hidden=(), activations=()))
    assert not panel.remove_layer.isEnabled() and panel.add_layer.isEnabled()


def test_mixed_activations_and_one_for_all(panel):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(hidden=(4, 4), activations=("relu", "sigmoid")))
    assert panel.all_activations.value() == "mixed"
    panel.all_activations.value_changed.emit("tanh")
    panel.output_activation.value_changed.emit("sigmoid")
    assert changes == [{"activations": ("tanh", "tanh")}, {"output_activation": "sigmoid"}]


# ------------------------------------------------------------------ in the window


def test_network_buttons_change_the_shape(window, qtbot):
    panel = window.network_panel
    qtbot.mouseClick(panel.add_layer, Qt.LeftButton)
    qtbot.mouseClick(panel.cards()[0].add_neuron, Qt.LeftButton)
    qtbot.mouseClick(panel.cards()[1].remove_neuron, Qt.LeftButton)
    assert session(window, lambda s: s.config.hidden) == (9, 3, 4)
    until(qtbot, lambda: [w.shape for w in window.last_frame().snapshot.weights]
          == [(2, 9), (9, 3), (3, 4), (4, 1)])
    until(qtbot, lambda: window.banner.text() == "Network reset: the network's shape changed.")
    choose(qtbot, panel.cards()[2].activation, "tanh")
    assert session(window, lambda s: s.config.activations) == ("relu", "relu", "tanh")
    assert panel.all_activations.value() == "mixed"
    choose(qtbot, panel.all_activations, "sigmoid")
    assert session(window, lambda s: s.config.activations) == ("sigmoid",) * 3
    qtbot.mouseClick(panel.remove_layer, Qt.LeftButton)
    assert session(window, lambda s: s.config.hidden) == (9, 3)
    shown = [c for c in panel.findChildren(type(panel.cards()[0])) if c.isVisibleTo(panel)]
    assert len(shown) == 2 and len(panel.cards()) == 2


def test_layer_and_neuron_limits(window, qtbot):
    panel = window.network_panel
    while panel.add_layer.isEnabled():
        qtbot.mouseClick(panel.add_layer, Qt.LeftButton)
    assert len(session(window, lambda s: s.config.hidden)) == 8
    card = panel.cards()[1]
    while card.remove_neuron.isEnabled():
        qtbot.mouseClick(card.remove_neuron, Qt.LeftButton)
    assert session(window, lambda s: s.config.hidden[1]) == 1
