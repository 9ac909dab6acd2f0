"""The File menu: New, Open, Open Recent, Save, Save As, Import points, Export; the
window title; autosave, keeping the session on close and offering it back at the next start.

`attach(window)` adds all of it to a MainWindow and returns the FileController. The GUI
never touches the session the engine owns: it reads the presenter's mirror of it (what
the GUI last heard: config, data, weights, history), so saving never waits for training,
and hands whole new sessions over with `window.load_session`.

Every question and message goes through a `Prompts` object; tests replace it (monkeypatch
`make_prompts`) so no modal dialog ever blocks them.

Closing never asks: unsaved work is written to the window's autosave and offered back by
the next start (app/autosave.py). Only when there is no autosave to write to (settings in
memory, an unwritable folder, a failed write) does closing ask Save / Discard / Cancel.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox
from shiboken6 import isValid

from app import autosave
from app.draw_tools import DrawingController, attach_drawing
from app.exports import ExportFailed, save_picture
from app.modal_pause import PauseUnderModal
from engine.config import SessionConfig, default_config
from engine.datasets import CSVError, load_csv, to_csv
from engine.export import history_csv, javascript_model, python_model
from engine.io import (
    SessionFileError,
    load_session,
    read_json,
    session_from_dict,
    session_json,
    write_atomic,
)
from engine.readers import printable
from engine.session import TrainingSession

APP_TITLE = "Neuroplay"
MAX_RECENT = 8
MAX_ERRORS_SHOWN = 10
RECENT_KEY = "files/recent"
FOLDER_KEY = "files/last_folder"
SESSION_FILTER = "Neuroplay sessions (*.json);;All files (*)"
CSV_FILTER = "CSV files (*.csv);;All files (*)"
RESTORED = b"restored"  # the "saved" fingerprint of kept work continued at start-up
AUTOSAVE_KEY = "autosave"  # in an autosave document: {"file": the named file or None}
DOCUMENT_TIMEOUT_S = 30.0
EXPORTS = (  # (menu text, method name)
    ("Data set as CSV...", "export_data_csv"),
    ("Loss history as CSV...", "export_loss_csv"),
    (None, None),
    ("Boundary plot as PNG...", "export_boundary_png"),
    ("Boundary plot as SVG...", "export_boundary_svg"),
    ("Network diagram as PNG...", "export_network_png"),
    ("Network diagram as SVG...", "export_network_svg"),
    (None, None),
    ("Model as Python file...", "export_python"),
    ("Model as JavaScript function...", "export_javascript"),
    (None, None),
    ("Training as animated GIF...", "record_gif"),
)


class Prompts:
    """The dialogs. On the offscreen platform (headless runs) nothing is shown: warnings
    go to stderr, questions take the answer that changes nothing, and file dialogs cancel."""

    def __init__(self, parent=None):
        self.parent = parent

    @staticmethod
    def headless() -> bool:
        return QGuiApplication.platformName() == "offscreen"

    def warning(self, title: str, text: str) -> None:
        if self.headless():
            print(f"neuroplay: {title}: {text}", file=sys.stderr)
            return
        QMessageBox.warning(self.parent, title, text)

    def ask_save_changes(self, name: str) -> str:
        """'save', 'discard' or 'cancel'."""
        if self.headless():
            return "discard"
        box = QMessageBox(QMessageBox.Warning, "Unsaved changes",
                          f"Save the changes to {name} before closing?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
                          self.parent)
        box.setDefaultButton(QMessageBox.Save)
        answer = box.exec()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def ask_restore(self, text: str) -> bool:
        """Continue a kept session (True) or start fresh (False)."""
        if self.headless():
            return False
        box = QMessageBox(QMessageBox.Question, "Continue where you left off?", text,
                          QMessageBox.NoButton, self.parent)
        keep = box.addButton("Continue", QMessageBox.AcceptRole)
        box.addButton("Start fresh", QMessageBox.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is keep

    def open_path(self, caption: str, folder: str, filters: str) -> str:
        if self.headless():
            return ""
        return QFileDialog.getOpenFileName(self.parent, caption, folder, filters)[0]

    def save_path(self, caption: str, suggested: str, filters: str) -> str:
        if self.headless():
            return ""
        return QFileDialog.getSaveFileName(self.parent, caption, suggested, filters)[0]


def make_prompts(window) -> Prompts:
    """The prompts a new FileController uses (tests monkeypatch this)."""
    return Prompts(window)


def session_fingerprint(session) -> bytes:
    """What identifies the session's state for "modified": step, config, weights, points.

    Runs on the worker thread; `state_fingerprint` computes the same from what the GUI
    receives (snapshots and SessionInfo).
    """
    weights, biases = session.parameters_as_lists()
    return state_fingerprint(session.step_count, session.config, weights, biases, session.data)


def state_fingerprint(step: int, config, weights, biases, data) -> bytes:
    digest = hashlib.sha1(f"{int(step)}|{json.dumps(config.to_dict())}".encode())
    for array in (*weights, *biases):
        digest.update(np.asarray(array, dtype=np.float32).tobytes())
    digest.update(np.asarray(data.points, dtype=np.float64).tobytes())
    digest.update(np.asarray(data.labels, dtype=np.float64).tobytes())
    return digest.digest()


def describe_csv_error(name: str, error: CSVError) -> str:
    """The first MAX_ERRORS_SHOWN problems by line number, and how many more there are."""
    shown = error.errors[:MAX_ERRORS_SHOWN]
    more = len(error.errors) - len(shown)
    text = f"Could not import {name}:\n" + "\n".join(shown)
    if more:
        text += f"\n... and {more} more problem{'s' if more > 1 else ''}."
    return text


def kept_file(doc) -> Path | None:
    """The named file an autosave document holds unsaved changes to (None: untitled)."""
    about = doc.get(AUTOSAVE_KEY) if isinstance(doc, dict) else None
    named = about.get("file") if isinstance(about, dict) else None
    return Path(named) if isinstance(named, str) and named else None


def describe_kept(doc: dict, saved_at: str, crashed: bool) -> str:
    """The question for a kept session: what it is and when it was kept."""
    named = kept_file(doc)
    what = f"your unsaved changes to {named.name}" if named else "your untitled session"
    epoch = doc.get("epoch") if isinstance(doc, dict) else None
    at_epoch = f" at epoch {epoch:,}" if isinstance(epoch, int) else ""
    why = "Neuroplay did not close properly last time.\n" if crashed else ""
    return f"{why}Continue {what}{at_epoch}, kept {saved_at}?"


class FileController(QObject):
    """Files for one window. `path` is the open session file (None: untitled)."""

    _document_ready = Signal(object)  # (generation, Future of (document, fingerprint))

    def __init__(self, window, prompts: Prompts, folder: Path | None):
        super().__init__(window)
        self.window = window
        self.prompts = prompts
        self.path: Path | None = None
        self._closed = False
        self._config = window.session_config()
        self._data = None
        self._step = None
        self._params = None
        self._saved = b""
        self._autosaved = b""
        self.drawing: DrawingController = attach_drawing(window)
        self._build_menu()
        window.worker.session_changed.connect(self._on_session_changed)
        window.worker.frame_ready.connect(self._on_frame)
        window.installEventFilter(self)

        self.modal_pause = PauseUnderModal(window, window.is_playing, window.pause, window.play)
        self.slot = autosave.AutosaveSlot(folder) if folder is not None else None
        self.autosaver = autosave.Autosaver(self.autosave_now, parent=self)
        self.writer = autosave.AutosaveWriter(self)
        self.writer.written.connect(self._on_autosaved)
        self._document_ready.connect(self._on_document)
        self._document_pending = False
        self._generation = 0  # counts sessions shown: a document of an older one is dropped
        self._start_from_worker()
        if self.slot is not None:
            try:
                self.slot.claim()
            except OSError as e:
                self.prompts.warning("Autosave is off", f"Cannot write to {folder}: "
                                     f"{e.strerror or e}. Your work will not be autosaved.")
                self.slot = None
            else:
                self.autosaver.start()
        self._refresh_title()

    # ------------------------------------------------------------ menu
    def _build_menu(self) -> None:
        menu: QMenu = self.window.file_menu
        before = getattr(self.window, "quit_action", None)

        def add(text: str, slot: Callable, shortcut=None) -> QAction:
            action = QAction(text, self.window)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda *_: slot())
            menu.insertAction(before, action)
            return action

        self.new_action = add("&New", self.new_session, QKeySequence.New)
        self.open_action = add("&Open...", self.open_dialog, QKeySequence.Open)
        self.recent_menu = QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.insertMenu(before, self.recent_menu)
        menu.insertSeparator(before)
        self.save_action = add("&Save", self.save, QKeySequence.Save)
        self.save_as_action = add("Save &As...", self.save_as, QKeySequence.SaveAs)
        menu.insertSeparator(before)
        self.import_action = add("&Import points (CSV)...", self.import_points)
        self.export_menu = QMenu("&Export", self.window)
        for text, name in EXPORTS:
            if text is None:
                self.export_menu.addSeparator()
                continue
            action = QAction(text, self.window)
            action.triggered.connect(lambda *_, n=name: getattr(self, n)())
            self.export_menu.addAction(action)
        menu.insertMenu(before, self.export_menu)
        if before is not None:
            menu.insertSeparator(before)
        self._fill_recent_menu()

    # ------------------------------------------------------------ modified state
    def _start_from_worker(self) -> None:
        fingerprint, data = self._in_worker(lambda s: (session_fingerprint(s), s.data))
        self._saved = self._autosaved = fingerprint
        self._data = data

    def _on_session_changed(self, info) -> None:
        self._config = info.config
        self._data = info.data
        self._refresh_title()

    def _on_frame(self, frame) -> None:
        snap = frame.snapshot
        self._step = snap.step
        self._params = (snap.weights, snap.biases)
        self._refresh_title()

    def current_fingerprint(self) -> bytes | None:
        if self._params is None or self._data is None:
            return None
        return state_fingerprint(self._step, self._config, *self._params, self._data)

    def is_modified(self) -> bool:
        if self._saved == RESTORED:
            return True
        now = self.current_fingerprint()
        return now is not None and now != self._saved

    def display_name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    def _refresh_title(self) -> None:
        modified = self.is_modified()
        if self.path is None and not modified:
            title = APP_TITLE
        else:
            title = f"{self.display_name()}{'*' if modified else ''} — {APP_TITLE}"
        if self.window.windowTitle() != title:
            self.window.setWindowTitle(title)

    # ------------------------------------------------------------ reading the session
    def _in_worker(self, fn):
        """fn(mirror): read the presenter's SessionMirror, which reads like a session."""
        return fn(self.window.presenter.mirror)

    def _warn(self, title: str, text: str) -> None:
        self.prompts.warning(title, printable(text))  # file text may hold control bytes

    # ------------------------------------------------------------ sessions
    def confirm_discard(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.is_modified():
            return True
        answer = self.prompts.ask_save_changes(self.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_session(self) -> bool:
        if not self.confirm_discard():
            return False
        self._show_session(TrainingSession(default_config()), None)
        self._drop_autosave()
        return True

    def open_dialog(self) -> bool:
        path = self.prompts.open_path("Open session", self._folder(), SESSION_FILTER)
        return self.open_path(path) if path else False

    def open_path(self, path, confirm: bool = True) -> bool:
        """Open a session file; a bad file shows one message and changes nothing."""
        path = Path(path)
        if confirm and not self.confirm_discard():
            return False
        try:
            session = load_session(path)
        except SessionFileError as e:
            self._warn("Cannot open session", f"Could not open {path.name}.\n{e}")
            return False
        self._show_session(session, path)
        self._drop_autosave()
        self._remember(path)
        self.window.banner.show_message(f"Opened {path.name}.", "info", 4000)
        return True

    def _show_session(self, session: TrainingSession, path: Path | None) -> None:
        self.modal_pause.forget()  # a new session does not start playing after a dialog
        self._generation += 1
        fingerprint = session_fingerprint(session)  # before the worker owns it
        self._saved = self._autosaved = fingerprint
        self._data = session.data
        self._config = session.config
        self._step = None
        self._params = None  # unknown until the new session's first frame
        self.path = path
        self.drawing.tools.stop()  # a new or opened session starts out of drawing mode
        self.window.load_session(session)
        self._refresh_title()

    def save(self) -> bool:
        return self.save_as() if self.path is None else self.save_to(self.path)

    def save_as(self, path=None) -> bool:
        if path is None:
            # .neuroplay.json: the MIME type's glob (resources/neuroplay-mime.xml).
            suggested = str(Path(self._folder()) / (self.path.name if self.path else
                                                     "session.neuroplay.json"))
            path = self.prompts.save_path("Save session as", suggested, SESSION_FILTER)
            if not path:
                return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path) -> bool:
        """Write the session to `path` atomically; on failure the old file stays whole."""
        path = Path(path)
        made = {}

        def make() -> str:
            doc, made["fingerprint"] = self._document_now()
            text, made["thinned"] = session_json(doc)
            return text

        if not self._write(path, make, "save"):
            return False
        fingerprint, thinned = made["fingerprint"], made["thinned"]
        self.path = path
        self._saved = self._autosaved = fingerprint
        self._remember(path)
        self._refresh_title()
        note = (f" The loss history was thinned by {thinned} rows to keep the file openable."
                if thinned else "")
        self.window.banner.show_message(f"Saved {path.name}.{note}", "info", 6000 if note else 3000)
        return True

    # ------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        raw = self.window.settings.get(RECENT_KEY)
        try:
            paths = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            return []
        return [p for p in paths if isinstance(p, str)][:MAX_RECENT]

    def _set_recent(self, paths: list[str]) -> None:
        self.window.settings.set(RECENT_KEY, json.dumps(paths[:MAX_RECENT]))

    def _remember(self, path: Path) -> None:
        full = str(Path(path).resolve())
        self._set_recent([full] + [p for p in self.recent_files() if p != full])
        self.window.settings.set(FOLDER_KEY, str(Path(full).parent))
        # A disabled menu never emits aboutToShow: refill it now, or it stays grey.
        self._fill_recent_menu()

    def _folder(self) -> str:
        folder = self.window.settings.get(FOLDER_KEY)
        return folder if isinstance(folder, str) and Path(folder).is_dir() else str(Path.home())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for i, path in enumerate(self.recent_files()):
            action = self.recent_menu.addAction(f"&{i + 1} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda *_, p=path: self.open_recent(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def open_recent(self, path: str) -> bool:
        if not Path(path).is_file():
            self._set_recent([p for p in self.recent_files() if p != path])
            self._fill_recent_menu()
            self._warn("File not found", f"{path} no longer exists; it was removed from "
                       f"the recent files.")
            return False
        return self.open_path(path)

    # ------------------------------------------------------------ import and export
    def import_points(self, path=None) -> bool:
        """Train on points from a CSV file (x1,x2,label; header optional)."""
        if path is None:
            path = self.prompts.open_path("Import points", self._folder(), CSV_FILTER)
            if not path:
                return False
        path = Path(path)
        try:
            data = load_csv(path)
        except CSVError as e:
            self._warn("Cannot import points", describe_csv_error(path.name, e))
            return False
        self.window.set_points(data)
        self.window.banner.show_message(f"Imported {len(data.points)} points from "
                                        f"{path.name}.", "info", 4000)
        return True

    def _write(self, path: Path, make: Callable, verb: str) -> bool:
        """write_atomic(path, make()); a failure is shown ("Cannot save ...") and False."""
        try:
            write_atomic(path, make())
        except (TimeoutError, RuntimeError, OSError, ValueError) as e:
            why = e if isinstance(e, TimeoutError) else getattr(e, "strerror", None) or e
            self._warn(f"Cannot {verb}", f"Could not {verb} {path.name}: {why}.")
            return False
        return True

    def _export_path(self, path, caption: str, suffix: str, filters: str) -> Path | None:
        if path is None:
            stem = self.path.stem if self.path else "neuroplay"
            suggested = str(Path(self._folder()) / f"{stem}{suffix}")
            path = self.prompts.save_path(caption, suggested, filters)
            if not path:
                return None
        path = Path(path)
        return path if path.suffix else path.with_suffix(Path(suffix).suffix)

    def _export_text(self, path, caption, suffix, filters, make: Callable) -> bool:
        target = self._export_path(path, caption, suffix, filters)
        if target is None:
            return False
        if not self._write(target, make, "export"):
            return False
        self.window.banner.show_message(f"Exported {target.name}.", "info", 3000)
        return True

    def _export_picture(self, path, view, caption: str, suffix: str) -> bool:
        kind = suffix.rsplit(".", 1)[1].upper()
        target = self._export_path(path, caption, suffix, f"{kind} pictures (*.{kind.lower()})")
        if target is None:
            return False
        try:
            save_picture(view, target, title=f"{APP_TITLE}: {self.display_name()}")
        except ExportFailed as e:
            self._warn("Cannot export", str(e))
            return False
        self.window.banner.show_message(f"Exported {target.name}.", "info", 3000)
        return True

    def export_data_csv(self, path=None) -> bool:
        return self._export_text(path, "Export data set", "-data.csv", CSV_FILTER,
                                 lambda: to_csv(self._in_worker(lambda s: s.data)))

    def export_loss_csv(self, path=None) -> bool:
        return self._export_text(path, "Export loss history", "-loss.csv", CSV_FILTER,
                                 lambda: history_csv(self._in_worker(lambda s: list(s.history))))

    def _model_parts(self):
        return self._in_worker(lambda s: (s.config, *s.parameters_as_lists()))

    def export_python(self, path=None) -> bool:
        return self._export_text(path, "Export model as Python", "-model.py",
                                 "Python files (*.py)",
                                 lambda: python_model(*self._model_parts()))

    def export_javascript(self, path=None) -> bool:
        return self._export_text(path, "Export model as JavaScript", "-model.js",
                                 "JavaScript files (*.js)",
                                 lambda: javascript_model(*self._model_parts()))

    def export_boundary_png(self, path=None) -> bool:
        return self._export_picture(path, self.window.boundary_view, "Export boundary plot",
                                    "-boundary.png")

    def export_boundary_svg(self, path=None) -> bool:
        return self._export_picture(path, self.window.boundary_view, "Export boundary plot",
                                    "-boundary.svg")

    def export_network_png(self, path=None) -> bool:
        return self._export_picture(path, self.window.network_view, "Export network diagram",
                                    "-network.png")

    def export_network_svg(self, path=None) -> bool:
        return self._export_picture(path, self.window.network_view, "Export network diagram",
                                    "-network.svg")

    def record_gif(self):
        """Open the GIF recorder (app/record_dialog.py); returns the dialog, shown."""
        from app.record_dialog import RecordDialog  # Pillow and the dialog load when used

        old = getattr(self, "_record_dialog", None)
        if old is not None and isValid(old) and old.isVisible():
            old.raise_()
            old.activateWindow()
            return old
        stem = self.path.stem if self.path else "neuroplay"
        suggested = str(Path(self._folder()) / f"{stem}-training.gif")
        dialog = RecordDialog(self.window, suggested, self._on_recorded)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        self._record_dialog = dialog
        dialog.show()
        return dialog

    def _on_recorded(self, path: Path, text: str) -> None:
        self.window.settings.set(FOLDER_KEY, str(path.parent))
        self.window.banner.show_message(text, "info", 5000)

    # ------------------------------------------------------------ the session document
    def _document_future(self) -> Future:
        """The session as a file document and its fingerprint, made by the engine (the
        GUI's mirror lacks the optimizer and shuffle state an exact resume needs).

        The one place the document is asked for (Save, autosave, closing)."""
        data = self.window.presenter.mirror.data  # changes only with a SessionInfo
        answer: Future = Future()

        def done(future: Future) -> None:  # on the worker thread
            if future.cancelled():
                answer.cancel()
                return
            try:
                doc = future.result()
                config = SessionConfig.from_dict(doc["config"])
                answer.set_result((doc, state_fingerprint(doc["step"], config, doc["weights"],
                                                          doc["biases"], data)))
            except Exception as e:  # said by the caller (Save, autosave)
                answer.set_exception(e)

        self.window.presenter.document_future().add_done_callback(done)
        return answer

    def _document_now(self) -> tuple[dict, bytes]:
        """_document_future's answer, waited for (Save and closing need it before going on)."""
        try:
            return self._document_future().result(timeout=DOCUMENT_TIMEOUT_S)
        except FutureTimeout as exc:
            raise TimeoutError("the training thread did not answer in time") from exc
        except CancelledError as exc:
            raise RuntimeError("the training thread has stopped (the window closed)") from exc

    # ------------------------------------------------------------ autosave
    def autosave_now(self) -> bool:
        """Start an autosave without waiting: the worker makes the document between two
        chunks of training, the writer's thread writes it. False when one is under way
        or autosave is off. (The minute timer calls this.)"""
        if self.slot is None or self._closed or self._document_pending:
            return False
        self._document_pending = True
        generation = self._generation
        self._document_future().add_done_callback(  # called on the worker thread
            lambda future: self._document_ready.emit((generation, future)))
        return True

    def _on_document(self, answer: tuple[int, Future]) -> None:
        generation, future = answer
        self._document_pending = False
        if self._closed or future.cancelled() or generation != self._generation:
            return
        try:
            doc, fingerprint = future.result()
        except Exception as e:  # the session could not be read: say so, keep training
            self.window.banner.show_message(f"Autosave failed: {e}", "error", 6000)
            return
        if fingerprint != self._autosaved or not self.slot.path.exists():
            self.writer.submit(self.slot.path, self._autosave_document(doc), fingerprint)

    def _on_autosaved(self, fingerprint: bytes, error: str) -> None:
        if error:
            self.window.banner.show_message(f"Autosave failed: {error}", "error", 6000)
        else:
            self._autosaved = fingerprint

    def _autosave_document(self, doc: dict) -> dict:
        """The document with what the next start needs to offer it back."""
        return dict(doc, **{AUTOSAVE_KEY: {"file": str(self.path) if self.path else None}})

    def _drop_autosave(self) -> None:
        """The user replaced the session (New, Open) after deciding about its changes:
        the autosave of the old one is no longer work to keep."""
        if self.slot is not None:
            self.writer.wait()
            self.slot.remove_autosave()

    def keep_session(self) -> bool:
        """Write the autosave now and wait for it (closing): True when the file on disk
        holds the session as it is."""
        if self.slot is None:
            return False
        try:
            doc, fingerprint = self._document_now()
        except (TimeoutError, RuntimeError) as e:
            print(f"neuroplay: cannot autosave: {e}", file=sys.stderr)
            return False
        self.writer.wait()  # a minute autosave still writing must not land after this one
        if fingerprint == self._autosaved and self.slot.path.exists():
            return True
        try:
            write_atomic(self.slot.path, session_json(self._autosave_document(doc))[0])
        except (OSError, ValueError) as e:
            print(f"neuroplay: cannot autosave: {getattr(e, 'strerror', None) or e}",
                  file=sys.stderr)
            return False
        self._autosaved = fingerprint
        return True

    # ------------------------------------------------------------ closing
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Close and not self._closed:
            if not self.close_session():
                event.ignore()
                return True  # the window stays open
        return super().eventFilter(watched, event)

    def close_session(self) -> bool:
        """The window closes: unsaved work goes to the autosave without a question. Only
        when it cannot be kept there is the user asked; False: they cancelled."""
        modified = self.is_modified()
        kept = modified and self.keep_session()
        if modified and not kept and not self.confirm_discard():
            return False
        self._end(keep=kept)
        return True

    def finish(self) -> None:
        """Close without any question (smoke test, SIGTERM): unsaved work is kept."""
        if not self._closed:
            self._end(keep=self.is_modified() and self.keep_session())

    end_unasked = finish  # app/main.py's name for it: logout or shutdown, nobody to ask

    def _end(self, keep: bool) -> None:
        self._closed = True
        self.modal_pause.forget()
        self.autosaver.stop()
        self.writer.wait()
        self.writer.close()
        if self.slot is not None:
            self.slot.release(keep=keep)

    # ------------------------------------------------------------ continuing at start-up
    def offer_kept_session(self) -> bool:
        """Offer the newest session a closed or crashed window kept; True when continued.
        Declined or unreadable, it is set aside and never offered again."""
        headless = getattr(self.prompts, "headless", lambda: False)
        if self.slot is None or headless():
            return False  # nobody to answer: the kept session waits for a start that can ask
        kept = self.slot.take_kept()
        if kept is None:
            return False
        try:
            doc = read_json(kept.path, what="autosaved session")
            session = session_from_dict(doc)
        except SessionFileError as e:
            self.slot.discard()
            self._warn("Cannot continue", f"The kept session could not be read.\n{e}")
            return False
        if not self.prompts.ask_restore(describe_kept(doc, kept.saved_at, kept.crashed)):
            self.slot.discard()
            return False
        self._show_session(session, kept_file(doc))  # the autosave file holds just this
        self._saved = RESTORED  # not in any file of the user's yet: the title says so
        self._refresh_title()
        return True


def attach(window) -> FileController:
    """Add the File menu commands, drawing tools and autosave to `window` (once)."""
    existing = getattr(window, "files", None)
    if isinstance(existing, FileController):
        return existing
    controller = FileController(window, make_prompts(window), autosave.data_folder(window))
    window.files = controller
    return controller


def open_path(window, path) -> bool:
    """`neuroplay FILE`: open a session file in the window (app/main.py calls this)."""
    return attach(window).open_path(path)


def offer_kept_session(window) -> bool:
    """At start-up (app/main.py): offer to continue a kept session; True when continued."""
    return attach(window).offer_kept_session()
