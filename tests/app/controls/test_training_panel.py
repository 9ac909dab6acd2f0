"""app/controls/training_panel.py: the Hyperparameters group, on its own and driving the
window's session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from user_actions import choose, frame_step, play_some, record, session, type_into
from window_helpers import until

from app.controls.training_panel import TrainingPanel
from engine.config import (
    MAX_BATCH_SIZE,
    MAX_MOMENTUM,
    MAX_REGULARIZATION_RATE,
    MAX_SCHEDULE_STEPS,
    MAX_SEED,
    ConfigError,
    SessionConfig,
)

# ------------------------------------------------------------------ on its own


@pytest.fixture
def panel(qtbot):
    made = TrainingPanel()
    qtbot.addWidget(made)
    made.show()
    return made


def test_set_config_shows_it_and_enables_only_what_acts(panel):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(optimizer="adam", momentum=0.8, regularization="l2",
                                   regularization_rate=0.3, schedule="cosine", batch_size=0))
    assert changes == []
    assert (panel.optimizer.value(), panel.momentum.value(), panel.batch_size.text()) == (
        "adam", 0.8, "Full batch")
    assert panel.momentum.isEnabled() and "beta 1" in panel.momentum.toolTip()
    assert panel.regularization_rate.isEnabled() and panel.schedule_steps.isEnabled()
    panel.set_config(SessionConfig())
    assert not panel.momentum.isEnabled() and not panel.regularization_rate.isEnabled()
    assert not panel.schedule_steps.isEnabled()


def test_every_range_is_the_engines(panel):
    """The widgets allow exactly what a SessionConfig accepts."""
    assert panel.momentum.maximum() == MAX_MOMENTUM
    assert panel.batch_size.maximum() == MAX_BATCH_SIZE
    assert panel.schedule_steps.maximum() == MAX_SCHEDULE_STEPS
    assert panel.init_seed.maximum() == MAX_SEED
    SessionConfig(momentum=panel.momentum.maximum(), init_seed=panel.init_seed.maximum(),
                  regularization_rate=MAX_REGULARIZATION_RATE,
                  schedule_steps=panel.schedule_steps.maximum())
    with pytest.raises(ConfigError):
        SessionConfig(regularization_rate=MAX_REGULARIZATION_RATE * 1.01)


def test_typed_numbers_emit_the_value_or_a_message(panel, qtbot):
    panel.set_config(SessionConfig(regularization="l2"))
    changes, errors = record(panel.changed), record(panel.invalid)
    type_into(qtbot, panel.learning_rate.lineEdit(), "0,2")  # a decimal comma
    type_into(qtbot, panel.regularization_rate.lineEdit(), "11")  # over the engine's 10
    assert changes == [{"learning_rate": 0.2}]
    assert errors == ["The regularization rate must be a number from 0 to 10, not '11'."]
    assert panel.regularization_rate.currentText() == "0"  # the old value comes back


def test_new_seed_takes_the_next_and_wraps(panel, qtbot):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(init_seed=MAX_SEED))
    qtbot.mouseClick(panel.new_seed, Qt.LeftButton)
    assert changes == [{"init_seed": 0}]


def test_row_groups_hide_together(panel):
    panel.set_rows_visible("schedule", False)
    form = panel.layout()
    assert not form.isRowVisible(panel.row_of(panel.schedule_steps))
    assert form.isRowVisible(panel.row_of(panel.init_seed))
    with pytest.raises(ValueError, match="unknown hyperparameter group"):
        panel.set_rows_visible("colours", False)


# ------------------------------------------------------------------ in the window


def test_live_hyperparameters_keep_training(window, qtbot):
    steps = play_some(qtbot, window)
    tp = window.training_panel
    type_into(qtbot, tp.learning_rate.lineEdit(), "0.1")
    choose(qtbot, tp.optimizer, "adam")
    assert tp.momentum.isEnabled()
    tp.momentum.setValue(0.8)
    tp.batch_size.setValue(0)
    choose(qtbot, tp.loss, "mse")
    choose(qtbot, tp.regularization, "l2")
    choose(qtbot, tp.regularization_rate, 0.01)
    choose(qtbot, tp.schedule, "cosine")
    c = session(window, lambda s: s.config)
    assert (c.learning_rate, c.optimizer, c.momentum, c.batch_size, c.loss,
            c.regularization, c.regularization_rate, c.schedule) == (
        0.1, "adam", 0.8, 0, "mse", "l2", 0.01, "cosine")
    assert session(window, lambda s: (s.step_count, s.steps_per_epoch)) == (steps, 1)
    until(qtbot, lambda: frame_step(window) == steps)
    rows = session(window, lambda s: len(s.history))
    until(qtbot, lambda: len(window.loss_chart.history) == rows)
    assert rows > 1  # the loss curve goes on: nothing was reset


def test_typed_learning_rate_that_is_not_a_number(window, qtbot):
    line = window.training_panel.learning_rate.lineEdit()
    type_into(qtbot, line, "fast")
    assert "learning rate must be a number" in window.banner.text()
    assert window.training_panel.learning_rate.currentText() == "0.03"
    assert session(window, lambda s: s.config.learning_rate) == 0.03


def test_problem_init_and_seed_reset_the_network(window, qtbot):
    tp = window.training_panel
    choose(qtbot, tp.problem, "regression")
    c = session(window, lambda s: s.config)
    assert (c.problem, c.dataset) == ("regression", "plane")
    assert window.data_panel._buttons["plane"].isVisible()
    assert not window.data_panel._buttons["moons"].isVisible()
    until(qtbot, lambda: window.banner.text() == "Network reset: the data changed.")
    play_some(qtbot, window, epochs=1)
    choose(qtbot, tp.init, "he")
    until(qtbot, lambda: frame_step(window) == 0)
    until(qtbot, lambda: window.banner.text() == "Network reset: the initialisation changed.")
    qtbot.mouseClick(tp.new_seed, Qt.LeftButton)
    assert session(window, lambda s: (s.config.init, s.config.init_seed)) == ("he", 2)


def test_multiclass_data_and_incompatible_loss(window, qtbot):
    qtbot.mouseClick(window.data_panel._buttons["spiral"], Qt.LeftButton)
    window.data_panel.classes.setValue(3)
    c = session(window, lambda s: s.config)
    assert (c.dataset, c.classes, c.resolved_loss) == ("spiral", 3, "softmax_ce")
    until(qtbot, lambda: window.last_frame().snapshot.weights[-1].shape == (4, 3))
    choose(qtbot, window.training_panel.loss, "hinge")  # not for three classes
    assert "loss" in window.banner.text() and window.banner.kind() == "error"
    assert window.training_panel.loss.value() == "auto"
    assert session(window, lambda s: s.config.loss) == "auto"
