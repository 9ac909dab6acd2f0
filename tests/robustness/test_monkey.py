"""Thousands of random user actions on the real window while it trains: no crash, no
Python exception, no Qt warning, and the window still trains afterwards.

The seed comes from NEUROPLAY_MONKEY_SEED (default 2024); a failure prints it with the
last actions, so `NEUROPLAY_MONKEY_SEED=<seed> pytest tests/robustness/test_monkey.py`
replays the same sequence of choices.
"""

from __future__ import annotations

import math
import os
import threading
import traceback

import numpy as np
import pytest
from monkey import Monkey, features_of, make_files
from PySide6.QtCore import Qt
from test_files import WAIT_MS

from app.classroom import Classroom

SEED = int(os.environ.get("NEUROPLAY_MONKEY_SEED", "2024"))

def is_bug(error) -> bool:
    """The engine turns bad values into a message (ValueError); any other exception, or
    settings the controls should never have let through (ConfigError), is a bug."""
    return not error.value_error or error.kind == "ConfigError"


def run_monkey(app_window, prompts, qtbot, qt_warnings, monkeypatch, tmp_path,
               actions: int, seconds: float) -> Monkey:
    internal: list[str] = []
    shown: list[str] = []  # what the engine told the user
    monkey = None

    def record(error) -> None:
        if error.kind and is_bug(error):
            internal.append(error.detail)
        shown.append(f"{error.kind}: {error.text}")
        if monkey is not None:
            monkey.note("engine error", shown[-1])

    files = make_files(tmp_path / "files")
    window = app_window()
    window.presenter.failed.connect(record)  # errors come from the engine, maybe a process
    monkey = Monkey(window, prompts, qtbot, SEED, files, tmp_path / "out", qt_warnings)
    (tmp_path / "out").mkdir()
    window.play()
    print(f"\nmonkey seed {SEED}")
    with qtbot.capture_exceptions() as exceptions:
        try:
            monkey.run(actions, seconds)
        except Exception:
            print(monkey.report())
            raise
        still_trains(window, qtbot, prompts)
    problems = [f"Python exception:\n{''.join(traceback.format_exception(*e))}"
                for e in exceptions]
    problems += [f"engine error from a bug:\n{text}" for text in internal]
    problems += [f"Qt said: {text}" for text in qt_warnings]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(monkey.counts.items()))
    print(f"monkey: {monkey.actions} actions ({counts}); slowest "
          f"{monkey.worst_action_ms:.0f} ms: {monkey.worst_action}")
    print("engine messages:", *sorted(set(shown)), sep="\n  ")
    assert not problems, monkey.report() + "\n\n" + "\n\n".join(problems[:5])
    return monkey


def still_trains(window, qtbot, prompts) -> None:
    """After the storm: File > New (discarding), then play; steps and epochs must grow."""
    prompts.ask_save_changes = lambda name: "discard"
    classroom = window.findChild(Classroom)
    if classroom.lesson is not None:
        classroom.close_lesson()
    features_of(window).files.new_session()
    # The old session's last frame may already show epoch 3: wait for the new one's first.
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch == 0, timeout=WAIT_MS)
    window.playback.set_pace(None)  # the monkey may have left it at one epoch a second
    window.play()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= 3, timeout=WAIT_MS)
    window.pause()
    qtbot.waitUntil(lambda: not window.is_playing(), timeout=WAIT_MS)
    snap = window.last_frame().snapshot
    assert snap.step > 0 and math.isfinite(snap.train_loss) and not snap.diverged


def test_monkey_in_the_default_run(app_window, prompts, qtbot, qt_warnings, monkeypatch,
                                   tmp_path):
    monkey = run_monkey(app_window, prompts, qtbot, qt_warnings, monkeypatch, tmp_path,
                        actions=1500, seconds=25)
    assert monkey.actions >= 200  # it really did something (a slow machine does fewer)


@pytest.mark.slow
def test_monkey_long(app_window, prompts, qtbot, qt_warnings, monkeypatch, tmp_path):
    monkey = run_monkey(app_window, prompts, qtbot, qt_warnings, monkeypatch, tmp_path,
                        actions=20000, seconds=240)
    assert monkey.actions >= 1000  # CI's 2 cores did 3070 (one of them took 5 s)


# ------------------------------------------------------------------ what the monkey found


def test_a_second_weight_editor_after_escape(app_window, qtbot):
    """Esc deletes the inline editor; opening the next one must not touch the dead one."""
    window = app_window()
    window.weight_editor.edit_weight(0, 0, 0)
    qtbot.keyClick(window.weight_editor.editor().editor, Qt.Key_Escape)
    qtbot.waitUntil(lambda: window.weight_editor.editor() is None, timeout=WAIT_MS)
    qtbot.wait(20)  # the deferred delete runs
    window.weight_editor.edit_bias(0, 1)
    editor = window.weight_editor.editor()
    assert editor is not None and "Bias" in editor.title.text()


def test_a_worker_error_is_shown_on_the_gui_thread(app_window, qtbot, qt_warnings,
                                                    monkeypatch):
    """The worker's error signal once ran the banner on the training thread (a lambda slot
    has no thread of its own): Qt warned about timers, and a widget was touched off the
    GUI thread."""
    window = app_window()
    threads = []
    show = window.banner.show_message

    def record(text, *args):
        threads.append(threading.current_thread() is threading.main_thread())
        show(text, *args)

    monkeypatch.setattr(window.banner, "show_message", record)
    window.presenter.set_weight(99, 0, 0, 1.0)  # no such layer: the worker reports it
    qtbot.waitUntil(lambda: bool(threads), timeout=WAIT_MS)
    assert threads == [True] and "Layer must be from 0" in window.banner.text()
    assert not qt_warnings


def test_compared_runs_are_relabelled_on_the_gui_thread(app_window, qtbot, monkeypatch):
    """The classroom relabelled the kept runs from a lambda slot, on the training thread,
    drawing on the loss chart from there."""
    window = app_window()
    classroom = window.findChild(Classroom)
    for _ in range(3):
        window.step_epoch()
    qtbot.waitUntil(lambda: len(window.loss_chart.history) >= 3, timeout=WAIT_MS)
    assert classroom.keep_run()
    threads = []
    relabel = classroom._relabel_runs

    def record():
        threads.append(threading.current_thread() is threading.main_thread())
        relabel()

    monkeypatch.setattr(classroom, "_relabel_runs", record)
    window.change_config({"learning_rate": 0.1})
    qtbot.waitUntil(lambda: bool(threads), timeout=WAIT_MS)
    assert all(threads)
    assert [c.name() for c in window.loss_chart.reference_curves] == ["lr 0.03"]


def test_a_late_custom_config_keeps_the_points():
    """The window can send "custom" data settings after the worker has already moved to a
    generated data set (a stale config): the session once failed half way with no data."""
    from engine.config import SessionConfig
    from engine.session import TrainingSession

    session = TrainingSession(SessionConfig(problem="regression", dataset="multi_gaussian",
                                            loss="auto"))
    points = session.data.points.copy()
    session.apply(session.config.replace(dataset="custom", features=("x1", "x2", "x2^2")))
    assert session.config.dataset == "custom"
    np.testing.assert_array_equal(session.data.points, points)
    assert session.step(5) == 5
