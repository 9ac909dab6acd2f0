"""Record the training as a GIF: frames read back with Pillow (count, size, change, the
epoch under each), the dialog driven like a user, and clear messages when it cannot save."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QCoreApplication, QEvent

from app.draw_tools import DrawingController
from app.files import FileController, Prompts
from app.parts import window_parts
from app.record import (
    FrameStore,
    RecordFailed,
    Replay,
    caption_height,
    check_writable,
    frame_epochs,
    frame_image,
    write_gif,
)
from app.settings import Settings
from app.views.boundary import BoundaryView
from app.window import MainWindow
from engine.config import SessionConfig
from engine.session import TrainingSession

WAIT_MS = 60000


def gif_frames(path) -> list[Image.Image]:
    with Image.open(path) as gif:
        frames = []
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(gif.convert("RGB"))
    return frames


def differs(a: Image.Image, b: Image.Image, box=None) -> bool:
    if box is not None:
        a, b = a.crop(box), b.crop(box)
    return ImageChops.difference(a, b).getbbox() is not None


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown window with its File menu (headless prompts, no autosave)."""
    window = MainWindow(settings=Settings())
    parts = window_parts(window)
    FileController(parts, Prompts(window), None, DrawingController.build(parts))
    window.resize(1024, 700)
    window.show()
    qtbot.waitUntil(lambda: window.last_frame() is not None, timeout=WAIT_MS)
    yield window
    window.close()
    assert not window.worker_running()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def files_of(window: MainWindow) -> FileController:
    return window.findChild(FileController)


def test_frame_epochs_are_spread_from_zero_to_the_end():
    assert frame_epochs(100, 5) == [0, 25, 50, 75, 100]
    assert frame_epochs(3, 50) == [0, 1, 2, 3]  # never more frames than epochs
    assert frame_epochs(0, 10) == [0]


def test_the_epoch_is_written_under_the_picture(qapp):
    view = BoundaryView()
    view.resize(300, 320)
    view.show()
    a = frame_image(view, 480, "Epoch 5    train loss 0.100    test loss 0.200")
    b = frame_image(view, 480, "Epoch 60    train loss 0.100    test loss 0.200")
    assert a.width() == 480 and a.height() == round(320 * 480 / 300) + caption_height(480)
    top = a.height() - caption_height(480)
    assert a.copy(0, 0, 480, top) == b.copy(0, 0, 480, top)  # the same picture above
    left = a.copy(0, top, 160, caption_height(480))  # where "Epoch N" stands
    assert left != b.copy(0, top, 160, caption_height(480))
    view.close()


def test_a_replay_gif_reads_back_frame_by_frame(qapp, tmp_path):
    view = BoundaryView()
    replay = Replay(lambda: TrainingSession(SessionConfig()), view, epochs=40, frames=5,
                    width=400)
    while not replay.done():
        replay.next_frame()
    assert replay.session.epoch == 40 and not replay.stopped_early
    path = tmp_path / "moons.gif"
    write_gif(path, replay.frames, fps=10)
    frames = gif_frames(path)
    assert len(frames) == 5
    band = caption_height(400)
    width, height = frames[0].size
    assert width == 400 and height == round(500 * 400 / 480) + band
    with Image.open(path) as gif:
        assert gif.info["loop"] == 0 and gif.info["duration"] == 100
    plot = (0, 0, width, height - band)
    caption = (0, height - band, width // 3, height)
    for a, b in zip(frames, frames[1:], strict=False):
        assert differs(a, b, plot)  # the boundary moved
        assert differs(a, b, caption)  # and the epoch under it changed
    # The caption band is text on a plain band, not blank.
    assert len(frames[0].crop(caption).getcolors(4096)) > 2
    view.close()


def test_nothing_recorded_or_nowhere_to_write_is_said_clearly(tmp_path):
    with pytest.raises(RecordFailed, match="No frames"):
        write_gif(tmp_path / "empty.gif", FrameStore(), 10)
    with pytest.raises(RecordFailed, match="does not exist"):
        check_writable(tmp_path / "missing" / "a.gif")
    with pytest.raises(RecordFailed, match=r"\.gif"):
        check_writable(tmp_path / "a.png")
    assert check_writable(tmp_path / "a") == tmp_path / "a.gif"
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(RecordFailed, match="not writable"):
                check_writable(locked / "a.gif")
        finally:
            locked.chmod(0o700)


def test_the_dialog_replays_and_saves(window, qtbot, tmp_path):
    action = next(a for a in files_of(window).export_menu.actions()
                  if a.text() == "Training as animated GIF...")
    action.trigger()
    dialog = files_of(window)._record_dialog
    assert dialog.isVisible() and dialog.replay_choice.isChecked()
    dialog.grab().save(str(tmp_path / "dialog.png"))
    path = tmp_path / "replay.gif"
    dialog.path_edit.setText(str(path))
    dialog.width_box.setValue(320)
    dialog.fps_box.setValue(4)
    dialog.seconds_box.setValue(1)
    dialog.replay_epochs.setValue(12)
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.recording(), timeout=WAIT_MS)
    assert "Saved replay.gif: 4 frames" in dialog.status.text()
    assert "Saved replay.gif" in window.banner.text()
    frames = gif_frames(path)
    assert len(frames) == 4 and frames[0].size[0] == 320
    assert differs(frames[0], frames[-1])
    assert window.last_frame().snapshot.epoch == 0  # the live session was left alone


def test_the_whole_window_recorded_live(window, qtbot, tmp_path):
    dialog = files_of(window).record_gif()
    dialog.window_choice.click()
    assert dialog.live_choice.isChecked() and not dialog.replay_choice.isEnabled()
    path = tmp_path / "live.gif"
    dialog.path_edit.setText(str(path))
    dialog.width_box.setValue(480)
    dialog.live_epochs.setValue(3)
    assert dialog.start()
    assert dialog.stop_button.isVisible()
    qtbot.waitUntil(lambda: not dialog.recording(), timeout=WAIT_MS)
    assert "Saved live.gif" in dialog.status.text(), dialog.status.text()
    qtbot.waitUntil(lambda: not window.is_playing(), timeout=WAIT_MS)  # ends paused
    frames = gif_frames(path)
    assert len(frames) >= 2
    ratio = window.height() / window.width()
    assert frames[0].size == (480, round(480 * ratio) + caption_height(480))
    assert differs(frames[0], frames[-1])
    assert window.last_frame().snapshot.epoch >= 3


def test_cancel_and_a_vanished_folder_save_nothing(window, qtbot, tmp_path):
    dialog = files_of(window).record_gif()
    folder = tmp_path / "out"
    folder.mkdir()
    dialog.path_edit.setText(str(folder / "a.gif"))
    dialog.width_box.setValue(240)
    dialog.replay_epochs.setValue(200)
    assert dialog.start()
    dialog.cancel()
    assert not dialog.recording() and "cancelled" in dialog.status.text()
    qtbot.wait(200)
    assert list(folder.iterdir()) == []

    dialog.replay_epochs.setValue(4)
    assert dialog.start()
    folder.rmdir()  # the folder goes away while it records (a USB stick pulled out)
    qtbot.waitUntil(lambda: not dialog.recording(), timeout=WAIT_MS)
    assert dialog.status.text().startswith("Cannot save a.gif")
    assert dialog.record_button.isEnabled()

    dialog.path_edit.setText(str(tmp_path / "nowhere" / "b.gif"))
    assert not dialog.start()
    assert "does not exist" in dialog.status.text() and dialog.record_button.isEnabled()
    assert not np.any([p.suffix == ".gif" for p in tmp_path.rglob("*")])
