"""app/weight_editor.py: a click on a weight or bias opens the inline editor; what is typed
reaches the engine, what is not a number within the engine's limit changes nothing."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from user_actions import session, type_into
from window_helpers import until

from app.weight_editor import ValueEditor, WeightEditor, parse_value
from engine import limits
from engine.config import SessionConfig

# ------------------------------------------------------------------ on its own


@dataclass
class FakeFrame:
    snapshot: object


@dataclass
class FakeInfo:
    config: SessionConfig


class FakeSnapshot:
    def __init__(self, config: SessionConfig):
        sizes = config.layer_sizes
        self.weights = [np.arange(a * b, dtype=np.float32).reshape(a, b) / 10
                        for a, b in zip(sizes, sizes[1:], strict=False)]
        self.biases = [np.full(b, -0.25 * (k + 1), dtype=np.float32)
                       for k, b in enumerate(sizes[1:])]


class FakePresenter:
    """What the editor asks of the presenter: the last frame, the session's config, and
    set_weight / set_bias (recorded here)."""

    def __init__(self, config: SessionConfig | None = None, frame: bool = True):
        self.config = config or SessionConfig()
        self.frame = FakeFrame(FakeSnapshot(self.config)) if frame else None
        self.sent: list[tuple] = []

    def last_frame(self):
        return self.frame

    def session_info(self):
        return FakeInfo(self.config)

    def set_weight(self, layer, i, j, value):
        self.sent.append(("weight", layer, i, j, value))

    def set_bias(self, layer, j, value):
        self.sent.append(("bias", layer, j, value))


@pytest.fixture
def host(qtbot):
    widget = QWidget()
    widget.resize(600, 400)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_parse_value_takes_what_the_engine_takes():
    assert parse_value(" -0.5 ") == -0.5
    assert parse_value("1,5") == 1.5  # a decimal comma
    assert parse_value("2e-3") == 0.002
    assert parse_value(str(limits.MAX_VALUE)) == limits.MAX_VALUE
    for text in ("heavy", "", "nan", "inf", "-1e7", "1000001"):
        assert parse_value(text) is None, text


def test_the_editor_shows_the_value_and_sends_the_typed_one(qtbot, host):
    presenter = FakePresenter(SessionConfig(hidden=(3, 2), activations=("relu", "relu")))
    editor = WeightEditor(presenter, host, host)
    editor.edit_weight(1, 2, 1)
    shown = editor.editor()
    assert shown is not None and shown.parentWidget() is host
    assert shown.title.text() == "Weight, layer 2, neuron 3 → neuron 2"
    assert float(shown.editor.text()) == pytest.approx(0.5)  # weights[1][2, 1] = 5 / 10
    type_into(qtbot, shown.editor, "-1.25")
    assert presenter.sent == [("weight", 1, 2, 1, -1.25)]
    assert editor.editor() is None


def test_output_layer_is_named_and_a_bias_goes_to_set_bias(qtbot, host):
    presenter = FakePresenter(SessionConfig(hidden=(3,), activations=("tanh",)))
    editor = WeightEditor(presenter, host, host)
    editor.edit_bias(1, 0)
    assert editor.editor().title.text() == "Bias, layer 2, neuron 1 (output)"
    assert float(editor.editor().editor.text()) == -0.5
    editor.edit_bias(0, 2)  # a second click replaces the first editor
    shown = editor.editor()
    assert shown.title.text() == "Bias, layer 1, neuron 3"
    assert len([w for w in host.findChildren(ValueEditor) if w.isVisible()]) == 1
    type_into(qtbot, shown.editor, "3")
    assert presenter.sent == [("bias", 0, 2, 3.0)]


def test_text_beyond_the_limit_keeps_the_editor_open_and_sends_nothing(qtbot, host):
    presenter = FakePresenter()
    editor = WeightEditor(presenter, host, host)
    editor.edit_weight(0, 0, 0)
    shown = editor.editor()
    type_into(qtbot, shown.editor, "2e6")
    assert limits.VALUE_RANGE in shown.message.text()
    assert editor.editor() is shown and presenter.sent == []
    qtbot.keyClick(shown.editor, Qt.Key_Escape)
    assert editor.editor() is None and presenter.sent == []


def test_no_frame_yet_or_a_stale_one_shows_zero(qtbot, host):
    editor = WeightEditor(FakePresenter(frame=False), host, host)
    editor.edit_weight(0, 1, 1)
    assert editor.editor().editor.text() == "0"
    small = FakePresenter(SessionConfig(hidden=(2,), activations=("relu",)))
    stale = WeightEditor(small, host, host)
    stale.edit_weight(0, 1, 7)  # no neuron 8 in that frame
    assert stale.editor().editor.text() == "0"


def test_the_editor_stays_inside_its_host(qtbot, host):
    shown = ValueEditor("Weight, layer 1, neuron 1 → neuron 1", 0.5, host)
    shown.open_at(QPoint(590, 390))  # near the bottom-right corner
    geometry = shown.geometry()
    assert host.rect().contains(geometry)


# ------------------------------------------------------------------ in the window


def click_on_weight(qtbot, window, edge) -> None:
    view = window.network_view
    a, b = view.edge_endpoints(*edge)
    for t in np.linspace(0.15, 0.85, 15):
        p = a + t * (b - a)
        if view.weight_at(*p) == edge:
            qtbot.mouseClick(view.plot_widget.viewport(), Qt.LeftButton,
                             pos=view.widget_pos(*p))
            return
    pytest.fail(f"no clickable point on weight {edge}")


def test_edit_a_weight_inline(window, qtbot):
    click_on_weight(qtbot, window, (1, 2, 3))
    editor = window.weight_editor.editor()
    assert editor is not None and editor.title.text() == "Weight, layer 2, neuron 3 → neuron 4"
    type_into(qtbot, editor.editor, "heavy")
    assert "not a number" in editor.message.text()
    assert window.weight_editor.editor() is editor  # still open, nothing changed
    before = session(window, lambda s: float(s.snapshot().weights[1][2, 3]))
    assert before != 1.5
    type_into(qtbot, editor.editor, "1.5")
    assert window.weight_editor.editor() is None
    assert session(window, lambda s: float(s.snapshot().weights[1][2, 3])) == 1.5
    until(qtbot, lambda: window.last_frame().snapshot.weights[1][2, 3] == 1.5)


def test_edit_a_bias_and_cancel(window, qtbot):
    window.network_view.bias_edit_requested.emit(0, 5)
    editor = window.weight_editor.editor()
    assert "Bias, layer 1, neuron 6" == editor.title.text()
    type_into(qtbot, editor.editor, "-0.75")
    assert session(window, lambda s: float(s.snapshot().biases[0][5])) == -0.75
    window.network_view.bias_edit_requested.emit(0, 5)
    editor = window.weight_editor.editor()
    qtbot.keyClicks(editor.editor, "3")
    qtbot.keyClick(editor.editor, Qt.Key_Escape)
    assert window.weight_editor.editor() is None
    assert session(window, lambda s: float(s.snapshot().biases[0][5])) == -0.75
