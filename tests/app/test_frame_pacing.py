"""Frame pacing: the newest frame is drawn, every frame is acknowledged once, the costly
views keep to their budget, and no loss row is lost on the way."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QObject

from app.frame_pacing import (
    CHART_INTERVAL_S,
    NETWORK_INTERVAL_S,
    NETWORK_SHARE,
    FramePacer,
    HistoryQueue,
    ViewSchedule,
)
from app.views.fake import fake_history, fake_snapshot
from engine.protocol import Frame


def snapshot(start: int, stop: int):
    """A snapshot carrying history rows for steps start+1..stop."""
    snap = fake_snapshot(stop, grid=4, neuron_grid=2)
    return dataclasses.replace(snap, history=fake_history(start, stop), history_start=start)


def frame(start: int, stop: int, playing: bool = True) -> Frame:
    return Frame(snapshot(start, stop), 100.0, playing, 1)


class Recorder:
    """Stands in for the window and the presenter."""

    def __init__(self):
        self.drawn: list = []  # (frame, plan)
        self.acks = 0
        self.chart_rows: list[np.ndarray] = []

    def draw(self, frame, plan) -> None:
        self.drawn.append((frame, plan))
        if plan.history is not None:
            self.chart_rows.append(plan.history.history)

    def ack(self) -> None:
        self.acks += 1

    def history(self, snap) -> None:
        self.chart_rows.append(snap.history)


@pytest.fixture
def pacer(qapp):
    parent = QObject()
    seen = Recorder()
    made = FramePacer(parent, seen.draw, seen.ack, seen.history)
    made.seen = seen
    yield made
    parent.deleteLater()


def test_only_the_newest_frame_is_drawn_and_every_frame_is_acknowledged(pacer, qtbot):
    frames = [frame(0, 10), frame(10, 20), frame(20, 30)]
    for f in frames:
        pacer.offer(f)
    assert pacer.seen.acks == 2  # the two skipped ones, at once: the engine sends on
    qtbot.waitUntil(lambda: pacer.seen.acks == 3)
    assert [f for f, _ in pacer.seen.drawn] == [frames[-1]]
    qtbot.wait(20)
    assert pacer.seen.acks == 3 and not pacer.has_pending()


def test_rows_of_skipped_frames_reach_the_chart_in_order(pacer, qtbot):
    for start in range(0, 50, 10):
        pacer.offer(frame(start, start + 10, playing=False))  # paused: the chart is drawn
    qtbot.waitUntil(lambda: pacer.seen.acks == 5)
    rows = np.concatenate(pacer.seen.chart_rows)
    sent = np.concatenate([fake_history(start, start + 10) for start in range(0, 50, 10)])
    np.testing.assert_array_equal(rows, sent)
    np.testing.assert_array_equal(rows[:, 0], np.arange(50))  # every step once, in order


def test_a_reset_drops_the_waiting_frame_and_its_rows(pacer, qtbot):
    pacer.offer(frame(0, 10))
    pacer.offer(frame(10, 20))  # the first one's rows wait for the chart
    pacer.drop()
    assert pacer.seen.acks == 2 and not pacer.has_pending()
    qtbot.wait(20)
    assert pacer.seen.drawn == []
    pacer.offer(frame(0, 5, playing=False))  # the new run
    qtbot.waitUntil(lambda: len(pacer.seen.drawn) == 1)
    np.testing.assert_array_equal(np.concatenate(pacer.seen.chart_rows), fake_history(0, 5))


def test_history_queue_joins_continuations_and_hands_back_a_break():
    queue = HistoryQueue()
    assert queue.add(snapshot(0, 10)) is None
    assert queue.add(snapshot(10, 25)) is None
    restart = queue.add(snapshot(0, 3))  # rows from earlier: a reset on the engine's side
    assert restart is not None and restart.history_start == 0
    np.testing.assert_array_equal(restart.history, np.concatenate([fake_history(0, 10),
                                                                   fake_history(10, 25)]))
    taken = queue.take()
    np.testing.assert_array_equal(taken.history, fake_history(0, 3))
    assert queue.take() is None


def count_costly(schedule: ViewSchedule, seconds: float, frame_s: float, cost_s: float):
    """Frames while playing for `seconds`: each takes frame_s, one that redraws the diagram
    cost_s more. Returns (diagram frames, chart frames, frames with both)."""
    network = chart = both = 0
    now = 100.0
    while now < 100.0 + seconds:
        n, c = schedule.plan(True, now)
        network, chart, both = network + n, chart + c, both + (n and c)
        now += frame_s
        if n:
            schedule.network_frame_took(frame_s + cost_s)
            now += cost_s
    return network, chart, both


def test_a_cheap_diagram_is_redrawn_at_its_interval_and_the_chart_at_its_own():
    network, chart, both = count_costly(ViewSchedule(), 10.0, 1 / 60, 0.005)
    assert both == 0  # never both in one frame
    assert network <= 10.0 / NETWORK_INTERVAL_S + 1
    assert network >= 0.6 * 10.0 / NETWORK_INTERVAL_S  # and not starved by the chart
    assert 0.6 * 10.0 / CHART_INTERVAL_S <= chart <= 10.0 / CHART_INTERVAL_S + 1


@pytest.mark.parametrize("cost_s", [0.05, 0.1, 0.3])
def test_a_costly_diagram_keeps_to_its_share_of_the_gui(cost_s):
    network, _, _ = count_costly(ViewSchedule(), 20.0, 1 / 60, cost_s)
    # Its share of the time, once its cost is learnt (smoothed over a few frames)...
    assert network * cost_s <= NETWORK_SHARE * 20.0 + 4 * cost_s
    assert network * cost_s >= 0.6 * NETWORK_SHARE * 20.0  # ...and it keeps being drawn


def test_paused_frames_redraw_everything():
    schedule = ViewSchedule()
    assert all(schedule.plan(False, 100.0 + k * 0.001) == (True, True) for k in range(5))


def test_a_held_pacer_draws_nothing_and_then_the_newest(pacer, qtbot):
    """While the window lays out a new session the frames wait (the newest only, the
    others acknowledged at once); released, the newest is drawn with every row."""
    pacer.hold()
    frames = [frame(0, 10, playing=False), frame(10, 20, playing=False)]
    for f in frames:
        pacer.offer(f)
    qtbot.wait(30)
    assert pacer.seen.drawn == [] and pacer.seen.acks == 1 and pacer.has_pending()
    pacer.release()
    qtbot.waitUntil(lambda: pacer.seen.acks == 2)
    assert [f for f, _ in pacer.seen.drawn] == [frames[-1]]
    sent = np.concatenate([fake_history(0, 10), fake_history(10, 20)])
    np.testing.assert_array_equal(np.concatenate(pacer.seen.chart_rows), sent)
