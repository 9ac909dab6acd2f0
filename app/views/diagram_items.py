"""Graphics items the network diagram draws with, each built for a cheap frame.

- `EdgeGroup`: the weight lines of one colour and thickness, one cached curve per weight
  layer, so a weight that moves to another bucket redraws its layer's lines only (at 8x32
  one curve held thousands of lines: any weight crossing a bucket edge redrew them all,
  16 ms a diagram frame; now 26 -> 12 ms CPU a diagram frame there). The price: when
  nearly every weight changes bucket at once (views_speed's "moving" case, not seen in
  training) the many smaller curves cost about 1.3 times the ten large ones.
- `Markers`: small squares (the bias markers) filled by colour group with one drawRects a
  colour: a ScatterPlotItem with data-sized symbols draws each spot as its own path
  (257 paths, 12 ms a frame at 8x32 whenever one bias changed colour).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QPen
from PySide6.QtWidgets import QGraphicsItem


class LayerCurve(pg.PlotCurveItem):
    """One weight layer's lines of one pen. Its box is the lines' extent padded by `pad`
    (diagram units), set with the lines: pyqtgraph's own box scans the data and measures
    pixels again after every change of view, for each of up to 80 curves (4 ms of the
    diagram's first paint after a new layout)."""

    _rect = QRectF()

    def set_lines(self, xs: np.ndarray, ys: np.ndarray, pad: float) -> None:
        self.setData(xs, ys, connect="pairs")
        self.prepareGeometryChange()
        if len(xs) == 0:
            self._rect = QRectF()
            return
        x0, x1, y0, y1 = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
        self._rect = QRectF(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(self._rect)

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        pass  # the box is in diagram units: a new view leaves it as it was


class EdgeGroup(pg.GraphicsObject):
    """Lines of one pen, one `pg.PlotCurveItem` (connect="pairs") per weight layer.

    `opts["pen"]` and `opts["antialias"]` read like a PlotCurveItem's; `getData()` joins
    the layers' (x, y) pairs; `layers[k]` is layer k's curve. `pad` (diagram units) holds
    the widest line: half a neuron tile, always wider than a line."""

    def __init__(self, antialias: bool = True):
        super().__init__()
        self.setFlag(QGraphicsItem.ItemHasNoContents)  # only the children paint
        self.opts = {"pen": pg.mkPen(None), "antialias": antialias}
        self.layers: list[LayerCurve] = []
        self.pad = 0.0

    def set_layer_count(self, count: int) -> None:
        """An empty curve for each of `count` weight layers. Curves are never dropped, only
        emptied and hidden (a new network's layout made 10 x layers new curves: 20-45 ms of
        a 50-90 ms stall at each File > New, lesson step or reshape)."""
        for curve in self.layers:
            if curve.isVisible():
                curve.set_lines(np.empty(0), np.empty(0), 0.0)
                curve.setVisible(False)
        self.add_spare_layers(count)

    def add_spare_layers(self, count: int) -> None:
        """Hidden empty curves until there are `count` (made ahead, while the GUI is idle)."""
        while len(self.layers) < count:
            curve = LayerCurve(connect="pairs", antialias=self.opts["antialias"])
            curve.setSegmentedLineMode("on")  # drawLines: one cheap line per weight
            # Redrawn only when its lines change: a frame that moves no weight to another
            # bucket copies the cached picture.
            curve.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            curve.setPen(self.opts["pen"])
            curve.setVisible(False)  # until it has lines
            curve.setParentItem(self)
            self.layers.append(curve)

    def set_layer(self, layer: int, xs: np.ndarray, ys: np.ndarray) -> None:
        """Layer `layer`'s lines: (2E,) x and y, endpoints in pairs."""
        curve = self.layers[layer]
        curve.set_lines(xs, ys, self.pad)
        # An empty curve recomputes its (empty) bounds each time Qt asks, many times a
        # frame: hidden, it is never asked.
        curve.setVisible(len(xs) > 0)

    def setPen(self, pen: QPen) -> None:  # noqa: N802 - pyqtgraph's name
        self.opts["pen"] = pen
        for curve in self.layers:
            curve.setPen(pen)

    def set_antialias(self, on: bool) -> None:
        self.opts["antialias"] = on
        for curve in self.layers:
            curve.opts["antialias"] = on
            curve.update()

    def getData(self):  # noqa: N802 - pyqtgraph's name
        parts = [curve.getData() for curve in self.layers]
        parts = [(x, y) for x, y in parts if x is not None and len(x)]
        if not parts:
            return None, None
        return (np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF()  # the children carry their own boxes

    def paint(self, painter, option, widget=None) -> None:
        pass


class Markers(pg.GraphicsObject):
    """Squares of `size` (diagram units) at `centers` (N, 2), each with a brush from a
    small palette (`set_groups`), outlined with one pen."""

    def __init__(self):
        super().__init__()
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # redrawn only on change
        self._rects: list[QRectF] = []
        self._bounds = QRectF()
        self._pen = QPen()
        self._groups: list[tuple[QBrush, list[QRectF]]] = []

    def set_rects(self, centers: np.ndarray, size: float) -> None:
        self.prepareGeometryChange()
        half = size / 2
        centers = np.reshape(np.asarray(centers, np.float64), (-1, 2))
        self._rects = [QRectF(x - half, y - half, size, size) for x, y in centers.tolist()]
        self._bounds = QRectF()
        if len(centers):
            # Room for the 1-pixel outline: a marker is several pixels wide at any zoom.
            pad = 1.5 * half
            (x0, y0), (x1, y1) = centers.min(axis=0) - pad, centers.max(axis=0) + pad
            self._bounds = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        self._groups = []
        self.update()

    def set_pen(self, pen: QPen) -> None:
        self._pen = QPen(pen)
        self._pen.setCosmetic(True)  # its width in pixels, as the diagram's other outlines
        self.update()

    def set_groups(self, brushes: list[QBrush], index: np.ndarray) -> None:
        """Marker k is filled with brushes[index[k]]."""
        index = np.asarray(index)
        self._groups = [(brush, [self._rects[k] for k in np.flatnonzero(index == b)])
                        for b, brush in enumerate(brushes)]
        self.update()

    def set_brush(self, brush: QBrush) -> None:
        """Every marker filled with `brush`."""
        self.set_groups([brush], np.zeros(len(self._rects), np.int64))

    def rect_count(self) -> int:
        return len(self._rects)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(self._bounds)

    def paint(self, painter, option, widget=None) -> None:
        painter.setPen(self._pen)
        for brush, rects in self._groups:
            if rects:
                painter.setBrush(brush)
                painter.drawRects(rects)
