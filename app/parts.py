"""The seam between the main window and its features: what a feature may use, by name.

Features (files, autosave, drawing, classroom, presentation, the GIF recorder) are built
in app/main.py with a `WindowParts` passed in: the presenter, the settings, the banner, the
menus and actions they add to, the views they export or draw on, and the window's own
training commands. Nothing else of the window is theirs: no feature looks up the window's
attributes by name or sets attributes on it (tests/test_import_contract.py checks this), so
what the window offers its features is this one list, and changing the window's insides
breaks no feature that the list does not name.

`window` itself is here only as a Qt widget: the parent of dialogs, menus and docks, the
object whose title, geometry and events a feature may use through QMainWindow's own API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the names: the seam itself never builds a window
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QCheckBox,
        QComboBox,
        QMainWindow,
        QMenu,
        QSplitter,
        QToolBar,
        QWidget,
    )

    from app.banner import Banner
    from app.controls.playback import PlaybackBar
    from app.presenter import SessionPresenter
    from app.settings import Settings
    from app.theme import Palette
    from app.views.boundary import BoundaryView
    from app.views.loss_chart import LossChart
    from app.views.network_diagram import NetworkView
    from app.window import MainWindow
    from engine.config import SessionConfig
    from engine.datasets import DataSet
    from engine.protocol import Frame
    from engine.session import TrainingSession


@dataclass(frozen=True)
class WindowCommands:
    """The window's training commands: they keep its rules (no play without points, the
    controls show what is sent), so features call these rather than the presenter."""

    play: Callable[[], None]
    pause: Callable[[], None]
    step_epoch: Callable[[], None]
    is_playing: Callable[[], bool]
    last_frame: Callable[[], Frame | None]  # the newest frame drawn (not just received)
    session_config: Callable[[], SessionConfig]  # what the controls show and have sent
    load_session: Callable[[TrainingSession], None]  # show and train a whole new session
    set_points: Callable[[DataSet], None]  # train on drawn or imported points
    set_pace: Callable[[float | None], None]  # epochs per second, None: Max
    set_control_group_visible: Callable[[str, bool], None]
    palette: Callable[[], Palette]  # the views' colours for the theme chosen now


@dataclass(frozen=True)
class WindowParts:
    """Everything of the main window that features may use."""

    window: QMainWindow  # a Qt parent and top-level widget, nothing more
    presenter: SessionPresenter
    settings: Settings
    banner: Banner
    commands: WindowCommands
    # Menus and actions features add to or follow.
    file_menu: QMenu
    quit_action: QAction  # File menu entries go above it
    training_menu: QMenu
    view_menu: QMenu
    help_menu: QMenu  # the Lessons menu goes before it
    dark_action: QAction
    colorblind_action: QAction
    fullscreen_action: QAction
    # Views features draw on, export or record.
    boundary_view: BoundaryView
    network_view: NetworkView
    loss_chart: LossChart
    show_test: QCheckBox
    discretize: QCheckBox
    # What presentation mode folds away, resizes or rescales.
    playback: PlaybackBar
    header: QToolBar
    control_scroll: QWidget
    network_panel: QWidget
    loss_scale: QComboBox
    main_splitter: QSplitter
    output_splitter: QSplitter

    def folded_panels(self) -> tuple[QWidget, ...]:
        """The panels a presenter does not need (presentation mode hides them)."""
        return (self.control_scroll, self.network_panel, self.loss_scale)

    def views(self) -> tuple[QWidget, ...]:
        """The drawn views, whose lines presentation mode thickens."""
        return (self.boundary_view, self.loss_chart, self.network_view)


def window_parts(window: MainWindow) -> WindowParts:
    """The parts of a MainWindow its features get (app/main.py builds them with these)."""
    commands = WindowCommands(
        play=window.play, pause=window.pause, step_epoch=window.step_epoch,
        is_playing=window.is_playing, last_frame=window.last_frame,
        session_config=window.session_config, load_session=window.load_session,
        set_points=window.set_points, set_pace=window.set_pace,
        set_control_group_visible=window.set_control_group_visible,
        palette=window.view_palette)
    return WindowParts(
        window=window, presenter=window.presenter, settings=window.settings,
        banner=window.banner, commands=commands,
        file_menu=window.file_menu, quit_action=window.quit_action,
        training_menu=window.training_menu, view_menu=window.view_menu,
        help_menu=window.help_menu, dark_action=window.dark_action,
        colorblind_action=window.colorblind_action,
        fullscreen_action=window.fullscreen_action,
        boundary_view=window.boundary_view, network_view=window.network_view,
        loss_chart=window.loss_chart, show_test=window.show_test,
        discretize=window.discretize, playback=window.playback, header=window.header,
        control_scroll=window.control_scroll, network_panel=window.network_panel,
        loss_scale=window.loss_scale, main_splitter=window.main_splitter,
        output_splitter=window.output_splitter)
