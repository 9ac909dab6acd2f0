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
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.theme import Palette, get_palette
from engine.snapshot import HISTORY_COLUMNS, Snapshot

STEP, EPOCH, TRAIN_LOSS, TEST_LOSS = (HISTORY_COLUMNS.index(name)
                                      for name in ("step", "epoch", "train_loss", "test_loss"))
# A curve is drawn through at most about this many points: beyond, each block of rows
# becomes its lowest and highest loss (blocks of a power of two rows, aligned to row 0, so
# the curve keeps its shape from one frame to the next).
DISPLAY_POINTS = 2000
# Muted colours for the dashed curves of earlier runs.
REFERENCE_COLORS = ("#8c8c8c", "#a89f91", "#8fa3b3", "#b39bb0", "#9fb39b")


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


class LossChart(QWidget):
    """Loss against epoch: a solid training curve, a test curve, dashed reference runs."""

    def __init__(self, parent: QWidget | None = None, palette: Palette | None = None):
        super().__init__(parent)
        self.palette_ = palette or get_palette()
        self._rows = np.empty((1024, len(HISTORY_COLUMNS)), dtype=np.float64)
        self._x = np.empty(1024, dtype=np.float64)  # continuous epoch of each held row
        self._count = 0
        self._tail = 0  # first row of the next-to-last epoch: x from here on may change
        self._log = False
        self._short = False  # the range is framed by hand (see _frame_short_run)
        self.reference_curves: list[pg.PlotDataItem] = []

        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        # Long runs are thinned here (peak_decimate), once a redraw; pyqtgraph's own
        # downsampling would redo it over every row on each data and range change.
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self.train_curve = self.plot.plot(name="training loss")
        self.test_curve = self.plot.plot(name="test loss")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
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
        self._redraw(snap)

    def clear(self) -> None:
        """Forget the current run's history (reference runs stay)."""
        self._count = self._tail = 0
        self._redraw(None)

    def set_log_scale(self, log: bool) -> None:
        """Loss on a logarithmic axis (useful once it is small)."""
        self._log = bool(log)
        self.plot.setLogMode(x=False, y=self._log)

    def add_reference_run(self, label: str, epochs: np.ndarray, losses: np.ndarray) -> None:
        """Keep an earlier run's loss (epochs (m,), losses (m,)) as a dashed, labelled curve."""
        epochs = np.asarray(epochs, dtype=np.float64).ravel()
        losses = np.asarray(losses, dtype=np.float64).ravel()
        if epochs.shape != losses.shape:
            raise ValueError(f"epochs and losses differ in length: {len(epochs)} vs {len(losses)}")
        color = REFERENCE_COLORS[len(self.reference_curves) % len(REFERENCE_COLORS)]
        pen = pg.mkPen(color, width=1.5, style=Qt.DashLine)
        curve = self.plot.plot(epochs, losses, pen=pen, name=label, connect="finite")
        curve.setZValue(-5)
        self.reference_curves.append(curve)

    def clear_reference_runs(self) -> None:
        for curve in self.reference_curves:
            self.plot.removeItem(curve)  # also drops it from the legend
        self.reference_curves = []

    def set_palette(self, palette: Palette) -> None:
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
            axis.enableAutoSIPrefix(False)  # "loss (x0.001)" and 300 for 0.3 misleads
        self.train_curve.setPen(pg.mkPen(palette.foreground, width=1))
        self.test_curve.setPen(pg.mkPen(palette.class_color(1), width=1))
        self.legend.setLabelTextColor(palette.foreground)
        background = QColor(palette.background)
        background.setAlpha(200)
        self.legend.setBrush(pg.mkBrush(background))

    # --- helpers (public for tests) ----------------------------------------------------

    @property
    def history(self) -> np.ndarray:
        """(n, 6) every history row held, a view of the buffer."""
        return self._rows[: self._count]

    @property
    def capacity(self) -> int:
        return len(self._rows)

    # --- internals -------------------------------------------------------------------

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

    def _redraw(self, snap: Snapshot | None) -> None:
        held = self.history
        epochs = self._update_x()
        self.train_curve.setData(*peak_decimate(epochs, held[:, TRAIN_LOSS]), connect="finite")
        if len(held) and np.isfinite(held[:, TEST_LOSS]).any():
            self.test_curve.setData(*peak_decimate(epochs, held[:, TEST_LOSS]),
                                    connect="finite")
        else:
            self.test_curve.setData([], [], connect="finite")
        self._set_label(self.train_curve, "training loss", held[:, TRAIN_LOSS])
        self._set_label(self.test_curve, "test loss", held[:, TEST_LOSS])
        self._frame_short_run(epochs, held[:, TRAIN_LOSS])
        # Fit the range now: pyqtgraph would do it while painting, and the items' change
        # would then ask for a second paint of the whole chart.
        self.plot.getViewBox().prepareForPaint()

    def _frame_short_run(self, epochs: np.ndarray, losses: np.ndarray) -> None:
        """Under one epoch, auto-range zooms into a dot (epochs -0.4..0.4): show epoch 0
        to 1 and loss from 0 instead, until the run is long enough to fit itself."""
        view = self.plot.getViewBox()
        finite = losses[np.isfinite(losses)]
        short = len(epochs) == 0 or epochs[-1] - epochs[0] < 1
        if short:
            view.disableAutoRange()
            self.plot.setXRange(0, 1, padding=0.02)
            if not self._log:
                top = float(finite.max()) * 1.25 if finite.size else 1.0
                self.plot.setYRange(0, top if top > 0 else 1.0, padding=0)
            else:
                view.enableAutoRange(axis=pg.ViewBox.YAxis)
        elif self._short:
            view.enableAutoRange()
        self._short = short

    def _set_label(self, curve: pg.PlotDataItem, name: str, values: np.ndarray) -> None:
        last = values[-1] if len(values) else np.nan
        text = f"{name}  {last:.4f}" if np.isfinite(last) else name
        for sample, label in self.legend.items:
            if sample.item is curve and label.text != text:
                label.setText(text)


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
