"""The largest settings the controls allow: 8 hidden layers of 32 neurons on 2000 points.
The controls stop there, typing past them changes nothing, files and command lines that
ask for more get a clear error, and the biggest network trains in the window.
(Its GUI delays are measured by `python -m benchmarks.soak big`, not asserted here.)"""

from __future__ import annotations

import json

import pytest
from engine_reader import run_in_engine
from PySide6.QtCore import Qt
from test_files import WAIT_MS

from app.controls.playback import SLOW_STEPS_PER_SECOND, format_epoch
from engine import cli
from engine.config import (
    MAX_BATCH_SIZE,
    MAX_CLASSES,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    MAX_POINTS,
    SessionConfig,
)
from engine.io import SessionFileError, load_session, save_session
from engine.session import TrainingSession

BIGGEST = SessionConfig(n_points=MAX_POINTS, hidden=(MAX_NEURONS,) * MAX_HIDDEN_LAYERS,
                        activations=("relu",) * MAX_HIDDEN_LAYERS)


def type_number(qtbot, box, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)


def test_the_biggest_network_trains_and_the_controls_stop_there(app_window, qtbot):
    window = app_window(config=BIGGEST)
    panel = window.network_panel
    assert not panel.add_layer.isEnabled()
    assert not any(card.add_neuron.isEnabled() for card in panel.cards())
    panel.add_layer.click()  # disabled: nothing happens
    panel.cards()[0].add_neuron.click()
    assert window.session_config().hidden == BIGGEST.hidden

    data, training = window.data_panel, window.training_panel
    assert (data.points.maximum(), data.classes.maximum()) == (MAX_POINTS, MAX_CLASSES)
    assert training.batch_size.maximum() == MAX_BATCH_SIZE
    for box, text in ((data.points, "99999"), (training.batch_size, "99999")):
        type_number(qtbot, box, text)  # the keys past the limit are refused
        assert box.value() <= box.maximum()
    type_number(qtbot, training.learning_rate, "1e6")
    assert window.session_config().learning_rate == BIGGEST.learning_rate
    assert "must be a number from" in window.banner.text()
    config = run_in_engine(window, lambda s: s.config)
    assert config.n_points == data.points.value() <= MAX_POINTS
    assert config.hidden == BIGGEST.hidden
    type_number(qtbot, data.points, str(MAX_POINTS))  # the largest data set again
    assert run_in_engine(window, lambda s: len(s.data.points)) == MAX_POINTS

    window.play()
    qtbot.waitUntil(lambda: window.last_frame().snapshot.epoch >= 2, timeout=WAIT_MS)
    window.pause()
    qtbot.waitUntil(lambda: not window.is_playing(), timeout=WAIT_MS)
    snap = window.last_frame().snapshot
    assert len(snap.weights) == MAX_HIDDEN_LAYERS + 1 and not snap.diverged
    assert window.playback.epoch.text() == format_epoch(snap.epoch) != format_epoch(0)


def test_the_bar_says_when_training_is_slow(app_window):
    window = app_window()
    bar = window.playback
    snap = window.last_frame().snapshot
    bar.set_pace(None)
    bar.show_numbers(snap, SLOW_STEPS_PER_SECOND / 4, True)
    assert bar.is_slow() and "slow" in bar.epochs_per_second.toolTip()
    bar.show_numbers(snap, SLOW_STEPS_PER_SECOND * 10, True)
    assert not bar.is_slow()
    bar.set_pace(1)  # slow on purpose: not a warning
    bar.show_numbers(snap, 9.0, True)
    assert not bar.is_slow()
    bar.set_pace(None)
    bar.show_numbers(snap, 9.0, False)  # paused
    assert not bar.is_slow()


@pytest.mark.parametrize("changes, words", [
    ({"hidden": [32] * 9, "activations": ["relu"] * 9}, "at most 8 hidden layers"),
    ({"hidden": [33], "activations": ["relu"]}, "hidden: must be from 1 to 32"),
    ({"n_points": 2001}, "n_points: must be from 1 to 2000"),
    ({"batch_size": 5000}, "batch_size: must be from 0 to 2000"),
    ({"learning_rate": 1e6}, "learning_rate: must be from 0.0 to 100.0"),
    ({"classes": 9, "dataset": "spiral"}, "classes: must be from 2 to 5"),
])
def test_files_asking_for_more_are_refused_clearly(tmp_path, changes, words):
    path = tmp_path / "big.json"
    save_session(TrainingSession(SessionConfig()), path)
    doc = json.loads(path.read_text())
    doc["config"].update(changes)
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionFileError, match=words):
        load_session(path)


@pytest.mark.parametrize("args, words", [
    (["--layers", "2,33,1"], "hidden: must be from 1 to 32, not 33"),
    (["--layers", ",".join(["2"] + ["32"] * 9 + ["1"])], "at most 8 hidden layers, not 9"),
    (["--points", "5000"], "n_points: must be from 1 to 2000, not 5000"),
    (["--lr", "1e6"], "learning_rate: must be from 0.0 to 100.0"),
    (["--batch-size", "9999"], "batch_size: must be from 0 to 2000"),
])
def test_command_lines_asking_for_more_are_refused_clearly(capsys, args, words):
    with pytest.raises(SystemExit) as ended:
        cli.main([*args, "--epochs", "1"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("neuroplay-train: error:") and words in err
    assert len(err.splitlines()) == 1
