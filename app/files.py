"""The File menu: New, Open, Open Recent, Save, Save As, Import points, Export; the
window title; the unsaved-changes question on quit; autosave and crash recovery.

`attach(window)` adds all of it to a MainWindow and returns the FileController. The GUI
never touches the session the worker owns: it reads copies through
`window.run_in_worker(fn)` (fn runs on the worker thread between training chunks) and
hands whole new sessions over with `window.load_session`.

Every question and message goes through a `Prompts` object; tests replace it (monkeypatch
`make_prompts`) so no modal dialog ever blocks them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from app import autosave
from app.draw_tools import DrawingController, attach_drawing
from app.exports import ExportFailed, save_picture
from engine.config import default_config
from engine.datasets import CSVError, load_csv, to_csv
from engine.export import history_csv, javascript_model, python_model
from engine.io import (
    SessionFileError,
    load_session,
    session_json,
    session_to_dict,
    write_atomic,
)
from engine.session import TrainingSession

APP_TITLE = "Neuroplay"
MAX_RECENT = 8
MAX_ERRORS_SHOWN = 10
RECENT_KEY = "files/recent"
FOLDER_KEY = "files/last_folder"
SESSION_FILTER = "Neuroplay sessions (*.json);;All files (*)"
CSV_FILTER = "CSV files (*.csv);;All files (*)"
RESTORED = b"restored"  # the "saved" fingerprint of work restored after a crash
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

    def ask_restore(self, when: str) -> bool:
        if self.headless():
            return False
        answer = QMessageBox.question(
            self.parent, "Restore your work?",
            f"Neuroplay did not close properly last time.\nRestore the session from {when}?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

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


class FileController(QObject):
    """Files for one window. `path` is the open session file (None: untitled)."""

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

        self.guard = autosave.CrashGuard(folder) if folder is not None else None
        self.autosaver = autosave.Autosaver(self.autosave_now, parent=self)
        self._start_from_worker()
        if self.guard is not None:
            self._offer_restore()
            try:
                self.guard.claim()
            except OSError as e:
                self.prompts.warning("Autosave is off", f"Cannot write to {folder}: "
                                     f"{e.strerror or e}. Your work will not be autosaved.")
                self.guard = None
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
        """fn(session) on the worker thread; TimeoutError if it does not answer."""
        return self.window.run_in_worker(fn)

    def _warn(self, title: str, text: str) -> None:
        self.prompts.warning(title, text)

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
        self._remember(path)
        self.window.banner.show_message(f"Opened {path.name}.", "info", 4000)
        return True

    def _show_session(self, session: TrainingSession, path: Path | None) -> None:
        fingerprint = session_fingerprint(session)  # before the worker owns it
        self._saved = self._autosaved = fingerprint
        self._data = session.data
        self._config = session.config
        self._step = None
        self._params = None  # unknown until the new session's first frame
        self.path = path
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
            doc, made["fingerprint"] = self._in_worker(
                lambda s: (session_to_dict(s), session_fingerprint(s)))
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
        except (TimeoutError, OSError, ValueError) as e:
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

    # ------------------------------------------------------------ autosave and quitting
    def autosave_now(self) -> bool:
        """Write the autosave when the session changed since the last one."""
        if self.guard is None or self._closed:
            return False
        try:
            doc, fingerprint = self._in_worker(lambda s: (session_to_dict(s),
                                                           session_fingerprint(s)))
            if fingerprint == self._autosaved and self.guard.autosave_path.exists():
                return False
            self.guard.write(session_json(doc)[0])
        except (TimeoutError, OSError, ValueError) as e:
            self.window.banner.show_message(f"Autosave failed: {e}", "error", 6000)
            return False
        self._autosaved = fingerprint
        return True

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Close and not self._closed:
            if not self.confirm_discard():
                event.ignore()
                return True  # the window stays open
            self.finish()
        return super().eventFilter(watched, event)

    def finish(self) -> None:
        """A clean quit: autosave while the worker still runs, then drop the lock."""
        self.autosave_now()
        self._closed = True
        self.autosaver.stop()
        if self.guard is not None:
            self.guard.release()

    def end_unasked(self) -> None:
        """Neuroplay is being ended (SIGTERM: logout, shutdown) and nobody can answer a
        question: write the autosave and close without asking. With unsaved changes the
        lock stays, so the next start offers the work back."""
        if self._closed:
            return
        if not self.is_modified():
            self.finish()
            return
        self.autosave_now()
        self._closed = True
        self.autosaver.stop()

    def _offer_restore(self) -> None:
        path = self.guard.crashed_autosave()
        if path is None or not self.prompts.ask_restore(self.guard.saved_at()):
            return
        try:
            session = load_session(path)
        except SessionFileError as e:
            self._warn("Cannot restore", f"The autosaved session could not be read.\n{e}")
            return
        self._show_session(session, None)
        self._saved = RESTORED  # restored work is not in any file yet: offer to save it


def attach(window) -> FileController:
    """Add the File menu commands, drawing tools and autosave to `window` (once)."""
    existing = getattr(window, "files", None)
    if isinstance(existing, FileController):
        return existing
    controller = FileController(window, make_prompts(window), autosave.data_folder(window))
    window.files = controller
    return controller


def open_path(window, path) -> bool:
    """`neuroplay FILE`: open a session file in the window (app/main.py calls this).

    Work restored after a crash a moment ago is not dropped without asking."""
    return attach(window).open_path(path)
