"""Lessons, compared runs, the explainer and presentation mode, driven through the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from engine_reader import run_in_engine, wait_for_mirror
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFormLayout

import app.classroom as classroom_module
from app.classroom import Classroom, run_labels
from app.parts import window_parts
from app.settings import Settings
from app.window import MainWindow
from engine.config import SessionConfig
from engine.lessons import list_lessons, load_lesson, make_lesson, open_session

WAIT_MS = 20000


def classroom_of(window: MainWindow) -> Classroom:
    """The window's classroom (a child of the window, as every feature is)."""
    return window.findChild(Classroom)


def until(qtbot, condition) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=WAIT_MS)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A shown MainWindow with the classroom attached; user lessons go to tmp_path."""
    monkeypatch.setattr(classroom_module, "user_lessons_dir", lambda: tmp_path / "lessons")
    settings = Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))
    w = MainWindow(settings=settings)
    classroom = Classroom(window_parts(w))
    w.resize(1400, 850)
    w.show()
    until(qtbot, lambda: w.last_frame() is not None)
    yield w
    if classroom.presentation.active:
        classroom.presentation.set_active(False)
    w.close()
    assert not w.worker_running()


def session_config(window) -> SessionConfig:
    return run_in_engine(window, lambda s: s.config)


def open_by_menu(qtbot, window, title: str):
    classroom = classroom_of(window)
    action = next(a for a in classroom.lesson_actions() if a.data() == title)
    action.trigger()
    lesson = classroom.lesson
    assert lesson is not None and lesson.title == title
    until(qtbot, classroom.opened)  # the panel and dock come a part per event-loop turn
    until(qtbot, lambda: session_config(window) == lesson.step_config(0))
    return lesson


def test_every_builtin_lesson_opens_from_the_menu_and_steps_through(qtbot, window):
    builtin, errors = list_lessons()
    assert errors == []
    classroom = classroom_of(window)
    assert [a.data() for a in classroom.lesson_actions()] == [x.title for x in builtin]
    panel = classroom.panel
    for lesson in builtin:
        open_by_menu(qtbot, window, lesson.title)
        assert classroom.dock.isVisible()
        assert panel.title.text() == lesson.title
        assert not panel.back_button.isEnabled()
        for k in range(len(lesson.steps)):
            if k:
                qtbot.mouseClick(panel.next_button, Qt.LeftButton)
            assert panel.counter.text() == f"Step {k + 1} of {len(lesson.steps)}"
            assert panel.text.toPlainText().strip()
            expected = lesson.step_config(k)
            until(qtbot, lambda expected=expected: session_config(window) == expected)
            assert window.session_config() == expected
        assert not panel.next_button.isEnabled()
        qtbot.mouseClick(panel.back_button, Qt.LeftButton)
        assert panel.index == len(lesson.steps) - 2


def test_six_lines_table_and_plane_show_what_the_engine_computes(qtbot, window):
    lesson = open_by_menu(qtbot, window, "Six lines of AI")

    def relu(v):
        return max(v, 0.0)

    def by_hand(x1, x2):
        return relu(-1.8 * relu(1 - x1 - x2) + 1.3 * relu(1.3 - 0.7 * x1 - 0.7 * x2))

    until(qtbot, lambda: "…" not in classroom_of(window).panel.outputs_shown())
    shown = [float(v) for v in classroom_of(window).panel.outputs_shown()]
    expected = [by_hand(x1, x2) for x1, x2, _ in lesson.output_table]
    assert shown == pytest.approx(expected, abs=1e-4)
    assert shown == pytest.approx([0.0, 0.78, 0.78, 0.0], abs=1e-4)
    # The window's session holds the hand-picked weights and the seed's four points.
    weights, biases = run_in_engine(window, lambda s: s.parameters_as_lists())
    np.testing.assert_allclose(weights[0], lesson.weights[0], atol=1e-6)
    np.testing.assert_allclose(biases[0], lesson.biases[0], atol=1e-6)
    points = run_in_engine(window, lambda s: s.data.points)
    np.testing.assert_array_equal(points, [[0, 0], [0, 1], [1, 0], [1, 1]])
    # The boundary view shows the same network: at (0, 1) its score is the table's 0.78.
    until(qtbot, lambda: window.last_frame().snapshot.step == 0
          and window.last_frame().snapshot.weights[0][0, 0] == pytest.approx(-1.0))
    snap = window.last_frame().snapshot
    x1min, x1max, x2min, x2max = snap.extent
    g = snap.boundary.shape[0]
    col = int(round((0 - x1min) / (x1max - x1min) * (g - 1)))
    row = int(round((1 - x2min) / (x2max - x2min) * (g - 1)))
    assert snap.boundary[row, col] == pytest.approx(by_hand(x1min + col * (x1max - x1min)
                                                            / (g - 1),
                                                            x2min + row * (x2max - x2min)
                                                            / (g - 1)), abs=1e-4)


def test_table_follows_training(qtbot, window):
    open_by_menu(qtbot, window, "Training XOR")
    until(qtbot, lambda: "…" not in classroom_of(window).panel.outputs_shown())
    before = classroom_of(window).panel.outputs_shown()
    window.presenter.step(400)
    until(qtbot, lambda: classroom_of(window).panel.outputs_shown() != before)
    shown = [float(v) for v in classroom_of(window).panel.outputs_shown()]
    assert [v >= 0.5 for v in shown] == [False, True, True, False]


def test_hidden_controls_come_back_when_the_lesson_closes(qtbot, window):
    open_by_menu(qtbot, window, "Learning rate")
    assert window.data_panel.isHidden() and window.features_panel.isHidden()
    assert window.network_panel.isHidden()
    form: QFormLayout = window.training_panel.layout()
    row = window.training_panel.row_of(window.training_panel.regularization)
    assert not form.isRowVisible(row)
    assert not window.training_panel.isHidden()
    classroom_of(window).close_action.trigger()
    assert classroom_of(window).lesson is None and not classroom_of(window).opened()
    until(qtbot, classroom_of(window).opened)  # the panels come back a turn each
    assert not window.data_panel.isHidden() and not window.network_panel.isHidden()
    assert form.isRowVisible(row)
    assert not classroom_of(window).dock.isVisible()


def test_a_row_whose_field_is_a_layout_hides_too(window):
    panel = window.training_panel
    seed_row = panel.row_of(panel.init_seed)
    panel.set_rows_visible("initialisation", False)
    assert not panel.layout().isRowVisible(seed_row)
    panel.set_rows_visible("initialisation", True)
    assert panel.layout().isRowVisible(seed_row)


def test_a_lesson_opened_twice_trains_the_same_curve(qtbot, window):
    lesson = open_by_menu(qtbot, window, "Two moons")
    first = run_in_engine(window, lambda s: (s.data.points.copy(), s.history.array()))
    classroom_of(window).close_lesson()
    open_by_menu(qtbot, window, "Two moons")
    second = run_in_engine(window, lambda s: (s.data.points.copy(), s.history.array()))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])  # NaN test losses count as equal
    assert len(first[1]) == 101  # the lesson's 100 full-batch steps ran on open
    assert open_session(lesson).history == first[1]
    _, _, accuracy, _ = run_in_engine(window, lambda s: s.evaluate())
    assert accuracy > 0.95


def test_keep_and_clear_compared_runs_labelled_by_what_differed(qtbot, window):
    classroom = classroom_of(window)
    chart = window.loss_chart
    open_by_menu(qtbot, window, "Learning rate")
    window.presenter.step(100)
    until(qtbot, lambda: len(chart.history) > 2)
    classroom.keep_action.trigger()
    assert len(chart.reference_curves) == 1
    # Kept with the current settings: named by its own rate, never "same settings".
    assert chart.reference_curves[0].name() == "kept, lr 0.0001"
    qtbot.mouseClick(classroom.panel.next_button, Qt.LeftButton)  # lr 0.03
    until(qtbot, lambda: session_config(window).learning_rate == 0.03)
    until(qtbot, lambda: [c.name() for c in chart.reference_curves] == ["lr 0.0001"])
    window.presenter.step(100)
    until(qtbot, lambda: len(chart.history) > 2)
    classroom.keep_action.trigger()
    qtbot.mouseClick(classroom.panel.next_button, Qt.LeftButton)  # lr 10
    until(qtbot, lambda: [c.name() for c in chart.reference_curves]
          == ["lr 0.0001", "lr 0.03"])
    kept = classroom.kept_runs[0]
    assert len(kept.epochs) == len(kept.losses) > 2
    classroom.clear_runs_action.trigger()
    assert chart.reference_curves == [] and classroom.kept_runs == []


def test_keep_run_without_a_curve_says_why(qtbot, window):
    open_by_menu(qtbot, window, "Six lines of AI")
    until(qtbot, lambda: len(window.loss_chart.history) == 1)
    assert not classroom_of(window).keep_run()
    assert "Train a little first" in window.banner._label.text()


def test_run_labels_are_unique_and_name_the_difference():
    current = SessionConfig(learning_rate=0.3)
    kept = [SessionConfig(learning_rate=0.03), SessionConfig(learning_rate=0.03),
            SessionConfig(learning_rate=0.3, hidden=(4,), activations=("relu",))]
    assert run_labels(kept, current) == ["lr 0.03 (run 1)", "lr 0.03 (run 2)",
                                         "layers 4, relu"]


def test_save_current_as_lesson_appears_in_the_menu_and_reopens(qtbot, window, tmp_path):
    classroom = classroom_of(window)
    open_by_menu(qtbot, window, "Training XOR")
    window.presenter.step(150)
    wait_for_mirror(window)  # saving reads what the window has shown
    path = classroom.save_current_as_lesson("Half-trained XOR")
    assert path is not None and path.parent == tmp_path / "lessons" and path.exists()
    saved = load_lesson(path)
    weights, _ = run_in_engine(window, lambda s: s.parameters_as_lists())
    np.testing.assert_allclose(saved.weights[0], weights[0], atol=1e-6)
    assert "Half-trained XOR" in [a.data() for a in classroom.lesson_actions()]
    # A second save with the same title does not overwrite the first.
    assert classroom.save_current_as_lesson("Half-trained XOR") != path
    classroom.close_lesson()
    open_by_menu(qtbot, window, "Half-trained XOR")
    again, _ = run_in_engine(window, lambda s: s.parameters_as_lists())
    np.testing.assert_allclose(again[0], weights[0], atol=1e-6)


def test_explainer_uses_the_sessions_2_2_1_network_or_six_lines(qtbot, window):
    classroom = classroom_of(window)
    explainer = classroom.open_explainer()  # default session: 2-8-4-1, too big
    qtbot.waitExposed(explainer)
    assert {p.label: p.val for p in explainer.graph.params}["w2[2,1]"] == 1.3
    open_by_menu(qtbot, window, "Training XOR")
    window.presenter.step(10)
    wait_for_mirror(window)  # the explainer shows the weights the window has shown
    classroom.explainer_action.trigger()
    weights, biases = run_in_engine(window, lambda s: s.parameters_as_lists())
    values = {p.label: p.val for p in explainer.graph.params}
    assert values["w1[1,2]"] == pytest.approx(weights[0][0][1])
    assert values["b2[1]"] == pytest.approx(biases[1][0])
    assert "current network" in explainer.windowTitle()
    explainer.close()


def test_explainer_opened_mid_reshape_to_2_2_1_shows_six_lines(qtbot, window):
    """Between a reshape's answer and its first frame the session is 2-2-1 but the weights
    shown are still the old network's: the explainer must not build a graph from them."""
    classroom = classroom_of(window)
    open_by_menu(qtbot, window, "Training XOR")  # 2-2-1
    window.change_config({"hidden": (3,), "activations": ("tanh",)})
    until(qtbot, lambda: [w.shape for w in window.last_frame().snapshot.weights]
          == [(2, 3), (3, 1)])
    opened = []
    window.presenter.session_changed.connect(
        lambda info: opened.append(classroom.open_explainer()) if not opened else None)
    with qtbot.capture_exceptions() as exceptions:
        window.change_config({"hidden": (2,), "activations": ("tanh",)})
        until(qtbot, lambda: opened)
    assert exceptions == []
    assert "Six lines" in opened[0].windowTitle()
    # Once the new network's weights have come, the explainer shows them.
    until(qtbot, lambda: [w.shape for w in window.last_frame().snapshot.weights]
          == [(2, 2), (2, 1)])
    classroom.explainer_action.trigger()
    assert "current network" in opened[0].windowTitle()
    opened[0].close()


def test_presentation_mode_scales_goes_dark_full_screen_and_restores(qtbot, window):
    classroom = classroom_of(window)
    presentation = classroom.presentation
    app = QApplication.instance()
    base = app.font().pointSizeF()
    was_dark = window.dark_action.isChecked()
    presentation.set_zoom(200)
    assert presentation.action.shortcut().toString() == "F5"
    assert presentation.action in window.view_menu.actions()
    presentation.action.trigger()
    assert presentation.active
    assert app.font().pointSizeF() == pytest.approx(base * 2)
    assert window.dark_action.isChecked()
    until(qtbot, window.isFullScreen)
    pen_width = window.loss_chart.train_curve.opts["pen"].widthF()
    assert pen_width >= 2.0
    presentation.set_zoom(125)
    assert app.font().pointSizeF() == pytest.approx(base * 1.25)
    presentation.action.trigger()
    assert not presentation.active
    assert app.font().pointSizeF() == pytest.approx(base)
    assert window.dark_action.isChecked() == was_dark
    until(qtbot, lambda: not window.isFullScreen())
    assert window.loss_chart.train_curve.opts["pen"].widthF() < pen_width
    assert window.settings.load_int("presentation_zoom", 0, 0, 500) == 125


def test_lessons_set_the_pace_their_text_assumes(qtbot, window):
    from app.controls.playback import PACES, nearest_pace_index

    for lesson in classroom_of(window).lessons:
        classroom_of(window).open_lesson(lesson)
        until(qtbot, classroom_of(window).opened)
        if lesson.pace is not None:
            assert window.playback.pace() == PACES[nearest_pace_index(lesson.pace)]
    open_by_menu(qtbot, window, "Overfitting")
    assert window.playback.pace() == 10 and window.playback.speed_label.text() == "10 epochs/s"


def test_lesson_output_table_never_cuts_a_number(qtbot, window):
    open_by_menu(qtbot, window, "Six lines of AI")
    panel = classroom_of(window).panel
    panel.set_outputs([5.468123e-05, 0.78, 12345.678, -0.5])
    assert panel.outputs_shown() == ["0.000", "0.780", "1.23e+04", "-0.500"]
    assert panel.cut_cells() == []
    panel.set_text_scale(2.0)  # presentation mode
    qtbot.wait(10)
    assert panel.cut_cells() == []
    panel.set_text_scale(1.0)


def test_kept_runs_are_cleared_when_another_lesson_opens(qtbot, window):
    classroom = classroom_of(window)
    open_by_menu(qtbot, window, "Learning rate")
    from engine.protocol import Step

    window.presenter.send(Step(100))
    until(qtbot, lambda: len(window.loss_chart.history) > 2)
    assert classroom.keep_run()
    open_by_menu(qtbot, window, "Overfitting")
    assert classroom.kept_runs == [] and window.loss_chart.reference_curves == []


def test_a_step_clicked_while_another_lesson_opens_is_ignored(qtbot, window, tmp_path):
    """The panel shows the old lesson for a turn or two after another opens: a click on
    its Next then must not ask the new lesson for a step it lacks (the monkey found it)."""
    classroom = classroom_of(window)
    session = run_in_engine(window, lambda s: s)
    one_step = make_lesson("One step", session.config, *session.parameters_as_lists())
    assert len(one_step.steps) == 1
    panel = classroom.panel
    open_by_menu(qtbot, window, "Training XOR")
    with qtbot.capture_exceptions() as exceptions:
        classroom.open_lesson(one_step)  # its panel comes a part per turn
        assert panel.lesson.title == "Training XOR"
        panel.next_button.click()  # step 2 of the old lesson
        until(qtbot, classroom.opened)
    assert exceptions == []
    assert classroom.lesson is one_step and panel.lesson is one_step
    assert panel.counter.text() == "Step 1 of 1" and classroom.step_index == 0
    until(qtbot, lambda: session_config(window) == one_step.step_config(0))


def test_a_lesson_at_1280x800_leaves_the_panels_without_a_scroll_bar(qtbot, window):
    """The dock gives back the few pixels the panels beside it lack, never going under its
    own minimum (at the app's default size they lacked 4 px: a horizontal scroll bar)."""
    from app.draw_tools import DrawingController

    DrawingController.build(window_parts(window))  # its row sets the output column's width
    window.setWindowState(Qt.WindowNoState)
    window.resize(1280, 800)
    until(qtbot, lambda: window.width() == 1280)
    classroom = classroom_of(window)
    splitter = window.main_splitter
    for title in ("Why non-linearity", "Two moons"):
        open_by_menu(qtbot, window, title)
        until(qtbot, lambda: splitter.parentWidget().width()
              >= splitter.minimumSizeHint().width())
        qtbot.wait(50)
        assert not window.main_scroll.horizontalScrollBar().isVisible()
        assert classroom.dock.width() >= classroom.dock.minimumSizeHint().width()
        assert classroom.panel.width() >= classroom.panel.minimumWidth()
        # The diagram, narrowed by the dock, shows the lesson's network laid out for the
        # width it has now: every neuron inside, the tiles no smaller than a fresh layout's.
        view = window.network_view
        wanted = classroom.lesson.step_config(0).layer_sizes
        until(qtbot, lambda wanted=wanted: window.network_view.layer_sizes == wanted)
        until(qtbot, window.settled)
        box = view.plot_widget.viewport().rect()
        for column, n in enumerate(view.layer_sizes):
            for unit in (0, n - 1):
                assert box.contains(view.widget_pos(*view.neuron_center(column, unit)))
        pitch = view.pitch
        view.set_network(view.layer_sizes, view.feature_names, None)
        assert view.pitch == pytest.approx(pitch, rel=0.05)


def test_presentation_toggled_while_a_lesson_closes_keeps_the_panels_coming_back(
        qtbot, window):
    open_by_menu(qtbot, window, "Learning rate")  # hides the data and network panels
    classroom = classroom_of(window)
    classroom.close_lesson()  # the panels come back over the next turns...
    classroom.presentation.set_active(True)  # ...but F5 comes first
    assert classroom.opened()
    classroom.presentation.set_active(False)
    assert not window.data_panel.isHidden() and not window.network_panel.isHidden()
    assert not classroom.dock.isVisible()
