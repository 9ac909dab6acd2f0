"""File > Export > Training as animated GIF...: what to record, how, at what size.

The dialog is not modal: a live recording needs the window to go on training. While it
records, a progress bar and Stop / Cancel take the place of the Record button.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.parts import WindowParts
from app.record import (
    DEFAULT_FPS,
    DEFAULT_WIDTH,
    MAX_FRAMES,
    MAX_WIDTH,
    MIN_WIDTH,
    FrameStore,
    LiveRecorder,
    RecordFailed,
    Replay,
    check_writable,
    write_gif,
)
from app.views.boundary import BoundaryView
from engine.session import TrainingSession

DEFAULT_REPLAY_EPOCHS = 100
DEFAULT_SECONDS = 8


class RecordDialog(QDialog):
    """Record the training as a GIF. `parts`: the main window's (app/parts.py);
    `suggested`: the file."""

    def __init__(self, parts: WindowParts, suggested: str, on_saved=None):
        super().__init__(parts.window)
        self.setWindowTitle("Record the training as a GIF")
        self.parts = parts
        self._on_saved = on_saved
        self._replay: Replay | None = None
        self._live: LiveRecorder | None = None
        self._path: Path | None = None
        self._fps = DEFAULT_FPS

        self.boundary_choice = QRadioButton("The decision boundary")
        self.window_choice = QRadioButton("The whole window")
        self.boundary_choice.setChecked(True)
        self._what = _group(self, self.boundary_choice, self.window_choice)

        frame = parts.commands.last_frame()
        epoch_now = frame.snapshot.epoch if frame is not None else 0
        self.replay_choice = QRadioButton("Replay the run from epoch 0, off screen, up to epoch")
        self.replay_choice.setToolTip(
            "Trains a copy with the current settings: the same GIF on any computer and at "
            "any speed. Changes made during the run (a new learning rate, edited weights) "
            "are not replayed.")
        self.replay_epochs = _spin(1, 1_000_000, epoch_now or DEFAULT_REPLAY_EPOCHS)
        self.live_choice = QRadioButton("Record the window while it trains, for the next")
        self.live_choice.setToolTip("Grabs what you see as it is drawn, at the speed it runs "
                                    "now; 0 epochs records until you press Stop")
        self.live_epochs = _spin(0, 1_000_000, DEFAULT_REPLAY_EPOCHS)
        self.live_epochs.setSuffix(" epochs")
        self.live_epochs.setSpecialValueText("epochs until Stop")
        self.replay_choice.setChecked(True)
        self._how = _group(self, self.replay_choice, self.live_choice)

        self.width_box = _spin(MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH)
        self.width_box.setSingleStep(80)
        self.width_box.setSuffix(" px wide")
        self.fps_box = _spin(1, 50, DEFAULT_FPS)
        self.fps_box.setSuffix(" frames/s")
        self.seconds_box = _spin(1, MAX_FRAMES // DEFAULT_FPS, DEFAULT_SECONDS)
        self.seconds_box.setSuffix(" s")
        self.seconds_box.setToolTip("How long the replayed GIF plays (the last frame stays "
                                    "two seconds more)")
        self.path_edit = QLineEdit(suggested)
        self.path_edit.setMinimumWidth(320)
        self.browse = QPushButton("Browse...")
        self.browse.clicked.connect(self._choose_path)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.record_button = QPushButton("Record")
        self.record_button.setDefault(True)
        self.stop_button = QPushButton("Stop and save")
        self.stop_button.hide()
        self.cancel_button = QPushButton("Close")
        self.record_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop_and_save)
        self.cancel_button.clicked.connect(self.cancel)

        form = QFormLayout()
        form.addRow("Record", _column(self.boundary_choice, self.window_choice))
        form.addRow("How", _column(_line(self.replay_choice, self.replay_epochs),
                                   _line(self.live_choice, self.live_epochs)))
        form.addRow("Size", self.width_box)
        form.addRow("Frame rate", self.fps_box)
        form.addRow("Length (replay)", self.seconds_box)
        form.addRow("Save as", _line(self.path_edit, self.browse))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.record_button, self.stop_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._what.idToggled.connect(self._update_choices)
        self._how.idToggled.connect(self._update_choices)
        self._update_choices()

    # ------------------------------------------------------------ choices
    def _update_choices(self, *_args) -> None:
        whole = self.window_choice.isChecked()
        # Only the boundary can be replayed: the window shows the live session.
        self.replay_choice.setEnabled(not whole)
        if whole and self.replay_choice.isChecked():
            self.live_choice.setChecked(True)
        replay = self.replay_choice.isChecked()
        self.replay_epochs.setEnabled(replay)
        self.seconds_box.setEnabled(replay)
        self.live_epochs.setEnabled(not replay)

    def _choose_path(self) -> None:
        if QGuiApplication.platformName() == "offscreen":
            return  # headless: no dialog can be answered
        path, _ = QFileDialog.getSaveFileName(self, "Save the GIF as", self.path_edit.text(),
                                              "GIF animations (*.gif)")
        if path:
            self.path_edit.setText(path)

    def recording(self) -> bool:
        return self._replay is not None or (self._live is not None and self._live.is_running())

    # ------------------------------------------------------------ recording
    def start(self) -> bool:
        """Check the path, then record; False (and a message) when it cannot start."""
        try:
            self._path = check_writable(self.path_edit.text().strip() or "training.gif")
        except RecordFailed as e:
            self._fail(str(e))
            return False
        self.path_edit.setText(str(self._path))
        self._fps = self.fps_box.value()
        width = self.width_box.value()
        self._set_busy(True)
        if self.replay_choice.isChecked():
            frames = min(MAX_FRAMES, self._fps * self.seconds_box.value())
            try:
                self._replay = Replay(self._replay_session(), self._off_screen_view(),
                                      self.replay_epochs.value(), frames, width)
            except (RecordFailed, TimeoutError, RuntimeError, ValueError) as e:
                self._fail(f"Cannot replay the run: {e}")
                return False
            self.progress.setRange(0, len(self._replay.epochs))
            QTimer.singleShot(0, self, self._replay_some)
        else:
            widget = (self.parts.window if self.window_choice.isChecked()
                      else self.parts.boundary_view)
            self._live = LiveRecorder(self.parts.commands, widget, width, self._fps,
                                      self.live_epochs.value(), self)
            self._live.progress.connect(self._on_live_progress)
            self._live.finished.connect(self._on_live_finished)
            self.progress.setRange(0, self.live_epochs.value())
            self._live.start()
        return True

    def _replay_session(self):
        mirror = self.parts.presenter.mirror  # the GUI's copy: config and data as shown
        config, data = mirror.config, mirror.data
        custom = data if config.dataset == "custom" else None
        return lambda: TrainingSession(config, data=custom)

    def _off_screen_view(self) -> BoundaryView:
        live = self.parts.boundary_view
        view = BoundaryView(palette=live.palette_)
        view.setParent(self, view.windowFlags())  # freed with the dialog
        view.set_show_test(self.parts.show_test.isChecked())
        view.set_discretize(self.parts.discretize.isChecked())
        return view

    def _replay_some(self) -> None:
        """One frame, then back to the event loop: progress shows and Cancel works."""
        replay = self._replay
        if replay is None:
            return  # cancelled
        try:
            replay.next_frame()
        except RecordFailed as e:
            self._fail(str(e))
            return
        self.progress.setValue(len(replay.frames))
        self.progress.setFormat(f"Epoch {replay.session.epoch:,}: frame %v of %m")
        if not replay.done():
            QTimer.singleShot(0, self, self._replay_some)
            return
        self._replay = None
        replay.view.hide()
        note = f" (it ended early: {replay.stopped_early})" if replay.stopped_early else ""
        self._save(replay.frames, note)

    def _on_live_progress(self, frames: int, epoch: int) -> None:
        live = self._live
        if live is not None and self.progress.maximum() > 0:
            self.progress.setValue(min(epoch - live.start_epoch, self.progress.maximum()))
        self.progress.setFormat(f"{frames} frames, epoch {epoch:,}")

    def _on_live_finished(self, why: str) -> None:
        live = self._live
        if live is None:
            return
        self._live = None
        self._save(live.frames, f" (it ended early: {why})" if why else "")

    def stop_and_save(self) -> None:
        """Live: end now and save what was recorded."""
        if self._live is not None:
            self._live.stop()

    def cancel(self) -> None:
        """Recording: drop the frames and stay open. Otherwise close."""
        if not self.recording():
            self.close()
            return
        live, self._live, self._replay = self._live, None, None
        if live is not None:
            live.stop("cancelled")
        self._set_busy(False)
        self.status.setText("Recording cancelled: nothing was saved.")

    def _save(self, frames: FrameStore, note: str) -> None:
        self.progress.setFormat("Writing the GIF...")
        QGuiApplication.processEvents()
        try:
            write_gif(self._path, frames, self._fps)
        except RecordFailed as e:
            self._fail(str(e))
            return
        self._set_busy(False)
        text = f"Saved {self._path.name}: {len(frames)} frames{note}."
        self.status.setStyleSheet("")
        self.status.setText(text)
        if self._on_saved is not None:
            self._on_saved(self._path, text)

    def _fail(self, text: str) -> None:
        self._replay = None
        if self._live is not None:
            live, self._live = self._live, None
            live.stop("failed")
        self._set_busy(False)
        self.status.setStyleSheet("color: #d62728;")
        self.status.setText(text)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.record_button, self.boundary_choice, self.window_choice,
                       self.replay_choice, self.live_choice, self.width_box, self.fps_box,
                       self.path_edit, self.browse):
            widget.setEnabled(not busy)
        if not busy:
            self._update_choices()
        else:
            for widget in (self.replay_epochs, self.live_epochs, self.seconds_box):
                widget.setEnabled(False)
            self.status.setStyleSheet("")
            self.status.setText("Recording...")
            self.progress.setValue(0)
        self.progress.setVisible(busy)
        self.stop_button.setVisible(busy and self.live_choice.isChecked())
        self.cancel_button.setText("Cancel" if busy else "Close")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.recording():
            self.cancel()
        super().closeEvent(event)


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setGroupSeparatorShown(True)
    return box


def _group(parent, *buttons) -> QButtonGroup:
    group = QButtonGroup(parent)
    for k, button in enumerate(buttons):
        group.addButton(button, k)
    return group


def _line(*widgets: QWidget) -> QWidget:
    return _holder(QHBoxLayout, widgets, stretch=True)


def _column(*widgets: QWidget) -> QWidget:
    return _holder(QVBoxLayout, widgets, stretch=False)


def _holder(layout_class, widgets, stretch: bool) -> QWidget:
    """A plain widget holding `widgets` in a row or column with no margins."""
    holder = QWidget()
    layout = layout_class(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    if stretch:
        layout.addStretch(1)
    return holder
