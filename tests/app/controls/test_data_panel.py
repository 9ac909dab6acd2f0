"""app/controls/data_panel.py: the Data group (thumbnails, classes, noise, points, split,
seed) and the Input features group, on their own and driving the window's session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt
from user_actions import choose, record, session
from window_helpers import until

from app.controls.data_panel import DataPanel, FeaturesPanel, dataset_thumbnail
from app.theme import get_palette
from engine.config import (
    CLASSIFICATION_DATASETS,
    FEATURES,
    MAX_SEED,
    MIN_TRAIN_FRACTION,
    REGRESSION_DATASETS,
    SessionConfig,
)
from engine.features import FEATURE_LABELS

# ------------------------------------------------------------------ on their own


@pytest.fixture
def panel(qtbot):
    made = DataPanel(get_palette())
    qtbot.addWidget(made)
    made.show()
    return made


def test_set_config_shows_it_and_emits_nothing(panel):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(dataset="spiral", classes=4, noise=0.35, n_points=500,
                                   train_fraction=0.6, data_seed=9))
    assert changes == []
    assert panel.title() == "Data: Spiral"
    assert panel._buttons["spiral"].isChecked() and panel.classes.isEnabled()
    assert (panel.classes.value(), panel.noise.value(), panel.points.value(),
            panel.train_ratio.value(), panel.seed.value()) == (4, 35, 500, 60, 9)
    assert panel.train_ratio_label.text() == "60% / 40%"


def test_each_control_emits_exactly_its_field(panel, qtbot):
    changes = record(panel.changed)
    qtbot.mouseClick(panel._buttons["circles"], Qt.LeftButton)
    panel.noise.setValue(40)
    panel.train_ratio.setValue(70)
    panel.points.setValue(650)
    assert changes == [{"dataset": "circles"}, {"noise": 0.4}, {"train_fraction": 0.7},
                       {"n_points": 650}]


def test_regenerate_takes_the_next_seed_and_wraps(panel, qtbot):
    changes = record(panel.changed)
    panel.set_config(SessionConfig(data_seed=MAX_SEED))
    assert panel.seed.maximum() == MAX_SEED  # the engine's range, not a copy of it
    qtbot.mouseClick(panel.regenerate, Qt.LeftButton)
    assert changes == [{"data_seed": 0}]


def test_ranges_are_the_engines(panel):
    assert panel.train_ratio.minimum() == round(MIN_TRAIN_FRACTION * 100)
    SessionConfig(train_fraction=panel.train_ratio.minimum() / 100)  # accepted
    panel.set_config(SessionConfig(problem="regression", dataset="plane"))
    shown = [n for n, b in panel._buttons.items() if b.isVisible()]
    assert shown == list(REGRESSION_DATASETS)
    panel.set_config(SessionConfig())
    assert [n for n, b in panel._buttons.items() if b.isVisible()] == list(
        CLASSIFICATION_DATASETS)


def test_a_thumbnail_is_a_picture_in_both_class_colours(qtbot):
    palette = get_palette()
    image = dataset_thumbnail("moons", palette).toImage()
    colours = {image.pixelColor(x, y).name() for x in range(image.width())
               for y in range(image.height())}
    assert palette.class_color(0).lower() in colours
    assert palette.class_color(1).lower() in colours


def test_feature_buttons_use_the_engines_labels_and_emit_the_features(qtbot):
    features = FeaturesPanel()
    qtbot.addWidget(features)
    assert list(features.buttons) == list(FEATURES)
    assert [b.text() for b in features.buttons.values()] == [FEATURE_LABELS[n]
                                                             for n in FEATURES]
    changes = record(features.changed)
    features.set_config(SessionConfig(features=("x1", "x1*x2")))
    assert changes == []
    features.buttons["sin x1"].click()
    assert changes == [{"features": ("x1", "x1*x2", "sin x1")}]


# ------------------------------------------------------------------ in the window


def test_xor_is_four_fixed_points_that_all_train(window, qtbot):
    panel = window.data_panel
    qtbot.mouseClick(panel._buttons["xor"], Qt.LeftButton)
    until(qtbot, lambda: panel.points.value() == 4)
    assert not panel.points.isEnabled() and not panel.noise.isEnabled()
    assert not panel.train_ratio.isEnabled() and not panel.regenerate.isEnabled()
    assert session(window, lambda s: (len(s.train.points), len(s.test.points))) == (4, 0)
    qtbot.mouseClick(panel._buttons["moons"], Qt.LeftButton)
    until(qtbot, lambda: panel.points.value() == 200 and panel.points.isEnabled())


def test_drawn_points_check_no_thumbnail(window, qtbot):
    from engine.datasets import DataSet
    points = DataSet(np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), np.array([0, 1, 1]),
                     "classification", 2, (-2.0, 2.0, -2.0, 2.0))
    window.set_points(points)
    until(qtbot, lambda: window.session_config().dataset == "custom")
    assert not any(b.isChecked() for b in window.data_panel._buttons.values())
    qtbot.mouseClick(window.data_panel._buttons["spiral"], Qt.LeftButton)
    until(qtbot, lambda: window.session_config().dataset == "spiral")
    checked = [n for n, b in window.data_panel._buttons.items() if b.isChecked()]
    assert checked == ["spiral"]


def test_data_controls_reach_the_session(window, qtbot):
    panel = window.data_panel
    panel.noise.setValue(30)
    panel.points.setValue(300)
    panel.train_ratio.setValue(50)
    seed = panel.seed.value()
    qtbot.mouseClick(panel.regenerate, Qt.LeftButton)
    got = session(window, lambda s: (s.config.noise, s.config.n_points, s.config.train_fraction,
                                     s.config.data_seed, len(s.train.points),
                                     len(s.test.points)))
    assert got == (0.3, 300, 0.5, seed + 1, 150, 150)


def test_xor_and_regression_show_only_controls_that_act(window, qtbot):
    panel = window.data_panel
    qtbot.mouseClick(panel._buttons["xor"], Qt.LeftButton)
    until(qtbot, lambda: panel.points.value() == 4)
    # XOR trains on all four points: the slider says so instead of a 50/50 it ignores.
    assert panel.train_ratio.value() == 100 and not panel.train_ratio.isEnabled()
    assert panel.train_ratio_label.text() == "100% / 0%"
    assert "all train" in panel.train_ratio.toolTip()
    assert panel._form.isRowVisible(panel.classes)
    choose(qtbot, window.training_panel.problem, "regression")
    until(qtbot, lambda: window.session_config().problem == "regression")
    until(qtbot, lambda: not panel._form.isRowVisible(panel.classes))
    choose(qtbot, window.training_panel.problem, "classification")
    until(qtbot, lambda: panel._form.isRowVisible(panel.classes))


def test_feature_toggles(window, qtbot):
    buttons = window.features_panel.buttons
    qtbot.mouseClick(buttons["x1^2"], Qt.LeftButton)
    qtbot.mouseClick(buttons["sin x2"], Qt.LeftButton)
    assert session(window, lambda s: s.config.features) == ("x1", "x2", "x1^2", "sin x2")
    until(qtbot, lambda: window.last_frame().snapshot.weights[0].shape == (4, 8))
    until(qtbot, lambda: window.banner.text() == "Network reset: the input features changed.")
    for name in ("x1", "x2", "x1^2"):
        qtbot.mouseClick(buttons[name], Qt.LeftButton)
    assert session(window, lambda s: s.config.features) == ("sin x2",)
    qtbot.mouseClick(buttons["sin x2"], Qt.LeftButton)  # the last one cannot go
    assert "at least one input feature" in window.banner.text()
    assert buttons["sin x2"].isChecked()
    assert session(window, lambda s: s.config.features) == ("sin x2",)
