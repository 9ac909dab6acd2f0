"""The File menu, drawing, exports, autosave and crash recovery, driven through a real
window; questions are answered by a scripted Prompts, so no dialog ever blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import Future

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from engine_reader import run_in_engine
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QImage

import app.autosave as autosave
import app.files as files
from app.controls.playback import format_epoch
from app.draw_tools import DrawingController
from app.files import FileController
from app.parts import window_parts
from app.settings import Settings
from app.window import MainWindow
from engine.config import SessionConfig
from engine.datasets import load_csv, make_dataset, to_csv
from engine.export import python_model, read_history_csv
from engine.io import save_session
from engine.session import TrainingSession

WAIT_MS = 20000


class ScriptedPrompts:
    """Answers every question from a script and records every message."""

    def __init__(self):
        self.warnings: list[tuple[str, str]] = []
        self.save_answers: list[str] = []
        self.restore_answer = False
        self.restore_asked: list[str] = []
        self.paths: list[str] = []

    def warning(self, title: str, text: str) -> None:
        self.warnings.append((title, text))

    def ask_save_changes(self, name: str) -> str:
        return self.save_answers.pop(0) if self.save_answers else "discard"

    def ask_restore(self, when: str) -> bool:
        self.restore_asked.append(when)
        return self.restore_answer

    def open_path(self, caption, folder, filters) -> str:
        return self.paths.pop(0) if self.paths else ""

    def save_path(self, caption, suggested, filters) -> str:
        return self.paths.pop(0) if self.paths else ""

    @staticmethod
    def headless() -> bool:
        return False  # a script answers: kept sessions are offered


def attach(window: MainWindow) -> FileController:
    """The File menu as app/main.py builds it (the drawing tools first), with the prompts
    and the autosave folder the fixtures chose (files.make_prompts, autosave.data_folder)."""
    parts = window_parts(window)
    return FileController(parts, files.make_prompts(window),
                          autosave.data_folder(parts.settings), DrawingController.build(parts))


def files_of(window: MainWindow) -> FileController:
    """The window's File menu controller (a child of the window, as every feature is)."""
    return window.findChild(FileController)


@pytest.fixture
def prompts(monkeypatch, tmp_path):
    scripted = ScriptedPrompts()
    monkeypatch.setattr(files, "make_prompts", lambda window: scripted)
    monkeypatch.setattr(autosave, "data_folder", lambda settings: tmp_path / "appdata")
    return scripted


@pytest.fixture
def open_window(qtbot, prompts):
    """open_window(**kwargs) -> (window, its FileController), shown, first frame drawn."""
    windows: list[MainWindow] = []

    def make(**kwargs) -> tuple[MainWindow, FileController]:
        window = MainWindow(settings=Settings(), **kwargs)
        controller = attach(window)
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: window.last_frame() is not None, timeout=WAIT_MS)
        return window, controller

    yield make
    prompts.save_answers = ["discard"] * len(windows)
    close_windows(windows, qtbot.wait)


def close_windows(windows: list[MainWindow], wait) -> None:
    for window in windows:
        window.close()
        assert not window.worker_running()
    wait(20)  # let frames already queued be drawn before the views go
    for window in windows:
        window.deleteLater()  # living windows would all be restyled by the next one
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def pump(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.002)


@pytest.fixture(scope="module")
def shared(qapp, tmp_path_factory):
    """One trained window for the checks that only read or refuse: (window, controller,
    prompts). Tests must leave its session as they found it."""
    scripted = ScriptedPrompts()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "make_prompts", lambda window: scripted)
        patch.setattr(autosave, "data_folder", lambda settings: None)
        window = MainWindow(settings=Settings())
        controller = attach(window)
    window.show()
    for _ in range(3):
        window.step_epoch()
    end = time.monotonic() + WAIT_MS / 1000
    while (window.last_frame() is None or window.last_frame().snapshot.epoch < 3) \
            and time.monotonic() < end:
        pump(10)
    assert window.last_frame().snapshot.epoch == 3
    yield window, controller, scripted
    scripted.save_answers = ["discard"]
    close_windows([window], pump)


@pytest.fixture
def quiet(shared):
    """The shared window with its message list emptied."""
    shared[2].warnings.clear()
    return shared


def in_worker(window, fn):
    return run_in_engine(window, fn)


def train(qtbot, window, epochs: int = 3) -> None:
    start = in_worker(window, lambda s: s.epoch)
    for _ in range(epochs):
        window.step_epoch()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= start + epochs,
                    timeout=WAIT_MS)


def settle(qtbot, window) -> None:
    """Wait until the newest frame shows the session as it is now."""
    step = in_worker(window, lambda s: s.step_count)
    qtbot.waitUntil(lambda: window.last_frame().snapshot.step == step, timeout=WAIT_MS)
    qtbot.wait(50)


def click_plot(qtbot, window, x1: float, x2: float, button=Qt.LeftButton) -> None:
    view = window.boundary_view
    qtbot.mouseClick(view.plot_widget.viewport(), button, pos=view.scene_pos(x1, x2))


def state(window):
    """Everything a session file must bring back, read from the real session."""
    def read(s):
        w, b = s.parameters_as_lists()
        return (s.config, w, b, np.array(s.history), s.data.points.copy(),
                s.data.labels.copy(), s.step_count, s.epoch, s.data.extent, s.data.n_classes)
    return in_worker(window, read)


def assert_same_state(a, b) -> None:
    assert a[0] == b[0]
    for x, y in zip(a[1] + a[2], b[1] + b[2], strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[3], b[3])  # NaN == NaN here
    np.testing.assert_array_equal(a[4], b[4])
    np.testing.assert_array_equal(a[5], b[5])
    assert a[6:] == b[6:]


# ------------------------------------------------------------------ drawing


def test_drawn_points_reach_the_session_and_screenshot(open_window, qtbot):
    window, fc = open_window()
    tools = fc.drawing.tools
    tools.clear_button.click()
    qtbot.waitUntil(lambda: len(in_worker(window, lambda s: s.data.points)) == 0,
                    timeout=WAIT_MS)
    tools.draw_button.click()
    assert window.show_test.isChecked()  # every drawn point stays visible
    corners = [(-0.6, 0.6, 0), (0.6, -0.6, 0), (0.6, 0.6, 1), (-0.6, -0.6, 1), (0.0, 0.0, 2)]
    for x1, x2, label in corners:
        tools.class_buttons[label].click()
        click_plot(qtbot, window, x1, x2)
    data = in_worker(window, lambda s: s.data)
    assert data.labels.tolist() == [0, 0, 1, 1, 2]
    px, py = window.boundary_view.view_box.viewPixelSize()
    want = np.array([c[:2] for c in corners])
    assert np.all(np.abs(data.points - want) <= 1.5 * np.array([px, py]))
    assert in_worker(window, lambda s: (s.config.dataset, s.config.classes)) == ("custom", 3)

    # Right-click removes a point; the eraser removes by a left click; then look at it.
    train_points = in_worker(window, lambda s: s.train.points)
    qtbot.waitUntil(lambda: fc.drawing.editor.train is not None
                    and np.array_equal(fc.drawing.editor.train.points, train_points),
                    timeout=WAIT_MS)  # the plot shows the session's points
    x1, x2 = train_points[0]
    click_plot(qtbot, window, x1, x2, Qt.RightButton)
    assert len(in_worker(window, lambda s: s.data.points)) == 4
    tools.eraser_button.click()
    remaining = in_worker(window, lambda s: s.data.points)
    click_plot(qtbot, window, *remaining[-1])
    assert len(in_worker(window, lambda s: s.data.points)) == 3
    click_plot(qtbot, window, 0.9, -0.9)  # nothing there: nothing removed
    assert len(in_worker(window, lambda s: s.data.points)) == 3
    tools.eraser_button.click()
    for x1, x2 in [(-0.3, 0.5), (0.4, 0.2), (-0.2, -0.4)]:
        click_plot(qtbot, window, x1, x2)
    train(qtbot, window, 2)
    settle(qtbot, window)
    window.grab().save("/tmp/neuroplay-drawing.png")
    assert window.windowTitle().startswith("Untitled*")


def test_drawing_off_adds_nothing(open_window, qtbot):
    window, fc = open_window()
    before = len(in_worker(window, lambda s: s.data.points))
    click_plot(qtbot, window, 0.1, 0.1)
    assert len(in_worker(window, lambda s: s.data.points)) == before
    assert not fc.drawing.tools.class_buttons[0].isEnabled()


# ------------------------------------------------------------------ sessions


def test_save_then_open_in_a_fresh_window_gives_back_everything(open_window, qtbot, prompts,
                                                                 tmp_path):
    first, fc = open_window(config=SessionConfig(hidden=(5, 3), activations=("tanh", "relu"),
                                                 optimizer="adam", learning_rate=0.01))
    fc.drawing.tools.draw_button.click()
    click_plot(qtbot, first, 0.5, 0.25)
    click_plot(qtbot, first, -0.75, 0.5)
    train(qtbot, first, 3)
    settle(qtbot, first)
    path = tmp_path / "my run"
    prompts.paths = [str(path)]
    fc.save_action.trigger()  # untitled: Save asks where, like Save As
    saved = state(first)
    assert (tmp_path / "my run.json").is_file() and fc.path.name == "my run.json"
    assert first.windowTitle() == "my run.json — Neuroplay"
    assert len(saved[4]) == 202 and saved[0].dataset == "custom"
    # Adam's moments, the shuffle and the place in the epoch are saved as the engine holds
    # them (the GUI's mirror does not have them), so a reopened file resumes exactly.
    from engine_reader import engine_session

    from engine.io import session_to_dict

    kept = json.loads((tmp_path / "my run.json").read_text())["training_state"]
    assert kept is not None and kept["optimizer_steps"] > 0
    assert kept == session_to_dict(engine_session(first))["training_state"]

    second, fc2 = open_window()
    assert fc2.open_path(tmp_path / "my run.json")
    assert_same_state(state(second), saved)
    settle(qtbot, second)
    assert second.windowTitle() == "my run.json — Neuroplay"
    assert not fc2.is_modified()
    assert second.session_config() == saved[0]
    train(qtbot, second, 1)  # ready to continue training
    settle(qtbot, second)
    assert second.windowTitle() == "my run.json* — Neuroplay"
    assert fc2.save()
    assert second.windowTitle() == "my run.json — Neuroplay"


def test_a_command_line_file_is_the_same_format(open_window, tmp_path):
    s = TrainingSession(SessionConfig(dataset="xor", hidden=(3,), activations=("sin",)))
    s.run_epochs(4)
    save_session(s, tmp_path / "cli.json")  # what neuroplay-train --out writes
    window, fc = open_window()
    assert fc.open_path(tmp_path / "cli.json")  # what `neuroplay FILE` does
    got = state(window)
    assert got[0] == s.config and got[6] == s.step_count
    np.testing.assert_array_equal(got[3], np.array(s.history))


BAD_FILES = [
    ("truncated.json", None, "damaged or truncated"),
    ("malformed.json", "{'format': 1}", "damaged or truncated"),
    ("newer.json", json.dumps({"format": "neuroplay-session", "version": 9}), "newer"),
    ("other.json", json.dumps({"hello": "world"}), "not a Neuroplay session"),
    ("deep.json", "[" * 200000 + "]" * 200000, "nested too deeply"),
    ("binary.json", b"\x00\xff\xfe\x89PNG", "not a text file"),
    ("missing.json", "absent", "cannot be read"),
    ("escape.json", json.dumps({"format": "neuroplay-session", "version": 1,
                                "config": {"\x1b]0;title\x07": 1}}), "\\x1b]0;title\\x07"),
    ("hostile.json", json.dumps({"format": "neuroplay-session", "version": 1,
                                 "config": {"hidden": [32] * 9}}), "settings are invalid"),
]


def test_bad_files_give_one_message_and_change_nothing(quiet, tmp_path):
    window, fc, prompts = quiet
    good = tmp_path / "good.json"
    save_session(TrainingSession(SessionConfig(n_points=30)), good)
    before = state(window)
    path_before = fc.path
    for name, body, words in BAD_FILES:
        path = tmp_path / name
        if body is None:
            path.write_text(good.read_text()[:500])
        elif isinstance(body, bytes):
            path.write_bytes(body)
        elif body != "absent":
            path.write_text(body)
        prompts.warnings.clear()
        assert not fc.open_path(path), name
        assert len(prompts.warnings) == 1, name
        title, text = prompts.warnings[0]
        assert name in text and words in text, (name, text)
        assert "\x1b" not in text and "\x07" not in text  # control bytes shown escaped
        assert_same_state(state(window), before)
        assert fc.path == path_before
    window.step_epoch()  # the app keeps running
    assert in_worker(window, lambda s: s.epoch) == before[7] + 1
    window.reset()  # leave the shared session as it was
    for _ in range(3):
        window.step_epoch()
    assert_same_state(state(window), before)


def test_huge_file_is_refused_before_reading(quiet, tmp_path, monkeypatch):
    import engine.io
    monkeypatch.setattr(engine.io, "MAX_FILE_BYTES", 1000)
    window, fc, prompts = quiet
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"pad": "x" * 5000}))
    assert not fc.open_path(path)
    assert "limit" in prompts.warnings[0][1]


def test_recent_files_keep_the_last_eight_and_drop_missing_ones(open_window, prompts,
                                                                tmp_path):
    window, fc = open_window()
    paths = []
    for i in range(10):
        paths.append(tmp_path / f"run{i}.json")
        assert fc.save_as(paths[-1])
    recent = fc.recent_files()
    assert recent == [str(p.resolve()) for p in reversed(paths)][:8]
    fc._fill_recent_menu()
    assert [a.text() for a in fc.recent_menu.actions()][0] == "&1 run9.json"
    paths[9].unlink()
    assert not fc.open_recent(str(paths[9].resolve()))
    assert "no longer exists" in prompts.warnings[-1][1]
    assert str(paths[9].resolve()) not in fc.recent_files()
    assert fc.open_recent(str(paths[5].resolve()))
    assert fc.recent_files()[0] == str(paths[5].resolve())


def test_new_and_open_ask_before_discarding_changes(open_window, qtbot, prompts, tmp_path):
    window, fc = open_window()
    train(qtbot, window, 2)
    settle(qtbot, window)
    assert fc.is_modified()
    prompts.save_answers = ["cancel"]
    assert not fc.new_session()
    assert in_worker(window, lambda s: s.epoch) >= 2
    prompts.save_answers = ["discard"]
    assert fc.new_session()
    assert in_worker(window, lambda s: (s.epoch, s.config)) == (0, SessionConfig())


# ------------------------------------------------------------------ quitting
# Closing with an autosave folder never asks (tests/app/test_autosave.py); these are the
# windows that have none, where asking is the only way not to lose work.


def test_quit_with_unsaved_changes_and_no_autosave_asks(open_window, qtbot, prompts, tmp_path,
                                                        monkeypatch):
    monkeypatch.setattr(autosave, "data_folder", lambda settings: None)
    window, fc = open_window()
    assert fc.slot is None
    train(qtbot, window, 2)
    settle(qtbot, window)
    prompts.save_answers = ["cancel"]
    window.close()
    assert window.isVisible() and window.worker_running()
    prompts.save_answers = ["save"]
    prompts.paths = [str(tmp_path / "kept.json")]
    expected = state(window)
    window.close()
    assert not window.isVisible() and not window.worker_running()
    assert_same_state(state_of_file(tmp_path / "kept.json"), expected)


def test_a_failed_autosave_on_close_asks(open_window, qtbot, prompts, monkeypatch):
    window, fc = open_window()
    train(qtbot, window, 1)
    settle(qtbot, window)

    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_atomic", full_disk)
    prompts.save_answers = ["cancel"]
    window.close()
    assert window.isVisible()  # nothing could be kept: the user decides
    monkeypatch.undo()


def state_of_file(path):
    from engine.io import load_session
    s = load_session(path)
    w, b = s.parameters_as_lists()
    return (s.config, w, b, np.array(s.history), s.data.points, s.data.labels, s.step_count,
            s.epoch, s.data.extent, s.data.n_classes)


def test_quit_without_changes_asks_nothing(open_window, prompts):
    window, fc = open_window()
    prompts.save_answers = ["cancel"]  # would keep the window open if asked
    window.close()
    assert not window.isVisible()
    assert prompts.save_answers == ["cancel"]


# ------------------------------------------------------------------ import and export


def test_import_points_from_csv(open_window, prompts, tmp_path):
    window, fc = open_window()
    data = make_dataset("spiral", 60, classes=3, seed=4)
    path = tmp_path / "spiral.csv"
    path.write_text("x1,x2,label\n" + "\n".join(
        f"{a},{b},{c}" for (a, b), c in zip(data.points.tolist(), data.labels.tolist(),
                                            strict=True)))
    prompts.paths = [str(path)]
    fc.import_action.trigger()
    got = in_worker(window, lambda s: s.data)
    np.testing.assert_array_equal(got.points, data.points)
    np.testing.assert_array_equal(got.labels, data.labels)
    assert in_worker(window, lambda s: s.config.classes) == 3


def test_bad_csv_rows_are_listed_by_line(quiet, tmp_path):
    window, fc, prompts = quiet
    rows = ["x1,x2,label"] + [f"{i},0,{i % 2}" for i in range(5)]
    rows += [f"{i},oops,1" for i in range(25)]  # lines 7..31 are bad
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows))
    before = state(window)
    assert not fc.import_points(path)
    (title, text), = prompts.warnings
    lines = text.splitlines()
    assert "bad.csv" in lines[0]
    assert lines[1].startswith("line 7:") and lines[10].startswith("line 16:")
    assert lines[11] == "... and 15 more problems."
    assert_same_state(state(window), before)


def test_data_set_csv_round_trip(quiet, tmp_path):
    window, fc, _ = quiet
    assert fc.export_data_csv(tmp_path / "data")
    back = load_csv(tmp_path / "data.csv")
    data = in_worker(window, lambda s: s.data)
    np.testing.assert_array_equal(back.points, data.points)
    np.testing.assert_array_equal(back.labels, data.labels)
    assert to_csv(back) == to_csv(data)


def test_loss_history_csv_parses_back(quiet, tmp_path):
    window, fc, _ = quiet
    assert fc.export_loss_csv(tmp_path / "loss.csv")
    back = np.array(read_history_csv((tmp_path / "loss.csv").read_text()))
    np.testing.assert_array_equal(back, np.array(in_worker(window, lambda s: s.history)))
    assert len(back) >= 4


@pytest.mark.parametrize("method", ["export_boundary", "export_network"])
def test_pictures_decode_and_are_not_blank(quiet, tmp_path, method):
    window, fc, _ = quiet
    assert getattr(fc, f"{method}_png")(tmp_path / "picture.png")
    image = QImage(str(tmp_path / "picture.png"))
    assert not image.isNull() and image.width() > 100
    small = image.scaled(64, 64)
    colours = {small.pixel(x, y) for x in range(64) for y in range(64)}
    assert len(colours) > 20
    assert getattr(fc, f"{method}_svg")(tmp_path / "picture.svg")
    root = ET.parse(tmp_path / "picture.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(root.iter())) > 20  # it holds drawing, not an empty page


def test_picture_with_a_wrong_suffix_is_refused(quiet, tmp_path):
    window, fc, prompts = quiet
    assert not fc._export_picture(tmp_path / "plot.bmp", window.boundary_view, "x", ".png")
    assert ".png or .svg" in prompts.warnings[0][1]


def test_model_exports_match_the_session(quiet, tmp_path):
    window, fc, _ = quiet
    assert fc.export_python(tmp_path / "model.py")
    assert fc.export_javascript(tmp_path / "model.js")
    config, weights, biases = in_worker(window, lambda s: (s.config,
                                                           *s.parameters_as_lists()))
    assert (tmp_path / "model.py").read_text() == python_model(config, weights, biases)
    points = np.random.default_rng(1).uniform(-2, 2, (20, 2))
    run = subprocess.run([sys.executable, str(tmp_path / "model.py")],
                         input="\n".join(f"{a},{b}" for a, b in points.tolist()),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    want = in_worker(window, lambda s: s.predict(points))
    np.testing.assert_allclose([float(v) for v in run.stdout.split()], want, atol=1e-5)
    assert "const nn = X =>" in (tmp_path / "model.js").read_text()


def test_failed_write_keeps_the_old_file(open_window, prompts, tmp_path):
    window, fc = open_window()
    assert fc.save_as(tmp_path / "keep.json")
    before = (tmp_path / "keep.json").read_text()
    assert not fc.save_as(tmp_path / "no such folder" / "x.json")
    assert "Could not save x.json" in prompts.warnings[0][1]
    assert fc.path == tmp_path / "keep.json"
    assert (tmp_path / "keep.json").read_text() == before


def test_drawing_for_regression_uses_the_value_box(open_window, qtbot):
    window, fc = open_window(config=SessionConfig(problem="regression", dataset="plane",
                                                  loss="auto"))
    tools = fc.drawing.tools
    assert tools.class_buttons == [] and not tools.value_box.isHidden()
    tools.draw_button.click()
    tools.value_box.setValue(0.75)
    before = len(in_worker(window, lambda s: s.data.points))
    click_plot(qtbot, window, 0.3, -0.2)
    data = in_worker(window, lambda s: s.data)
    assert len(data.points) == before + 1 and data.labels[-1] == 0.75
    assert in_worker(window, lambda s: s.config.problem) == "regression"


def test_headless_prompts_never_block():
    prompts = files.Prompts(None)
    assert prompts.headless()
    assert prompts.ask_save_changes("x.json") == "discard"
    assert prompts.ask_restore("today") is False
    assert prompts.open_path("Open", "", "") == "" and prompts.save_path("Save", "", "") == ""


def test_autosave_folder_follows_the_settings(tmp_path):
    from PySide6.QtCore import QSettings

    assert autosave.data_folder(Settings()) is None  # kept in memory: no autosave
    settings = Settings(QSettings(str(tmp_path / "n.ini"), QSettings.IniFormat))
    assert autosave.data_folder(settings) == tmp_path


def test_a_huge_csv_is_refused_before_reading(quiet, tmp_path, monkeypatch):
    import engine.datasets
    monkeypatch.setattr(engine.datasets, "MAX_CSV_BYTES", 1000)
    window, fc, prompts = quiet
    path = tmp_path / "huge.csv"
    path.write_text("x1,x2,label\n" + "0.5,0.5,1\n" * 200)
    assert not fc.import_points(path)
    assert "larger than" in prompts.warnings[0][1]


# ------------------------------------------------------------------ new points, new run


def test_clear_all_points_while_playing_stops_and_says_so(open_window, qtbot):
    window, fc = open_window()
    window.play()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= 3, timeout=WAIT_MS)
    fc.drawing.tools.clear_button.click()
    qtbot.waitUntil(lambda: not window.is_playing(), timeout=WAIT_MS)
    assert "Play" in window.playback.play_button.toolTip()  # the icon is back to play
    assert "Training stopped" in window.banner.text()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.step == 0, timeout=WAIT_MS)
    numbers = window.playback
    assert numbers.epoch.text() == format_epoch(0)
    # No points, no numbers: not the old losses and 100% of the data that is gone.
    assert {numbers.train_loss.text(), numbers.train_accuracy.text()} == {"\u2014"}
    assert window.data_panel.points.value() == 0
    window.toggle_play()  # play with nothing to train: it says why and stays paused
    qtbot.wait(100)
    assert not window.is_playing() and "Training stopped" in window.banner.text()


def test_drawn_points_start_a_new_run_the_numbers_describe(open_window, qtbot):
    window, fc = open_window()
    train(qtbot, window, 5)
    tools = fc.drawing.tools
    tools.draw_button.click()
    for x1, x2, label in [(-0.5, 0.5, 0), (0.5, -0.5, 0), (0.5, 0.5, 1), (-0.5, -0.5, 1)]:
        tools.class_buttons[label].click()
        click_plot(qtbot, window, x1, x2)
    points = len(in_worker(window, lambda s: s.data.points))
    assert in_worker(window, lambda s: (s.step_count, s.epoch, len(s.history))) == (0, 0, 1)
    settle(qtbot, window)
    evaluated = in_worker(window, lambda s: s.evaluate())
    snap = window.last_frame().snapshot
    assert (snap.train_loss, snap.test_loss) == pytest.approx(evaluated[:2], nan_ok=True)
    assert window.playback.epoch.text() == format_epoch(0)
    assert len(window.loss_chart.history) <= 1  # the old run's curve is gone
    panel = window.data_panel
    assert panel.points.value() == points and not panel.points.isEnabled()
    assert panel.noise_label.text() == "\u2014" and not panel.noise.isEnabled()
    train(qtbot, window, 2)  # and it trains on, from there
    assert in_worker(window, lambda s: s.epoch) == 2


def test_drawn_points_say_how_they_are_split(open_window, qtbot):
    window, fc = open_window()
    tools = fc.drawing.tools
    assert tools.split_label.isHidden()  # generated data: the Data panel says it
    tools.clear_button.click()
    tools.draw_button.click()
    for k in range(10):
        click_plot(qtbot, window, -0.8 + 0.16 * k, 0.3)
    n_train, n_test = in_worker(window, lambda s: (len(s.train.points), len(s.test.points)))
    assert n_test > 0 and n_train + n_test == 10
    qtbot.waitUntil(lambda: tools.split_label.text() == f"{n_train} train \u00b7 {n_test} test",
                    timeout=WAIT_MS)
    assert not tools.split_label.isHidden() and "Train/test" in tools.split_label.toolTip()
    assert "split" in window.data_panel.train_ratio.toolTip()
    window.data_panel.train_ratio.setValue(100)  # the user chooses: all of them train
    qtbot.waitUntil(lambda: tools.split_label.text() == "10 train \u00b7 0 test",
                    timeout=WAIT_MS)
    assert in_worker(window, lambda s: len(s.train.points)) == 10


def test_a_csv_import_shows_its_own_point_count(open_window, prompts, tmp_path, qtbot):
    window, fc = open_window()
    path = tmp_path / "three.csv"
    path.write_text("x1,x2,label\n0.1,0.2,0\n0.5,-0.5,1\n-0.3,0.3,1\n")
    assert fc.import_points(path)
    qtbot.waitUntil(lambda: window.data_panel.points.value() == 3, timeout=WAIT_MS)
    assert not window.data_panel.seed.isEnabled()  # no seed makes these points


def test_open_recent_is_usable_after_the_first_save(open_window, prompts, tmp_path):
    window, fc = open_window()
    assert fc.recent_files() == [] and not fc.recent_menu.isEnabled()
    assert fc.save_as(tmp_path / "first.json")
    # A disabled menu never opens, so it must be enabled by the save itself.
    assert fc.recent_menu.isEnabled()
    assert [a.text() for a in fc.recent_menu.actions()] == ["&1 first.json"]


def test_new_and_open_leave_drawing_mode(open_window, qtbot, tmp_path):
    window, fc = open_window()
    tools = fc.drawing.tools
    path = tmp_path / "saved.json"
    assert fc.save_as(path)
    for start_again in (fc.new_session, lambda: fc.open_path(path)):
        tools.draw_button.click()
        assert tools.drawing() and window.boundary_view._drawing
        start_again()
        assert not tools.drawing() and not window.boundary_view._drawing
        before = len(in_worker(window, lambda s: s.data.points))
        click_plot(qtbot, window, 0.1, 0.1)
        assert len(in_worker(window, lambda s: s.data.points)) == before


def test_help_lists_file_and_presentation_shortcuts(open_window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from app.classroom import Classroom

    window, fc = open_window()
    Classroom(window_parts(window))
    next(a for a in window.help_menu.actions() if a.text() == "Keyboard shortcuts").trigger()
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    text = box.text()
    box.close()
    for key, what in (("Ctrl+N", "New"), ("Ctrl+O", "Open"), ("Ctrl+S", "Save"),
                      ("F5", "Presentation mode"), ("Space", "Play / pause")):
        assert f"<b>{key}</b></td><td>&nbsp;&nbsp;{what}" in text


def test_save_keeps_the_gui_running_while_the_engine_answers(open_window, qtbot, tmp_path,
                                                             monkeypatch):
    """Save waits for the engine's document in a local event loop: the GUI's timers still
    fire meanwhile (a frozen GUI would run none), and the file holds the late answer."""
    window, fc = open_window()
    window.step_epoch()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch == 1, timeout=WAIT_MS)
    real = fc.presenter.document_future
    ticks = []

    def late_document():
        answer = Future()
        QTimer.singleShot(300, lambda: real().add_done_callback(
            lambda f: answer.set_result(f.result())))
        return answer

    monkeypatch.setattr(fc.presenter, "document_future", late_document)
    ticker = QTimer()
    ticker.timeout.connect(lambda: ticks.append(1))
    ticker.start(20)
    try:
        assert fc.save_as(tmp_path / "late.json")
    finally:
        ticker.stop()
    assert len(ticks) >= 3
    from engine.io import load_session
    assert load_session(tmp_path / "late.json").epoch == 1


def test_save_says_so_when_the_engine_never_answers(open_window, prompts, tmp_path,
                                                     monkeypatch):
    window, fc = open_window()
    monkeypatch.setattr(files, "DOCUMENT_TIMEOUT_S", 0.2)
    monkeypatch.setattr(fc.presenter, "document_future", Future)
    assert not fc.save_as(tmp_path / "never.json")
    assert "did not answer in time" in prompts.warnings[-1][1]
    assert not (tmp_path / "never.json").exists()
