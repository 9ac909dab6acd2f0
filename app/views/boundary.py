"""The decision boundary: a heatmap of the network's output with the data points on top.

Items are created once; each snapshot only calls setImage / setData, so a frame costs
a few milliseconds even at a 200 x 200 grid.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy, QVBoxLayout, QWidget

from app.theme import Palette, get_palette
from engine.features import FEATURE_LABELS
from engine.snapshot import Snapshot

# A right click removes the nearest training point within this many pixels.
REMOVE_RADIUS_PX = 14.0
POINT_SIZE = 9
# Test points: squares with a dark outline, drawn under the training points so that they
# are marked without hiding any training point.
TEST_SYMBOL = "s"
TEST_POINT_SIZE = 8
# The heatmap is washed toward the neutral colour so the points stand out on it.
BOUNDARY_STRENGTH = 0.75


def washed(lut: np.ndarray, neutral: str, strength: float = BOUNDARY_STRENGTH) -> np.ndarray:
    """(256, 4) uint8: `lut` blended toward `neutral` (strength 1 keeps it as is)."""
    mid = np.array([*QColor(neutral).getRgb()[:3], 255], dtype=np.float64)
    out = mid + (lut.astype(np.float64) - mid) * strength
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


class PointScatter(pg.ScatterPlotItem):
    """A scatter that takes a ready object array of QBrush without converting each one:
    pyqtgraph's setBrush turns any array into a list and back, about 3 us a point, which
    made recolouring 2000 points a 10 ms stall (data change, theme switch)."""

    def setBrush(self, *args, **kargs) -> None:  # noqa: N802 - pyqtgraph's name
        brushes = args[0] if len(args) == 1 else None
        if (isinstance(brushes, np.ndarray) and brushes.dtype == object
                and kargs.get("mask") is None):
            data = kargs.get("dataSet", self.data)
            if len(brushes) != len(data):
                raise ValueError(f"{len(brushes)} brushes for {len(data)} points")
            data["brush"] = brushes
            data["sourceRect"] = 0
            if kargs.get("update", True):
                self.updateSpots(data)
            return
        super().setBrush(*args, **kargs)


LEGEND_GAP_PX = 8  # at least this between two labels under the colour bar


class ColorLegend(QWidget):
    """A horizontal strip of a (256, 4) lookup table, or of k class swatches, with labels."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lut = np.zeros((256, 4), np.uint8)
        self._labels: list[str] = []
        self._swatches: list[str] = []  # class colours when showing classes
        self._foreground = QColor("#2b2b2b")
        self._background = QColor("#ffffff")
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def show_gradient(self, lut: np.ndarray, labels: list[str]) -> None:
        """A continuous bar of `lut` (256, 4) with `labels` spread evenly under it."""
        self._lut = np.ascontiguousarray(lut, dtype=np.uint8)
        self._labels = list(labels)
        self._swatches = []
        self.update()

    def show_classes(self, colors: list[str], labels: list[str]) -> None:
        """One swatch per class, each with its label."""
        self._swatches = list(colors)
        self._labels = list(labels)
        self.update()

    def set_colors(self, foreground: str, background: str) -> None:
        self._foreground = QColor(foreground)
        self._background = QColor(background)
        self.update()

    def labels(self) -> list[str]:
        return list(self._labels)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._background)
        painter.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        painter.setFont(font)
        painter.setPen(QPen(self._foreground))
        width = self.width() - 16
        if self._swatches:
            self._paint_swatches(painter, width)
        else:
            self._paint_bar(painter, width)
        painter.end()

    def _paint_bar(self, painter: QPainter, width: int) -> None:
        bar = QRectF(8, 3, width, 12)
        rgba = np.ascontiguousarray(self._lut[None, :, :])
        image = QImage(rgba.data, 256, 1, 256 * 4, QImage.Format_RGBA8888)
        painter.drawImage(bar, image)
        painter.drawRect(bar)
        for text, left, right in self.label_spans(painter.fontMetrics(), width):
            painter.drawText(QRect(int(left), 17, int(right - left) + 1, 16),
                             int(Qt.AlignCenter), text)

    def label_spans(self, metrics, width: int) -> list[tuple[str, float, float]]:
        """(text, left, right) of the bar's labels drawn: the first at the bar's left end,
        the last at its right, the others centred between; an inner label that would touch
        a neighbour is left out (a narrow plot in presentation mode ran them together)."""
        n = len(self._labels)
        spans = []
        for k, text in enumerate(self._labels):
            w = metrics.horizontalAdvance(text)
            x = 8 + (width * k / (n - 1) if n > 1 else width / 2)
            left = x if k == 0 and n > 1 else x - w if k == n - 1 and n > 1 else x - w / 2
            spans.append((text, left, left + w))
        if n < 3:
            return spans
        kept = [spans[0]]
        for span in spans[1:-1]:
            if span[1] >= kept[-1][2] + LEGEND_GAP_PX and span[2] + LEGEND_GAP_PX <= spans[-1][1]:
                kept.append(span)
        return kept + [spans[-1]]

    def _paint_swatches(self, painter: QPainter, width: int) -> None:
        k = max(1, len(self._swatches))
        cell = width / k
        for c, color in enumerate(self._swatches):
            x = 8 + c * cell
            painter.fillRect(QRectF(x + 2, 6, 14, 14), QColor(color))
            painter.drawRect(QRectF(x + 2, 6, 14, 14))
            text = self._labels[c] if c < len(self._labels) else ""
            painter.drawText(QRect(int(x) + 20, 4, int(cell) - 20, 18),
                             int(Qt.AlignLeft | Qt.AlignVCenter), text)


class PlotFrame(QWidget):
    """Holds the plot and its legend so that the plot's data area has the data's shape:
    the heatmap then fills the plot (no blank strips beside it, which an aspect-locked
    view box adds when the widget is wider than tall); the space left over lies outside
    the plot. The legend spans the plot's width."""

    def __init__(self, plot_widget: pg.PlotWidget, legend: QWidget,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.plot_widget, self.legend = plot_widget, legend
        plot_widget.setParent(self)
        legend.setParent(self)
        self.view_box = plot_widget.getPlotItem().getViewBox()
        self.aspect = 1.0  # data height / data width
        self._overhead = (46, 44)  # axes around the view box, in pixels, until measured
        self.view_box.sigResized.connect(self._check)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 440)  # what pyqtgraph's plot asked for, as before

    def set_aspect(self, aspect: float) -> None:
        if np.isfinite(aspect) and aspect > 0 and abs(aspect - self.aspect) > 1e-6:
            self.aspect = float(aspect)
            self._place()

    def picture_rect(self) -> QRect:
        """The plot and its legend, without the space around them (for exports)."""
        return self.plot_widget.geometry().united(self.legend.geometry())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place()

    def _check(self) -> None:
        # Measure the axes' room once pyqtgraph has laid the plot out; place again if the
        # guess was off (the tick labels' width depends on the data range and the font).
        # Both sizes from the scene: the plot item follows the widget's resize later, and
        # measuring against the widget in between made the placing swing between two
        # sizes and stop at one that cut the x axis's title.
        plot = self.plot_widget.getPlotItem()
        overhead = (round(plot.width() - self.view_box.width()),
                    round(plot.height() - self.view_box.height()))
        if overhead != self._overhead and min(overhead) >= 0:
            self._overhead = overhead
            self._place()

    def _place(self) -> None:
        legend_h = self.legend.minimumHeight()
        ox, oy = self._overhead
        room_w = max(self.width() - ox, 20)
        room_h = max(self.height() - legend_h - 2 - oy, 20)
        data_w = min(room_w, room_h / self.aspect)
        data_h = data_w * self.aspect
        width, height = round(data_w) + ox, round(data_h) + oy
        x = (self.width() - width) // 2
        y = max((self.height() - height - legend_h - 2) // 2, 0)
        self.plot_widget.setGeometry(x, y, width, height)
        # The resize may have placed the plot again already (_check, with the axes'
        # measured room): put the legend under where the plot is now.
        plot = self.plot_widget.geometry()
        self.legend.setGeometry(plot.x(), plot.bottom() + 3, plot.width(), legend_h)


class BoundaryView(QWidget):
    """Decision boundary heatmap, training points and (optionally) test points.

    Signals, emitted only while drawing is enabled:
    point_added(x1, x2, label): a left click at (x1, x2) in data coordinates.
    point_removed(index): a right click near training point `index` (row of train.points).
    """

    point_added = Signal(float, float, int)
    point_removed = Signal(int)

    def __init__(self, parent: QWidget | None = None, palette: Palette | None = None):
        super().__init__(parent)
        self.palette_ = palette or get_palette()
        self._train = None
        self._test = None
        self._snapshot: Snapshot | None = None
        self._discretize = False
        self._show_test = False
        self._drawing = False
        self._draw_label = 0
        self._extent = (-6.0, 6.0, -6.0, 6.0)
        self.display_lut = np.zeros((256, 4), np.uint8)  # the heatmap's colours, washed
        self._washed_for: tuple | None = None  # (lut bytes, neutral) display_lut is from
        # What each scatter shows now, so that an unchanged data set (a new network on
        # the same points) costs no redraw of its points.
        self._points_shown: dict[str, tuple] = {}

        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        # No aspect lock: PlotFrame gives the data area the data's shape, and the range is
        # exactly the data's extent, so the heatmap fills the plot.
        self.plot.layout.setContentsMargins(2, 10, 14, 2)  # room for the edge tick labels
        self.plot.setLabel("bottom", FEATURE_LABELS["x1"])
        self.plot.setLabel("left", FEATURE_LABELS["x2"])
        self.view_box = self.plot.getViewBox()

        # Row i of the boundary is x2 = y_i: row-major puts rows along the y axis.
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.train_scatter = PointScatter(size=POINT_SIZE, symbol="o")
        self.train_scatter.setZValue(10)
        self.plot.addItem(self.train_scatter)
        self.test_scatter = PointScatter(size=TEST_POINT_SIZE, symbol=TEST_SYMBOL)
        self.test_scatter.setZValue(9)  # under the training points
        self.test_scatter.setVisible(False)
        self.plot.addItem(self.test_scatter)
        for scatter in (self.train_scatter, self.test_scatter):
            # The points change only with the data: a frame copies their cached picture.
            scatter.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            # Clicks are ours (_on_click). pyqtgraph's own click handling makes SpotItems
            # that form a cycle with its point array which gc cannot free: a leak per click.
            scatter.mouseClickEvent = lambda event: event.ignore()

        self.legend = ColorLegend()
        self.frame = PlotFrame(self.plot_widget, self.legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame, 1)

        self.plot_widget.scene().sigMouseClicked.connect(self._on_click)
        self._set_range(self._extent)
        self.set_palette(self.palette_)

    # --- public API -------------------------------------------------------------------

    def set_data(self, train, test) -> None:
        """Show `train` and `test` DataSets (points (n, 2), labels (n,)); test may be None."""
        self._train, self._test = train, test
        if train is not None:
            self._extent = tuple(float(v) for v in train.extent)
            self._set_range(self._extent)
        self._update_points()
        self._update_legend()

    def show_snapshot(self, snap: Snapshot) -> None:
        """Draw snap.boundary (G, G) over snap.extent."""
        self._snapshot = snap
        if tuple(snap.extent) != self._extent:
            self._extent = tuple(float(v) for v in snap.extent)
            self._set_range(self._extent)
        self._update_image()

    def set_show_test(self, show: bool) -> None:
        self._show_test = bool(show)
        self.test_scatter.setVisible(self._show_test)

    def set_discretize(self, discretize: bool) -> None:
        """Hard class regions instead of a smooth confidence map."""
        self._discretize = bool(discretize)
        self._update_image()

    def set_palette(self, palette: Palette) -> None:
        self.palette_ = palette
        self.plot_widget.setBackground(palette.background)
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(palette.foreground))
            axis.setTextPen(pg.mkPen(palette.foreground))
            font = QFont()
            font.setPointSize(10)
            axis.setStyle(tickFont=font)
            axis.label.setFont(QFont(font.family(), 12))
        self.legend.set_colors(palette.foreground, palette.background)
        self._update_points()
        self._update_image()
        self._update_legend()

    def set_drawing(self, enabled: bool, label: int = 0) -> None:
        """While enabled, left click adds a point of class `label`, right click removes one."""
        self._drawing = bool(enabled)
        self._draw_label = int(label)
        cursor = Qt.CrossCursor if self._drawing else Qt.ArrowCursor
        self.plot_widget.viewport().setCursor(cursor)

    def clear(self) -> None:
        """Forget data and snapshot; show an empty plot."""
        self._train = self._test = self._snapshot = None
        self.image.clear()
        self.train_scatter.setData([], [])
        self.test_scatter.setData([], [])
        self._points_shown = {"train": (), "test": ()}
        self._update_legend()

    # --- helpers (public for tests and the window) ------------------------------------

    @property
    def problem(self) -> str:
        if self._train is not None:
            return self._train.problem
        if self._snapshot is not None and self._snapshot.boundary_confidence is not None:
            return "classification"
        return "classification"

    @property
    def n_classes(self) -> int:
        if self._train is not None:
            return int(self._train.n_classes)
        snap = self._snapshot
        if snap is not None and snap.boundary_confidence is not None:
            return max(3, int(np.nanmax(snap.boundary)) + 1)
        return 2

    def regression_range(self) -> float:
        """Half-width of the symmetric colour range for regression: max |label|."""
        labels = [d.labels for d in (self._train, self._test) if d is not None and len(d.labels)]
        if not labels:
            return 1.0
        r = float(np.max(np.abs(np.concatenate(labels))))
        return r if np.isfinite(r) and r > 0 else 1.0

    def image_values(self) -> np.ndarray | None:
        """The array last given to the heatmap (what the colours come from)."""
        return self.image.image

    def scene_pos(self, x1: float, x2: float):
        """Data coordinates -> viewport pixel position (a QPoint), for clicks in tests."""
        scene = self.view_box.mapViewToScene(pg.Point(x1, x2))
        return self.plot_widget.mapFromScene(scene)

    # --- internals -------------------------------------------------------------------

    def picture_rect(self) -> QRect:
        """The part of the widget an export shows: the plot and its legend."""
        rect = self.frame.picture_rect()
        return rect.translated(self.frame.pos())

    def _set_range(self, extent) -> None:
        x1min, x1max, x2min, x2max = extent
        self.view_box.setRange(xRange=(x1min, x1max), yRange=(x2min, x2max), padding=0)
        if x1max > x1min:
            self.frame.set_aspect((x2max - x2min) / (x1max - x1min))

    def _update_image(self) -> None:
        snap = self._snapshot
        if snap is None:
            return
        values, lut, levels = self._colour_values(snap)
        key = (lut.tobytes(), self.palette_.neutral)
        if key != self._washed_for:  # the same table object: pyqtgraph keeps its colours
            self._washed_for = key
            self.display_lut = washed(lut, self.palette_.neutral)
            self.image.setLookupTable(self.display_lut, update=False)
        self.image.setImage(values, levels=levels, autoLevels=False)
        g_rows, g_cols = values.shape[:2]
        x1min, x1max, x2min, x2max = snap.extent
        # Grid values sit on cell centres: widen by half a cell so each lands on its point.
        dx = (x1max - x1min) / max(g_cols - 1, 1)
        dy = (x2max - x2min) / max(g_rows - 1, 1)
        self.image.setRect(QRectF(x1min - dx / 2, x2min - dy / 2, dx * g_cols, dy * g_rows))

    def _colour_values(self, snap: Snapshot):
        """(values (G, G), lut (256, 4), levels) for the current problem and mode."""
        b = np.asarray(snap.boundary, dtype=np.float32)
        pal = self.palette_
        if snap.boundary_confidence is not None or self.n_classes > 2:
            k = max(self.n_classes, 2)  # drawn points may hold one class only
            band = 256 // k
            conf = snap.boundary_confidence
            if self._discretize or conf is None:
                fade = np.ones_like(b)
            else:  # confidence runs from 1/k (a toss-up) to 1 (certain)
                fade = np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
            # A network on its way to diverging can output NaN: show it as undecided.
            fade = np.nan_to_num(fade, nan=0.0)
            cls = np.clip(np.rint(np.nan_to_num(b, nan=0.0)), 0, k - 1)
            values = (cls * band + np.rint(fade * (band - 1))).astype(np.uint8)
            return values, pal.lut_for_classes(k), (0, 255)
        if self.problem == "regression":
            r = self.regression_range()
            if self._discretize:
                b = np.where(b >= 0, r, -r).astype(np.float32)
            return b, pal.lut, (-r, r)
        if self._discretize:
            b = (b >= 0.5).astype(np.float32)
        return b, pal.lut, (0.0, 1.0)

    def _point_brushes(self, labels: np.ndarray) -> np.ndarray:
        """(n,) object array of QBrush: one brush per colour, shared by its points."""
        pal = self.palette_
        if self.problem == "regression":
            r = self.regression_range()
            idx = np.clip(np.rint((labels / r + 1) * 127.5), 0, 255).astype(int)
            table = np.empty(256, dtype=object)
            for i in np.unique(idx):
                table[i] = pg.mkBrush(*pal.lut[i])
            return table[idx]
        k = max(self.n_classes, 2)
        table = np.empty(k, dtype=object)
        for c in range(k):
            table[c] = pg.mkBrush(pal.class_color(c))
        return table[np.asarray(labels).astype(int) % k]

    def _update_points(self) -> None:
        pal = self.palette_
        for name, data, scatter, outline, width, size in (
            ("train", self._train, self.train_scatter, pal.point_outline, 1.2, POINT_SIZE),
            ("test", self._test, self.test_scatter, pal.test_outline, 1.8, TEST_POINT_SIZE),
        ):
            shown = self._points_shown.get(name)
            if data is None or len(data.points) == 0:
                if shown != ():
                    scatter.setData([], [])
                    self._points_shown[name] = ()
                continue
            pts = np.asarray(data.points, dtype=np.float64)
            labels = np.asarray(data.labels)
            looks = (pal, pal.lut.tobytes(), self.problem, self.n_classes,
                     self.regression_range())
            if (shown and shown[0] == looks and np.array_equal(shown[1], pts)
                    and np.array_equal(shown[2], labels)):
                continue
            self._points_shown[name] = (looks, pts.copy(), labels.copy())
            pen = pg.mkPen(outline, width=width)
            if self.problem == "regression" and scatter is self.train_scatter:
                # Targets near 0 are painted near-white: a grey ring keeps them visible.
                pen = pg.mkPen(QColor(128, 128, 128, 200), width=width)
            scatter.setData(pos=pts, brush=self._point_brushes(labels), pen=pen, size=size)

    def _update_legend(self) -> None:
        pal = self.palette_
        if self.problem == "regression":
            r = self.regression_range()
            self.legend.show_gradient(washed(pal.lut, pal.neutral), [f"{-r:.3g}", "0", f"{r:.3g}"])
        elif self.n_classes > 2:
            k = self.n_classes
            self.legend.show_classes([pal.class_color(c) for c in range(k)],
                                     [f"class {c}" for c in range(k)])
        else:
            self.legend.show_gradient(washed(pal.lut, pal.neutral),
                                      ["class 0", "undecided", "class 1"])

    def _on_click(self, event) -> None:
        if not self._drawing:
            return
        pos = self.view_box.mapSceneToView(event.scenePos())
        x1, x2 = float(pos.x()), float(pos.y())
        x1min, x1max, x2min, x2max = self._extent
        if event.button() == Qt.LeftButton:
            if x1min <= x1 <= x1max and x2min <= x2 <= x2max:
                self.point_added.emit(x1, x2, self._draw_label)
            event.accept()
        elif event.button() == Qt.RightButton:
            index = self.nearest_train_point(x1, x2)
            if index is not None:
                self.point_removed.emit(index)
            event.accept()

    def nearest_train_point(self, x1: float, x2: float) -> int | None:
        """Index of the training point within REMOVE_RADIUS_PX pixels of (x1, x2), else None."""
        if self._train is None or len(self._train.points) == 0:
            return None
        px, py = self.view_box.viewPixelSize()  # data units per pixel
        d = (self._train.points - np.array([x1, x2])) / np.array([px, py])
        dist = np.hypot(d[:, 0], d[:, 1])
        index = int(np.argmin(dist))
        return index if dist[index] <= REMOVE_RADIUS_PX else None


def main() -> None:  # pragma: no cover - a demo window
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.views.fake import fake_dataset, fake_snapshot

    app = QApplication.instance() or QApplication([])
    view = BoundaryView()
    data = fake_dataset(300)
    view.set_data(data, fake_dataset(60, seed=3))
    view.set_show_test(True)
    view.set_drawing(True, 1)
    view.point_added.connect(lambda x, y, c: print(f"add ({x:.2f}, {y:.2f}) class {c}"))
    view.point_removed.connect(lambda i: print(f"remove point {i}"))
    step = [0]

    def tick() -> None:
        step[0] += 2
        view.show_snapshot(fake_snapshot(step[0], grid=120))

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(16)
    view.resize(600, 640)
    view.setWindowTitle("Neuroplay: decision boundary")
    view.show()
    app.exec()


if __name__ == "__main__":
    main()
