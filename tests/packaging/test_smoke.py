"""`neuroplay --smoke-test`: passes on a working app from source, fails loudly with a reason."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from engine_check import assert_engine_ran_in_a_child, engine_line  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the smoke test must pick offscreen by itself
    return env


def colour_count(image: QImage, step: int = 4) -> int:
    """Distinct colours on a grid of every `step`-th pixel, read pixel by pixel."""
    return len({image.pixel(x, y) for y in range(0, image.height(), step)
                for x in range(0, image.width(), step)})


def test_engine_line_is_read_and_checked():
    out = "engine: in its own process (engine pid 123456789, app pid 7, Qt in engine: none)\n"
    assert engine_line(out) == {"where": "its own process", "engine pid": 123456789,
                                "app pid": 7, "qt": "none"}
    thread = "engine: in the window's training thread (engine pid None, app pid 7, Qt ...: none)"
    with pytest.raises((AssertionError, ValueError)):
        assert_engine_ran_in_a_child(thread)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")
def test_qt_modules_of_a_process_are_read_from_its_memory_map():
    from app.smoke import qt_loaded_in

    assert "QtGui" in qt_loaded_in(os.getpid()).split("+")  # this process loaded QtGui
    assert qt_loaded_in(None) == "unknown"


def test_smoke_test_from_source_trains_and_saves_a_picture(tmp_path):
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--smoke-test", "--screenshot", str(shot)],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "smoke test passed" in out
    assert "Qt platform offscreen" in out
    assert f"screenshot: {shot}" in out
    assert_engine_ran_in_a_child(out)
    first_frame = float(out.split("first frame: ")[1].split(" s")[0])
    assert first_frame > 0
    steps = out.split("trained: steps ")[1].split(",")[0]
    start, end = (int(v) for v in steps.split(" -> "))
    assert end - start >= 300
    image = QImage(str(shot))
    # The window fits itself to Qt's 800x800 offscreen screen (less its frame).
    assert image.width() >= 780 and image.height() >= 500
    assert colour_count(image) > 100


def test_without_screenshot_nothing_is_left_in_the_temp_folder(tmp_path):
    env = clean_env()
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "app.main", "--smoke-test"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "screenshot: not saved" in result.stdout
    assert "loss chart: " in result.stdout
    left = [p.name for p in tmp_path.iterdir() if "neuroplay" in p.name]
    assert left == []


def test_without_a_console_the_smoke_test_still_answers(qapp, monkeypatch, tmp_path):
    """A windowed build (Windows .exe, macOS .app) starts with sys.stdout/stderr None."""
    from app import smoke

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    ok = smoke.run(argparse.Namespace(screenshot=str(tmp_path / "shot.png")))
    bad = smoke.run(argparse.Namespace(screenshot=str(tmp_path / "no such folder" / "x.png")))
    assert (ok, bad) == (0, 1)
    assert (tmp_path / "shot.png").is_file()


def test_chart_check_fails_when_the_last_rows_are_not_drawn(qapp):
    from app.smoke import SmokeFailure, check_chart
    from app.views.loss_chart import LossChart
    from engine.config import SessionConfig
    from engine.session import TrainingSession

    session = TrainingSession(SessionConfig())
    session.step(30)
    drawn = session.snapshot()
    chart = LossChart()
    chart.show_snapshot(drawn)
    assert check_chart(chart, drawn) == len(chart.history)
    session.step(30)
    newer = session.snapshot()  # its rows never reach the chart: the stale-legend case
    with pytest.raises(SmokeFailure, match="not drawn"):
        check_chart(chart, newer)


def test_unwritable_screenshot_fails_with_the_reason(qapp, tmp_path, capsys):
    from app import smoke

    target = tmp_path / "no such folder" / "shot.png"
    status = smoke.run(argparse.Namespace(screenshot=str(target)))
    captured = capsys.readouterr()
    assert status == 1
    assert "smoke test FAILED" in captured.err
    assert f"could not write the screenshot to {target}" in captured.err
    assert "smoke test passed" not in captured.out


@pytest.mark.parametrize("fill", ["white", "black"])
def test_blank_pictures_are_caught(qapp, fill):
    from app.smoke import SmokeFailure, check_picture

    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor(fill))
    with pytest.raises(SmokeFailure, match="blank"):
        check_picture(image)


def test_a_picture_with_content_passes(qapp):
    from app.smoke import check_picture

    rng = np.random.default_rng(3)
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    for y in range(0, 240, 2):
        for x in range(0, 320, 2):
            image.setPixel(x, y, int(rng.integers(0, 1 << 24)))
    colours, share = check_picture(image)
    assert colours > 1000
    assert share < 0.9


def test_launch_time_counts_from_process_start(tmp_path):
    # The process sleeps before importing app.smoke, so launch lies at least that far back.
    code = ("import time; time.sleep(0.6); from app.smoke import seconds_since_launch; "
            "print(seconds_since_launch())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    if sys.platform.startswith("linux"):
        assert float(out) >= 0.55  # clock ticks are 10 ms
    else:
        assert out.strip() == "None"
