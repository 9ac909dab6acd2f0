"""The loss chart read like a class reads it: axis numbers, scale, legend, kept runs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFont, QFontMetrics

from app.controls.playback import format_loss
from app.theme import get_palette
from app.views.fake import fake_history, fake_snapshot
from app.views.loss_chart import LOG_ABOVE, MIN_EPOCH_SPAN, LossChart


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
