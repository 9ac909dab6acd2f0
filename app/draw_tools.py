"""Draw your own points on the decision boundary plot.

`DrawTools` is the small control group under the plot: a "Draw points" toggle, one
coloured button per class (a value box for regression), an eraser and "Clear all points".
`PointEditor` keeps the points being drawn and sends each change to the training worker
as a custom DataSet (through the window's `set_points` command), so training goes on with
them. `DrawingController.build(parts)` puts the tools under the plot and connects them
(app/main.py builds it and hands it to the File menu's controller).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.parts import WindowParts
from engine.config import MAX_CLASSES, MAX_POINTS
from engine.datasets import DataSet
from engine.io import make_custom_dataset
from engine.limits import covering_extent

ERASER_RADIUS_PX = 14.0
SPLIT_TIP = ("Your points are split into training points and test points (the test points "
             "only measure). Choose the share with Train/test in the Data panel; 100% "
             "trains on all of them.")


class DrawTools(QWidget):
    """The drawing controls. Emits `changed()` when the mode or the class changes and
    `clear_requested()` for "Clear all points"."""

    changed = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.draw_button = QToolButton()
        self.draw_button.setText("Draw points")
        self.draw_button.setCheckable(True)
        self.draw_button.setToolTip("Click the plot to add a point of the chosen class; "
                                    "right-click a point to remove it")
        self.class_group = QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.class_buttons: list[QToolButton] = []
        self.value_box = QDoubleSpinBox()  # regression: the target of new points
        self.value_box.setRange(-100.0, 100.0)
        self.value_box.setSingleStep(0.1)
        self.value_box.setValue(1.0)
        self.value_box.setPrefix("value ")
        self.value_box.setToolTip("The value new points get")
        self.eraser_button = QToolButton()
        self.eraser_button.setText("Eraser")
        self.eraser_button.setCheckable(True)
        self.eraser_button.setToolTip("Click near a point to remove it")
        self.clear_button = QPushButton("Clear all points")
        self.clear_button.setToolTip("Remove every point, to draw your own from scratch")
        self.split_label = QLabel()  # drawn points are split too: say so
        self.split_label.setObjectName("drawSplit")
        self.split_label.setToolTip(SPLIT_TIP)
        self.split_label.hide()

        # One line, or two where the column is narrower (presentation mode's larger text,
        # a lesson docked beside): as one line it set the output column's least width,
        # 482 px of a 1024 px projector, and left the diagram 143.
        self._rows = QBoxLayout(QBoxLayout.LeftToRight, self)
        self._rows.setContentsMargins(4, 0, 4, 0)
        self._rows.setSpacing(4)
        self._first = QHBoxLayout()
        self._first.setSpacing(4)
        self._first.addWidget(self.draw_button)
        self._class_row = QHBoxLayout()
        self._class_row.setSpacing(2)
        self._first.addLayout(self._class_row)
        self._first.addWidget(self.value_box)
        self._second = QHBoxLayout()
        self._second.setSpacing(4)
        self._second.addWidget(self.eraser_button)
        self._second.addWidget(self.clear_button)
        self._second.addWidget(self.split_label)
        self._second.addStretch(1)
        self._rows.addLayout(self._first)
        self._rows.setAlignment(self._first, Qt.AlignLeft)
        self._rows.addLayout(self._second, 1)

        self._colors: list[str] = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728"]
        self._problem = "classification"
        self.set_problem("classification", 2)
        self.draw_button.toggled.connect(self._on_mode)
        self.eraser_button.toggled.connect(self._on_mode)
        self.class_group.idToggled.connect(lambda *_: self.changed.emit())
        self.value_box.valueChanged.connect(lambda *_: self.changed.emit())
        self.clear_button.clicked.connect(self.clear_requested)
        self._on_mode()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # As narrow as two lines: resizeEvent folds the row when it gets less than one.
        hint = super().minimumSizeHint()
        margins = self._rows.contentsMargins()
        width = (max(self._first.minimumSize().width(), self._second.minimumSize().width())
                 + margins.left() + margins.right())
        return QSize(min(hint.width(), width), hint.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        margins = self._rows.contentsMargins()
        one_line = (self._first.sizeHint().width() + self._rows.spacing()
                    + self._second.minimumSize().width() + margins.left() + margins.right())
        direction = (QBoxLayout.LeftToRight if event.size().width() >= one_line
                     else QBoxLayout.TopToBottom)
        if direction != self._rows.direction():
            self._rows.setDirection(direction)

    def two_lines(self) -> bool:
        return self._rows.direction() == QBoxLayout.TopToBottom

    # ------------------------------------------------------------ state
    def drawing(self) -> bool:
        return self.draw_button.isChecked()

    def erasing(self) -> bool:
        return self.drawing() and self.eraser_button.isChecked()

    def label(self) -> float:
        """The class (classification) or value (regression) new points get."""
        if self._problem == "regression":
            return float(self.value_box.value())
        return float(max(self.class_group.checkedId(), 0))

    def set_label(self, label: float) -> None:
        if self._problem == "regression":
            self.value_box.setValue(label)
        elif 0 <= int(label) < len(self.class_buttons):
            self.class_buttons[int(label)].setChecked(True)

    def set_problem(self, problem: str, n_classes: int) -> None:
        """Buttons for the classes there are, plus one for a new class (up to 5)."""
        self._problem = problem
        count = 0 if problem == "regression" else min(max(n_classes, 2) + 1, MAX_CLASSES)
        checked = max(self.class_group.checkedId(), 0)
        while len(self.class_buttons) > count:
            button = self.class_buttons.pop()
            self.class_group.removeButton(button)
            button.deleteLater()
        while len(self.class_buttons) < count:
            c = len(self.class_buttons)
            button = QToolButton()
            button.setCheckable(True)
            button.setText(str(c))
            button.setToolTip(f"New points are class {c}")
            self.class_group.addButton(button, c)
            self._class_row.addWidget(button)
            self.class_buttons.append(button)
        if self.class_buttons:
            self.class_buttons[min(checked, count - 1)].setChecked(True)
        self.value_box.setVisible(problem == "regression")
        self._paint_buttons()

    def set_split(self, n_train: int, n_test: int, shown: bool) -> None:
        """Say how the points are split ("6 train · 6 test"), when `shown` (own points)."""
        self.split_label.setText(f"{n_train} train \u00b7 {n_test} test")
        self.split_label.setVisible(shown)

    def stop(self) -> None:
        """Leave drawing mode (a new or opened session starts without it)."""
        self.eraser_button.setChecked(False)
        self.draw_button.setChecked(False)

    def set_colors(self, colors: list[str]) -> None:
        """Class colours, from the view's palette."""
        self._colors = list(colors)
        self._paint_buttons()

    def _paint_buttons(self) -> None:
        for c, button in enumerate(self.class_buttons):
            color = QColor(self._colors[c % len(self._colors)])
            faded = f"rgba({color.red()}, {color.green()}, {color.blue()}, 70)"
            button.setStyleSheet(
                f"QToolButton {{ background: {color.name()}; color: white; font-weight: bold;"
                f" min-width: 22px; border: 2px solid transparent; border-radius: 4px; }}"
                f" QToolButton:checked {{ border: 2px solid palette(text); }}"
                # Off (not drawing): a pale chip with its number in the class colour, which
                # reads on light and dark themes (white on the pale chip did not).
                f" QToolButton:disabled {{ background: {faded}; color: {color.name()}; }}")

    def _on_mode(self) -> None:
        on = self.drawing()
        for widget in (*self.class_buttons, self.value_box, self.eraser_button):
            widget.setEnabled(on)
        self.changed.emit()


class PointEditor(QObject):
    """The points being drawn: (n, 2) positions and (n,) labels, sent on every change.

    `send(dataset)` hands a DataSet to the engine (the window's set_points command). The
    editor starts from the session's data, so drawing adds to the points already there.
    """

    points_changed = Signal()

    def __init__(self, send, parent: QObject | None = None):
        super().__init__(parent)
        self._send = send
        self.problem = "classification"
        self.n_classes = 2
        self.points = np.zeros((0, 2))
        self.labels = np.zeros(0)
        self.base_extent = (-1.0, 1.0, -1.0, 1.0)  # the plot range when drawing began
        self._pending: list[DataSet] = []  # sent, not yet reported back by the worker
        self.train: DataSet | None = None

    def follow(self, config, data: DataSet, train: DataSet) -> None:
        """The session changed: take its points unless they are our own change coming back."""
        self.problem = config.problem
        self.n_classes = config.n_classes if self.problem == "classification" else 1
        self.train = train
        # By value: the data came back through the engine (maybe a pipe), not as our object.
        mine = [i for i, d in enumerate(self._pending) if _same_data(d, data)]
        if mine:  # our own change coming back; later clicks may still be on their way
            del self._pending[:mine[0] + 1]
            return
        self._pending.clear()
        self.points = np.array(data.points, dtype=np.float64).reshape(-1, 2)
        self.labels = np.array(data.labels, dtype=np.float64)
        self.base_extent = tuple(float(v) for v in data.extent)

    def add(self, x1: float, x2: float, label: float) -> bool:
        if len(self.points) >= MAX_POINTS:
            return False
        self.points = np.vstack([self.points, [[x1, x2]]])
        self.labels = np.append(self.labels, label)
        self._publish()
        return True

    def remove(self, index: int) -> None:
        """Remove row `index` of `points`."""
        self.points = np.delete(self.points, index, axis=0)
        self.labels = np.delete(self.labels, index)
        self._publish()

    def remove_train_point(self, train_index: int) -> bool:
        """Remove the point shown as row `train_index` of the training set."""
        if self.train is None or not 0 <= train_index < len(self.train.points):
            return False
        where = np.flatnonzero(np.all(self.points == self.train.points[train_index], axis=1))
        if len(where) == 0:
            return False
        self.remove(int(where[0]))
        return True

    def remove_near(self, x1: float, x2: float, pixel_size: tuple[float, float],
                    radius_px: float = ERASER_RADIUS_PX) -> bool:
        """Remove the point nearest (x1, x2) within `radius_px` screen pixels."""
        if len(self.points) == 0:
            return False
        d = (self.points - [x1, x2]) / np.asarray(pixel_size, dtype=np.float64)
        dist = np.hypot(d[:, 0], d[:, 1])
        index = int(np.argmin(dist))
        if dist[index] > radius_px:
            return False
        self.remove(index)
        return True

    def clear(self) -> None:
        self.points = np.zeros((0, 2))
        self.labels = np.zeros(0)
        self._publish()

    def dataset(self) -> DataSet:
        data = make_custom_dataset(self.points.copy(), self.labels.copy(), self.problem)
        # Keep the plot range while drawing (clearing must not shrink where you can click).
        extent = covering_extent(data.extent, self.base_extent)
        n_classes = data.n_classes
        if self.problem == "classification":
            # Keep the class count too, so the class buttons stay while drawing.
            n_classes = max(n_classes, self.n_classes)
        return dataclasses.replace(data, extent=extent, n_classes=n_classes)

    def _publish(self) -> None:
        data = self.dataset()
        self.n_classes = data.n_classes
        self._pending.append(data)
        self._send(data)
        self.points_changed.emit()


def _same_data(a: DataSet, b: DataSet) -> bool:
    return (a.problem == b.problem and tuple(a.extent) == tuple(b.extent)
            and np.array_equal(a.points, b.points) and np.array_equal(a.labels, b.labels))


class DrawingController(QObject):
    """Wires DrawTools and a PointEditor to the window's boundary view and presenter."""

    def __init__(self, parts: WindowParts, tools: DrawTools, editor: PointEditor):
        super().__init__(parts.window)
        self.parts = parts
        self.view = parts.boundary_view
        self.tools = tools
        self.editor = editor
        self.view.point_added.connect(self._on_point_added)
        self.view.point_removed.connect(self._on_point_removed)
        tools.changed.connect(self._update_view)
        tools.clear_requested.connect(editor.clear)
        parts.presenter.session_changed.connect(self._on_session_changed)
        for action in (parts.dark_action, parts.colorblind_action):
            action.triggered.connect(self._update_colors)
        self._update_colors()

    @classmethod
    def build(cls, parts: WindowParts) -> DrawingController:
        """Put the drawing tools under the boundary plot and connect them."""
        tools = DrawTools()
        view = parts.boundary_view
        group = view.parentWidget()
        layout = group.layout() if group is not None else None
        if layout is not None:
            layout.insertWidget(layout.indexOf(view) + 1, tools)
        tools.setObjectName("drawTools")
        tools.setFocusPolicy(Qt.NoFocus)
        editor = PointEditor(parts.commands.set_points, parts.window)
        controller = cls(parts, tools, editor)
        # The first session was announced before we listened: read the presenter's mirror.
        mirror = parts.presenter.mirror
        controller.follow(mirror.config, mirror.data, mirror.train)
        return controller

    def _on_session_changed(self, info) -> None:
        self.follow(info.config, info.data, info.train)

    def follow(self, config, data: DataSet, train: DataSet) -> None:
        self.editor.follow(config, data, train)
        self.tools.set_problem(config.problem, config.n_classes)
        n_train = len(train.points)
        self.tools.set_split(n_train, len(data.points) - n_train, config.dataset == "custom")
        self._update_colors()

    def _update_view(self) -> None:
        drawing = self.tools.drawing()
        label = int(self.tools.label()) if self.editor.problem == "classification" else 0
        self.view.set_drawing(drawing, label)
        if drawing:
            self.parts.show_test.setChecked(True)  # every point you draw stays visible

    def _update_colors(self) -> None:
        palette = self.parts.commands.palette()  # the view takes it a turn later
        self.tools.set_colors([palette.class_color(c) for c in range(MAX_CLASSES)])

    def _on_point_added(self, x1: float, x2: float, _label: int) -> None:
        if self.tools.erasing():
            pixel = self.view.view_box.viewPixelSize()
            self.editor.remove_near(x1, x2, (abs(pixel[0]), abs(pixel[1])))
            return
        if not self.editor.add(x1, x2, self.tools.label()):
            self.parts.banner.show_message(
                f"At most {MAX_POINTS} points: remove some before adding more.", "error", 6000)

    def _on_point_removed(self, train_index: int) -> None:
        self.editor.remove_train_point(train_index)

