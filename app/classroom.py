"""Classroom features added to a MainWindow: lessons, the explainer, compared runs,
presentation mode. The window knows nothing of them; app/main.py builds one with the
window's parts (app/parts.py):

    classroom = Classroom(parts)

It adds a "Lessons" menu, a lesson panel docked on the right, and to the View menu the
presentation mode (F5), its zoom and the autograd explainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMenu,
)

from app.explainer import ACTIVATIONS, SIX_LINES_BIASES, SIX_LINES_WEIGHTS, ExplainerWidget
from app.lessons_panel import LessonPanel
from app.parts import WindowParts
from app.presentation import Presentation
from app.staging import Stages
from engine.config import CUSTOM_DATASET, SessionConfig
from engine.lessons import (
    CONTROL_GROUPS,
    Lesson,
    LessonError,
    describe_difference,
    describe_setting,
    lesson_file_name,
    list_lessons,
    load_lesson,
    make_lesson,
    save_lesson,
)
from engine.protocol import Prediction
from engine.session import DATA_CHANGED

OUTPUT_REFRESH_MS = 250


def user_lessons_dir() -> Path:
    """Where "Save current as lesson" writes: the user's data folder, lessons/."""
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    return Path(base) / "lessons"


@dataclass(frozen=True)
class KeptRun:
    """A finished run's loss curve: epochs (m,), losses (m,), and the config it used."""

    config: SessionConfig
    epochs: np.ndarray
    losses: np.ndarray


def run_labels(configs: list[SessionConfig], current: SessionConfig) -> list[str]:
    """A label per kept run: what it set differently from the current run ("lr 0.03")."""
    labels = []
    for config in configs:
        # A run kept with the current settings is named by its own learning rate: "same
        # settings" read as a mistake once the lesson's next step changed the rate.
        text = (describe_difference(config, current)
                or f"kept, {describe_setting('learning_rate', config.learning_rate)}")
        if len(text) > 48:
            text = text[:45] + "…"
        labels.append(text)
    repeated = {text for text in labels if labels.count(text) > 1}
    return [f"{text} (run {k + 1})" if text in repeated else text
            for k, text in enumerate(labels)]


class Classroom(QObject):
    """Lessons, compared runs, the explainer and presentation mode for one window."""

    lesson_opened = Signal(object)  # the Lesson, or None when closed
    step_applied = Signal(int)

    def __init__(self, parts: WindowParts):
        super().__init__(parts.window)
        self.parts = parts
        window = parts.window
        self.lesson: Lesson | None = None
        self.step_index = 0
        self._applied_config: SessionConfig | None = None
        self.kept_runs: list[KeptRun] = []
        self.lessons: list[Lesson] = []
        self.lesson_errors: list[str] = []
        self.explainer: ExplainerWidget | None = None
        self._last_weights: tuple | None = None
        self._prediction_id: int | None = None  # the newest table request sent
        self.outputs: list[float] | None = None  # the lesson table's last outputs
        self._presenter = parts.presenter
        self._presenter.answered.connect(self._on_answer)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(OUTPUT_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_outputs)

        self._opening = Stages(self)  # a lesson opens a part per event-loop turn
        self.panel = LessonPanel()
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("lessonDock")
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.LeftDockWidgetArea | Qt.RightDockWidgetArea)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()
        # The panels beside the dock lose a horizontal scroll bar to it: whenever their
        # room changes (the dock shows or grows with its text, the window narrows), the
        # dock gives back what they lack, down to its own minimum.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)  # after the layout pass that measured it
        self._fit_timer.timeout.connect(self._fit_dock)
        parts.main_splitter.parentWidget().installEventFilter(self)
        self.presentation = Presentation(parts, self.panel, settle=self._opening.finish)

        self.menu = QMenu("&Lessons", window)
        window.menuBar().insertMenu(parts.help_menu.menuAction(), self.menu)
        self.explainer_action = self._action("Autograd explainer…", self.open_explainer)
        self.keep_action = self._action("Keep this run for comparison", self.keep_run)
        self.clear_runs_action = self._action("Clear compared runs", self.clear_runs)
        self.save_action = self._action("Save current as lesson…", self.save_current_as_lesson)
        self.open_file_action = self._action("Open lesson file…", self.open_lesson_file)
        self.close_action = self._action("Close lesson", self.close_lesson)
        self.rebuild_menu()

        view_menu = parts.view_menu
        view_menu.addSeparator()
        view_menu.addAction(self.presentation.action)
        view_menu.addMenu(self.presentation.zoom_menu)
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.explainer_action)
        training_menu = parts.training_menu
        training_menu.addSeparator()
        training_menu.addAction(self.keep_action)
        training_menu.addAction(self.clear_runs_action)

        self.panel.step_changed.connect(self._on_step)
        self.panel.pace_requested.connect(parts.commands.set_pace)
        self.panel.close_requested.connect(self.close_lesson)
        self._presenter.frame_ready.connect(self._on_frame)
        self._presenter.session_changed.connect(self._on_session_changed)

    def _action(self, text: str, slot) -> QAction:
        action = QAction(text, self.parts.window)
        action.triggered.connect(lambda *_: slot())
        return action

    # ------------------------------------------------------------ the Lessons menu
    def rebuild_menu(self) -> None:
        """List the built-in lessons, then the user's own, then the classroom actions."""
        builtin, errors = list_lessons()
        mine, my_errors = list_lessons(user_lessons_dir())
        self.lessons = builtin + mine
        self.lesson_errors = errors + my_errors
        self.menu.clear()
        for k, lesson in enumerate(builtin):
            self._lesson_action(f"&{k + 1}. {lesson.title}", lesson)
        if mine:
            self.menu.addSection("My lessons")
            for lesson in mine:
                self._lesson_action(lesson.title, lesson)
        if self.lesson_errors:
            bad = self.menu.addAction(f"{len(self.lesson_errors)} lesson file(s) could not "
                                      f"be read")
            bad.setEnabled(False)
            bad.setToolTip("\n".join(self.lesson_errors))
        self.menu.addSeparator()
        for action in (self.open_file_action, self.save_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.explainer_action)
        self.menu.addSeparator()
        for action in (self.keep_action, self.clear_runs_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.close_action)
        self.close_action.setEnabled(self.lesson is not None)

    def _lesson_action(self, text: str, lesson: Lesson) -> None:
        action = self.menu.addAction(text)
        action.setToolTip(lesson.summary)
        action.setStatusTip(lesson.summary)
        action.setData(lesson.title)
        action.triggered.connect(lambda *_, lesson=lesson: self.open_lesson(lesson))

    def lesson_actions(self) -> list[QAction]:
        """The menu entries that open a lesson (for tests and the command line)."""
        return [a for a in self.menu.actions() if isinstance(a.data(), str) and a.data()]

    # ------------------------------------------------------------ lessons
    def open_lesson(self, lesson: Lesson) -> None:
        """Open `lesson` at its first step: its session, hidden controls, the panel. The
        parts follow one per event-loop turn (app/staging.py): in one slot they took
        20-40 ms while training ran, on top of the new session's own redraw."""
        self.lesson = lesson
        self._applied_config = None
        # The dock narrows the diagram before the lesson's network arrives: lay out only that.
        self.parts.network_view.expect_network(lesson.step_config(0).layer_sizes)
        hidden = set(lesson.hidden_controls)
        self.close_action.setEnabled(True)

        def show_dock() -> None:
            self.dock.setWindowTitle(f"Lesson: {lesson.title}")
            self.dock.show()
            self.dock.raise_()

        def show_lesson() -> None:
            self.panel.set_lesson(lesson)  # emits step_changed(0) -> _on_step
            self.lesson_opened.emit(lesson)

        self._opening.run([
            lambda: [self.parts.commands.set_control_group_visible(g, g not in hidden)
                     for g in CONTROL_GROUPS],
            show_dock,
            self.clear_runs,  # another lesson's curves compare nothing here
            show_lesson])

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Resize and self.dock.isVisible():
            self._fit_timer.start()
        return False

    def _fit_dock(self) -> None:
        """Narrow the dock, never under its minimum, when the panels beside it would need a
        horizontal scroll bar (at the app's 1280x800 they lacked 4 px)."""
        splitter = self.parts.main_splitter
        room = splitter.parentWidget().width() - splitter.minimumSizeHint().width()
        if room < 0 and self.dock.isVisible() and not self.dock.isFloating():
            width = max(self.dock.minimumSizeHint().width(), self.dock.width() + room)
            self.parts.window.resizeDocks([self.dock], [width], Qt.Horizontal)

    def opened(self) -> bool:
        """True once the lesson opened or closed last shows whole (either takes a few
        event-loop turns)."""
        return not self._opening.busy()

    def close_lesson(self) -> None:
        """Close the lesson now; its dock goes and the controls it hid come back over the
        next turns, a group per turn: at once (at 1280x800, training at Max) the layout
        and the first paint of the panels shown made a 35-100 ms stall."""
        self._opening.finish()  # an opening still under way ends first
        self.lesson = None
        self._applied_config = None
        self.panel.set_lesson(None)
        self.close_action.setEnabled(False)
        self.lesson_opened.emit(None)
        show = self.parts.commands.set_control_group_visible  # skips groups shown already
        self._opening.run([self.dock.hide, *[lambda group=group: show(group, True)
                                             for group in CONTROL_GROUPS]], now=True)

    def open_lesson_file(self, path: str | None = None) -> Lesson | None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.parts.window, "Open lesson", "",
                                                  "Neuroplay lessons (*.json)")
            if not path:
                return None
        try:
            lesson = load_lesson(path)
        except LessonError as error:
            self._message(f"This lesson cannot be opened: {error}", "error")
            return None
        self.open_lesson(lesson)
        return lesson

    def _on_step(self, index: int) -> None:
        """Show step `index`: a fresh, seeded session when its settings differ."""
        lesson = self.lesson
        if lesson is None or self.panel.lesson is not lesson:
            return  # a step of the lesson being replaced: the new one shows its first step
        self.step_index = index
        config = lesson.step_config(index)
        if config != self._applied_config or lesson.steps[index].train_steps:
            # The engine builds the step (and trains its steps) without holding up the GUI.
            self.parts.commands.pause()
            self._presenter.open_lesson_step(lesson, index)
            self._applied_config = config
            self._last_weights = None
        show_test = lesson.show_test_at(index)
        if show_test is not None:
            self.parts.show_test.setChecked(show_test)
        self.refresh_outputs()
        self.step_applied.emit(index)

    def _on_frame(self, frame) -> None:
        """New weights: recompute the lesson's output table (at most 4 times a second)."""
        if (self.lesson is None or not self.lesson.output_table
                or self._refresh_timer.isActive()):
            return
        snap = frame.snapshot
        weights = tuple(w.tobytes() for w in snap.weights) + tuple(b.tobytes()
                                                                   for b in snap.biases)
        if weights == self._last_weights:
            return  # asking the worker makes it send a frame: only ask when weights moved
        self._last_weights = weights
        self._refresh_timer.start()

    def refresh_outputs(self) -> int | None:
        """Ask the running session's own predict() for the lesson table's outputs; the
        answer fills the table when it comes. Returns the request's id (None: no table)."""
        self._refresh_timer.stop()
        if self.lesson is None or not self.lesson.output_table or not self._worker_alive():
            return None
        points = np.array([[r[0], r[1]] for r in self.lesson.output_table], dtype=np.float64)
        self._prediction_id = self._presenter.predict(points)
        return self._prediction_id

    def _on_answer(self, answer) -> None:
        if getattr(answer, "id", None) != self._prediction_id or self.lesson is None:
            return  # another feature's answer, or one for a table no longer shown
        self._prediction_id = None
        if isinstance(answer, Prediction):
            self.set_outputs(answer.values)
        else:
            self._message(f"Could not compute the lesson's table: {answer.text}", "error")

    def set_outputs(self, values: np.ndarray) -> list[float]:
        values = np.asarray(values)
        if values.ndim == 2:  # several classes: show the winning class
            values = values.argmax(axis=1)
        outputs = [float(v) for v in values]
        self.panel.set_outputs(outputs)
        self.outputs = outputs
        return outputs

    def save_current_as_lesson(self, title: str | None = None) -> Path | None:
        """Write the current config and weights as a lesson in the user's data folder."""
        if title is None:
            title, ok = QInputDialog.getText(self.parts.window, "Save current as lesson",
                                             "Title of the new lesson:")
            if not ok:
                return None
        title = title.strip()
        if not title:
            self._message("A lesson needs a title.", "error")
            return None

        def grab(session):
            weights, biases = session.parameters_as_lists()
            data = session.data if session.config.dataset == CUSTOM_DATASET else None
            points = None if data is None else (data.points.copy(), data.labels.copy())
            return session.config, weights, biases, points

        try:
            config, weights, biases, points = grab(self._presenter.mirror)
            summary = ", ".join(describe_setting(name, getattr(config, name))
                                for name in ("dataset", "hidden", "learning_rate"))
            text = (f"<p>Saved from a Neuroplay session: {summary}, with its weights as "
                    f"they were.</p><p>Press <b>Play</b> to train on from here.</p>")
            lesson = make_lesson(title, config, weights, biases, text=text, summary=summary,
                                 points=None if points is None else points[0],
                                 labels=None if points is None else points[1])
            folder = user_lessons_dir()
            path = folder / lesson_file_name(title)
            n = 2
            while path.exists():
                path = folder / f"{path.stem.rsplit('~', 1)[0]}~{n}.json"
                n += 1
            save_lesson(lesson, path)
        except (LessonError, TimeoutError, ValueError) as error:
            self._message(f"The lesson was not saved: {error}", "error")
            return None
        self.rebuild_menu()
        self._message(f"Saved lesson \"{title}\" to {path}. It is in the Lessons menu.", "info")
        return path

    # ------------------------------------------------------------ compared runs
    def keep_run(self) -> bool:
        """Keep the current loss curve on the chart, labelled with what differs."""
        chart = self.parts.loss_chart
        history = np.array(chart.history, dtype=np.float64)
        if len(history) < 2:
            self._message("Train a little first: there is no loss curve to keep yet.", "info")
            return False
        self.kept_runs.append(KeptRun(self.parts.commands.session_config(), history[:, 1].copy(),
                                      history[:, 2].copy()))
        self._relabel_runs()
        return True

    def clear_runs(self) -> None:
        self.kept_runs.clear()
        self.parts.loss_chart.clear_reference_runs()

    def run_labels(self) -> list[str]:
        return run_labels([r.config for r in self.kept_runs],
                          self.parts.commands.session_config())

    def _on_session_changed(self, info) -> None:
        if info.reason == DATA_CHANGED:
            self.clear_runs()  # kept curves were measured on other points
        self._relabel_runs()

    def _relabel_runs(self) -> None:
        if not self.kept_runs:
            return
        chart = self.parts.loss_chart
        chart.clear_reference_runs()
        for run, label in zip(self.kept_runs, self.run_labels(), strict=True):
            chart.add_reference_run(label, run.epochs, run.losses)

    # ------------------------------------------------------------ the explainer
    def explainer_network(self):
        """(weights, biases, hidden activation, output activation, from_session): the
        current session's network when it is a 2-2-1 the explainer can draw, else the
        "Six lines" network."""
        mirror = self._presenter.mirror
        config = mirror.config  # the session's, not the window's settings not yet applied
        # The shapes too: right after a reshape the mirror holds the new settings but
        # still the old network's weights, until the new session's first frame.
        shapes = [np.shape(w) for w in mirror.weights]
        if (config is not None and shapes == [(2, 2), (2, 1)]
                and config.layer_sizes == (2, 2, 1) and config.features == ("x1", "x2")
                and config.activations[0] in ACTIVATIONS
                and config.resolved_output_activation in ACTIVATIONS):
            weights, biases = mirror.parameters_as_lists()
            return (weights, biases, config.activations[0], config.resolved_output_activation,
                    True)
        return SIX_LINES_WEIGHTS, SIX_LINES_BIASES, "relu", "relu", False

    def open_explainer(self) -> ExplainerWidget:
        if self.explainer is None:
            self.explainer = ExplainerWidget(self.parts.window)
            self.explainer.setWindowFlag(Qt.Window, True)
            closer = QShortcut(QKeySequence(Qt.Key_Escape), self.explainer)
            closer.activated.connect(self.explainer.close)
            self.presentation.add_widget(self.explainer)
        weights, biases, hidden, output, mine = self.explainer_network()
        self.explainer.set_network(weights, biases, hidden, output)
        self.explainer.setWindowTitle("Autograd explainer: "
                                      + ("the current network" if mine else "Six lines of AI"))
        if self.presentation.active:
            self.explainer.showFullScreen()
        else:
            self.explainer.resize(1400, 820)
            self.explainer.show()
        self.explainer.raise_()
        self.explainer.activateWindow()
        return self.explainer

    def _worker_alive(self) -> bool:
        """False once the window has stopped its training thread (closed)."""
        return self._presenter.is_running()

    # ------------------------------------------------------------ messages
    def _message(self, text: str, kind: str) -> None:
        self.parts.banner.show_message(text, kind, 8000)

