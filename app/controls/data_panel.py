"""The Data and Features groups: which points to learn and which inputs the network sees."""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.controls import DATASET_LABELS
from engine.config import (
    DATASETS,
    FEATURES,
    FIXED_DATASETS,
    MAX_CLASSES,
    MAX_POINTS,
    MAX_SEED,
    MIN_TRAIN_FRACTION,
    MULTICLASS_DATASETS,
    SessionConfig,
    datasets_for,
    next_seed,
)
from engine.datasets import make_dataset
from engine.features import FEATURE_LABELS

# Names short enough for a thumbnail (tooltips give the full name).
SHORT_LABELS = {"moons": "Moons", "checkerboard": "Checkers", "multi_gaussian": "Hills"}
# Thumbnails are pictures only, in one row, as in TensorFlow Playground: two rows with
# names under them cost the control column the height of four hyperparameter rows (every
# control must show without scrolling at 1280x800). The group's title names the data set.
THUMBNAIL_SIZE = 36
THUMBNAILS_PER_ROW = 7
WARM_DELAY_MS, WARM_INTERVAL_MS = 1500, 30  # other palettes' thumbnails, after start-up
MIN_POINTS_SHOWN = 10
POINTS_TIP = "How many points to generate (train and test together)"
RATIO_TIP = "How the points are split: the share that trains, and the rest kept to test"
CUSTOM_RATIO_TIP = ("Your points are split too: this share trains, the rest are test points "
                    "(\"Show test data\" shows them). 100% trains on all of them.")


@functools.cache
def _thumbnail_points(name: str):
    # Made once: each took 7 ms, nine of them at every theme or palette switch.
    return make_dataset(name, 160, noise=0.1, seed=3)


def dataset_thumbnail(name: str, palette, size: int = THUMBNAIL_SIZE) -> QPixmap:
    """A small scatter picture of data set `name`, in the palette's class colours."""
    data = _thumbnail_points(name)
    ratio = 2.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(palette.neutral))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    x1min, x1max, x2min, x2max = data.extent
    margin = 4.0
    span = size - 2 * margin

    def place(p: np.ndarray) -> QPointF:
        x = margin + (p[0] - x1min) / (x1max - x1min) * span
        y = margin + (1.0 - (p[1] - x2min) / (x2max - x2min)) * span
        return QPointF(x, y)

    if data.problem == "regression":
        low, high = float(np.min(data.labels)), float(np.max(data.labels))
        scaled = (data.labels - low) / (high - low if high > low else 1.0)
        colors = [QColor(*palette.lut[int(round(v * 255))][:3]) for v in scaled]
    else:
        colors = [QColor(palette.class_color(int(c))) for c in data.labels]
    for point, color in zip(data.points, colors, strict=True):
        painter.setBrush(color)
        painter.drawEllipse(place(point), 2.1, 2.1)
    painter.setPen(QColor(palette.grid))
    painter.setBrush(Qt.NoBrush)
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 4, 4)
    painter.end()
    return pixmap


class DataPanel(QGroupBox):
    """Data set thumbnails, classes, noise, points, train/test split, seed, regenerate."""

    changed = Signal(dict)

    def __init__(self, palette, parent: QWidget | None = None):
        super().__init__("Data", parent)
        self._palette = palette
        self._problem = "classification"
        self._config = SessionConfig()
        self._point_count: int | None = None  # of drawn or imported points
        self._buttons: dict[str, QToolButton] = {}
        self._icons: dict[tuple, QIcon] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        for name in DATASETS:
            button = QToolButton()
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonIconOnly)
            button.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            button.setText(SHORT_LABELS.get(name, DATASET_LABELS[name]))
            button.setAccessibleName(DATASET_LABELS[name])
            button.setToolTip(f"Use the {DATASET_LABELS[name].lower()} data set")
            button.setAutoRaise(True)
            button.setFixedSize(THUMBNAIL_SIZE + 8, THUMBNAIL_SIZE + 8)
            button.setObjectName(f"dataset_{name}")
            button.clicked.connect(lambda _c=False, n=name: self._emit(dataset=n))
            self._group.addButton(button)
            self._buttons[name] = button
        self.set_palette(palette)

        self.classes = QSpinBox()
        self.classes.setRange(2, MAX_CLASSES)
        self.classes.setKeyboardTracking(False)
        self.classes.setToolTip("Number of classes (rings, Gaussian blobs, spiral arms, "
                                "board colours)")
        self.classes.valueChanged.connect(lambda v: self._emit(classes=v))

        self.noise = QSlider(Qt.Horizontal)
        self.noise.setRange(0, 100)
        self.noise.setTracking(False)  # regenerate once, when the slider is released
        self.noise_label = QLabel()
        self.noise.sliderMoved.connect(lambda v: self.noise_label.setText(f"{v}%"))
        self.noise.valueChanged.connect(self._on_noise)

        self.points = QSpinBox()
        self.points.setRange(MIN_POINTS_SHOWN, MAX_POINTS)
        self.points.setSingleStep(50)
        self.points.setKeyboardTracking(False)
        self.points.setToolTip(POINTS_TIP)
        self.points.valueChanged.connect(lambda v: self._emit(n_points=v))

        self.train_ratio = QSlider(Qt.Horizontal)
        self.train_ratio.setRange(round(MIN_TRAIN_FRACTION * 100), 100)
        self.train_ratio.setSingleStep(5)
        self.train_ratio.setPageStep(10)
        self.train_ratio.setTracking(False)
        self.train_ratio_label = QLabel()
        self.train_ratio.sliderMoved.connect(
            lambda v: self.train_ratio_label.setText(_ratio_text(v)))
        self.train_ratio.valueChanged.connect(self._on_ratio)

        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("The data's random seed: the same seed gives the same points")
        self.seed.valueChanged.connect(lambda v: self._emit(data_seed=v))
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("New random points (next seed)")
        self.regenerate.clicked.connect(self._on_regenerate)

        form = QFormLayout()
        self._form = form
        form.setLabelAlignment(Qt.AlignLeft)
        form.addRow("Classes", self.classes)
        form.addRow("Noise", _with_label(self.noise, self.noise_label))
        form.addRow("Points", self.points)
        form.addRow("Train/test", _with_label(self.train_ratio, self.train_ratio_label))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.regenerate)
        form.addRow("Seed", seed_row)
        layout = QVBoxLayout(self)
        layout.addLayout(self._grid)
        layout.addLayout(form)
        self.set_config(self._config)

    def set_palette(self, palette) -> None:
        self._palette = palette
        for name, button in self._buttons.items():
            if (name, palette) not in self._icons:  # a theme switched back costs nothing
                self._icons[name, palette] = QIcon(dataset_thumbnail(name, palette))
            button.setIcon(self._icons[name, palette])

    def warm_icons(self, palettes) -> None:
        """Draw the thumbnails in `palettes` ahead of time, one per event-loop turn (about
        4 ms each), so that a theme switch finds them drawn (nine took 40-140 ms)."""
        todo = [(name, palette) for palette in palettes for name in self._buttons]

        def draw_next() -> None:
            while todo:
                key = todo.pop()
                if key not in self._icons:
                    self._icons[key] = QIcon(dataset_thumbnail(*key))
                    QTimer.singleShot(WARM_INTERVAL_MS, self, draw_next)
                    return

        QTimer.singleShot(WARM_DELAY_MS, self, draw_next)

    def set_point_count(self, count: int) -> None:
        """How many points the session has: what "Points" shows for drawn or imported ones."""
        self._point_count = count
        if self._config.dataset == "custom":
            self.set_config(self._config)

    def set_config(self, config: SessionConfig) -> None:
        """Show `config` without emitting `changed`."""
        self._config = config
        self.setTitle(f"Data: {DATASET_LABELS.get(config.dataset, config.dataset)}")
        if config.problem != self._problem or not self._grid.count():
            self._problem = config.problem
            self._layout_thumbnails()
        # Drawn or imported points match no thumbnail: an exclusive group would keep the
        # last one checked, so let it hold none while they are shown.
        self._group.setExclusive(config.dataset in self._buttons)
        for name, button in self._buttons.items():
            button.setChecked(name == config.dataset)
        widgets = (self.classes, self.noise, self.points, self.train_ratio, self.seed)
        for w in widgets:
            w.blockSignals(True)
        self.classes.setValue(config.classes)
        self.classes.setEnabled(config.problem == "classification"
                                and config.dataset in MULTICLASS_DATASETS)
        # Regression targets are values, not classes: the row would only mislead.
        self._form.setRowVisible(self.classes, config.problem == "classification")
        fixed = config.dataset in FIXED_DATASETS
        custom = config.dataset == "custom"
        generated = not (fixed or custom)  # noise, count and seed make these points
        self.noise.setValue(round(config.noise * 100) if generated else 0)
        self.noise_label.setText(f"{round(config.noise * 100)}%" if generated else "\u2014")
        if fixed:
            shown = 4
        elif custom and self._point_count is not None:
            shown = self._point_count
        else:
            shown = max(config.n_points, MIN_POINTS_SHOWN)
        self.points.setMinimum(min(shown, MIN_POINTS_SHOWN))
        self.points.setValue(shown)
        for w in (self.noise, self.points, self.seed, self.regenerate):
            w.setEnabled(generated)
        self.train_ratio.setEnabled(not fixed)
        self.points.setToolTip(
            "XOR is always the same four points, all of them for training" if fixed else
            "Your own points (drawn or imported); draw or erase to change them" if custom else
            POINTS_TIP)
        self.noise.setToolTip("Your points are used as they are: no noise is added"
                              if custom else "" if fixed else "Random jitter added to the points")
        # XOR trains on all four points whatever the slider says: show that, not 50/50.
        ratio = 100 if fixed else round(config.train_fraction * 100)
        self.train_ratio.setValue(ratio)
        self.train_ratio_label.setText(_ratio_text(ratio))
        self.train_ratio.setToolTip(
            "XOR's four points all train: there are none to spare for a test set" if fixed
            else CUSTOM_RATIO_TIP if custom else RATIO_TIP)
        self.seed.setValue(config.data_seed)
        for w in widgets:
            w.blockSignals(False)

    def _layout_thumbnails(self) -> None:
        while self._grid.count():
            self._grid.takeAt(0)
        names = datasets_for(self._problem)
        for button in self._buttons.values():
            button.hide()
        for k, name in enumerate(names):
            self._grid.addWidget(self._buttons[name], k // THUMBNAILS_PER_ROW,
                                 k % THUMBNAILS_PER_ROW)
            self._buttons[name].show()
        self._grid.setColumnStretch(THUMBNAILS_PER_ROW, 1)

    def _emit(self, **changes) -> None:
        self.changed.emit(changes)

    def _on_noise(self, value: int) -> None:
        self.noise_label.setText(f"{value}%")
        self._emit(noise=value / 100)

    def _on_ratio(self, value: int) -> None:
        self.train_ratio_label.setText(_ratio_text(value))
        self._emit(train_fraction=value / 100)

    def _on_regenerate(self) -> None:
        self.seed.setValue(next_seed(self.seed.value()))  # emits data_seed


class FeaturesPanel(QGroupBox):
    """One toggle per input feature (x1, x2, x1^2, ...)."""

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Input features", parent)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setSpacing(4)
        for k, name in enumerate(FEATURES):
            button = QPushButton(FEATURE_LABELS.get(name, name))
            button.setCheckable(True)
            button.setObjectName(f"feature_{name.replace(' ', '_')}")
            button.setToolTip(f"Feed {FEATURE_LABELS.get(name, name)} to the network")
            button.toggled.connect(self._on_toggled)
            self.buttons[name] = button
            grid.addWidget(button, k // 4, k % 4)

    def set_config(self, config: SessionConfig) -> None:
        for name, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(name in config.features)
            button.blockSignals(False)

    def _on_toggled(self, _checked: bool) -> None:
        features = tuple(n for n in FEATURES if self.buttons[n].isChecked())
        self.changed.emit({"features": features})


def _ratio_text(percent: int) -> str:
    return f"{percent}% / {100 - percent}%"


def _with_label(widget: QWidget, label: QLabel) -> QHBoxLayout:
    label.setMinimumWidth(64)
    label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    row = QHBoxLayout()
    row.addWidget(widget, 1)
    row.addWidget(label)
    return row
