"""Training and test loss over epochs, live, with earlier runs kept for comparison.

History rows arrive a few at a time (Snapshot.history from Snapshot.history_start);
they go into one growing NumPy buffer that doubles when full, and the two curves are
re-pointed at views of it, so a frame costs the same after a million steps. The curves'
x positions (continuous epochs) live in a parallel buffer, recomputed only for the last
two epochs, the only ones new rows can move.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from app.controls.playback import LOSS_TEXTS, format_loss
from app.theme import Palette, get_palette
from engine.snapshot import HISTORY_COLUMNS, Snapshot

STEP, EPOCH, TRAIN_LOSS, TEST_LOSS = (HISTORY_COLUMNS.index(name)
                                      for name in ("step", "epoch", "train_loss", "test_loss"))
# A curve is drawn through at most about this many points: beyond, each block of rows
# becomes its lowest and highest loss (blocks of a power of two rows, aligned to row 0, so
# the curve keeps its shape from one frame to the next).
DISPLAY_POINTS = 2000
# Kept runs: hues apart from each other and from the training (grey/black) and test
# (class 1 blue) curves, each with its own dash pattern so they differ without colour too.
REFERENCE_STYLES = (("#009e73", Qt.DashLine), ("#b04fa0", Qt.DotLine),
                    ("#d62728", Qt.DashDotLine), ("#8c564b", Qt.DashDotDotLine),
                    ("#7a7a00", Qt.DashLine), ("#6a3d9a", Qt.DotLine))
# Auto scale: the loss axis turns logarithmic once the newest loss would sit in the bottom
# 1/LOG_ABOVE of a linear axis (a flat line there), and linear again below LINEAR_BELOW.
# Loss falls steeply in the first epochs and slowly after (two moons: 0.69 at epoch 0,
# 0.10 at 100, 0.007 at 600): on a linear axis the first epochs would flatten all the rest,
# on a log axis each tenfold improvement takes the same height. Short runs, the ones a
# class watches first, stay on the plain linear axis; the axis title says which it is.
LOG_ABOVE = 20.0
LINEAR_BELOW = 8.0
# The x axis starts at epoch 0 and spans at least this many epochs, so the first frames
# of a run draw a line that grows to the right rather than a dot that fills the chart.
MIN_EPOCH_SPAN = 10.0
SCALES = ("auto", "linear", "log")


def continuous_epochs(steps: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """(n,) x positions: whole-number epochs spread evenly over each epoch's steps.

    Rows are recorded per step, so plotting the epoch column as is draws a staircase.
    Each epoch's steps are spread over [e, e + 1) using that epoch's length in steps;
    the unfinished last epoch borrows the length of the one before (the first epoch,
    before it ends, is spread over what has run so far). Fractional input is kept as is.
    """
    if len(epochs) == 0 or np.any(epochs != np.floor(epochs)) or not np.isfinite(epochs).all():
        return epochs
    new_run = np.r_[True, epochs[1:] != epochs[:-1]]
    starts = np.flatnonzero(new_run)  # first row of each epoch
    run = np.cumsum(new_run) - 1  # which epoch run each row belongs to
    first_step = steps[starts]
    length = np.diff(first_step) / np.maximum(np.diff(epochs[starts]), 1)
    last = length[-1] if len(length) else steps[-1] - first_step[0] + 1
    length = np.maximum(np.r_[length, last], 1)
    fraction = np.clip((steps - first_step[run]) / length[run], 0.0, 1.0)
    return epochs + fraction


def peak_decimate(x: np.ndarray, y: np.ndarray,
                  max_points: int = DISPLAY_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) (n,) -> at most about max_points points keeping each block's min and max.

    Blocks hold a power of two rows from row 0; the rows after the last whole block are
    kept as they are, so the curve still ends at the newest loss. NaN is skipped within a
    block (a block of only NaN stays NaN: a gap).
    """
    n = len(y)
    if n <= max_points:
        return x, y
    block = 1 << int(np.ceil(np.log2(2 * n / max_points)))
    whole = n // block * block
    blocks = y[:whole].reshape(-1, block)
    low, high = np.fmin.reduce(blocks, axis=1), np.fmax.reduce(blocks, axis=1)
    xs = np.concatenate([np.repeat(x[:whole:block], 2), x[whole:]])
    ys = np.concatenate([np.column_stack([low, high]).ravel(), y[whole:]])
    return xs, ys


TICK_OVERHANG_PX = 12  # how far the epoch axis's first label may reach left of the plot


class PlainAxis(pg.AxisItem):
    """An axis that never rescales its numbers with an SI prefix.

    pyqtgraph's enableAutoSIPrefix(False) still computes a prefix scale once, from the range
    it has at that moment, and then keeps it: after a theme change with losses under 1 the
    ticks read 300 for 0.3 with nothing saying so. Here the scale is always 1.
    """

    def __init__(self, orientation: str, **kwargs):
        self._titles: tuple[str, ...] = ()
        super().__init__(orientation, **kwargs)
        self.autoSIPrefix = False
        self.autoSIPrefixScale = 1.0

    def boundingRect(self):  # noqa: N802 - Qt's name
        # pyqtgraph drops a tick label not wholly inside this rect: the "0" of epoch 0,
        # a few pixels from the plot's left edge, went missing on a narrow chart. It may
        # run into the empty corner under the loss axis.
        rect = super().boundingRect()
        if self.orientation == "bottom":
            rect = rect.adjusted(-TICK_OVERHANG_PX, 0, 0, 0)
        return rect

    def set_titles(self, *titles: str) -> None:
        """The axis title, longest first: the axis shows the longest one its length holds
        (a short plot, as in presentation mode's large text, would cut the long one)."""
        self._titles = titles
        self._fit_title()

    def resizeEvent(self, ev=None) -> None:  # noqa: N802 - pyqtgraph's name
        self._fit_title()
        super().resizeEvent(ev)

    def _updateLabel(self) -> None:  # noqa: N802 - pyqtgraph's name
        super()._updateLabel()
        self._fit_title()  # a new label style (presentation mode) changes its length

    def title_length(self, title: str) -> float:
        """How long `title` is drawn along the axis, in pixels, in the label's style."""
        style = ";".join(f"{k}: {v}" for k, v in self.labelStyle.items())
        document = QTextDocument()
        document.setDefaultFont(self.label.font())
        document.setDocumentMargin(0)
        document.setHtml(f"<span style='{style}'>{title}</span>")
        return document.idealWidth()

    def _fit_title(self) -> None:
        if not self._titles or self.label is None:
            return
        length = self.height() if self.orientation in ("left", "right") else self.width()
        if length <= 0:
            return
        fits = [t for t in self._titles if self.title_length(t) <= length]
        title = fits[0] if fits else self._titles[-1]
        if self.labelText != title:
            self.labelText = title
            self.showLabel()
            self._updateLabel()
            # pyqtgraph centres the label only on a resize: a longer title put where the
            # short one was centred ran past the axis end ("loss (log sc" when the chart
            # went to log scale at a fixed size).
            pg.AxisItem.resizeEvent(self)

    def updateAutoSIPrefix(self) -> None:  # noqa: N802 - pyqtgraph's name
        self.autoSIPrefix = False
        self.autoSIPrefixScale = 1.0
        self.labelUnitPrefix = ""
        self._updateLabel()

    def enableAutoSIPrefix(self, enable: bool = True) -> None:  # noqa: N802
        self.updateAutoSIPrefix()

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803
        """Log axis ticks at 1, 2 and 5 times each power of ten (3, 4... too on a tall axis
        spanning under a decade), labelled as plain numbers, each at least a label's
        height and a half from the next: pyqtgraph's own labels 1 to 9 of every decade,
        and they overlap on a short axis (presentation mode's large text)."""
        span = max(maxVal - minVal, 1e-9)
        pixels = size / span  # per decade
        room = 1.5 * self._tick_text_height()
        decades = range(int(np.floor(minVal)) - 1, int(np.ceil(maxVal)) + 1)
        chosen: list[float] = []
        # Powers of ten first, then 5s and 2s between them, then the rest.
        for multiples in ((1,), (5,), (2,), (3, 4, 6, 7, 8, 9)):
            for d in decades:
                for m in multiples:
                    value = d + float(np.log10(m))
                    if (minVal <= value <= maxVal
                            and all(abs(value - c) * pixels >= room for c in chosen)):
                        chosen.append(value)
            if len(chosen) >= 2 and multiples == (2,):
                break  # 1, 2 and 5 are enough once they make two ticks
        major = sorted(v for v in chosen if abs(v - round(v)) < 1e-9)
        minor = sorted(v for v in chosen if abs(v - round(v)) >= 1e-9)
        return [(1.0, major), (None, minor)]

    def _tick_text_height(self) -> int:
        font = self.style.get("tickFont")
        return QFontMetrics(font if font is not None else QFont()).height()

    def logTickStrings(self, values, scale, spacing):  # noqa: N802
        return [f"{10.0 ** v:.3g}" for v in values]


class LossLegend(QWidget):
    """The chart's legend, a strip above the plot: it never covers a curve, and its entries
    wrap into more rows rather than being cut. A new value only repaints the strip: each
    value has room for its widest text, so the layout does not change with the numbers."""

    SAMPLE = 22  # length of the line sample, px

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.entries: list[dict] = []  # {"name", "value", "pen"}
        self._foreground = QColor("#2b2b2b")
        self._background = QColor("#ffffff")
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    def set_entries(self, entries: list[tuple[str, QPen, bool]]) -> None:
        """(name, pen, has_value) for each curve, in order."""
        old = {e["name"]: e["value"] for e in self.entries}
        self.entries = [{"name": name, "pen": QPen(pen), "has_value": has_value,
                         "value": old.get(name, "")} for name, pen, has_value in entries]
        self.updateGeometry()
        self.update()

    def set_value(self, name: str, value: str) -> None:
        for entry in self.entries:
            if entry["name"] == name and entry["value"] != value:
                entry["value"] = value
                self.update()

    def names(self) -> list[str]:
        return [e["name"] for e in self.entries]

    def text(self, name: str) -> str:
        """What the legend shows for `name`: "training loss 0.123"."""
        for entry in self.entries:
            if entry["name"] == name:
                return f"{name} {entry['value']}".strip()
        return ""

    def set_colors(self, foreground: str, background: str) -> None:
        """Text and background, painted by the strip itself (a style sheet above it
        cannot turn it light on light)."""
        self._foreground, self._background = QColor(foreground), QColor(background)
        self.update()

    def _widths(self) -> list[int]:
        metrics = self.fontMetrics()
        value_width = max(metrics.horizontalAdvance(t) for t in LOSS_TEXTS)
        return [self.SAMPLE + 6 + metrics.horizontalAdvance(e["name"])
                + (metrics.horizontalAdvance(" ") + value_width if e["has_value"] else 0)
                for e in self.entries]

    def _rows(self, width: int) -> list[list[int]]:
        """Entry indices per row, filled left to right within `width`."""
        rows: list[list[int]] = [[]]
        used = 0
        for k, w in enumerate(self._widths()):
            if rows[-1] and used + w > width:
                rows.append([])
                used = 0
            rows[-1].append(k)
            used += w + self._gap()
        return rows

    def _gap(self) -> int:
        return self.fontMetrics().horizontalAdvance("MM")

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        if not self.entries:
            return 0
        return len(self._rows(max(width - 8, 1))) * (self.fontMetrics().height() + 2) + 4

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(sum(self._widths()) + 8, self.heightForWidth(max(self.width(), 200)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(max(self._widths(), default=0) + 8, self.heightForWidth(self.width()))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.height() != self.heightForWidth(self.width()):
            self.updateGeometry()  # more or fewer rows at this width

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._background)
        painter.setRenderHint(QPainter.Antialiasing)
        metrics = self.fontMetrics()
        line_height = metrics.height() + 2
        widths = self._widths()
        y = 2
        for row in self._rows(max(self.width() - 8, 1)):
            x = 4
            for k in row:
                entry = self.entries[k]
                middle = y + line_height / 2
                pen = QPen(entry["pen"])
                pen.setWidthF(max(pen.widthF(), 2.0))
                painter.setPen(pen)
                painter.drawLine(QPointF(x, middle), QPointF(x + self.SAMPLE, middle))
                painter.setPen(self._foreground)
                text = f"{entry['name']} {entry['value']}".rstrip()
                painter.drawText(int(x + self.SAMPLE + 6), int(y + metrics.ascent() + 1), text)
                x += widths[k] + self._gap()
            y += line_height
        painter.end()


class LossChart(QWidget):
    """Loss against epoch: a solid training curve, a test curve, dashed reference runs."""

    def __init__(self, parent: QWidget | None = None, palette: Palette | None = None):
        super().__init__(parent)
        self.palette_ = palette or get_palette()
        self._rows = np.empty((1024, len(HISTORY_COLUMNS)), dtype=np.float64)
        self._x = np.empty(1024, dtype=np.float64)  # continuous epoch of each held row
        self._count = 0
        self._tail = 0  # first row of the next-to-last epoch: x from here on may change
        self._scale = "auto"
        self._log = False  # the loss axis is logarithmic now (chosen or automatic)
        self._has_test = True  # a test curve is drawn (the legend names it)
        self.reference_curves: list[pg.PlotDataItem] = []

        axes = {"bottom": PlainAxis("bottom"), "left": PlainAxis("left")}
        self.plot_widget = pg.PlotWidget(axisItems=axes)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        # Ranges are set by _frame (epoch 0 on the left, the loss from 0 or on a log axis).
        self.plot.getViewBox().disableAutoRange()
        # Long runs are thinned here (peak_decimate), once a redraw; pyqtgraph's own
        # downsampling would redo it over every row on each data and range change.
        self.train_curve = self.plot.plot(name="training loss")
        self.test_curve = self.plot.plot(name="test loss")
        self.legend = LossLegend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot_widget, 1)
        self.set_palette(self.palette_)

    # --- public API -------------------------------------------------------------------

    def show_snapshot(self, snap: Snapshot) -> None:
        """Append snap.history (m, 6) rows, which start at row snap.history_start.

        A start below what is held replaces from there; a start of 0 is a reset.
        """
        rows = np.asarray(snap.history, dtype=np.float64).reshape(-1, len(HISTORY_COLUMNS))
        start = int(snap.history_start)
        if start < self._count:
            self._count = max(start, 0)
            self._tail = 0  # rows the x positions were based on are gone: redo them all
        self._append(rows)
        self._redraw()
        self.show_numbers(snap.train_loss, snap.test_loss)

    def show_numbers(self, train_loss: float, test_loss: float) -> None:
        """The legend's values, in the header's format: call with every frame's numbers,
        so the two never disagree (the curves themselves are redrawn less often)."""
        self.legend.set_value("training loss", _value_text(train_loss))
        self.legend.set_value("test loss", _value_text(test_loss))

    def clear(self) -> None:
        """Forget the current run's history (reference runs stay)."""
        self._count = self._tail = 0
        self._redraw()
        self.show_numbers(np.nan, np.nan)

    def set_log_scale(self, log: bool) -> None:
        """Loss on a logarithmic axis (True) or the automatic choice (False)."""
        self.set_scale("log" if log else "auto")

    def set_scale(self, scale: str) -> None:
        """"auto" (linear, logarithmic once the first epochs would flatten the rest),
        "linear" or "log"."""
        if scale not in SCALES:
            raise ValueError(f"loss scale must be one of {', '.join(SCALES)}, not {scale!r}")
        self._scale = scale
        self._redraw()

    def is_log(self) -> bool:
        """True when the loss axis is logarithmic now."""
        return self._log

    def add_reference_run(self, label: str, epochs: np.ndarray, losses: np.ndarray) -> None:
        """Keep an earlier run's loss (epochs (m,), losses (m,)) as a dashed, labelled curve."""
        epochs = np.asarray(epochs, dtype=np.float64).ravel()
        losses = np.asarray(losses, dtype=np.float64).ravel()
        if epochs.shape != losses.shape:
            raise ValueError(f"epochs and losses differ in length: {len(epochs)} vs {len(losses)}")
        color, dash = REFERENCE_STYLES[len(self.reference_curves) % len(REFERENCE_STYLES)]
        pen = pg.mkPen(color, width=1.5, style=dash)
        curve = self.plot.plot(epochs, losses, pen=pen, name=label, connect="finite")
        curve.setLogMode(False, self._log)
        curve.setZValue(-5)
        self.reference_curves.append(curve)
        self._update_legend()
        self._redraw()

    def clear_reference_runs(self) -> None:
        for curve in self.reference_curves:
            self.plot.removeItem(curve)
        self.reference_curves = []
        self._update_legend()
        self._redraw()

    def set_palette(self, palette: Palette) -> None:
        """Colours for the theme, applied at once (not at the next frame)."""
        self.palette_ = palette
        self.plot_widget.setBackground(palette.background)
        font = QFont()
        font.setPointSize(10)
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(palette.foreground))
            axis.setTextPen(pg.mkPen(palette.foreground))
            # No third tick level: its grid lines are clutter and cost a redraw every frame.
            axis.setStyle(tickFont=font, maxTickLevel=1)
        self.train_curve.setPen(pg.mkPen(palette.foreground, width=1))
        self.test_curve.setPen(pg.mkPen(palette.class_color(1), width=1))
        self.legend.set_colors(palette.foreground, palette.background)
        self._update_legend()

    # --- helpers (public for tests) ----------------------------------------------------

    @property
    def history(self) -> np.ndarray:
        """(n, 6) every history row held, a view of the buffer."""
        return self._rows[: self._count]

    @property
    def capacity(self) -> int:
        return len(self._rows)

    # --- internals -------------------------------------------------------------------

    def _update_legend(self) -> None:
        entries = [("training loss", self.train_curve.opts["pen"], True)]
        if self._has_test:
            entries.append(("test loss", self.test_curve.opts["pen"], True))
        entries += [(curve.name(), curve.opts["pen"], False) for curve in self.reference_curves]
        self.legend.set_entries([(n, pg.mkPen(p), v) for n, p, v in entries])

    def _append(self, rows: np.ndarray) -> None:
        need = self._count + len(rows)
        if need > len(self._rows):
            capacity = len(self._rows)
            while capacity < need:
                capacity *= 2
            grown = np.empty((capacity, len(HISTORY_COLUMNS)), dtype=np.float64)
            grown[: self._count] = self._rows[: self._count]
            self._rows = grown
            x = np.empty(capacity, dtype=np.float64)
            x[: self._count] = self._x[: self._count]
            self._x = x
        self._rows[self._count: need] = rows
        self._count = need

    def _update_x(self) -> np.ndarray:
        """x positions of every held row; only rows from the next-to-last epoch on change."""
        tail, count = self._tail, self._count
        rows = self._rows[tail:count]
        self._x[tail:count] = continuous_epochs(rows[:, STEP], rows[:, EPOCH])
        starts = np.flatnonzero(np.diff(rows[:, EPOCH])) + 1  # where a new epoch begins
        if len(starts) >= 2:
            self._tail = tail + int(starts[-2])
        return self._x[:count]

    def _redraw(self) -> None:
        held = self.history
        epochs = self._update_x()
        train = peak_decimate(epochs, held[:, TRAIN_LOSS])
        has_test = bool(len(held)) and bool(np.isfinite(held[:, TEST_LOSS]).any())
        test = peak_decimate(epochs, held[:, TEST_LOSS]) if has_test else (_EMPTY, _EMPTY)
        # Decimation keeps each block's extremes and the newest rows: enough to frame.
        self._set_log(self._want_log(train[1], test[1]))
        self.train_curve.setData(*train, connect="finite")
        self.test_curve.setData(*test, connect="finite")
        if has_test != self._has_test:
            self._has_test = has_test
            self._update_legend()
        self._frame(train, test)

    def _want_log(self, train: np.ndarray, test: np.ndarray) -> bool:
        """Auto: log once the newest loss of the run, or the end of a kept run, would be
        squeezed into the bottom of a linear axis by the highest loss in view."""
        if self._scale != "auto":
            return self._scale == "log"
        kept = [c.yData for c in self.reference_curves if c.yData is not None]
        values = np.concatenate([train, test, *kept])
        values = values[np.isfinite(values)]
        ends = [y[np.isfinite(y)][-1:] for y in (train, *kept)]
        ends = np.concatenate(ends) if ends else values[:0]
        if len(train) < 2 or ends.size == 0 or values.min() <= 0:
            return False  # a log axis cannot show a loss of 0 (hinge, a perfect fit)
        ratio = float(values.max()) / float(ends.min())
        return ratio > (LINEAR_BELOW if self._log else LOG_ABOVE)

    def _set_log(self, log: bool) -> None:
        if log != self._log or self.plot.getAxis("left").logMode != log:
            self._log = log
            self.plot.setLogMode(x=False, y=log)
        # Never a scale the reader is not told about, also on a short axis.
        titles = ("loss (log scale)", "loss (log)") if log else ("loss",)
        axis = self.plot.getAxis("left")
        if axis._titles != titles:
            axis.set_titles(*titles)

    def _frame(self, *curves: tuple[np.ndarray, np.ndarray]) -> None:
        """x from epoch 0 to the newest (at least MIN_EPOCH_SPAN); the loss from 0 to a bit
        above its highest on a linear axis, or over its decades on a log axis. Kept runs
        count too, so every curve stays in view."""
        xs = [np.asarray(x, dtype=np.float64) for x, _ in curves]
        ys = [np.asarray(y, dtype=np.float64) for _, y in curves]
        for curve in self.reference_curves:
            if curve.xData is not None:
                xs.append(curve.xData)
                ys.append(curve.yData)
        x = np.concatenate(xs)
        x = x[np.isfinite(x)]
        last = float(x.max()) if x.size else 0.0
        self.plot.setXRange(0, max(last, MIN_EPOCH_SPAN), padding=0.02)
        values = np.concatenate(ys)
        values = values[np.isfinite(values)]
        if self._log:
            positive = values[values > 0]
            if positive.size:
                low, high = np.log10(positive.min()), np.log10(positive.max())
                self.plot.setYRange(low, max(high, low + 0.5), padding=0.05)
            return
        top = float(values.max()) if values.size else 1.0
        bottom = min(float(values.min()), 0.0) if values.size else 0.0
        self.plot.setYRange(bottom, top * 1.08 if top > 0 else 1.0, padding=0)


_EMPTY = np.empty(0, dtype=np.float64)


def _value_text(value: float) -> str:
    return format_loss(value) if np.isfinite(value) else ""


def main() -> None:  # pragma: no cover - a demo window
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.views.fake import fake_history, fake_snapshot

    app = QApplication.instance() or QApplication([])
    chart = LossChart()
    old = fake_history(0, 1500)
    chart.add_reference_run("run 1", old[:, EPOCH], old[:, TRAIN_LOSS] * 1.3)
    state = {"step": 0}

    def tick() -> None:
        start = state["step"]
        state["step"] += 8
        chart.show_snapshot(fake_snapshot(state["step"], history_start=start))

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(16)
    chart.resize(640, 360)
    chart.setWindowTitle("Neuroplay: loss")
    chart.show()
    app.exec()


if __name__ == "__main__":
    main()
