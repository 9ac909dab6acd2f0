"""The network as a diagram: columns of neurons, each a live heatmap, joined by weight lines.

Drawn in "diagram units": column c sits at x = c, neurons stack vertically centred on
y = 0 with the first neuron at the top. Items are made in set_network; a snapshot only
calls setImage / setData. Edges are grouped by sign and thickness bucket into ten
EdgeGroups (app/views/diagram_items.py), each one connect="pairs" curve per weight layer,
so thousands of weights cost a few dozen items.

Speed (a frame must leave the CPU to training): weight lines are drawn opaque, in their
colour already faded toward the background (alpha-blended antialiased lines cost Qt's
raster engine five times more), and each line item keeps its picture in a cache
(QGraphicsItem.DeviceCoordinateCache) that is redrawn only when a weight of its layer
moves to another bucket, so a frame that only changes the neuron maps just copies the
lines' pictures.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QToolTip, QVBoxLayout, QWidget

from app.theme import Palette, get_palette
from app.views.diagram_items import EdgeGroup, Markers
from engine.config import MAX_HIDDEN_LAYERS
from engine.features import FEATURE_LABELS
from engine.snapshot import Snapshot

# |w| bucket edges; bucket b holds WIDTH_EDGES[b-1] <= |w| < WIDTH_EDGES[b].
WIDTH_EDGES = (0.1, 0.3, 0.7, 1.5)
EDGE_WIDTHS = (0.6, 1.3, 2.2, 3.3, 4.8)  # pixels, thin to thick
# Above this many weights, lines are drawn aliased and mostly 1 px wide: wide antialiased
# lines cost Qt's raster engine ~10 us each, which is 80 ms a frame at 8 000 weights.
MANY_EDGES = 600
LINES_PER_TURN = 2500  # lines whose layers are redrawn in one event-loop turn, at most
MANY_EDGE_WIDTHS = (1.0, 1.0, 1.0, 1.5, 2.0)
EDGE_ALPHAS = (70, 140, 190, 225, 255)
# Tall networks (8x32, thousands of lines): thin lines fade almost away, as in TensorFlow
# Playground, so the few strong weights stand out instead of a tangle.
MANY_EDGE_ALPHAS = (0, 45, 100, 180, 255)
SIZE_FRACTION = 0.7  # neuron side / vertical pitch
# The largest vertical pitch in diagram units (columns are 1 apart): tiles grow with the
# widget's height up to 0.7 * 0.55 = 0.39 of the column spacing, leaving room for lines.
MAX_PITCH = 0.55
RELAYOUT_CHANGE = 0.04  # a resize that changes the pitch by more than this lays out again
RELAYOUT_WAIT_MS = 1000  # the longest a resize waits for the network expected (expect_network)
# A resize that lays the network out again does so this long after the last resize: the
# layout and the first paint of the new one took 25-35 ms, and closing a lesson resized the
# diagram twice within 80 ms (the dock, then the controls it hid), each in a pass with the
# whole window's layout and paint (55-65 ms stalls). Till then the old layout is fitted.
RESIZE_RELAYOUT_MS = 120
# Tooltips stay while the pointer stays (Qt hides them after ~10 s by default).
TOOLTIP_MS = 10 * 60 * 1000
TITLE_GAP_PX = 10  # at least this between two column titles
EDGE_PICK_PX = 6.0  # hover / click tolerance around a weight line


def weight_name(layer: int, i: int, j: int) -> str:
    """The one name of weight (layer, i, j) (0-based weight matrix and units) everywhere:
    1-based, "layer 2, neuron 1 → neuron 3" is the weight from neuron 1 of the layer before
    to neuron 3 of layer 2 (the hidden layers are 1, 2, ...; the output layer comes last)."""
    return f"layer {layer + 1}, neuron {i + 1} → neuron {j + 1}"


def neuron_name(layer: int, j: int) -> str:
    """Neuron j (0-based) of weight layer `layer` (0-based), 1-based: "layer 2, neuron 3"."""
    return f"layer {layer + 1}, neuron {j + 1}"


def joined(arrays) -> np.ndarray:
    """Every layer's weights (fan_in, fan_out) or biases (fan_out,) raveled, in one row."""
    return np.concatenate([np.ravel(a) for a in arrays])


def squash(values: np.ndarray) -> np.ndarray:
    """Neuron outputs -> (-1, 1) by tanh, so unbounded activations stay readable."""
    return np.tanh(values)


def point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from point p (2,) to each segment a[k] -> b[k], a and b (E, 2)."""
    ab = b - a
    length2 = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18)
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / length2, 0.0, 1.0)
    nearest = a + t[:, None] * ab
    return np.hypot(nearest[:, 0] - p[0], nearest[:, 1] - p[1])


def map_colours(values: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (any shape) -> RGBA uint8 (shape + (4,)) through a (256, 4) lut;
    NaN is clear. The index is floor((v + 1) * 128), as pyqtgraph maps levels (-1, 1)."""
    table = np.zeros(257, np.uint32)  # one 32-bit word a colour; entry 256 is clear
    table[:256] = np.ascontiguousarray(lut, np.uint8).view(np.uint32).ravel()
    index = np.clip((values + 1.0) * 128.0, 0, 255)
    np.copyto(index, 256.0, where=np.isnan(index))  # nan_to_num's inf checks cost 2x more
    return table[index.astype(np.uint16).ravel()].view(np.uint8).reshape(*np.shape(values), 4)


def faded(color: str, alpha: int, background: str) -> QColor:
    """The opaque colour `color` at `alpha` (0-255) shows over `background`."""
    top, under, a = QColor(color), QColor(background), alpha / 255
    return QColor(*(round(a * t + (1 - a) * u) for t, u in
                    zip(top.getRgb()[:3], under.getRgb()[:3], strict=True)))


def weight_bucket(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sign (E,) 0 = negative / 1 = positive, bucket (E,) 0..4 by |w|)."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    return (values >= 0).astype(np.int64), np.searchsorted(WIDTH_EDGES, np.abs(values), "right")


class Squares(pg.ScatterPlotItem):
    """Squares in diagram units whose bounding box is remembered: pyqtgraph works it out
    (with pixel sizes) on every call, and Qt asks several times a frame."""

    _rect = None

    def boundingRect(self):  # noqa: N802 - Qt's name
        if self._rect is None:
            self._rect = super().boundingRect()
        return self._rect

    def prepareGeometryChange(self) -> None:  # noqa: N802 - Qt's name
        super().prepareGeometryChange()  # Qt reads the old box first
        self._rect = None

    def invalidate(self) -> None:  # any change of data, size or pen comes through here
        self._rect = None
        super().invalidate()

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().viewTransformChanged()
        self._rect = None

    def mouseClickEvent(self, event) -> None:  # noqa: N802 - pyqtgraph's name
        # Clicks are the view's (_on_click); pyqtgraph's own handling makes SpotItems that
        # gc cannot free (the boundary view's points leaked that way).
        event.ignore()


class NetworkView(QWidget):
    """Neurons as live heatmaps, weights as lines coloured by sign and thick by size.

    Signals: weight_edit_requested(layer, i, j) when a weight line is clicked;
    bias_edit_requested(layer, j) when a neuron's bias marker is clicked.
    """

    weight_edit_requested = Signal(int, int, int)
    bias_edit_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, palette: Palette | None = None):
        super().__init__(parent)
        self.palette_ = palette or get_palette()
        self.layer_sizes: tuple[int, ...] = ()
        self.feature_names: list[str] = []
        self._snapshot: Snapshot | None = None
        self._input_maps: np.ndarray | None = None
        self._hover: tuple | None = None
        self.hover_text = ""  # the tooltip shown now ("" when none)

        self.plot_widget = pg.PlotWidget()
        # One rectangle around what changed: Qt paints the neuron columns' many separate
        # rectangles one clip at a time, which costs more than the area between them.
        self.plot_widget.setViewportUpdateMode(QGraphicsView.BoundingRectViewportUpdate)
        self.plot_widget.setMouseTracking(True)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setAspectLocked(True)
        self.view_box = self.plot.getViewBox()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

        self.edge_curves: dict[tuple[int, int], EdgeGroup] = {}
        for sign in (0, 1):
            for bucket in range(len(EDGE_WIDTHS)):
                curve = EdgeGroup()
                curve.setZValue(1 + bucket)
                self.plot.addItem(curve)
                self.edge_curves[sign, bucket] = curve
        # Under and over the neuron maps. Scatter plots drew the biggest network's 258
        # squares in 10-11 ms (its first paint); plain rectangles take under 1 ms.
        self.fills = Markers()
        self.fills.setZValue(20)
        self.frames = Markers()
        self.frames.setZValue(22)
        self.bias_markers = Markers()
        self.bias_markers.setZValue(23)
        self.highlight = Squares(pxMode=False, symbol="s", brush=None)
        self.highlight.setZValue(24)
        for item in (self.fills, self.frames, self.bias_markers, self.highlight):
            self.plot.addItem(item)
        self.column_images: list[pg.ImageItem] = []
        self.texts: list[pg.TextItem] = []
        self._spare_texts: list[pg.TextItem] = []  # hidden, for the next layout
        self._spare_images: list[pg.ImageItem] = []
        self._edge_count = 0
        self._edge_keys: np.ndarray | None = None  # each weight's curve, as last drawn
        self._bias_keys: np.ndarray | None = None
        self._alpha_scale = 1.0
        self._pens_for: tuple | None = None  # (palette, many, alpha scale) of the pens
        self._hover_pos = QPoint()
        self._network_coming = False  # expect_network: a resize waits for set_network
        # ...for so long at most: should the new network never come (the engine refused
        # it), the old one is laid out for the new size all the same.
        self._relayout_later = QTimer(self)
        self._relayout_later.setSingleShot(True)
        self._relayout_later.setInterval(RELAYOUT_WAIT_MS)
        self._relayout_later.timeout.connect(self._rebuild)
        self._resized_later = QTimer(self)  # see RESIZE_RELAYOUT_MS
        self._resized_later.setSingleShot(True)
        self._resized_later.setInterval(RESIZE_RELAYOUT_MS)
        self._resized_later.timeout.connect(self._rebuild)

        scene = self.plot_widget.scene()
        # pyqtgraph's sigMouseMoved drops moves that come fast, sometimes the last one,
        # which would leave a stale tooltip: watch the viewport's moves ourselves.
        self.plot_widget.viewport().installEventFilter(self)
        scene.sigMouseClicked.connect(self._on_click)
        self.view_box.sigResized.connect(self._on_view_resized)
        self.set_palette(self.palette_)
        self._more_lines = QTimer(self)  # a new layout's lines not drawn yet (_update_edges)
        self._more_lines.setSingleShot(True)
        self._more_lines.setInterval(0)
        self._more_lines.timeout.connect(self._draw_more_lines)
        # The items the biggest network needs, made a few at a time while the event loop
        # is idle: made at once by the first big network's layout they took 60-100 ms.
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_step)
        self._warm_timer.start()

    # --- public API -------------------------------------------------------------------

    def expect_network(self, layer_sizes: tuple[int, ...]) -> None:
        """The network set_network will show next. While it differs from the one shown, a
        resize only fits the view: the window's panels change size before the diagram's
        turn comes, and laying the old network out again for that size cost 20-40 ms."""
        self._network_coming = tuple(layer_sizes) != self.layer_sizes

    def set_network(self, layer_sizes: tuple[int, ...], feature_names: list[str],
                    input_maps: np.ndarray | None) -> None:
        """Lay out a network. layer_sizes (inputs, hidden..., outputs);
        input_maps (k, g, g): each input feature over the plane (rows x2, columns x1)."""
        sizes = tuple(int(n) for n in layer_sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"a network needs an input and an output layer, not {sizes}")
        if len(feature_names) != sizes[0]:
            raise ValueError(f"{sizes[0]} inputs need {sizes[0]} feature names, "
                             f"not {len(feature_names)}")
        self._network_coming = False
        self.layer_sizes, self.feature_names = sizes, list(feature_names)
        self._snapshot, self._hover = None, None
        self._input_maps = None if input_maps is None else np.asarray(input_maps, np.float32)
        self._rebuild()

    def _rebuild(self) -> None:
        """Lay the network out for the widget's size now, keeping what it shows."""
        self._relayout_later.stop()
        self._resized_later.stop()
        grid = self._input_maps.shape[-1] if self._input_maps is not None else 24
        self._layout(grid)
        self._make_columns()
        self._make_texts()
        self._apply_static_colors()
        self._show_inputs()
        for curve in self.edge_curves.values():
            curve.set_layer_count(len(self.layer_sizes) - 1)
            curve.pad = self.size / 2
        self._edge_keys = self._bias_keys = None
        self._fit_view()
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snap: Snapshot) -> None:
        """Recolour edges (snap.weights[k] (fan_in, fan_out)), biases and neuron maps."""
        if not self.layer_sizes:
            return
        shapes = tuple(w.shape for w in snap.weights)
        expected = tuple(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        if shapes != expected:
            return  # a snapshot from before a reshape; the window calls set_network next
        self._snapshot = snap
        self._update_edges(joined(snap.weights))
        self._update_biases(joined(snap.biases))
        maps = [np.asarray(m, np.float32) for m in snap.neuron_outputs]
        maps = maps[: len(self.column_images) - 1]
        if maps:  # every neuron coloured in one pass, then cut into columns
            colours = map_colours(squash(np.concatenate(maps)), self.palette_.lut)
            start = 0
            for column, m in enumerate(maps, start=1):
                self._set_column_colours(column, colours[start: start + len(m)])
                start += len(m)
        if self._hover is not None:
            self._show_hover(self._hover, self._hover_pos)

    def set_palette(self, palette: Palette) -> None:
        self.palette_ = palette
        self.plot_widget.setBackground(palette.background)
        self._make_pens()
        if self.layer_sizes:
            self._apply_static_colors()
            if self._snapshot is not None:
                self._bias_keys = None  # new brushes for the same buckets
                self.show_snapshot(self._snapshot)

    def _make_pens(self) -> None:
        pal = self.palette_
        many = self._edge_count > MANY_EDGES
        made_for = (pal, many, self._alpha_scale)
        if made_for == self._pens_for:
            return  # the same pens: setting them again redrew every line (a new layout's)
        self._pens_for = made_for
        # MANY_EDGE_ALPHAS fade the thin lines already; the strongest keep their colour.
        alphas = MANY_EDGE_ALPHAS if many else [a * self._alpha_scale for a in EDGE_ALPHAS]
        for (sign, b), curve in self.edge_curves.items():
            color = faded(pal.weight_positive if sign else pal.weight_negative,
                          int(alphas[b]), pal.background)
            width = MANY_EDGE_WIDTHS[b] if many else EDGE_WIDTHS[b]
            curve.set_antialias(not many)
            curve.setPen(pg.mkPen(color, width=width))
            # With thousands of lines the faintest (|w| < WIDTH_EDGES[0]) are noise; skip them.
            curve.setVisible(not (many and b == 0))

    def edge_width(self, sign: int, bucket: int) -> float:
        """Pixel width of the line drawing weights of this sign and size bucket."""
        return self.edge_curves[sign, bucket].opts["pen"].widthF()

    # --- geometry helpers (public for tests and the window) ----------------------------

    def neuron_center(self, column: int, unit: int) -> tuple[float, float]:
        """Centre of neuron `unit` in `column` (0 = inputs) in diagram units."""
        n = self.layer_sizes[column]
        return float(column), float(((n - 1) / 2 - unit) * self.pitch)

    def bias_center(self, layer: int, j: int) -> tuple[float, float]:
        """Bias marker of neuron j of weight layer `layer` (column layer + 1)."""
        x, y = self.neuron_center(layer + 1, j)
        return x - self.size / 2, y - self.size / 2

    def edge_endpoints(self, layer: int, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        k = self._edge_offsets[layer] + i * self.layer_sizes[layer + 1] + j
        return self._seg_a[k], self._seg_b[k]

    def weight_at(self, x: float, y: float, tolerance_px: float = EDGE_PICK_PX):
        """(layer, i, j) of the weight line nearest (x, y) within tolerance_px pixels, or None."""
        if not self.layer_sizes or len(self._seg_a) == 0:
            return None
        scale = self._pixel_scale()
        p = np.array([x, y]) / scale
        dist = point_segment_distance(p, self._seg_a / scale, self._seg_b / scale)
        k = int(np.argmin(dist))
        if dist[k] > tolerance_px:
            return None
        return int(self._edge_layer[k]), int(self._edge_i[k]), int(self._edge_j[k])

    def neuron_at(self, x: float, y: float):
        """(column, unit) of the neuron square containing (x, y), or None."""
        if not self.layer_sizes:
            return None
        column = int(round(x))
        if not 0 <= column < len(self.layer_sizes) or abs(x - column) > self.size / 2:
            return None
        n = self.layer_sizes[column]
        unit = int(round((n - 1) / 2 - y / self.pitch))
        if not 0 <= unit < n or abs(self.neuron_center(column, unit)[1] - y) > self.size / 2:
            return None
        return column, unit

    def bias_at(self, x: float, y: float):
        """(layer, j) of the bias marker at (x, y) (at least 6 px wide to hit), or None."""
        if len(self.layer_sizes) < 2:
            return None
        px, py = self._pixel_scale()
        half = max(self.marker_size / 2, 6 * px)
        column = int(round(x + self.size / 2))
        if not 1 <= column < len(self.layer_sizes):
            return None
        for j in range(self.layer_sizes[column]):
            bx, by = self.bias_center(column - 1, j)
            if abs(x - bx) <= half and abs(y - by) <= max(self.marker_size / 2, 6 * py):
                return column - 1, j
        return None

    def edge_bucket_of(self, layer: int, i: int, j: int) -> tuple[int, int]:
        """(sign, bucket) the weight is drawn with now: which curve in edge_curves holds it."""
        k = self._edge_offsets[layer] + i * self.layer_sizes[layer + 1] + j
        return int(self._edge_sign[k]), int(self._edge_bucket[k])

    def widget_pos(self, x: float, y: float) -> QPoint:
        """Diagram units -> a pixel in plot_widget.viewport() (for clicks and tooltips)."""
        scene = self.view_box.mapViewToScene(pg.Point(x, y))
        return self.plot_widget.mapFromScene(scene)

    def describe(self, key: tuple) -> str:
        """Tooltip text for a hover key from _hit()."""
        snap = self._snapshot
        if key[0] == "weight":
            _, layer, i, j = key
            value = "?" if snap is None else f"{float(snap.weights[layer][i, j]):.3f}"
            return f"Weight, {weight_name(layer, i, j)}{self._output_note(layer)} = {value}" \
                   "\n(click to edit)"
        if key[0] == "bias":
            _, layer, j = key
            value = "?" if snap is None else f"{float(snap.biases[layer][j]):.3f}"
            return f"Bias, {neuron_name(layer, j)}{self._output_note(layer)} = {value}" \
                   "\n(click to edit)"
        _, column, unit = key
        if column == 0:
            return f"Input {self._feature_text(unit)}"
        layer = column - 1
        value = "?" if snap is None else f"{float(snap.biases[layer][unit]):.3f}"
        return (f"Neuron, {neuron_name(layer, unit)}{self._output_note(layer)}"
                f"\nbias = {value}")

    def _output_note(self, layer: int) -> str:
        """" (output)" for the last weight layer: its neurons are the network's outputs."""
        return " (output)" if layer == len(self.layer_sizes) - 2 else ""

    # --- layout ------------------------------------------------------------------------

    def _layout(self, grid: int) -> None:
        sizes = self.layer_sizes
        tallest = max(sizes)
        self.pitch = self._pitch_for_size()
        self.grid = grid
        fraction = SIZE_FRACTION if tallest <= 12 else 0.8  # tall columns: bigger squares
        self.gap_rows = max(1, round(grid * (1 / fraction - 1)))
        self.size = self.pitch * grid / (grid + self.gap_rows)
        self.marker_size = min(0.3 * self.size, 0.08)  # large tiles keep a small marker
        # Hundreds of lines at full strength hide the neurons: fainter lines (opaque lines do
        # not pile up as blended ones did, so a milder fade than 0.6 keeps them as visible).
        self._alpha_scale = 1.0 if tallest <= 12 else 0.85
        self._edge_count = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self._make_pens()  # pens depend on the number of lines
        a, b, layer, ii, jj = [], [], [], [], []
        for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            i, j = np.meshgrid(np.arange(fan_in), np.arange(fan_out), indexing="ij")
            i, j = i.ravel(), j.ravel()  # the order of weights[k].ravel()
            y_in = ((fan_in - 1) / 2 - i) * self.pitch
            y_out = ((fan_out - 1) / 2 - j) * self.pitch
            a.append(np.column_stack([np.full(len(i), k + self.size / 2), y_in]))
            b.append(np.column_stack([np.full(len(i), k + 1 - self.size / 2), y_out]))
            layer.append(np.full(len(i), k))
            ii.append(i)
            jj.append(j)
        self._edge_offsets = np.cumsum([0] + [len(x) for x in layer])[:-1]
        self._layer_lines = np.array([len(x) for x in layer])
        self._next_layer = 0
        self._seg_a, self._seg_b = np.concatenate(a), np.concatenate(b)
        self._edge_layer, self._edge_i, self._edge_j = map(np.concatenate, (layer, ii, jj))
        self._edge_sign = np.ones(len(self._edge_layer), np.int64)
        self._edge_bucket = np.zeros(len(self._edge_layer), np.int64)
        # neuron_center and bias_center for every neuron at once (the biggest has 258).
        column = np.repeat(np.arange(len(sizes)), sizes).astype(np.float64)
        unit = np.concatenate([np.arange(n) for n in sizes])
        height = np.repeat((np.array(sizes) - 1) / 2, sizes)
        self._centers = np.column_stack([column, (height - unit) * self.pitch])
        self._bias_centers = self._centers[sizes[0]:] - self.size / 2

    def _pitch_for_size(self) -> float:
        """Vertical distance between neurons, in diagram units, for the widget's shape now:
        the diagram uses the height it has (tiles grow with it, up to MAX_PITCH)."""
        sizes = self.layer_sizes
        tallest, columns = max(sizes), len(sizes)
        # At least this tall (tall columns get a taller diagram so 32 neurons stay legible).
        height = max(2.4, 0.68 * (columns - 1), 0.09 * tallest)
        w, h = float(self.view_box.width()), float(self.view_box.height())
        if w > 50 and h > 50:
            titles = 2 * QFontMetricsF(self._title_font()).height() + 16  # two title lines
            labels = 70.0  # input names on the left, half the last title on the right
            ratio = max(h - titles, 1.0) / max(w - labels, 1.0)
            height = max(height, ratio * (columns - 1 + 0.45))
        return min(MAX_PITCH, height / tallest)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(self._text_point_size())
        return font

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(self._text_point_size() - 1)
        return font

    def _text_point_size(self) -> float:
        """Labels follow the application font (presentation mode scales it): 11 pt at a
        normal 9-10 pt font, a little smaller for tall columns."""
        base = QFont(self.font()).pointSizeF()
        base = base if base > 0 else 10.0
        return base * (1.15 if max(self.layer_sizes) <= 12 else 0.95)

    def warming(self) -> bool:
        """Whether spare items for the biggest network are still being made."""
        return self._warm_timer.isActive()

    def _warm_step(self) -> bool:
        """Make one slice of spare items (a few ms); False (and the timer stops) when the
        biggest network has all it needs."""
        layers = MAX_HIDDEN_LAYERS + 1
        for group in self.edge_curves.values():
            if len(group.layers) < layers:
                group.add_spare_layers(layers)
                return True
        columns = MAX_HIDDEN_LAYERS + 2
        if len(self.column_images) + len(self._spare_images) < columns:
            image = self._new_column_image()
            image.setVisible(False)
            self._spare_images.append(image)
            return True
        if len(self.texts) + len(self._spare_texts) < columns + 6:  # titles and inputs
            for _ in range(3):
                self._spare_texts.append(self._new_text((0, 0)))
            return True
        self._warm_timer.stop()
        return False

    def _new_column_image(self) -> pg.ImageItem:
        image = pg.ImageItem(axisOrder="row-major")
        image.setZValue(21)
        self.plot.addItem(image)
        return image

    def _new_text(self, anchor) -> pg.TextItem:
        item = pg.TextItem(anchor=anchor, color=self.palette_.foreground)
        item.shown_as = None  # (text, html, font, anchor, colour) it shows (_add_text)
        item.setZValue(30)
        item.textItem.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # glyphs once
        self.plot.addItem(item)
        item.setVisible(False)
        return item

    def _make_columns(self) -> None:
        # Image items are kept from one layout to the next, hidden when not needed: adding
        # and removing plot items was most of a new layout's cost (a stall at every File >
        # New, lesson step or reshape while training runs).
        spare = self.column_images[len(self.layer_sizes):]
        for image in spare:
            image.setVisible(False)
        self._spare_images = spare + self._spare_images
        self.column_images = self.column_images[: len(self.layer_sizes)]
        while len(self.column_images) < len(self.layer_sizes):
            if self._spare_images:
                image = self._spare_images.pop(0)
                image.setVisible(True)
            else:
                image = self._new_column_image()
            self.column_images.append(image)
        for column, n in enumerate(self.layer_sizes):
            self._set_column_image(column, np.full((n, 2, 2), np.nan, np.float32))
        self.fills.set_rects(self._centers, self.size)
        self.frames.set_rects(self._centers, self.size)
        self.bias_markers.set_rects(self._bias_centers, self.marker_size)
        self.highlight.setData([], [])

    def _set_column_image(self, column: int, maps: np.ndarray) -> None:
        """Show (n, g, g) maps in [-1, 1] (NaN clear) as neuron column `column`."""
        self._set_column_colours(column, map_colours(maps, self.palette_.lut))

    def _set_column_colours(self, column: int, colours: np.ndarray) -> None:
        """Stack (n, g, g, 4) RGBA maps top neuron first, with clear gaps.

        Coloured before (map_colours), so the image item only copies bytes: pyqtgraph's
        own float path rescales and rebuilds a colour table on every frame."""
        n, g = colours.shape[0], colours.shape[2]
        gap = max(1, round(g * self.gap_rows / self.grid))
        atlas = np.zeros((n, g + gap, g, 4), np.uint8)  # alpha 0: the gaps are clear
        atlas[:, :g] = colours[::-1]  # row 0 is the bottom: last neuron first
        atlas = atlas.reshape(n * (g + gap), g, 4)[: n * (g + gap) - gap]
        image = self.column_images[column]
        placed = image.image is not None and image.image.shape == atlas.shape
        image.setImage(atlas, autoLevels=False)
        if not placed:  # a new size: stretch it over the column again
            _, y_bottom = self.neuron_center(column, n - 1)
            image.setRect(column - self.size / 2, y_bottom - self.size / 2, self.size,
                          (n - 1) * self.pitch + self.size)

    def _make_texts(self) -> None:
        for text in self.texts:  # kept for the next layout, as the column images are
            text.setVisible(False)
        self._spare_texts = self.texts + self._spare_texts
        self.texts = []
        font = self._label_font()
        for unit in range(self.layer_sizes[0]):
            x, y = self.neuron_center(0, unit)
            self._add_text(self._feature_text(unit), (x - self.size / 2 - 0.04, y), (1, 0.5), font)
        top = max(self.neuron_center(c, 0)[1] for c in range(len(self.layer_sizes)))
        level = self._compact_titles()
        self._compact = level
        small = self._title_font()
        for column, (title, count) in enumerate(self._titles(level)):
            text = f"{title}<br>{count}" if title else count
            self._add_text(text, (column, top + self.size / 2 + 0.03), (0.5, 1), small,
                           html=True)

    def _titles(self, level: int) -> list[tuple[str, str]]:
        """Each column's two title lines; level 0 "hidden 1 / 8 neurons", 1 "hidden 1 / 8",
        2 "h1 / 8", 3 "8" only (for ever narrower columns)."""
        last = len(self.layer_sizes) - 1
        titles = []
        for column, n in enumerate(self.layer_sizes):
            if level == 3:
                title = ""
            elif column == 0:
                title = "in" if level == 2 else "input"
            elif column == last:
                title = "out" if level == 2 else "output"
            else:
                title = f"h{column}" if level == 2 else f"hidden {column}"
            titles.append((title, f"{n} neuron{'s' if n != 1 else ''}" if level == 0 else f"{n}"))
        return titles

    def _add_text(self, text: str, pos, anchor, font: QFont, html: bool = False) -> None:
        # A spare showing the same text as wanted is only moved: setting a text's font and
        # HTML again was half of a new layout's cost (lesson steps and File > New
        # alternate between a few networks).
        shown_as = (text, html, font.toString(), tuple(anchor), self.palette_.foreground)
        same = next((t for t in self._spare_texts if t.shown_as == shown_as), None)
        if same is not None:
            self._spare_texts.remove(same)
            same.setPos(*pos)
            same.setVisible(True)
            self.texts.append(same)
            return
        if self._spare_texts:
            # The longest unused: the recently hidden may show what a later call wants.
            item = self._spare_texts.pop()
            item.textItem.setTextWidth(-1)
            item.setAnchor(anchor)
            item.setColor(self.palette_.foreground)
        else:
            item = self._new_text(anchor)
        item.setFont(font)
        if html:  # centred lines: alignment needs a fixed text width
            item.textItem.setHtml(f'<div align="center">{text}</div>')
            item.textItem.setDefaultTextColor(QColor(self.palette_.foreground))
            item.textItem.setTextWidth(item.textItem.boundingRect().width())
        else:
            item.textItem.setPlainText(text)
        item.updateTextPos()
        item.setPos(*pos)
        item.setVisible(True)
        item.shown_as = shown_as
        self.texts.append(item)

    def _feature_text(self, unit: int) -> str:
        name = self.feature_names[unit] if unit < len(self.feature_names) else f"x{unit}"
        return FEATURE_LABELS.get(name, name)

    def _fit_view(self) -> None:
        top = max(self.neuron_center(c, 0)[1] for c in range(len(self.layer_sizes)))
        # Labels keep their size in pixels while a unit of x shrinks with the widget: leave
        # the input labels ("sin(X₁)") their width on the left and half the last column's
        # title on the right, in pixels, at any width.
        left_px = max((t.textItem.boundingRect().width() for t in self._input_texts()),
                      default=0.0) + 6
        right_px = (self.texts[-1].textItem.boundingRect().width() / 2 + 4
                    if self.texts else 0.0)
        width_px = max(float(self.view_box.width()), 3 * (left_px + right_px), 1.0)
        a, b = -self.size / 2 - 0.04, float(len(self.layer_sizes) - 1)  # label end, last column
        span = (b - a) / (1 - (left_px + right_px) / width_px)
        x_min = a - left_px * span / width_px
        x_max = max(b + right_px * span / width_px, b + self.size / 2 + 0.02)
        # The same for the column titles above the tallest column.
        title_px = max((t.textItem.boundingRect().height() for t in self.texts[
            self.layer_sizes[0]:]), default=0.0) + 4
        height_px = max(float(self.view_box.height()), 3 * title_px, 1.0)
        bottom, c = -top - self.size / 2 - 0.12, top + self.size / 2 + 0.03
        y_max = c + title_px * (c - bottom) / (height_px - title_px)
        self.view_box.setRange(xRange=(x_min, x_max), yRange=(bottom, y_max), padding=0)

    def _input_texts(self) -> list[pg.TextItem]:
        return self.texts[: self.layer_sizes[0]] if self.layer_sizes else []

    def _compact_titles(self) -> int:
        """The longest column titles (a level of _titles) that do not collide, measured in
        the title font against the distance between columns."""
        labels = QFontMetricsF(self._label_font())
        left_px = max(labels.horizontalAdvance(self._feature_text(u))
                      for u in range(self.layer_sizes[0])) + 10
        metrics = QFontMetricsF(self._title_font())
        for level in (0, 1, 2):
            widest = max(metrics.horizontalAdvance(line) for pair in self._titles(level)
                         for line in pair)
            # The last title's right half lies beyond the last column.
            column_px = (self.plot_widget.width() - left_px - widest / 2) / (
                len(self.layer_sizes) - 1 + 0.5)
            if widest + TITLE_GAP_PX <= column_px:
                return level
        return 3

    def _on_view_resized(self) -> None:
        # The view box's own resize, not the widget's: pyqtgraph lays its scene out later,
        # and the widget's resizeEvent would measure the old view box.
        if self.layer_sizes and self._network_coming:
            self._fit_view()  # set_network lays the new one out for this size
            self._relayout_later.start()
        elif self.layer_sizes:
            if abs(self._pitch_for_size() / self.pitch - 1) > RELAYOUT_CHANGE:
                self._fit_view()  # taller or shorter: tiles follow the space, soon
                self._resized_later.start()
                return
            if self._compact_titles() != getattr(self, "_compact", None):
                self._make_texts()
            self._fit_view()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.FontChange and self.layer_sizes:
            self._rebuild()  # presentation mode: larger labels

    # --- drawing -------------------------------------------------------------------------

    @staticmethod
    def _alpha(color: str, alpha: int) -> QColor:
        c = QColor(color)
        c.setAlpha(alpha)
        return c

    def _apply_static_colors(self) -> None:
        pal = self.palette_
        self.fills.set_pen(pg.mkPen(None))
        self.fills.set_brush(pg.mkBrush(pal.neutral))
        self.frames.set_pen(pg.mkPen(self._alpha(pal.foreground, 120), width=1))
        self.frames.set_brush(QBrush(Qt.NoBrush))
        self.highlight.setPen(pg.mkPen(pal.foreground, width=2.5))
        self.bias_markers.set_pen(pg.mkPen(pal.background, width=1))
        self.bias_markers.set_brush(pg.mkBrush(self._alpha(pal.foreground, 90)))
        for text in self.texts:
            if text.shown_as is not None and text.shown_as[-1] != pal.foreground:
                text.setColor(pal.foreground)
                text.shown_as = (*text.shown_as[:-1], pal.foreground)
        self._show_inputs()

    def _show_inputs(self) -> None:
        if not self.column_images:
            return
        if self._input_maps is None:
            maps = np.full((self.layer_sizes[0], 2, 2), np.nan, np.float32)
        else:
            m = self._input_maps
            scale = np.max(np.abs(m), axis=(1, 2), keepdims=True)
            maps = m / np.where(scale > 0, scale, 1.0)
        self._set_column_image(0, maps)

    def _update_edges(self, weights: np.ndarray) -> None:
        """weights: every layer's (fan_in, fan_out) raveled and joined, (E,).

        Only the layer curves that gained or lost a weight get new data (and a redrawn
        cache), and at most about LINES_PER_TURN lines' layers a turn: the rest follow in
        the next turns, frames or not. (The biggest network's 7,000 new lines at once took
        60-100 ms to set and as long again to paint: a stall at its first frame, and at
        each frame in which most weights changed size.)"""
        self._edge_sign, self._edge_bucket = weight_bucket(weights)
        groups = 2 * len(EDGE_WIDTHS)
        # One key per (layer, sign, bucket): that layer's curve in that EdgeGroup.
        key = self._edge_layer * groups + self._edge_sign * len(EDGE_WIDTHS) + self._edge_bucket
        old = self._edge_keys
        if old is None:  # a new layout: every curve is empty, no line drawn (-1)
            old = np.full(len(key), -1, np.int64)
        moved = old != key
        layers = np.unique(self._edge_layer[moved])
        if len(layers) > 1:
            # From the layer after the last one drawn, so every layer gets its turn.
            layers = np.roll(layers, -int(np.searchsorted(layers, self._next_layer)))
            lines = self._layer_lines[layers]
            layers = layers[np.cumsum(lines) - lines < LINES_PER_TURN]
            later = moved & ~np.isin(self._edge_layer, layers)
            if later.any():
                key = np.where(later, old, key)  # as drawn: the next turn compares again
                moved &= ~later
                self._more_lines.start()
        if len(layers):
            self._next_layer = (int(layers[-1]) + 1) % (len(self.layer_sizes) - 1)
        self._edge_keys = key
        changed = np.union1d(old[moved], key[moved])
        for index in changed[changed >= 0]:
            layer, group = divmod(int(index), groups)
            members = np.flatnonzero(key == index)
            xs = np.column_stack([self._seg_a[members, 0], self._seg_b[members, 0]]).ravel()
            ys = np.column_stack([self._seg_a[members, 1], self._seg_b[members, 1]]).ravel()
            self.edge_curves[divmod(group, len(EDGE_WIDTHS))].set_layer(layer, xs, ys)

    def _draw_more_lines(self) -> None:
        if self._snapshot is not None and self._edge_keys is not None:
            self._update_edges(joined(self._snapshot.weights))

    def lines_drawn(self) -> bool:
        """False while lines wait for their turn to be drawn (`_update_edges`)."""
        return self._edge_keys is not None and not self._more_lines.isActive()

    def _update_biases(self, biases: np.ndarray) -> None:
        pal = self.palette_
        sign, bucket = weight_bucket(biases)
        key = sign * len(EDGE_WIDTHS) + bucket
        if self._bias_keys is not None and np.array_equal(key, self._bias_keys):
            return  # same colours: keep the markers' cached picture
        self._bias_keys = key
        brushes = [pg.mkBrush(self._alpha(pal.weight_positive if s else pal.weight_negative,
                                          EDGE_ALPHAS[b]))
                   for s in (0, 1) for b in range(len(EDGE_WIDTHS))]
        self.bias_markers.set_groups(brushes, key)

    # --- mouse ------------------------------------------------------------------------

    def _pixel_scale(self) -> np.ndarray:
        px, py = self.view_box.viewPixelSize()
        return np.array([px or 1.0, py or 1.0])

    def _hit(self, x: float, y: float):
        """What is under (x, y): ("bias", layer, j), ("neuron", column, unit),
        ("weight", layer, i, j) or None; markers win over neurons over lines."""
        bias = self.bias_at(x, y)
        if bias is not None:
            return ("bias", *bias)
        neuron = self.neuron_at(x, y)
        if neuron is not None:
            return ("neuron", *neuron)
        weight = self.weight_at(x, y)
        if weight is not None:
            return ("weight", *weight)
        return None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.ToolTip and watched is self.plot_widget.viewport():
            # Qt's own tooltip event finds no item tooltip in the scene and hides ours a
            # second after it showed: the tooltips here are ours (_show_hover).
            return True
        if event.type() == QEvent.MouseMove and watched is self.plot_widget.viewport():
            self._on_mouse_moved(self.plot_widget.mapToScene(event.position().toPoint()))
        return super().eventFilter(watched, event)

    def _on_mouse_moved(self, scene_pos) -> None:
        if not self.layer_sizes:
            return
        pos = self.view_box.mapSceneToView(scene_pos)
        key = self._hit(float(pos.x()), float(pos.y()))
        self._hover_pos = self.plot_widget.mapFromScene(scene_pos)
        self._show_hover(key, self._hover_pos)

    def _show_hover(self, key, widget_pos: QPoint) -> None:
        self._hover = key
        if key is None:
            self.hover_text = ""
            self.highlight.setData([], [])
            QToolTip.hideText()
            return
        text = self.describe(key)
        if key[0] == "neuron":
            self.highlight.setData(pos=[self.neuron_center(key[1], key[2])], size=self.size)
        else:
            self.highlight.setData([], [])
        if text != self.hover_text:
            self.hover_text = text
            QToolTip.showText(self.plot_widget.mapToGlobal(widget_pos), text, self.plot_widget,
                              QRect(), TOOLTIP_MS)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._show_hover(None, QPoint())
        super().leaveEvent(event)

    def _on_click(self, event) -> None:
        if event.button() != Qt.LeftButton or not self.layer_sizes:
            return
        pos = self.view_box.mapSceneToView(event.scenePos())
        key = self._hit(float(pos.x()), float(pos.y()))
        if key is None:
            return
        if key[0] == "weight":
            self.weight_edit_requested.emit(key[1], key[2], key[3])
        elif key[0] == "bias":
            self.bias_edit_requested.emit(key[1], key[2])
        else:
            return
        event.accept()


def main() -> None:  # pragma: no cover - a demo window
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.views.fake import fake_snapshot, input_maps

    app = QApplication.instance() or QApplication([])
    sizes = (2, 8, 4, 1) if "--big" not in sys.argv else (2, *[32] * 8, 1)
    names = ["x1", "x2"]
    view = NetworkView()
    view.set_network(sizes, names, input_maps(names))
    view.weight_edit_requested.connect(lambda k, i, j: print(f"edit w[{k}][{i}→{j}]"))
    view.bias_edit_requested.connect(lambda k, j: print(f"edit b[{k}][{j}]"))
    step = [0]

    def tick() -> None:
        step[0] += 2
        view.show_snapshot(fake_snapshot(step[0], layer_sizes=sizes, grid=20))

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(16)
    view.resize(760, 480)
    view.setWindowTitle("Neuroplay: network")
    view.show()
    app.exec()


if __name__ == "__main__":
    main()
