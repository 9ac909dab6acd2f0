"""Record the training as an animated GIF for slides: the decision boundary or the whole
window, with the epoch and the losses written under every frame.

Two ways to get the frames:
- `Replay`: train a copy of the session from epoch 0 with the current settings, off
  screen, and draw the boundary at evenly spaced epochs. The same pictures on any machine
  and at any pace, and the live training is left alone.
- `LiveRecorder`: grab what the window shows while it trains, at most `fps` times a
  second, for the next N epochs or until stopped.

Each frame is reduced to GIF's 256 colours as it comes and kept compressed (a 960 px
frame is 4 MB raw, 30-60 KB so), then Pillow writes them in one pass at the end,
atomically: a failed export leaves no half file.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QObject,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app.controls.playback import format_loss
from engine.io import write_atomic

DEFAULT_WIDTH = 960  # sharp on a 1920 px slide at half its width, small enough to mail
MIN_WIDTH, MAX_WIDTH = 240, 1920
DEFAULT_FPS = 15
MAX_FRAMES = 600  # 40 s at 15 frames a second: longer is a video, not a slide
LAST_FRAME_HOLD_MS = 2000  # the trained result stays on screen before the loop restarts
REPLAY_VIEW_SIZE = (480, 500)  # logical size of the off-screen boundary (plot + legend)
REPLAY_CHUNK_EPOCHS = 20  # trained between two looks at the event loop (tens of ms)


class RecordFailed(OSError):
    """The recording could not be made or written; the message says why, for the user."""


# ------------------------------------------------------------------ pictures


def caption_text(snapshot) -> str:
    """The line under a frame: epoch and losses, as the window's numbers show them."""
    return (f"Epoch {snapshot.epoch:,}    train loss {format_loss(snapshot.train_loss)}"
            f"    test loss {format_loss(snapshot.test_loss)}")


def caption_height(width: int) -> int:
    return max(24, round(width * 0.05))


def frame_image(widget: QWidget, width: int, caption: str) -> QImage:
    """`widget` drawn `width` pixels wide (text sharp, not stretched) above a caption band."""
    size = QWidget.size(widget)  # views may shadow size()
    if size.isEmpty():
        raise RecordFailed("The view has no size yet: show the window first.")
    scale = width / size.width()
    height = max(1, round(size.height() * scale))
    shot = QImage(width, height, QImage.Format_RGB32)
    shot.setDevicePixelRatio(scale)  # the widget paints at its own size, in more pixels
    palette = QWidget.palette(widget)
    shot.fill(palette.window().color())
    painter = QPainter(shot)
    try:
        widget.render(painter, QPoint())
    finally:
        painter.end()
    shot.setDevicePixelRatio(1.0)

    band = caption_height(width)
    image = QImage(width, height + band, QImage.Format_RGB32)
    image.fill(palette.window().color())
    painter = QPainter(image)
    try:
        painter.drawImage(0, 0, shot)
        painter.fillRect(0, height, width, band, palette.alternateBase().color())
        font = QFont()
        font.setPixelSize(max(10, round(band * 0.55)))
        painter.setFont(font)
        painter.setPen(palette.windowText().color())
        pad = round(band * 0.4)
        painter.drawText(QRect(pad, height, width - 2 * pad, band),
                         int(Qt.AlignLeft | Qt.AlignVCenter), caption)
    finally:
        painter.end()
    return image


def pillow():
    """PIL.Image, imported when a recording starts (not with every window)."""
    try:
        from PIL import Image
    except ImportError:  # a dependency: only a broken install gets here
        raise RecordFailed("Saving GIFs needs the Pillow package (pip install pillow).") from None
    return Image


class FrameStore:
    """Frames in GIF colours, compressed: add(QImage), then images() for Pillow.

    Measured per 960x1048 frame: Qt's PNG encoder 190 ms, Pillow's median-cut palette
    250 ms; its fast octree palette 35 ms and zlib level 1 8 ms, and they look the same.
    """

    def __init__(self):
        self._frames: list[tuple[tuple[int, int], bytes, bytes]] = []

    def __len__(self) -> int:
        return len(self._frames)

    def add(self, image: QImage) -> None:
        Image = pillow()  # noqa: N806 - the module's own name
        image = image.convertToFormat(QImage.Format_RGB32)
        size = (image.width(), image.height())
        rgb = Image.frombuffer("RGBA", size, bytes(image.constBits()), "raw", "BGRA",
                               image.bytesPerLine(), 1).convert("RGB")
        indexed = rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        self._frames.append((size, zlib.compress(indexed.tobytes(), 1),
                             bytes(indexed.getpalette())))

    def images(self):
        """The frames as Pillow "P" images, made one at a time."""
        Image = pillow()  # noqa: N806 - the module's own name
        for size, pixels, palette in self._frames:
            image = Image.frombytes("P", size, zlib.decompress(pixels))
            image.putpalette(palette)
            yield image


def check_writable(path: str | os.PathLike) -> Path:
    """The GIF's path, checked before recording so nobody records for nothing."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        path = path.with_suffix(".gif") if not path.suffix else path
        if path.suffix.lower() != ".gif":
            raise RecordFailed(f"{path.name}: a recording is saved as .gif, "
                               f"not '{path.suffix}'.")
    folder = path.parent
    if not folder.is_dir():
        raise RecordFailed(f"Cannot save {path.name}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise RecordFailed(f"Cannot save {path.name}: {folder} is not writable. "
                           "Choose another folder.")
    return path


def write_gif(path: str | os.PathLike, frames: FrameStore, fps: int) -> None:
    """The frames as one looping GIF at `fps`, the last frame held; RecordFailed on error."""
    if not len(frames):
        raise RecordFailed("No frames were recorded: nothing was drawn while recording.")
    step_ms = max(20, round(1000 / max(fps, 1)))  # browsers treat < 20 ms as 100 ms
    durations = [step_ms] * (len(frames) - 1) + [max(step_ms, LAST_FRAME_HOLD_MS)]
    images = frames.images()
    first = next(images)
    out = io.BytesIO()
    # Each frame keeps its own palette; Pillow merges identical neighbours (durations add).
    first.save(out, format="GIF", save_all=True, append_images=images, duration=durations,
               loop=0, optimize=False)
    try:
        write_atomic(Path(path), out.getvalue())
    except OSError as e:
        raise RecordFailed(f"Cannot save {Path(path).name}: {e.strerror or e}.") from None


# ------------------------------------------------------------------ replay


def frame_epochs(total: int, count: int) -> list[int]:
    """Up to `count` distinct epochs evenly spread from 0 to `total`, both included."""
    count = max(2, min(count, total + 1))
    return sorted({int(e) for e in np.round(np.linspace(0, total, count))})


class Replay:
    """Trains a copy of the session from epoch 0 and draws one frame per `next_frame()`.

    `make_session()` returns a new TrainingSession at step 0 with the settings to replay;
    `view` is a BoundaryView to draw into (it is shown off screen).
    """

    def __init__(self, make_session: Callable, view: QWidget, epochs: int, frames: int,
                 width: int):
        self.session = make_session()
        self.view = view
        self.width = width
        self.epochs = frame_epochs(epochs, frames)
        self.frames = FrameStore()
        self.stopped_early = ""  # why the replay ended before its last epoch, if it did
        view.setAttribute(Qt.WA_DontShowOnScreen)
        view.resize(*REPLAY_VIEW_SIZE)
        view.show()
        view.set_data(self.session.train, self.session.test)

    def done(self) -> bool:
        return bool(self.stopped_early) or len(self.frames) >= len(self.epochs)

    def next_frame(self) -> None:
        """Train towards the next frame's epoch for a short while; draw it once there.

        Call until done(): a long replay returns to the event loop between calls, so its
        progress shows and Cancel works."""
        session = self.session
        target = self.epochs[len(self.frames)]
        if target > session.epoch:
            start = session.epoch
            session.run_epochs(min(target - start, REPLAY_CHUNK_EPOCHS))
            if session.epoch < target and session.epoch > start and not session.diverged:
                return  # more to train before this frame
        snap = session.snapshot()
        self.view.show_snapshot(snap)
        QApplication.sendPostedEvents()  # let the plot lay itself out before it is drawn
        self.frames.add(frame_image(self.view, self.width, caption_text(snap)))
        if session.diverged:
            self.stopped_early = f"training diverged at epoch {session.epoch}"
        elif session.epoch < target:
            self.stopped_early = session.message or f"training stopped at epoch {session.epoch}"


# ------------------------------------------------------------------ live


class LiveRecorder(QObject):
    """Grabs `widget` each time the window has drawn a new frame, at most `fps` a second.

    `training` is the window's commands (app/parts.py WindowCommands): last_frame(),
    is_playing(), play() and pause() are used. Records the next `epochs` epochs
    (0: until stop()). Signals: progress(frames, epoch); finished(why) once, with "" when
    it reached its epoch or was stopped, else why it ended early.
    """

    progress = Signal(int, int)
    finished = Signal(str)

    def __init__(self, training, widget: QWidget, width: int, fps: int, epochs: int,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.training = training
        self.widget = widget
        self.width = width
        self.epochs = epochs
        self.frames = FrameStore()
        self._last = None
        self.start_epoch = 0
        self._end_epoch: int | None = None
        self._running = False
        self._seen_playing = False
        self._started_play = False
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000 / max(fps, 1))))
        self._timer.timeout.connect(self._capture)

    def start(self) -> None:
        frame = self.training.last_frame()
        self.start_epoch = frame.snapshot.epoch if frame is not None else 0
        self._end_epoch = self.start_epoch + self.epochs if self.epochs > 0 else None
        self._running = True
        self._capture()  # the picture as it is now is the first frame
        self._timer.start()
        if not self.training.is_playing():
            self._started_play = True
            self.training.play()

    def is_running(self) -> bool:
        return self._running

    def stop(self, why: str = "") -> None:
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        if self._started_play and not why:
            self.training.pause()  # the window stops where the recording ends
        self.finished.emit(why)

    def _capture(self) -> None:
        frame = self.training.last_frame()
        if frame is None or frame is self._last:
            return  # nothing new drawn since the last frame
        self._last = frame
        snap = frame.snapshot
        self._seen_playing |= frame.playing
        try:
            self.frames.add(frame_image(self.widget, self.width, caption_text(snap)))
        except RecordFailed as e:
            self.stop(str(e))
            return
        self.progress.emit(len(self.frames), snap.epoch)
        if self._end_epoch is not None and snap.epoch >= self._end_epoch:
            self.stop()
        elif len(self.frames) >= MAX_FRAMES:
            self.stop(f"it reached {MAX_FRAMES} frames, the most one GIF holds here")
        elif self._seen_playing and not frame.playing and not self.training.is_playing():
            self.stop("training was paused")
