"""The loss chart read like a class reads it: axis numbers, scale, legend, kept runs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from app.controls.playback import format_loss
from app.theme import get_palette
from app.views.fake import fake_history, fake_snapshot
from app.views.loss_chart import (
    LOG_ABOVE,
    MIN_EPOCH_SPAN,
    LossChart,
    continuous_epochs,
    peak_decimate,
)


def snapshot_with(losses: np.ndarray, steps_per_epoch: int = 1):
    """A snapshot whose history holds `losses` (train; test 10% higher), one row a step."""
    n = len(losses)
    rows = fake_history(0, n, steps_per_epoch=steps_per_epoch)
    rows[:, 2] = losses
    rows[:, 3] = losses * 1.1
    snap = fake_snapshot(n, grid=4, neuron_grid=2)
    return dataclasses.replace(snap, history=rows, history_start=0, train_loss=losses[-1],
                               test_loss=losses[-1] * 1.1)


def left_tick_texts(chart: LossChart) -> list[str]:
    axis = chart.plot.getAxis("left")
    low, high = chart.plot.getViewBox().viewRange()[1]
    values = [v for _, level in axis.tickValues(low, high, 200) for v in level]
    return axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, 0.1)


@pytest.mark.parametrize("dark", [False, True])
def test_loss_axis_numbers_are_the_losses_after_a_theme_change(chart, dark):
    """pyqtgraph froze a x1000 scale when the SI prefix was switched off with losses < 1:
    0.3 read 300 with nothing saying so."""
    chart.show_snapshot(snapshot_with(np.linspace(0.6, 0.2, 50)))
    for _ in range(2):
        chart.set_palette(get_palette("colorblind", dark))
        chart.set_palette(get_palette("default", dark))
    axis = chart.plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and axis.labelText == "loss"
    ticks = [float(t) for t in left_tick_texts(chart)]
    assert ticks and max(ticks) <= 0.7 and min(ticks) >= 0.0
    axis.setLabel("loss", **{"font-size": "20pt"})  # presentation mode restyles the title
    axis.enableAutoSIPrefix(False)
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()


def test_early_epochs_do_not_flatten_the_rest_auto_log_scale(chart):
    epochs = np.arange(600.0)
    falling = 0.69 * np.exp(-epochs / 80) + 0.004  # two moons' shape: 0.69 -> 0.005
    chart.show_snapshot(snapshot_with(falling[:40]))  # 0.69 -> 0.27: linear is readable
    assert not chart.is_log() and chart.plot.getAxis("left").labelText == "loss"
    chart.show_snapshot(snapshot_with(falling))  # newest loss far below: log, and said so
    assert falling[0] / falling[-1] > LOG_ABOVE
    assert chart.is_log() and chart.plot.getAxis("left").labelText == "loss (log scale)"
    low, high = chart.plot.getViewBox().viewRange()[1]  # log10 units: the whole run shows
    assert low <= np.log10(falling.min()) and high >= np.log10(falling.max())
    ticks = [float(t) for t in left_tick_texts(chart)]  # plain numbers: 0.01, 0.1, 0.2...
    assert {0.01, 0.1} <= set(ticks) and len(ticks) <= 9
    assert set(ticks) <= {m * 10.0 ** e for m in (1, 2, 5) for e in range(-4, 2)} | {
        float(f"{m * 10.0 ** e:.3g}") for m in (1, 2, 5) for e in range(-4, 2)}
    chart.set_scale("linear")
    assert not chart.is_log()
    chart.set_scale("auto")
    chart.clear()  # a new run starts linear again
    chart.show_snapshot(snapshot_with(falling[:5]))
    assert not chart.is_log()


def test_a_short_log_axis_keeps_its_ticks_apart_and_its_title_whole(chart, qtbot):
    """Presentation mode's large text on a 1024x768 projector leaves the loss plot about
    100 px high: the tick labels must not pile up, and the title says "log" whole."""
    epochs = np.arange(300.0)
    # 0.69 down to 0.025: one power of ten (0.1) in view, as after 250 epochs of two moons.
    chart.show_snapshot(snapshot_with(0.69 * np.exp(-epochs / 60) + 0.025))
    assert chart.is_log()
    axis = chart.plot.getAxis("left")
    font = QFont()
    font.setPointSizeF(15)
    axis.setStyle(tickFont=font)
    axis.labelStyle = {"font-size": "16pt"}  # as presentation mode restyles the title
    axis._updateLabel()
    chart.resize(500, 160)
    qtbot.waitUntil(lambda: axis.height() < 110)
    low, high = chart.plot.getViewBox().viewRange()[1]
    values = sorted(v for _, level in axis.tickValues(low, high, axis.height()) for v in level)
    pixels = axis.height() / (high - low)
    gaps = np.diff(values) * pixels
    assert len(values) >= 2 and gaps.min() >= QFontMetrics(font).height()
    assert axis.labelText == "loss (log)" and axis.title_length(axis.labelText) <= axis.height()
    chart.resize(500, 600)  # room again: the whole title
    qtbot.waitUntil(lambda: axis.labelText == "loss (log scale)")


def test_the_title_stays_centred_when_the_scale_changes_at_one_size(chart, qtbot):
    """Going to log scale makes the title longer with no resize: it is centred again, not
    left where "loss" was centred, running past the axis's end."""
    chart.resize(500, 260)
    axis = chart.plot.getAxis("left")
    qtbot.waitUntil(lambda: axis.height() > 100)
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.5, 30)))
    assert axis.labelText == "loss"
    height = axis.height()
    epochs = np.arange(300.0)
    chart.show_snapshot(snapshot_with(0.69 * np.exp(-epochs / 30) + 0.001))
    assert chart.is_log() and axis.height() == height
    title = axis.mapRectToItem(axis, axis.label.mapRectToParent(axis.label.boundingRect()))
    assert axis.labelText == "loss (log scale)"
    assert 0 <= title.top() and title.bottom() <= height + 1  # whole, along the axis
    assert abs(title.center().y() - height / 2) <= 2


@pytest.mark.parametrize("width", [260, 420])
def test_epoch_zero_is_labelled_on_a_narrow_chart(chart, qtbot, width):
    """The first label, "0", sits a few pixels from the plot's left edge: pyqtgraph drops
    labels that reach outside the axis, and at 1024x768 (a 250 px plot) the 0 went."""
    from PySide6.QtGui import QImage, QPainter

    chart.resize(width, 300)
    chart.show()
    axis = chart.plot.getAxis("bottom")
    qtbot.waitUntil(lambda: abs(axis.width() - chart.plot.getViewBox().width()) < 2)
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.3, 58)))
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        texts = [text for _, _, text in axis.generateDrawSpecs(painter)[2]]
    finally:
        painter.end()
    assert texts[0] == "0" and "10" in texts


def test_a_loss_of_zero_keeps_a_linear_axis(chart):
    chart.show_snapshot(snapshot_with(np.r_[np.linspace(1, 0.01, 30), np.zeros(30)]))
    assert not chart.is_log()


def test_x_axis_counts_epochs_from_zero(chart):
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.5, 3 * 16), steps_per_epoch=16))
    (x0, x1), (y0, _) = chart.plot.getViewBox().viewRange()
    assert -0.5 < x0 <= 0 and x1 >= MIN_EPOCH_SPAN and y0 == 0
    assert chart.plot.getAxis("bottom").labelText == "epoch"
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.5, 200 * 16), steps_per_epoch=16))
    (x0, x1), _ = chart.plot.getViewBox().viewRange()
    assert -5 < x0 <= 0 and 199 < x1 < 210


def test_legend_values_use_the_header_format(chart):
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.12345, 20)))
    assert chart.legend.text("training loss") == f"training loss {format_loss(0.12345)}"
    chart.show_numbers(7106711174238080860160.0, 0.5)  # a diverging run
    assert chart.legend.text("training loss") == "training loss 7.1e+21"
    assert chart.legend.text("test loss") == "test loss 0.500"


def test_legend_sits_above_the_plot_and_wraps_instead_of_cutting(chart, qtbot):
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.1, 50)))
    for k in range(6):
        chart.add_reference_run(f"lr 0.0{k + 1}, layers 8-4-{k}", np.arange(50.0),
                                np.linspace(0.8, 0.2 + k / 20, 50))
    chart.resize(320, 300)
    qtbot.waitUntil(lambda: chart.legend.height() >= chart.legend.heightForWidth(
        chart.legend.width()))
    legend, plot = chart.legend.geometry(), chart.plot_widget.geometry()
    assert not legend.intersects(plot)  # never over a curve
    assert legend.width() <= chart.width()
    rows = chart.legend._rows(chart.legend.width() - 8)
    widths = chart.legend._widths()
    gap = chart.legend._gap()
    assert len(rows) > 1 and sum(len(r) for r in rows) == 8
    for row in rows:  # every entry whole within the strip's width
        assert sum(widths[k] for k in row) + gap * (len(row) - 1) <= chart.legend.width() - 8


def test_kept_runs_have_distinct_colours_apart_from_the_live_curves(chart):
    for k in range(6):
        chart.add_reference_run(f"run {k}", np.arange(5.0), np.linspace(1, 0.5, 5))
    colours = [c.opts["pen"].color().name() for c in chart.reference_curves]
    live = {chart.train_curve.opts["pen"].color().name(),
            chart.test_curve.opts["pen"].color().name()}
    assert len(set(colours)) == 6 and not live & set(colours)


def test_theme_change_recolours_the_legend_at_once(chart):
    chart.show_snapshot(snapshot_with(np.linspace(0.7, 0.1, 50)))
    dark = get_palette("default", True)
    chart.set_palette(dark)  # paused: no frame follows
    image = chart.legend.grab().toImage()
    background = QColor(dark.background)
    pixels = [QColor(image.pixel(x, y)) for x in range(0, image.width(), 2)
              for y in range(image.height())]
    assert sum(p == background for p in pixels) > len(pixels) / 2
    light = [p for p in pixels if p.lightness() > 150 and p.saturation() < 60]
    # The names and numbers in the light foreground, not dark on dark: far more light
    # pixels than the training curve's short line sample alone (about 25 here).
    assert len(light) > 100


# --- loss chart ----------------------------------------------------------------------------


def history_snapshot(start, stop):
    return fake_snapshot(stop, grid=4, neuron_grid=2, history_start=start)


def test_loss_chart_appends_incrementally(chart):
    chart.show_snapshot(history_snapshot(0, 30))
    chart.show_snapshot(history_snapshot(30, 45))
    chart.show_snapshot(history_snapshot(45, 45))  # nothing new
    expected = fake_history(0, 45)
    np.testing.assert_array_equal(chart.history[:30], fake_history(0, 30))
    np.testing.assert_array_equal(chart.history[30:], fake_history(30, 45))
    assert len(chart.history) == len(expected)
    x, y = chart.train_curve.getData()
    # fake_history: 16 steps an epoch, so step s sits at epoch s / 16
    np.testing.assert_allclose(x, np.arange(45) / 16)
    np.testing.assert_array_equal(y, chart.history[:, 2])


def test_continuous_epochs_spreads_steps_over_each_epoch():
    steps = np.arange(10.0)
    epochs = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], dtype=float)
    np.testing.assert_allclose(continuous_epochs(steps, epochs), steps / 4)
    np.testing.assert_allclose(continuous_epochs(np.arange(3.0), np.zeros(3)), [0, 1 / 3, 2 / 3])
    fractional = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(continuous_epochs(np.arange(3.0), fractional), fractional)


def test_loss_chart_x_positions_match_a_full_recomputation(chart):
    """Only the last epochs' x positions are recomputed: after any sequence of appends and
    replacements they equal continuous_epochs over everything held."""
    rng = np.random.default_rng(3)
    start = 0
    for k in range(60):
        stop = start + int(rng.integers(0, 40))
        chart.show_snapshot(history_snapshot(start, stop))
        if len(chart.history) <= 2000:  # drawn point for point
            x, _ = chart.train_curve.getData()
            held = chart.history
            np.testing.assert_allclose(x, continuous_epochs(held[:, 0], held[:, 1]))
        start = stop if k % 15 != 14 else max(0, stop - 25)  # now and then replace rows
    assert start > 500


def test_peak_decimate_keeps_extremes_and_the_newest_point():
    x = np.arange(10_000.0)
    y = np.sin(x / 50.0)
    y[4321] = 5.0
    y[6000:6100] = np.nan  # a gap stays a gap, without warnings
    xs, ys = peak_decimate(x, y, max_points=1000)
    assert len(xs) == len(ys) <= 1100
    assert np.nanmax(ys) == 5.0 and np.nanmin(ys) == pytest.approx(-1.0, abs=1e-3)
    assert ys[-1] == y[-1] and xs[-1] == x[-1]
    assert np.isnan(ys).any()
    small = np.arange(5.0)
    assert peak_decimate(small, small)[1] is small


def test_long_loss_history_is_thinned_but_spans_the_run(chart):
    chart.show_snapshot(history_snapshot(0, 30_000))
    x, y = chart.train_curve.getData()
    assert len(x) <= 2 * 2000
    assert x[0] == 0 and x[-1] == pytest.approx(29_999 / 16)
    assert y.max() == pytest.approx(chart.history[:, 2].max())


def test_loss_chart_replaces_from_earlier_start_and_resets(chart):
    chart.show_snapshot(history_snapshot(0, 50))
    chart.show_snapshot(history_snapshot(20, 25))
    assert len(chart.history) == 25
    np.testing.assert_array_equal(chart.history[20:], fake_history(20, 25))
    chart.show_snapshot(history_snapshot(0, 3))  # a new run
    np.testing.assert_array_equal(chart.history, fake_history(0, 3))
    chart.clear()
    assert len(chart.history) == 0 and len(chart.train_curve.getData()[0] or []) == 0


def test_loss_chart_buffer_doubles(chart):
    start = 0
    for stop in range(700, 5001, 700):
        chart.show_snapshot(history_snapshot(start, stop))
        start = stop
    assert len(chart.history) == start
    assert chart.capacity == 8192  # 1024 doubled three times
    # fake_history's noise is seeded by the chunk's start: rows 4000.. came in chunk 3500..4200
    np.testing.assert_array_equal(chart.history[3500:4200], fake_history(3500, 4200))
    np.testing.assert_array_equal(chart.history[:, 0], np.arange(start))


def test_loss_chart_log_scale(chart):
    chart.show_snapshot(history_snapshot(0, 20))
    chart.set_scale("log")
    assert chart.plot.getAxis("left").logMode
    assert chart.train_curve.opts["logMode"][1]
    assert chart.plot.getAxis("left").labelText == "loss (log scale)"
    chart.set_scale("linear")
    assert not chart.plot.getAxis("left").logMode
    assert chart.plot.getAxis("left").labelText == "loss"


def test_loss_chart_reference_runs(chart):
    chart.add_reference_run("lr 0.1", np.arange(5.0), np.linspace(1, 0.5, 5))
    chart.add_reference_run("lr 0.01", np.arange(5.0), np.linspace(1, 0.8, 5))
    names = chart.legend.names()
    assert "lr 0.1" in names and "lr 0.01" in names
    assert all(c.opts["pen"].style() != Qt.SolidLine for c in chart.reference_curves)
    np.testing.assert_allclose(chart.reference_curves[1].getData()[1], np.linspace(1, 0.8, 5))
    chart.clear_reference_runs()
    assert chart.legend.names() == ["training loss"]  # no test curve yet: not named
    assert chart.reference_curves == []
    with pytest.raises(ValueError, match="differ in length"):
        chart.add_reference_run("bad", np.arange(3.0), np.arange(4.0))


def test_loss_chart_without_test_set_draws_no_test_curve(chart):
    snap = history_snapshot(0, 10)
    rows = snap.history.copy()
    rows[:, 3] = np.nan
    chart.show_snapshot(type(snap)(**{**snap.__dict__, "history": rows}))
    x, _ = chart.test_curve.getData()
    assert x is None or len(x) == 0
    assert len(chart.train_curve.getData()[0]) == 10


def test_loss_chart_frames_a_run_shorter_than_an_epoch(chart):
    chart.show_snapshot(history_snapshot(0, 1))  # one row: the loss at step 0
    (x0, x1), (y0, y1) = chart.plot.getViewBox().viewRange()
    loss = chart.history[0, 2]
    assert -0.5 < x0 <= 0 and 10 <= x1 < 11  # epoch 0 on the left, room to grow
    assert y0 == 0 and loss < y1 < 2 * loss
    assert not chart.plot.getAxis("left").autoSIPrefix
    chart.show_snapshot(history_snapshot(1, 400))  # 25 epochs: the range fits the run
    (x0, x1), _ = chart.plot.getViewBox().viewRange()
    assert 399 / 16 <= x1 < 27 and -1 < x0 <= 0

