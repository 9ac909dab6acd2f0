"""Closing never asks and never loses: the real window closes without a question, its
session is kept in an autosave of its own, and the next start offers it back; windows
never share an autosave or a lock; a modal dialog pauses training."""
# ruff: noqa: F811 - the fixtures open_window and prompts come from test_files

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from test_files import (  # noqa: F401 - open_window and prompts are fixtures
    WAIT_MS,
    assert_same_state,
    files_of,
    open_window,
    prompts,
    settle,
    state,
    state_of_file,
    train,
)

import app.autosave as autosave
import app.files as files


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def kept_files(tmp_path) -> list[Path]:
    folder = tmp_path / "appdata" / "autosave"
    return sorted(p for p in folder.glob("*.json") if p.name != "discarded.json")


def locks(tmp_path) -> list[Path]:
    return sorted((tmp_path / "appdata" / "autosave").glob("*.lock"))


def close_unasked(window, prompts) -> None:
    prompts.save_answers = ["cancel"]  # a question would keep the window open
    window.close()
    assert not window.isVisible() and not window.worker_running()
    assert prompts.save_answers == ["cancel"], "closing asked a question"


def test_close_asks_nothing_and_the_next_start_continues(open_window, qtbot, prompts,
                                                         tmp_path):
    window, fc = open_window()
    train(qtbot, window, 3)
    settle(qtbot, window)
    expected = state(window)
    close_unasked(window, prompts)
    (kept,) = kept_files(tmp_path)
    assert locks(tmp_path) == []  # closed, not crashed
    assert_same_state(state_of_file(kept), expected)

    prompts.restore_answer = True
    again, fc2 = open_window()
    assert files_of(again).offer_kept_session()
    assert len(prompts.restore_asked) == 1
    assert "untitled session at epoch 3" in prompts.restore_asked[0]
    assert "did not close properly" not in prompts.restore_asked[0]
    assert_same_state(state(again), expected)  # steps, weights, history, data
    settle(qtbot, again)
    assert again.windowTitle() == "Untitled* — Neuroplay"  # in no file of the user's yet
    assert kept_files(tmp_path) == [fc2.slot.path]  # it is this window's autosave now
    close_unasked(again, prompts)  # still unsaved: kept again, never lost
    assert_same_state(state_of_file(kept_files(tmp_path)[0]), expected)


def test_start_fresh_is_never_offered_again(open_window, qtbot, prompts, tmp_path):
    window, _ = open_window()
    train(qtbot, window, 2)
    close_unasked(window, prompts)
    prompts.restore_answer = False
    fresh, _ = open_window()
    assert not files_of(fresh).offer_kept_session()
    assert len(prompts.restore_asked) == 1
    assert state(fresh)[6] == 0  # a new, untrained session
    assert kept_files(tmp_path) == []
    assert (tmp_path / "appdata" / "autosave" / "discarded.json").is_file()  # one wrong click
    later, _ = open_window()
    assert not files_of(later).offer_kept_session()
    assert len(prompts.restore_asked) == 1


def test_an_unchanged_session_leaves_nothing_behind(open_window, prompts, tmp_path):
    window, _ = open_window()
    close_unasked(window, prompts)
    assert kept_files(tmp_path) == [] and locks(tmp_path) == []


def test_two_windows_never_share_an_autosave_or_a_lock(open_window, qtbot, prompts,
                                                       tmp_path):
    a, fa = open_window()
    b, fb = open_window()
    assert fa.slot.path != fb.slot.path and fa.slot.lock_path != fb.slot.lock_path
    assert locks(tmp_path) == sorted([fa.slot.lock_path, fb.slot.lock_path])
    train(qtbot, a, 2)
    settle(qtbot, a)
    assert fa.autosave_now()
    qtbot.waitUntil(fa.slot.path.exists, timeout=WAIT_MS)
    prompts.restore_answer = True
    # A window that runs keeps its autosave: a third start is not offered it.
    c, _ = open_window()
    assert not files_of(c).offer_kept_session()
    assert prompts.restore_asked == []
    # Window a "crashes": its lock now names a process that is gone.
    expected = state_of_file(fa.slot.path)
    fa.slot.lock_path.write_text(f"{dead_pid()}\n")
    d, fd = open_window()
    assert files_of(d).offer_kept_session()
    assert "did not close properly" in prompts.restore_asked[0]
    assert_same_state(state(d), expected)
    assert not fa.slot.lock_path.exists() and not fa.slot.path.exists()
    assert fd.slot.path.is_file()  # d owns it now: a fifth start is not offered it
    e, _ = open_window()
    assert not files_of(e).offer_kept_session()
    assert len(prompts.restore_asked) == 1


def test_two_starts_never_take_the_same_kept_session(open_window, qtbot, prompts, tmp_path):
    window, _ = open_window()
    train(qtbot, window, 1)
    close_unasked(window, prompts)
    (kept,) = kept_files(tmp_path)
    first = autosave.AutosaveSlot(tmp_path / "appdata")
    second = autosave.AutosaveSlot(tmp_path / "appdata")
    first.claim()
    second.claim()
    taken = [first.take_kept(), second.take_kept()]
    assert taken[0] is not None and taken[0].path == first.path and taken[1] is None
    assert not kept.exists()


def test_a_named_file_keeps_its_unsaved_changes_apart(open_window, qtbot, prompts, tmp_path):
    window, fc = open_window()
    train(qtbot, window, 1)
    mine = tmp_path / "mine.json"
    assert fc.save_as(mine)
    train(qtbot, window, 2)
    settle(qtbot, window)
    expected = state(window)
    close_unasked(window, prompts)
    assert state_of_file(mine)[7] == 1  # the user's file is never written by autosave
    prompts.restore_answer = True
    again, fc2 = open_window()
    assert files_of(again).offer_kept_session()
    assert "unsaved changes to mine.json" in prompts.restore_asked[0]
    assert fc2.path == mine
    settle(qtbot, again)
    assert again.windowTitle() == "mine.json* — Neuroplay"
    assert fc2.save()  # Save goes to the named file
    assert_same_state(state_of_file(mine), expected)
    close_unasked(again, prompts)
    assert kept_files(tmp_path) == []  # saved: nothing left to offer


def test_the_minute_autosave_writes_off_the_gui_thread(open_window, qtbot, tmp_path,
                                                       monkeypatch):
    window, fc = open_window()
    assert fc.autosaver.timer.isActive() and fc.autosaver.timer.interval() == 60_000
    train(qtbot, window, 2)
    settle(qtbot, window)
    writers = []
    write = autosave.write_atomic

    def recording(path, text):
        writers.append(threading.current_thread())
        write(path, text)

    monkeypatch.setattr(autosave, "write_atomic", recording)
    fc.autosaver.timer.timeout.emit()  # what the minute timer does
    qtbot.waitUntil(lambda: fc.slot.path.exists() and not fc.writer.busy(), timeout=WAIT_MS)
    assert writers and threading.main_thread() not in writers
    assert_same_state(state_of_file(fc.slot.path), state(window))
    doc = json.loads(fc.slot.path.read_text())
    assert doc["autosave"] == {"file": None}
    qtbot.waitUntil(lambda: not fc._document_pending, timeout=WAIT_MS)
    assert fc.autosave_now()  # nothing new since: the document is asked for, not written
    qtbot.waitUntil(lambda: not fc._document_pending, timeout=WAIT_MS)
    assert len(writers) == 1


def test_a_damaged_kept_session_is_reported_and_set_aside(open_window, prompts, tmp_path):
    folder = tmp_path / "appdata" / "autosave"
    folder.mkdir(parents=True)
    (folder / "1-dead.json").write_text('{"format": "neuroplay-session", "vers')
    (folder / "1-dead.lock").write_text("not a pid\n")
    prompts.restore_answer = True
    window, _ = open_window()
    assert not files_of(window).offer_kept_session()
    assert "could not be read" in prompts.warnings[0][1]
    assert kept_files(tmp_path) == []
    again, _ = open_window()
    assert not files_of(again).offer_kept_session()
    assert len(prompts.warnings) == 1


def test_the_old_single_autosave_of_a_crash_is_still_offered(open_window, prompts, tmp_path):
    from engine.config import SessionConfig
    from engine.io import save_session
    from engine.session import TrainingSession

    folder = tmp_path / "appdata"
    folder.mkdir()
    crashed = TrainingSession(SessionConfig(dataset="xor", n_points=40))
    crashed.run_epochs(4)
    save_session(crashed, folder / "autosave.json")
    (folder / "running.lock").write_text(f"{dead_pid()}\n")
    prompts.restore_answer = True
    window, _ = open_window()
    assert files_of(window).offer_kept_session()
    assert state(window)[7] == 4
    assert not (folder / "running.lock").exists()


@pytest.mark.parametrize("was_playing", [True, False])
def test_a_modal_dialog_pauses_training(open_window, qtbot, was_playing):
    window, _ = open_window()
    if was_playing:
        window.play()
        qtbot.waitUntil(window.is_playing, timeout=WAIT_MS)
    box = QMessageBox(QMessageBox.Question, "A question", "Wait?", QMessageBox.Ok, window)
    box.open()  # modal, like exec(), without blocking the test
    qtbot.waitUntil(lambda: not window.is_playing(), timeout=WAIT_MS)
    settle(qtbot, window)
    epoch = window.last_frame().snapshot.epoch
    qtbot.wait(300)
    assert window.last_frame().snapshot.epoch == epoch  # nothing trains under it
    box.done(0)
    if was_playing:
        qtbot.waitUntil(window.is_playing, timeout=WAIT_MS)  # and it plays on after
        window.pause()
    else:
        qtbot.wait(100)
        assert not window.is_playing()


def test_the_start_up_hook_offers_and_a_headless_start_leaves_it_kept(open_window, qtbot,
                                                                      prompts, tmp_path,
                                                                      monkeypatch):
    window, _ = open_window()
    train(qtbot, window, 1)
    close_unasked(window, prompts)
    monkeypatch.setattr(files, "make_prompts", lambda window: files.Prompts(window))
    headless, _ = open_window()
    files_of(headless).offer_kept_session()  # offscreen: nobody to ask, so it is not taken
    assert len(kept_files(tmp_path)) == 1
    monkeypatch.setattr(files, "make_prompts", lambda window: prompts)
    prompts.restore_answer = True
    again, _ = open_window()
    files_of(again).offer_kept_session()
    assert prompts.restore_asked and state(again)[7] == 1


def test_new_after_discarding_leaves_no_stale_autosave(open_window, qtbot, prompts, tmp_path):
    window, fc = open_window()
    train(qtbot, window, 2)
    settle(qtbot, window)
    assert fc.autosave_now()
    qtbot.waitUntil(lambda: fc.slot.path.exists() and not fc.writer.busy(), timeout=WAIT_MS)
    prompts.save_answers = ["discard"]
    assert fc.autosave_now()  # its document, of the old session, arrives after New
    assert fc.new_session()
    assert not fc.slot.path.exists()  # a crash now offers nothing the user threw away
    qtbot.waitUntil(lambda: not fc._document_pending, timeout=WAIT_MS)
    qtbot.wait(100)
    assert not fc.writer.busy() and not fc.slot.path.exists()


def test_a_crashed_windows_lock_with_nothing_kept_is_swept(tmp_path):
    folder = tmp_path / "appdata" / "autosave"
    folder.mkdir(parents=True)
    (folder / "1-gone.lock").write_text(f"{dead_pid()}\n")
    (folder / "2-alive.lock").write_text(f"{os.getpid()}\n")  # a window that runs
    slot = autosave.AutosaveSlot(tmp_path / "appdata")
    slot.claim()
    assert sorted(p.name for p in folder.glob("*.lock")) == sorted(
        ["2-alive.lock", slot.lock_path.name])
