"""Frame pacing: which of the engine's frames the window draws, when, and what each redraws.

The engine sends a frame only when the GUI asks (engine/host.py: one per display frame at
most, two on their way with the process host). The window draws the newest only: a frame
that arrives while another waits replaces it (its loss rows are kept for the chart) and is
acknowledged at once, so the engine never waits for a frame nobody will draw. A frame is
drawn when the event loop is free (a zero timer) and acknowledged after the repaint its
drawing asked for, so the next frame never queues behind a paint.

While playing, the costly views are redrawn less often than the boundary and the numbers
(`ViewSchedule`): the diagram at most every NETWORK_INTERVAL_S and at most NETWORK_SHARE
of the GUI's time, the loss chart at most every CHART_INTERVAL_S (its rows are collected
meanwhile, `HistoryQueue`), never both in one frame. Paused, every frame redraws all.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer

from engine.protocol import Frame
from engine.snapshot import Snapshot

# The loss curve moves slowly: a few redraws a second show it well.
CHART_INTERVAL_S = 0.1
# While playing, frames that draw only the boundary and the numbers between two that also
# redraw the diagram or the loss chart (the costly views).
CHEAP_FRAMES = int(os.environ.get("NEUROPLAY_CHEAP_FRAMES", 1))
NETWORK_INTERVAL_S = float(os.environ.get("NEUROPLAY_NETWORK_INTERVAL", 1 / 15))
# A big diagram can cost more than a frame (8x32 on a busy 2-core machine): while playing
# it then gets at most this share of the GUI's time, so the boundary and the numbers keep
# their frame rate and the GUI keeps answering.
NETWORK_SHARE = 0.35


@dataclasses.dataclass(frozen=True)
class DrawPlan:
    """What one frame redraws besides the boundary and the numbers (always drawn)."""

    network: bool  # the network diagram
    history: Snapshot | None  # the loss chart's new rows, None: the chart waits


class ViewSchedule:
    """When the costly views are due, from the times they were last drawn (seconds on any
    clock) and what a frame with the diagram costs."""

    def __init__(self):
        self.network_drawn_at = -1e9
        self.chart_drawn_at = -1e9
        self.network_cost = 0.0  # seconds a frame that redraws the diagram takes, smoothed
        self._cheap = CHEAP_FRAMES  # frames since the last costly one

    def network_interval(self) -> float:
        """Seconds between two diagram redraws while playing."""
        return max(NETWORK_INTERVAL_S, self.network_cost / NETWORK_SHARE)

    def plan(self, playing: bool, now: float) -> tuple[bool, bool]:
        """(redraw the diagram, redraw the chart) for a frame drawn at `now`."""
        draw_network = draw_chart = not playing
        if playing and self._cheap >= CHEAP_FRAMES:
            # The later of the two goes first: no frame keeps the GUI (and a click) waiting
            # for both.
            network_late = now - self.network_drawn_at - self.network_interval()
            chart_late = now - self.chart_drawn_at - CHART_INTERVAL_S
            draw_network = network_late >= 0 and network_late >= chart_late
            draw_chart = chart_late >= 0 and not draw_network
        costly = draw_network or draw_chart
        self._cheap = 0 if playing and costly else self._cheap + 1
        if draw_network:
            self.network_drawn_at = now
        if draw_chart:
            self.chart_drawn_at = now
        return draw_network, draw_chart

    def network_frame_took(self, seconds: float) -> None:
        self.network_cost = 0.7 * self.network_cost + 0.3 * seconds


class HistoryQueue:
    """Loss rows of frames drawn (or skipped) since the chart last showed them, as one
    snapshot whose history runs on from history_start."""

    def __init__(self):
        self._pending: Snapshot | None = None

    def add(self, snap: Snapshot) -> Snapshot | None:
        """Keep `snap`'s rows. Returns the rows held before when `snap` does not continue
        them (a reset, or rows sent again from earlier): those must be drawn first."""
        pending, earlier = self._pending, None
        if pending is not None and snap.history_start != pending.history_start + len(
                pending.history):
            earlier, pending = pending, None
        if pending is None:
            self._pending = snap
        else:
            rows = np.concatenate([pending.history, snap.history])
            self._pending = dataclasses.replace(snap, history=rows,
                                                history_start=pending.history_start)
        return earlier

    def take(self) -> Snapshot | None:
        pending, self._pending = self._pending, None
        return pending

    def clear(self) -> None:
        self._pending = None


class FramePacer(QObject):
    """Takes the presenter's frames (`offer`), calls `draw(frame, plan)` for the newest when
    the event loop is free, and `frame_drawn()` for every frame once it is drawn or
    dropped. `show_history(snap)` draws rows that must go before a frame's own."""

    def __init__(self, parent: QObject, draw: Callable[[Frame, DrawPlan], None],
                 frame_drawn: Callable[[], None], show_history: Callable[[Snapshot], None],
                 clock: Callable[[], float] = time.perf_counter):
        super().__init__(parent)
        self._draw = draw
        self._frame_drawn = frame_drawn
        self._show_history = show_history
        self._clock = clock
        self.schedule = ViewSchedule()
        self.history = HistoryQueue()
        self._pending: Frame | None = None
        self._started = 0.0
        self._had_network = False
        self._held = False

    def hold(self) -> None:
        """Draw nothing until `release`: the views are being laid out for a new session
        (app/staging.py), and its frames wait (the newest only, as ever)."""
        self._held = True

    def release(self) -> None:
        self._held = False
        if self._pending is not None:
            QTimer.singleShot(0, self, self._draw_pending)

    def offer(self, frame: Frame) -> None:
        """Keep only the newest frame; draw it when the event loop is free."""
        if self._pending is not None:
            self._keep_rows(self._pending.snapshot)  # skipped, but its rows are drawn
            self._frame_drawn()  # the engine may send another
        self._pending = frame
        QTimer.singleShot(0, self, self._draw_pending)  # never after the window is gone

    def has_pending(self) -> bool:
        return self._pending is not None

    def drop(self) -> None:
        """A reset: the waiting frame (of the old run) is not drawn, and the rows not yet
        on the chart are forgotten; the engine is told the frame is done."""
        if self._pending is not None:
            self._pending = None
            self._frame_drawn()
        self.history.clear()

    def _keep_rows(self, snap: Snapshot) -> None:
        earlier = self.history.add(snap)
        if earlier is not None:
            self._show_history(earlier)  # not a continuation: draw in order

    def _draw_pending(self) -> None:
        if self._held:
            return  # release() draws it
        frame, self._pending = self._pending, None
        if frame is None:
            return
        now = self._clock()
        network, chart = self.schedule.plan(frame.playing, now)
        self._started, self._had_network = now, network
        try:
            self._keep_rows(frame.snapshot)
            self._draw(frame, DrawPlan(network, self.history.take() if chart else None))
        finally:
            # After the repaint the views just asked for (posted events run before timers).
            QTimer.singleShot(0, self, self._frame_done)

    def _frame_done(self) -> None:
        """The frame is drawn and painted: measure it, and let the engine send the next."""
        if self._had_network:
            self.schedule.network_frame_took(self._clock() - self._started)
        self._frame_drawn()
