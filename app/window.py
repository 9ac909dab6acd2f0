"""The main window: controls on the left, the network in the centre, the decision
boundary and loss chart on the right, play controls and numbers across the top.

The window never touches the TrainingSession: it keeps the config it last asked for,
sends requests through the SessionPresenter, and draws the newest Frame it hands on.
"""

from __future__ import annotations

import gc
import html
import os

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextEdit,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.banner import Banner
from app.controls import window_style_sheet
from app.controls.data_panel import DataPanel, FeaturesPanel
from app.controls.network_panel import NetworkPanel
from app.controls.playback import DEFAULT_PACE, PlaybackBar, format_epoch
from app.controls.training_panel import TrainingPanel
from app.frame_pacing import DrawPlan, FramePacer
from app.placement import available_geometry, fit_to_screen, frame_of
from app.presenter import SessionPresenter
from app.settings import Settings
from app.staging import Stages
from app.theme import (
    THEME_PROPERTY,
    Palette,
    Restyler,
    apply_qt_theme,
    get_palette,
    themed_selectors,
    two_theme_style_sheet,
)
from app.views.boundary import BoundaryView
from app.views.loss_chart import LossChart
from app.views.network_diagram import NetworkView
from app.weight_editor import WeightEditor
from engine.config import ConfigError, SessionConfig, fit_changes
from engine.features import MAP_GRID, feature_grid
from engine.protocol import Frame, SessionInfo
from engine.session import TrainingSession, steps_per_epoch

DEFAULT_SIZE = (1280, 800)
MINIMUM_SIZE = (1000, 640)

KEY_NAMES = {"Right": "Right arrow", "Left": "Left arrow", "Up": "Up arrow",
             "Down": "Down arrow", "Esc": "Escape", "PgUp": "Page Up", "PgDown": "Page Down"}


NO_POINTS_TEXT = ("Training stopped: there are no training points. Draw some (Draw points, "
                  "under the plot) or pick a data set, then press play.")


_start_up_frozen = False


def freeze_start_up() -> None:
    """What start-up made (widgets, plot items, pens: most of the heap) lives as long as
    the app: left out of the collector's full passes, which took 20-30 ms each on the GUI
    thread. Once per process (later windows' garbage, tests' included, stays collectable);
    NEUROPLAY_GC_FREEZE=0 turns it off."""
    global _start_up_frozen
    if not _start_up_frozen and os.environ.get("NEUROPLAY_GC_FREEZE", "1") == "1":
        _start_up_frozen = True
        gc.freeze()


def is_text_field(widget: QWidget | None) -> bool:
    """Widgets that type text: they keep every key, shortcut or not."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return False


def shortcut_keys(window: QWidget) -> set[QKeySequence]:
    """Every key sequence the window's actions, shortcuts and buttons answer to."""
    keys: set[QKeySequence] = set()
    for action in window.findChildren(QAction):
        keys.update(k for k in action.shortcuts() if not k.isEmpty())
    for item in (*window.findChildren(QShortcut), *window.findChildren(QAbstractButton)):
        key = item.key() if isinstance(item, QShortcut) else item.shortcut()
        if not key.isEmpty():
            keys.add(key)
    return keys


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every shortcut of the window, read from its actions (menus
    first, in menu order), buttons and named QShortcuts: the help lists what really is."""
    rows: dict[str, str] = {}

    def add(key: QKeySequence, text: str) -> None:
        name = key.toString(QKeySequence.NativeText)
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip(" .\u25c0\u25b6")
        if name and text:
            rows.setdefault(KEY_NAMES.get(name, name), text)

    def walk(actions) -> None:
        for action in actions:
            if action.menu() is not None:
                walk(action.menu().actions())
            for key in action.shortcuts():
                add(key, action.text())

    walk(window.menuBar().actions())
    walk(window.actions())  # those with no menu (they work with the menu bar hidden)
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():
            add(button.shortcut(), button.toolTip() or button.text())
    for shortcut in window.findChildren(QShortcut):
        add(shortcut.key(), shortcut.whatsThis())
    return list(rows.items())


class ShortcutsFirst(QObject):
    """The window's shortcuts (Space, Right arrow, R, F5...) win over a focused slider, spin
    box or list that would use the same key; text fields keep their keys."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if (event.type() == QEvent.ShortcutOverride and not is_text_field(watched)
                and QKeySequence(event.keyCombination()) in shortcut_keys(self._window)):
            event.ignore()  # not overridden: Qt runs the shortcut, the widget never sees it
            return True
        return super().eventFilter(watched, event)


class MainWindow(QMainWindow):
    """One window holding everything. `settings` None keeps nothing between runs."""

    def __init__(self, config: SessionConfig | None = None, settings: Settings | None = None,
                 session: TrainingSession | None = None, backend: str = "numpy",
                 host: str | None = None):
        super().__init__()
        self.settings = settings if settings is not None else Settings()
        if session is None:
            session = self._make_session(config or self.settings.load_config(), backend)
        self._config: SessionConfig = session.config
        # "host": where the engine runs, "process" (default) or "thread" (app/worker.py).
        # Started first, so the engine process starts while the widgets are built; what it
        # sends waits in the event queue until the window listens.
        self.presenter = SessionPresenter(session, host, backend, parent=self)
        self.presenter.start()
        self._info: SessionInfo | None = None
        self._last_frame: Frame | None = None
        self._playing = False
        self._has_training_points = True
        self._diverged_shown = False
        self.frames_drawn = 0
        self._splitters_restored = False
        self._dark = self.settings.load_bool("dark", False)
        self._palette_name = self.settings.load_palette()
        self.setWindowTitle("Neuroplay")
        self.setMinimumSize(*MINIMUM_SIZE)
        self.resize(*DEFAULT_SIZE)
        self._fit_to_screen(centre=True)

        self._build_widgets()
        self._shortcuts_first = ShortcutsFirst(self)
        self._build_menus()
        self._connect_controls()
        self._show_config(self._config)
        self._apply_theme()

        # Which frames are drawn, when, and which views each redraws (app/frame_pacing.py).
        self.pacer = FramePacer(self, self._draw, self.presenter.frame_drawn,
                                self.loss_chart.show_snapshot)
        self._session_stages = Stages(self, done=self.pacer.release)
        self.presenter.frame_ready.connect(self._on_frame)
        self.presenter.session_changed.connect(self._on_session_changed)
        self.presenter.playing_changed.connect(self._on_playing_changed)
        self.presenter.error.connect(self._show_error)
        self.presenter.engine_lost.connect(self._on_engine_lost)
        self._restore_window_state()
        self.playback.set_steps_per_epoch(session.steps_per_epoch)  # before the thread starts
        self.presenter.set_speed(self.playback.speed_limit())
        app = QApplication.instance()
        if app is not None:  # quitting without closing the window still ends the thread
            app.aboutToQuit.connect(self.shutdown)
            app.focusChanged.connect(self._on_focus_changed)

    @staticmethod
    def _make_session(config: SessionConfig, backend: str) -> TrainingSession:
        try:
            return TrainingSession(config, backend=backend)
        except (ValueError, TypeError):  # a stored config the engine rejects: start fresh
            return TrainingSession(SessionConfig(), backend=backend)

    # ------------------------------------------------------------ building
    def _build_widgets(self) -> None:
        palette = get_palette(self._palette_name, self._dark)
        self.playback = PlaybackBar()
        self.banner = Banner()
        self.data_panel = DataPanel(palette)
        self.features_panel = FeaturesPanel()
        self.training_panel = TrainingPanel()
        self.network_panel = NetworkPanel()
        self.network_view = NetworkView(palette=palette)
        self.boundary_view = BoundaryView(palette=palette)
        self.loss_chart = LossChart(palette=palette)
        self.show_test = QCheckBox("Show test data")
        self.show_test.setToolTip("Test points (not trained on): squares with a dark outline, "
                                  "under the training points")
        self.discretize = QCheckBox("Discretize output")
        self.loss_scale = QComboBox()
        self.loss_scale.setObjectName("lossScale")
        for scale, tip in (("auto", "Linear, logarithmic once the first epochs would "
                                    "flatten the rest of the curve"),
                           ("linear", "Always linear"), ("log", "Always logarithmic")):
            self.loss_scale.addItem(f"Scale: {scale}", scale)
            self.loss_scale.setItemData(self.loss_scale.count() - 1, tip, Qt.ToolTipRole)
        self.loss_scale.setFocusPolicy(Qt.NoFocus)  # arrow keys stay training's
        self.show_test.setChecked(self.settings.load_bool("show_test", False))
        self.discretize.setChecked(self.settings.load_bool("discretize", False))
        scale = self.settings.get("loss_scale")
        if scale not in ("auto", "linear", "log"):  # older settings: a log checkbox
            scale = "log" if self.settings.load_bool("log_scale", False) else "auto"
        self.loss_scale.setCurrentIndex(self.loss_scale.findData(scale))
        self.boundary_view.set_show_test(self.show_test.isChecked())
        self.boundary_view.set_discretize(self.discretize.isChecked())
        self.loss_chart.set_scale(scale)

        controls = QWidget()
        controls.setObjectName("controlColumn")
        column = QVBoxLayout(controls)
        column.setContentsMargins(2, 4, 6, 4)
        column.setSpacing(10)
        for panel in (self.data_panel, self.features_panel, self.training_panel):
            column.addWidget(panel)
        column.addStretch(1)
        self.control_scroll = QScrollArea()
        self.control_scroll.setObjectName("controlScroll")
        self.control_scroll.viewport().setAutoFillBackground(False)
        self.control_scroll.setWidget(controls)
        self.control_scroll.setWidgetResizable(True)
        self.control_scroll.setFrameShape(QFrame.NoFrame)
        self.control_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

        network_group = QGroupBox("Network")
        network_layout = QVBoxLayout(network_group)
        network_layout.addWidget(self.network_panel)
        network_layout.addWidget(self.network_view, 1)

        boundary_group = QGroupBox("Output")
        boundary_layout = QVBoxLayout(boundary_group)
        boundary_layout.addWidget(self.boundary_view, 1)
        boundary_layout.addLayout(_row(self.show_test, self.discretize))
        loss_group = QGroupBox("Loss")
        loss_layout = QVBoxLayout(loss_group)
        loss_layout.addWidget(self.loss_chart, 1)
        loss_layout.addLayout(_row(self.loss_scale))
        self.output_splitter = QSplitter(Qt.Vertical)
        self.output_splitter.addWidget(boundary_group)
        self.output_splitter.addWidget(loss_group)
        self.output_splitter.setStretchFactor(0, 3)
        self.output_splitter.setStretchFactor(1, 2)
        self.output_splitter.setChildrenCollapsible(False)

        self.main_splitter = QSplitter(Qt.Horizontal)
        self.main_splitter.addWidget(self.control_scroll)
        self.main_splitter.addWidget(network_group)
        self.main_splitter.addWidget(self.output_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setStretchFactor(2, 2)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.setSizes([350, 510, 420])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        # A screen narrower than the panels' minimum (an 800x600 projector) scrolls them
        # instead of drawing one over another; on any larger screen no scroll bar shows.
        self.main_scroll = QScrollArea()
        self.main_scroll.setObjectName("mainScroll")
        self.main_scroll.setWidget(self.main_splitter)
        self.main_scroll.setWidgetResizable(True)
        self.main_scroll.setFrameShape(QFrame.NoFrame)
        self.main_scroll.viewport().setAutoFillBackground(False)
        layout.addWidget(self.main_scroll, 1)
        self.setCentralWidget(central)
        # The numbers across the top live in a fixed tool bar: it spans the whole width,
        # above a docked lesson panel too, so the panel never squeezes them.
        self.header = QToolBar("Training numbers")
        self.header.setObjectName("header")
        self.header.setMovable(False)
        self.header.setFloatable(False)
        self.header.toggleViewAction().setVisible(False)  # never hidden by a right click
        self.header.setContextMenuPolicy(Qt.PreventContextMenu)
        self.header.setStyleSheet("QToolBar#header { border: none; padding: 0; spacing: 0; }")
        self.playback.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.header.addWidget(self.playback)
        self.addToolBar(Qt.TopToolBarArea, self.header)
        # Messages float over the panels: showing or hiding one moves nothing.
        self.banner.setParent(central)
        self.banner.float_over(self.main_scroll)
        # The window starts with the focus on no control (Qt would give it to the first
        # slider or list, which then swallows the arrow keys); a click on a blank spot
        # takes it back there.
        central.setFocusPolicy(Qt.ClickFocus)
        central.setFocus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        # Some platforms (offscreen, some desktops) bind nothing to the standard Quit key.
        self.quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.Quit)
                                      or [QKeySequence("Ctrl+Q")])
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.training_menu = bar.addMenu("&Training")
        self.play_action = self._action("Play / pause", "Space", self.toggle_play)
        self.step_action = self._action("Step one epoch", "Right", self.step_epoch)
        self.reset_action = self._action("Reset", "R", self.reset)
        for action in (self.play_action, self.step_action, self.reset_action):
            self.training_menu.addAction(action)

        self.view_menu = bar.addMenu("&View")
        self.dark_action = self._action("Dark theme", None, self._on_dark, checkable=True)
        self.dark_action.setChecked(self._dark)
        self.colorblind_action = self._action("Colour-blind palette", None, self._on_colorblind,
                                              checkable=True)
        self.colorblind_action.setChecked(self._palette_name == "colorblind")
        self.fullscreen_action = self._action("Full screen", "F11", self.toggle_fullscreen,
                                              checkable=True)
        for action in (self.dark_action, self.colorblind_action, self.fullscreen_action):
            self.view_menu.addAction(action)

        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self._action("Keyboard shortcuts", None, self.show_shortcuts))
        self.help_menu.addAction(self._action("About Neuroplay", None, self.show_about))

    def _action(self, text: str, shortcut: str | None, slot, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(lambda *_: slot())
        self.addAction(action)  # shortcuts work with the menu bar hidden (full screen)
        return action

    def _connect_controls(self) -> None:
        self.playback.play_clicked.connect(self.toggle_play)
        self.playback.step_clicked.connect(self.step_epoch)
        self.playback.reset_clicked.connect(self.reset)
        self.playback.pace_changed.connect(self._on_pace)
        for panel in (self.data_panel, self.features_panel, self.training_panel,
                      self.network_panel):
            panel.changed.connect(self.change_config)
        self.training_panel.invalid.connect(self._show_error)
        self.show_test.toggled.connect(self._on_show_test)
        self.discretize.toggled.connect(self._on_discretize)
        self.loss_scale.currentIndexChanged.connect(self._on_loss_scale)
        self.weight_editor = WeightEditor(self.presenter, self.centralWidget(), self.network_view,
                                          parent=self)
        self.network_view.weight_edit_requested.connect(self.weight_editor.edit_weight)
        self.network_view.bias_edit_requested.connect(self.weight_editor.edit_bias)

    def _on_focus_changed(self, _old, new) -> None:
        # Installing twice is harmless: Qt keeps one filter per object.
        if new is not None and not is_text_field(new) and self.isAncestorOf(new):
            new.installEventFilter(self._shortcuts_first)

    # ------------------------------------------------------------ public API
    def session_config(self) -> SessionConfig:
        """The config the window shows (and has sent to the worker)."""
        return self._config

    def load_session(self, session: TrainingSession) -> None:
        """Show and train `session` from now on (the engine gets it as a document)."""
        self._config = session.config
        self._show_config(self._config)
        # Known now, before the worker's answer: Play pressed at once must not be refused
        # because the previous session had no points (File > New after clearing them).
        self._has_training_points = len(session.train.points) > 0
        if self._has_training_points and self.banner.text() == NO_POINTS_TEXT:
            self.banner.hide_message()
        self.presenter.open_session(session)

    def set_control_group_visible(self, group: str, visible: bool) -> None:
        """Show or hide a group of controls: "data", "features", "network", "training",
        or a group of hyperparameter rows ("optimizer", "loss", "regularization", ...)."""
        panels = {"data": self.data_panel, "features": self.features_panel,
                  "network": self.network_panel, "training": self.training_panel}
        if group in panels:
            panels[group].setVisible(visible)  # Qt skips a change that changes nothing
        else:
            self.training_panel.set_rows_visible(group, visible)

    def last_frame(self) -> Frame | None:
        return self._last_frame

    def is_playing(self) -> bool:
        return self._playing

    def toggle_play(self) -> None:
        if self._playing or self._can_train():
            self.presenter.toggle_play()

    def play(self) -> None:
        if self._can_train():
            self.presenter.play()

    def pause(self) -> None:
        self.presenter.pause()

    def step_epoch(self) -> None:
        if self._can_train():
            self.presenter.step_epoch()

    def _can_train(self) -> bool:
        """False (and says why) when there is nothing to train on: all points cleared."""
        if not self._has_training_points:
            self.banner.show_message(NO_POINTS_TEXT, "warning")
        return self._has_training_points

    def reset(self) -> None:
        self.banner.hide_message()
        self.presenter.reset()

    def set_points(self, dataset) -> None:
        """Train on drawn or imported points (a DataSet)."""
        self.presenter.set_points(dataset)

    def change_config(self, changes: dict) -> None:
        """Apply the user's changes; an invalid combination shows why and changes nothing."""
        try:
            config = fit_changes(self._config, changes)
        except ConfigError as exc:
            self._show_error(f"That setting cannot be used: {exc}.")
            self._show_config(self._config)
            return
        if config == self._config:
            self._show_config(config)
            return
        self._config = config
        self._show_config(config)
        self.settings.save_config(config)
        self.presenter.apply(config)

    # ------------------------------------------------------------ worker signals
    def _on_session_changed(self, info: SessionInfo) -> None:
        # What the window knows changes now; the views are redrawn one per event-loop turn
        # (app/staging.py: 30-120 ms in one slot while training ran), and frames wait
        # until all are, so none is drawn on a half-made layout.
        self._info = info
        self._follow_steps_per_epoch(info)
        self.data_panel.set_point_count(len(info.data.points))
        # An answer to an older apply while a newer one is on its way: keep showing the
        # newer settings (the next answer brings them), but draw this data and network.
        show_config = info.requested is None or info.requested == self._config
        if show_config:
            self._config = info.config
        if info.reset:
            # A frame of the old run, sent before the reset: drawing it now would put the
            # old run's rows on the cleared chart.
            self.pacer.drop()
            self._diverged_shown = False
            self.playback.epoch.set_text(format_epoch(0))
        parts = [self.pacer.hold]
        if show_config:  # the settings shown when the part runs: the user may change them
            parts += [lambda: self._show_config(self._config, (self.data_panel,
                                                               self.features_panel)),
                      lambda: self._show_config(self._config, (self.training_panel,
                                                               self.network_panel))]
        parts += [lambda: self.boundary_view.set_data(info.train, info.test),
                  lambda: self.network_view.set_network(info.config.layer_sizes,
                                                        list(info.config.features),
                                                        self._input_maps(info))]
        if info.reset:
            parts.append(self.loss_chart.clear)
        self._session_stages.run(parts)
        if info.reason:
            self.banner.show_message(f"Network reset: {info.reason}.", "info")
        had_points = self._has_training_points
        self._has_training_points = len(info.train.points) > 0
        if not self._has_training_points:
            # Nothing to train on (all points cleared): stop, and say so, rather than
            # leave the play icon on over a frozen epoch counter.
            self.pause()
            self.banner.show_message(NO_POINTS_TEXT, "warning")
        elif not had_points and self.banner.text() == NO_POINTS_TEXT:
            self.banner.hide_message()

    def settled(self) -> bool:
        """True once the views show the last session change and theme (each redrawn over
        a few event-loop turns)."""
        return not (self._session_stages.busy() or self._recolour.busy()
                    or self.restyler.busy())

    def _input_maps(self, info: SessionInfo) -> np.ndarray:
        """(k, g, g) each input feature over the data's plane, for the diagram's inputs."""
        grid = feature_grid(info.config.features, info.data.extent, MAP_GRID)
        return grid.astype(np.float32)

    def _on_engine_lost(self, why: str) -> None:
        self.banner.show_message(f"The training engine stopped ({why}). It was restarted "
                                 f"from the last state shown; nothing was lost.", "warning",
                                 10000)

    def _on_playing_changed(self, playing: bool) -> None:
        self._playing = playing
        self.playback.set_playing(playing)

    def _on_frame(self, frame: Frame) -> None:
        self.pacer.offer(frame)

    def _draw(self, frame: Frame, plan: DrawPlan) -> None:
        """Draw `frame`: the boundary and the numbers always, the costly views as planned."""
        snap = frame.snapshot
        self._last_frame = frame
        if plan.network:
            self.network_view.show_snapshot(snap)
        self.boundary_view.show_snapshot(snap)
        if plan.history is not None:
            self.loss_chart.show_snapshot(plan.history)
        self.playback.show_numbers(snap, frame.steps_per_second, frame.playing)
        # The legend's numbers with the header's, every frame (the curves follow later).
        self.loss_chart.show_numbers(snap.train_loss, snap.test_loss)
        if snap.diverged and not self._diverged_shown:
            self._diverged_shown = True
            self.banner.show_message(snap.message, "warning")  # engine.session.divergence_message
        elif not snap.diverged and self._diverged_shown:
            self._diverged_shown = False
            if self.banner.kind() == "warning":
                self.banner.hide_message()
        self.frames_drawn += 1
        if self.frames_drawn == 1:
            freeze_start_up()

    def _show_error(self, text: str) -> None:
        self.banner.show_message(text, "error", 8000)

    # ------------------------------------------------------------ view options
    def _show_config(self, config: SessionConfig, panels: tuple | None = None) -> None:
        """Show `config` in the setting panels (`panels`, default all four)."""
        panels = panels or (self.data_panel, self.features_panel, self.training_panel,
                            self.network_panel)
        if self.network_panel in panels:  # its cards resize the diagram before it follows
            self.network_view.expect_network(config.layer_sizes)
        for panel in panels:
            panel.set_config(config)

    def set_pace(self, pace: float | None) -> None:
        """Train at `pace` epochs per second (None: Max), as the lesson or user asks."""
        self.playback.set_pace(pace)

    def _on_pace(self, pace: float | None) -> None:
        # The worker limits steps/s: an epoch's steps depend on the data and batch size.
        self.presenter.set_speed(self.playback.speed_limit())
        self.settings.save_int("pace", 0 if pace is None else int(pace))

    def _follow_steps_per_epoch(self, info: SessionInfo) -> None:
        """Keep the pace in epochs/s when the data or the batch size changes."""
        steps = steps_per_epoch(len(info.train.points), info.config.batch_size)
        if steps != self.playback.steps_per_epoch():
            self.playback.set_steps_per_epoch(steps)
            self.presenter.set_speed(self.playback.speed_limit())

    def _on_show_test(self, show: bool) -> None:
        self.boundary_view.set_show_test(show)
        self.settings.save_bool("show_test", show)

    def _on_discretize(self, on: bool) -> None:
        self.boundary_view.set_discretize(on)
        self.settings.save_bool("discretize", on)

    def _on_loss_scale(self, _index: int) -> None:
        scale = self.loss_scale.currentData()
        self.loss_chart.set_scale(scale)
        self.settings.set("loss_scale", scale)

    def _on_dark(self) -> None:
        self._dark = self.dark_action.isChecked()
        self.settings.save_bool("dark", self._dark)
        # Only colours change (the sheet's sizes and fonts are the same in both themes), and
        # the widgets take their new look a slice per event-loop turn: setting the sheet
        # again re-polished all of them at once (130 ms or more, 400 ms under load). The
        # views recolour a view per turn first (_apply_palette), then the widgets: one
        # chain, so no two theme slices share a turn (two chains side by side made turns
        # of 20-30 ms).
        app = QApplication.instance()
        if app is not None:
            apply_qt_theme(app, self._dark)
        dark = self._dark
        self._apply_palette(first=lambda: (self.banner.set_dark(dark),
                                           self.playback.set_dark(dark)),
                            then=lambda: self.restyler.switch(dark))

    def _on_colorblind(self) -> None:
        self._palette_name = "colorblind" if self.colorblind_action.isChecked() else "default"
        self.settings.save_palette(self._palette_name)
        self._apply_palette()  # the views' own colours: no restyle

    def view_palette(self) -> Palette:
        """The views' colours for the theme and palette chosen now (the views take them
        a view per event-loop turn after a switch)."""
        return get_palette(self._palette_name, self._dark)

    def _apply_palette(self, at_once: bool = False, first=None, then=None) -> None:
        """The views' colours for the theme and palette chosen, a view per event-loop turn
        from the next (app/staging.py), between `first` and `then`: all at once cost
        30-60 ms while training ran."""
        palette = self.view_palette()
        parts = [lambda view=view: view.set_palette(palette)
                 for view in (self.boundary_view, self.network_view, self.loss_chart,
                              self.data_panel)]
        self._recolour.run(([first] if first else []) + parts + ([then] if then else []),
                           now=False)
        if at_once:
            self._recolour.finish()

    def _apply_theme(self) -> None:
        """The whole look, once at start: the style sheet holds both themes (app/theme.py),
        the window's "dark" property picks one."""
        app = QApplication.instance()
        if app is not None:
            apply_qt_theme(app, self._dark)
        light, dark = window_style_sheet(False), window_style_sheet(True)
        self.restyler = Restyler(self, themed_selectors(light, dark), done=self._fill_header)
        self.setProperty(THEME_PROPERTY, self._dark)
        self.setStyleSheet(two_theme_style_sheet(light, dark, "QMainWindow"))
        self._fill_header()
        self._recolour = Stages(self)
        self._apply_palette(at_once=True)
        self.data_panel.warm_icons([get_palette(name, dark) for name in ("default", "colorblind")
                                    for dark in (False, True)])
        self.banner.set_dark(self._dark)
        self.playback.set_dark(self._dark)
        self.playback.fix_sizes()
        # Sizes depend on the style sheet's fonts and padding: fit the column to them.
        controls = self.control_scroll.widget()
        controls.ensurePolished()
        scrollbar = self.control_scroll.verticalScrollBar().sizeHint().width()
        self.control_scroll.setMinimumWidth(controls.minimumSizeHint().width() + scrollbar)

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>&nbsp;&nbsp;"
                       f"{html.escape(v)}</td></tr>" for k, v in shortcut_rows(self))
        note = ("<p>They work wherever the keyboard focus is, except while you type in a "
                "text field.</p>")
        self._message("Keyboard shortcuts", f"<table>{rows}</table>{note}")

    def show_about(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("neuroplay")
        except PackageNotFoundError:
            number = "from a source tree"
        self._message("About Neuroplay",
                      f"<b>Neuroplay</b> {number}<br>Build small neural networks and watch "
                      "them learn.<br><br>Pick a data set, shape a network, press play."
                      "<br><br>Training runs on Neuroplay's own NumPy engine, in "
                      f"{self.presenter.host_description()}. MIT licence.")

    def _message(self, title: str, html: str) -> None:
        box = QMessageBox(QMessageBox.Information, title, html, QMessageBox.Close, self)
        box.setTextFormat(Qt.RichText)
        box.setModal(False)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.show()

    # ------------------------------------------------------------ state and closing
    def _fit_to_screen(self, centre: bool = False) -> None:
        """Fit the window to the screen it is on (a 1024x768 projector, a 1366x768 laptop):
        nothing off-screen; a screen smaller than the default size gets a maximised window."""
        available = available_geometry(self)
        if available is None or self.isFullScreen() or self.isMaximized():
            return
        frame = frame_of(self)
        self.setMinimumSize(QSize(min(MINIMUM_SIZE[0], available.width() - frame[0]),
                                  min(MINIMUM_SIZE[1], available.height() - frame[1])))
        wanted = QRect(self.geometry())
        if centre:
            wanted.moveCenter(available.center())
        fitted = fit_to_screen(wanted, available, frame)
        if fitted != self.geometry():
            self.setGeometry(fitted)
        if centre and (available.width() < DEFAULT_SIZE[0] + frame[0]
                       or available.height() < DEFAULT_SIZE[1] + frame[1]):
            self.setWindowState(self.windowState() | Qt.WindowMaximized)

    def _restore_window_state(self) -> None:
        geometry = self.settings.load_bytes("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            self._fit_to_screen()  # saved on a larger screen than this one
        pace = self.settings.load_int("pace", DEFAULT_PACE, 0, 100_000)  # 0: Max
        self.playback.set_pace(None if pace == 0 else pace)

    def _fill_header(self) -> None:
        """The header fills its background with the window's colour, so the numbers changing
        every frame repaint the header alone, not the window under it (58 000 pixels a
        frame). Its style sheet turns this off whenever it is polished: set it again."""
        self.header.setBackgroundRole(QPalette.Window)  # a tool bar's own is Button
        self.header.setAutoFillBackground(True)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._fill_header()  # polished on the first show
        if not self._splitters_restored:
            # Only once the window has its real size, or the splitters rescale what they load.
            self._splitters_restored = True
            self.centralWidget().layout().activate()
            for key, splitter in (("main_splitter", self.main_splitter),
                                  ("output_splitter", self.output_splitter)):
                state = self.settings.load_bytes(key)
                if state is not None:
                    splitter.restoreState(state)

    def save_state(self) -> None:
        self.settings.save_bytes("geometry", self.saveGeometry())
        self.settings.save_bytes("main_splitter", self.main_splitter.saveState())
        self.settings.save_bytes("output_splitter", self.output_splitter.saveState())
        self.settings.save_config(self._config)
        self.settings.sync()

    def shutdown(self) -> bool:
        """Stop the engine and the worker thread and wait for both; True when they ended."""
        return self.presenter.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.save_state()
        self.shutdown()
        super().closeEvent(event)

    def worker_running(self) -> bool:
        return self.presenter.is_running()


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(4, 0, 4, 0)
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row

