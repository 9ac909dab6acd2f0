"""Stages: work split over event-loop turns runs in order, one part per turn, and a new
change never interleaves with the last one's parts."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from app.staging import Stages


def test_parts_run_one_per_turn_in_order_then_done(qtbot):
    parent = QObject()
    seen: list[str] = []
    stages = Stages(parent, done=lambda: seen.append("done"))
    ticks: list[int] = []
    ticker = QTimer(parent)  # another zero timer: it must get turns between the parts
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: (ticks.append(len(seen)), seen.append("tick")))
    ticker.start()
    stages.run([lambda name=name: seen.append(name) for name in "abc"])
    assert seen[0] == "a" and stages.busy()  # the first part at once
    qtbot.waitUntil(lambda: "done" in seen)
    ticker.stop()
    parts = [s for s in seen if s != "tick"]
    assert parts == ["a", "b", "c", "done"]
    # Something else ran between b and c: the parts did not run in one turn.
    assert "tick" in seen[seen.index("b"):seen.index("c")]
    assert not stages.busy()


def test_a_new_run_first_finishes_the_waiting_parts(qtbot):
    parent = QObject()
    seen: list[str] = []
    stages = Stages(parent, done=lambda: seen.append("done"))
    stages.run([lambda: seen.append("a1"), lambda: seen.append("a2"),
                lambda: seen.append("a3")])
    stages.run([lambda: seen.append("b1"), lambda: seen.append("b2")])
    assert seen == ["a1", "a2", "a3", "done", "b1"]
    qtbot.waitUntil(lambda: seen.count("done") == 2)
    assert seen == ["a1", "a2", "a3", "done", "b1", "b2", "done"]


def test_finish_runs_the_rest_now(qtbot):
    parent = QObject()
    seen: list[int] = []
    stages = Stages(parent)
    stages.run([lambda i=i: seen.append(i) for i in range(4)])
    stages.finish()
    assert seen == [0, 1, 2, 3] and not stages.busy()
    qtbot.wait(20)
    assert seen == [0, 1, 2, 3]  # nothing runs twice
