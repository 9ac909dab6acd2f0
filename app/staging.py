"""Work split over event-loop turns, so frames and clicks go between its parts.

A session change redraws four panels, the boundary's points, the network diagram and the
loss chart; a theme switch recolours four views. Done in one slot each cost 30-120 ms
while training ran at Max (benchmarks/responsiveness.py): a visible stall at every lesson
step, File > New or theme switch. `Stages` runs one part per turn of the event loop
instead (a zero timer: other timers, input and paints get in between).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Stages(QObject):
    """Runs the callables given to `run` one per event-loop turn, in order, then `done`.

    A new `run` while parts are waiting first runs those at once: the parts of one change
    never interleave with the next's, and none is lost."""

    def __init__(self, parent: QObject, done: Callable[[], None] | None = None):
        super().__init__(parent)
        self._done = done
        self._todo: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def run(self, parts: list[Callable[[], None]], now: bool = True) -> None:
        """Run parts[0] now (or, `now` False, in the next turn) and the rest one per turn
        after it."""
        self.finish()
        self._todo = list(parts)
        if now:
            self._step()
        elif self._todo:
            self._timer.start()

    def busy(self) -> bool:
        """True while parts are waiting."""
        return bool(self._todo)

    def finish(self) -> None:
        """Run every waiting part now (a new change comes, or someone needs the result)."""
        while self._todo:
            self._step()

    def _step(self) -> None:
        if not self._todo:
            return
        part = self._todo.pop(0)
        try:
            part()
        finally:
            if self._todo:
                self._timer.start()
            else:
                self._timer.stop()
                if self._done is not None:
                    self._done()
