"""Long runs: the loss history is kept whole, memory stays flat apart from it, and the
window keeps drawing. The full figures come from `python -m benchmarks.soak`; the slow
tests here run the same code (a million steps; minutes of the window) in CI."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from engine_reader import run_in_engine
from monkey import features_of
from pyqtgraph.graphicsItems.ScatterPlotItem import SpotItem
from PySide6.QtCore import Qt
from test_files import WAIT_MS

from benchmarks import soak
from engine import history
from engine.snapshot import HISTORY_COLUMNS

EPOCH = HISTORY_COLUMNS.index("epoch")


def check_session_soak(result: dict, steps: int, growth_limit_mb: float) -> None:
    print(f"\nsession soak: {result['steps']:,} steps at {result['steps_per_second']:,.0f}/s, "
          f"RSS {result['rss_start_mb']:.1f} -> {result['rss_end_mb']:.1f} MB, "
          f"{result['history_rows']:,} history rows")
    assert result["steps"] == steps
    per_epoch = 250 // soak.PLAYGROUND.batch_size  # half of 500 points train
    epochs = 1 + (steps + soak.SNAPSHOT_EVERY) // per_epoch
    if epochs < 2 * history.RECENT_ROWS:
        assert result["history_rows"] == epochs
    else:  # a long run's older epochs are thinned (engine/history.py)
        assert result["history_rows"] <= 2 * history.RECENT_ROWS + 4 * history.OLD_BUCKETS + 1
    assert np.isfinite(result["final_train_loss"])
    # Memory beyond the history it keeps on purpose (not a speed: memory is deterministic
    # enough to bound).
    assert result["growth_besides_history_mb"] < growth_limit_mb


def test_a_short_session_soak_keeps_every_history_row():
    check_session_soak(soak.session_soak(10_000), 10_000, growth_limit_mb=10)


@pytest.mark.slow
def test_a_million_session_steps():
    check_session_soak(soak.session_soak(1_000_000), 1_000_000, growth_limit_mb=20)


@pytest.mark.slow
def test_minutes_of_the_window_training_and_drawing(qapp):
    result = soak.window_soak(3)
    soak.report_window(result)
    minutes = result["per_minute"]
    assert all(m["frames_per_second"] > 0 and m["steps_per_second"] > 0 for m in minutes)
    # The chart keeps every row the session has sent (it only thins what it draws).
    assert result["chart_rows"] == result["session_history_rows"]
    # each drawn point was erased again (an odd count leaves the last one drawn)
    assert result["points_at_end"] == 200 + result["clicks"] % 2
    assert result["rss_end_mb"] - minutes[0]["rss_mb"] < 60


def test_clicking_on_drawn_points_leaves_nothing_behind(app_window, qtbot):
    """The window soak grew 8 MB a minute while drawing: each click on a point made
    pyqtgraph build SpotItems tied to the scatter's point array, never freed."""
    window = app_window()
    features_of(window).drawing.tools.draw_button.click()
    view = window.boundary_view
    gc.collect()
    before = spot_items()
    for x1, x2 in run_in_engine(window, lambda s: s.train.points[:20]):
        qtbot.mouseClick(view.plot_widget.viewport(), Qt.LeftButton, pos=view.scene_pos(x1, x2))
    qtbot.waitUntil(lambda: len(run_in_engine(window, lambda s: s.data.points)) == 220,
                    timeout=WAIT_MS)
    gc.collect()
    assert spot_items() <= before  # earlier tests' windows may have left some


def spot_items() -> int:
    return sum(isinstance(o, SpotItem) for o in gc.get_objects())
