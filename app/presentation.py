"""Presentation mode: full screen, the dark theme, everything scaled up for a projector.

`Presentation(parts, panel)` (the window's parts, app/parts.py) adds nothing by itself;
`app/classroom.py` puts its `action` (F5) and `zoom_menu` in the View menu. Entering
remembers what it changes (window state and geometry, theme, application font, line
widths, axis titles, lesson text size, which panels show) and leaving puts every one of
them back.

On a projector the diagram and the boundary are what the room reads: the control column
and the network's shape editor fold away, and the numbers across the top get the largest
font at which every one of them shows whole in the window's width (the header's pace
controls and epochs/s fold away first when they do not all fit).
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu

from app.parts import WindowParts

ZOOM_STEPS = (100, 125, 150, 175, 200, 250)
DEFAULT_ZOOM = 150
MIN_ZOOM, MAX_ZOOM = 100, 250
PANEL_BOOST = 1.3  # lesson text grows a little more than the rest: it is what people read
# On a narrow projector the lesson text grows less (this many pixels wide get the full
# boost), and its panel takes at most LESSON_SHARE of the width: the diagram stays large.
FULL_BOOST_WIDTH = 1600
LESSON_SHARE = 0.34
HEADER_STEP = 0.05  # the header's font shrinks in these steps until every number fits
# Shares of the width and height while presenting: the boundary as large as the diagram.
NETWORK_SHARE = 0.42  # of the main row, the rest to the boundary and loss column
BOUNDARY_SHARE = 0.645  # of the output column, the rest to the loss chart (legend strip above)


def scale_style_sheet(sheet: str, scale: float) -> str:
    """`sheet` with every font size in points multiplied by `scale` ("8pt" -> "12pt")."""
    return re.sub(r"(\d+(?:\.\d+)?)pt\b", lambda m: f"{float(m[1]) * scale:g}pt", sheet)


class Presentation(QObject):
    """Toggles presentation mode on the window of `parts`; `panel` is the lesson panel
    (optional); `settle`, if given, runs before each change (see __init__)."""

    toggled = Signal(bool)

    def __init__(self, parts: WindowParts, panel=None, settle=None):
        super().__init__(parts.window)
        # Called before entering or leaving: the classroom's lesson opening or closing,
        # which shows and hides panels over a few turns, ends first (folding records which
        # panels are hidden).
        self._settle = settle
        self.parts = parts
        self.window = window = parts.window
        self.panel = panel
        self.active = False
        self.extra_widgets: list = []  # other windows to scale (the explainer)
        self.zoom = parts.settings.load_int("presentation_zoom", DEFAULT_ZOOM, MIN_ZOOM,
                                            MAX_ZOOM)
        self._saved: dict = {}
        self._folded: list = []  # (widget, it was hidden) for the panels folded away
        self.header_scale = 1.0  # the header font scale chosen by _fit_header
        self._pens: list = []
        self._sheets: list = []  # (widget, its own style sheet, the scaled one set)

        self.action = QAction("Presentation mode", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(Qt.Key_F5))
        self.action.setShortcutContext(Qt.ApplicationShortcut)
        self.action.setToolTip("Full screen, large text and thick lines for a projector (F5)")
        self.action.triggered.connect(lambda checked: self.set_active(checked))
        window.addAction(self.action)  # F5 works with the menu bar hidden
        self.leave_shortcut = QShortcut(QKeySequence(Qt.Key_Escape), window)
        self.leave_shortcut.setWhatsThis("Leave presentation mode")  # listed in Help
        self.leave_shortcut.setEnabled(False)
        self.leave_shortcut.activated.connect(lambda: self.set_active(False))

        # The header fits itself again when the full-screen window gets its final size.
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit_header)
        window.installEventFilter(self)

        self.zoom_menu = QMenu("Presentation zoom", window)
        group = QActionGroup(self.zoom_menu)
        self.zoom_actions: dict[int, QAction] = {}
        for percent in ZOOM_STEPS:
            action = self.zoom_menu.addAction(f"{percent}%")
            action.setCheckable(True)
            action.setChecked(percent == self.zoom)
            action.triggered.connect(lambda _=False, p=percent: self.set_zoom(p))
            group.addAction(action)
            self.zoom_actions[percent] = action

    # ------------------------------------------------------------ public API
    @property
    def scale(self) -> float:
        return self.zoom / 100.0

    def toggle(self) -> None:
        self.set_active(not self.active)

    def set_active(self, on: bool) -> None:
        if self._settle is not None and on != self.active:
            self._settle()
        if on and not self.active:
            self._enter()
        elif not on and self.active:
            self._leave()
        self.action.setChecked(self.active)

    def set_zoom(self, percent: int) -> None:
        """Zoom factor for presentation mode, 100% to 250%; applied at once when active."""
        percent = int(min(max(percent, MIN_ZOOM), MAX_ZOOM))
        self.zoom = percent
        if percent in self.zoom_actions:
            self.zoom_actions[percent].setChecked(True)
        self.parts.settings.save_int("presentation_zoom", percent)
        if self.active:
            self._unscale()
            self._scale()

    def add_widget(self, widget) -> None:
        """Scale another window's text too (e.g. the explainer) while presenting."""
        self.extra_widgets.append(widget)
        if self.active:
            widget.setFont(QApplication.instance().font())
            if hasattr(widget, "set_text_scale"):
                widget.set_text_scale(self.scale)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if self.active and watched is self.window and event.type() == QEvent.Resize:
            self._boost_panel(self.window.width())
            self._limit_dock()
            self._refit.start()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ entering and leaving
    def _enter(self) -> None:
        window = self.window
        app = QApplication.instance()
        # The state and the normal geometry: leaving gives back a maximised window
        # maximised, and a normal one at its size and place.
        self._saved = {"fullscreen": window.isFullScreen(), "font": QFont(app.font()),
                       "dark": None, "state": window.windowState(),
                       "geometry": window.saveGeometry()}
        dark_action = self.parts.dark_action
        if not dark_action.isChecked():
            self._saved["dark"] = False
            dark_action.trigger()  # the window's own dark, high-contrast theme
        self.active = True
        self._scale()
        if not window.isFullScreen():
            window.showFullScreen()
        self._sync_fullscreen_action()
        self.leave_shortcut.setEnabled(True)
        self.toggled.emit(True)

    def _leave(self) -> None:
        window = self.window
        self._unscale()
        self.active = False
        if self._saved.get("dark") is False:
            dark_action = self.parts.dark_action
            if dark_action.isChecked():
                dark_action.trigger()
        if not self._saved.get("fullscreen") and window.isFullScreen():
            window.restoreGeometry(self._saved["geometry"])  # size, place and maximised state
            window.setWindowState(self._saved["state"])
            if not window.isVisible():
                window.show()
        self._sync_fullscreen_action()
        self.leave_shortcut.setWhatsThis("Leave presentation mode")  # listed in Help
        self.leave_shortcut.setEnabled(False)
        self.toggled.emit(False)

    def _sync_fullscreen_action(self) -> None:
        self.parts.fullscreen_action.setChecked(self.window.isFullScreen())

    # ------------------------------------------------------------ scaling
    def _scale(self) -> None:
        app = QApplication.instance()
        base = self._saved["font"]
        font = QFont(base)
        font.setPointSizeF(base.pointSizeF() * self.scale)
        app.setFont(font)
        # Widgets under a style sheet keep their old font until it is set again; sizes the
        # sheet gives in points are scaled with everything else.
        self._saved["window_sheet"] = self.window.styleSheet()
        for widget in (self.window, *self.extra_widgets):
            own = widget.styleSheet()
            scaled = scale_style_sheet(own, self.scale)
            widget.setStyleSheet(scaled)
            self._sheets.append((widget, own, scaled))
        if self.panel is not None:
            # The window is about to fill its screen; a resize later refits (_boost_panel).
            width = self.window.screen().geometry().width() if self.window.screen() else 1600
            self._boost_panel(width)
        for widget in self.extra_widgets:
            # Separate windows do not follow the application font once shown.
            widget.setFont(font)
            if hasattr(widget, "set_text_scale"):
                widget.set_text_scale(self.scale)
        self._fold()
        self._fit_header()
        views = self.parts.views()
        for view in views:
            # Views that know how to thicken their own lines do it themselves.
            if hasattr(view, "set_line_scale"):
                view.set_line_scale(self.scale)
        self._scale_plots([v for v in views if not hasattr(v, "set_line_scale")])

    def _unscale(self) -> None:
        app = QApplication.instance()
        app.setFont(self._saved["font"])
        for widget, own, scaled in reversed(self._sheets):
            # Leave a sheet alone that the window replaced meanwhile (a theme change).
            widget.setStyleSheet(own if widget.styleSheet() == scaled else widget.styleSheet())
        self._sheets = []
        if self.panel is not None:
            self._saved.pop("panel scale", None)
            self.panel.set_text_scale(1.0)
        for widget in self.extra_widgets:
            widget.setFont(self._saved["font"])
            if hasattr(widget, "set_text_scale"):
                widget.set_text_scale(1.0)
        self._unfold()
        self._unfit_header()
        for view in self.parts.views():
            if hasattr(view, "set_line_scale"):
                view.set_line_scale(1.0)
        for restore in reversed(self._pens):
            restore()
        self._pens = []

    def _scale_plots(self, views) -> None:
        """Thicker curves and larger axis text in pyqtgraph plots, remembering the old ones."""
        for view in views:
            for plot_widget in view.findChildren(pg.PlotWidget):
                plot = plot_widget.getPlotItem()
                for item in plot.listDataItems():
                    pen = pg.mkPen(item.opts.get("pen"))
                    bigger = pg.mkPen(pen)
                    bigger.setWidthF(max(pen.widthF(), 1.0) * self.scale * 1.5)
                    item.setPen(bigger)
                    self._pens.append(lambda item=item, pen=pen: item.setPen(pen))
                legend = plot.legend
                if legend is not None:
                    old_size = legend.opts.get("labelTextSize") or "9pt"
                    points = float(old_size.rstrip("pt") or 9) * self.scale
                    _legend_text_size(legend, f"{points:g}pt")
                    self._pens.append(lambda legend=legend, size=old_size:
                                      _legend_text_size(legend, size))
                for name in ("bottom", "left"):
                    axis = plot.getAxis(name)
                    old = axis.style.get("tickFont")
                    font = QFont(old) if old is not None else QFont()
                    size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
                    font.setPointSizeF(size * self.scale)
                    axis.setStyle(tickFont=font)
                    self._pens.append(lambda axis=axis, old=old: axis.setStyle(tickFont=old))
                    # Not axis.setLabel: it resets the axis's SI-prefix ranges, and a loss
                    # axis then reads 300 for 0.3 (a silent x1000).
                    old_style = dict(axis.labelStyle)
                    axis.labelStyle = {**old_style, "font-size": f"{round(11 * self.scale)}pt"}
                    axis._updateLabel()
                    self._pens.append(lambda axis=axis, style=old_style: _restore_label(axis,
                                                                                       style))

    # ------------------------------------------------------------ folding and the header
    def _fold(self) -> None:
        """Hide the panels a presenter does not need, remembering which were hidden."""
        # The header folds its own pace controls and epochs/s when its width runs short
        # (PlaybackBar._fold_to_width); while they fit they stay: with the control column
        # folded away, the header's pace slider is the presenter's only one.
        # The control column, the network's shape editor and the loss chart's scale choice
        # (its auto scale serves a room, and the curves get the row it took).
        self._folded = [(w, w.isHidden()) for w in self.parts.folded_panels()]
        for widget, _ in self._folded:
            widget.hide()
        dock = self._lesson_dock()
        if dock is not None:
            self._saved["dock width"] = dock.maximumWidth()
            self._limit_dock()
        self._saved["splitters"] = []
        for splitter, share in ((self.parts.main_splitter, NETWORK_SHARE),
                                (self.parts.output_splitter, BOUNDARY_SHARE)):
            self._saved["splitters"].append((splitter, splitter.saveState()))
            sizes = splitter.sizes()
            total = sum(sizes)
            shown = [k for k in range(splitter.count()) if not splitter.widget(k).isHidden()]
            if len(shown) == 2 and total > 0:
                first, second = shown
                sizes = [0] * len(sizes)
                sizes[first] = round(total * share)
                sizes[second] = total - sizes[first]
                splitter.setSizes(sizes)

    def _unfold(self) -> None:
        for widget, hidden in self._folded:
            widget.setVisible(not hidden)
        self._folded = []
        dock = self._lesson_dock()
        if dock is not None and "dock width" in self._saved:
            dock.setMaximumWidth(self._saved.pop("dock width"))
        splitters = self._saved.pop("splitters", [])
        self._restore_splitters(splitters)
        # Again once the shown panels and the window's own size have settled: both make a
        # splitter share its width out anew.
        QTimer.singleShot(0, self, lambda: self._restore_splitters(splitters))

    @staticmethod
    def _restore_splitters(splitters) -> None:
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        for splitter, state in splitters:
            splitter.restoreState(state)

    def _boost_panel(self, width: int) -> None:
        """The lesson text's size for a window `width` pixels wide (less on a narrow one,
        where the panel's share of the width is small)."""
        if self.panel is None:
            return
        scale = self.scale * PANEL_BOOST * min(1.0, width / FULL_BOOST_WIDTH)
        if abs(scale - self._saved.get("panel scale", 0.0)) > 1e-3:
            self._saved["panel scale"] = scale
            self.panel.set_text_scale(scale)

    def _lesson_dock(self):
        parent = self.panel.parentWidget() if self.panel is not None else None
        return parent if isinstance(parent, QDockWidget) else None

    def _limit_dock(self) -> None:
        dock = self._lesson_dock()
        if dock is not None and self.active:
            # Never narrower than the panel needs at its text size: it would be cut.
            share = int(self.window.width() * LESSON_SHARE)
            dock.setMaximumWidth(max(200, share, self.panel.minimumWidth()))

    def _fit_header(self) -> None:
        """The largest header font, up to the zoom, at which every number shows whole."""
        playback = self.parts.playback
        if not self.active:
            return
        if "header" not in self._saved:
            self._saved["header"] = playback.styleSheet()
        sheet = self._saved.get("window_sheet", "")
        # The numbers' tool bar spans the window: its own frame is all the width it takes.
        chrome = self.parts.header.width() - playback.width()
        room = self.window.width() - max(chrome, 0)
        scale = self.scale
        while True:
            playback.setStyleSheet(scale_style_sheet(sheet, scale))
            playback.fix_sizes()
            playback.layout().activate()
            if playback.minimumSizeHint().width() <= room or scale <= 1.0:
                break
            scale = max(1.0, scale - HEADER_STEP)
        self.header_scale = scale

    def _unfit_header(self) -> None:
        playback = self.parts.playback
        if "header" in self._saved:
            playback.setStyleSheet(self._saved.pop("header"))
            playback.fix_sizes()


def _legend_text_size(legend, size: str) -> None:
    """A pyqtgraph legend's text size; the labels are drawn again at once."""
    legend.setLabelTextSize(size)
    for _, label in legend.items:
        label.setText(label.text)
    legend.updateSize()


def _restore_label(axis, style: dict) -> None:
    axis.labelStyle = style
    axis._updateLabel()
