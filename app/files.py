"""The File menu: New, Open, Open Recent, Save, Save As, Import points, Export; the
window title; autosave, keeping the session on close and offering it back at the next start.

app/main.py builds a `FileController` with the window's parts (app/parts.py), its prompts,
the autosave folder and the drawing tools. The GUI never touches the session the engine
owns: it reads the presenter's mirror of it (what the GUI last heard: config, data,
weights, history), so saving never waits for training, and hands whole new sessions over
with the window's `load_session` command. Whether there are unsaved changes is the
presenter's answer (`is_modified`, `modified_changed`); this module tells it what was saved.

Every question and message goes through a `Prompts` object; tests pass their own (or
monkeypatch `make_prompts`) so no modal dialog ever blocks them.

Closing never asks: unsaved work is written to the window's autosave and offered back by
the next start (app/autosave.py). Only when there is no autosave to write to (settings in
memory, an unwritable folder, a failed write) does closing ask Save / Discard / Cancel.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QMetaObject, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox
from shiboken6 import isValid

from app import autosave
from app.draw_tools import DrawingController
from app.exports import ExportFailed, save_picture
from app.modal_pause import PauseUnderModal
from app.parts import WindowParts
from app.presenter import session_fingerprint, state_fingerprint
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
    """Files for one window. `path` is the open session file (None: untitled).

    `folder`: where the autosave lives (None: no autosave); `drawing`: the drawing tools,
    which a new or opened session takes out of drawing mode."""

    _document_ready = Signal(object)  # (generation, Future of (document, fingerprint))

    def __init__(self, parts: WindowParts, prompts: Prompts, folder: Path | None,
                 drawing: DrawingController):
        super().__init__(parts.window)
        self.parts = parts
        self.presenter = parts.presenter
        self.prompts = prompts
        self.path: Path | None = None
        self._closed = False
        self.drawing = drawing
        self._record_dialog = None
        self._build_menu()
        self.presenter.modified_changed.connect(lambda _modified: self._refresh_title())
        parts.window.installEventFilter(self)

        commands = parts.commands
        self.modal_pause = PauseUnderModal(parts.window, commands.is_playing, commands.pause,
                                           commands.play)
        self.slot = autosave.AutosaveSlot(folder) if folder is not None else None
        self.autosaver = autosave.Autosaver(self.autosave_now, parent=self)
        self.writer = autosave.AutosaveWriter(self)
        self.writer.written.connect(self._on_autosaved)
        self._document_ready.connect(self._on_document)
        self._document_pending = False
        self._generation = 0  # counts sessions shown: a document of an older one is dropped
        self.presenter.mark_saved()  # the session the window starts with is nobody's work
        self._autosaved = self.presenter.fingerprint()
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
        menu: QMenu = self.parts.file_menu
        before = self.parts.quit_action

        def add(text: str, slot: Callable, shortcut=None) -> QAction:
            action = QAction(text, self.parts.window)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda *_: slot())
            menu.insertAction(before, action)
            return action

        self.new_action = add("&New", self.new_session, QKeySequence.New)
        self.open_action = add("&Open...", self.open_dialog, QKeySequence.Open)
        self.recent_menu = QMenu("Open &Recent", self.parts.window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.insertMenu(before, self.recent_menu)
        menu.insertSeparator(before)
        self.save_action = add("&Save", self.save, QKeySequence.Save)
        self.save_as_action = add("Save &As...", self.save_as, QKeySequence.SaveAs)
        menu.insertSeparator(before)
        self.import_action = add("&Import points (CSV)...", self.import_points)
        self.export_menu = QMenu("&Export", self.parts.window)
        for text, name in EXPORTS:
            if text is None:
                self.export_menu.addSeparator()
                continue
            action = QAction(text, self.parts.window)
            action.triggered.connect(lambda *_, n=name: getattr(self, n)())
            self.export_menu.addAction(action)
        menu.insertMenu(before, self.export_menu)
        menu.insertSeparator(before)
        self._fill_recent_menu()

    # ------------------------------------------------------------ modified state
    def is_modified(self) -> bool:
        """Unsaved changes: the presenter's answer (it holds what was saved)."""
        return self.presenter.is_modified()

    def display_name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    def _refresh_title(self) -> None:
        modified = self.is_modified()
        if self.path is None and not modified:
            title = APP_TITLE
        else:
            title = f"{self.display_name()}{'*' if modified else ''} — {APP_TITLE}"
        window = self.parts.window
        if window.windowTitle() != title:
            window.setWindowTitle(title)

    # ------------------------------------------------------------ reading the session
    def _in_worker(self, fn):
        """fn(mirror): read the presenter's SessionMirror, which reads like a session."""
        return fn(self.presenter.mirror)

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
        self.parts.banner.show_message(f"Opened {path.name}.", "info", 4000)
        return True

    def _show_session(self, session: TrainingSession, path: Path | None) -> None:
        self.modal_pause.forget()  # a new session does not start playing after a dialog
        self._generation += 1
        fingerprint = session_fingerprint(session)  # before the engine has it
        self._autosaved = fingerprint
        self.path = path
        self.drawing.tools.stop()  # a new or opened session starts out of drawing mode
        self.parts.commands.load_session(session)
        self.presenter.mark_saved(fingerprint)
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
        self._autosaved = fingerprint
        self.presenter.mark_saved(fingerprint)
        self._remember(path)
        self._refresh_title()
        note = (f" The loss history was thinned by {thinned} rows to keep the file openable."
                if thinned else "")
        self.parts.banner.show_message(f"Saved {path.name}.{note}", "info", 6000 if note else 3000)
        return True

    # ------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        raw = self.parts.settings.get(RECENT_KEY)
        try:
            paths = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            return []
        return [p for p in paths if isinstance(p, str)][:MAX_RECENT]

    def _set_recent(self, paths: list[str]) -> None:
        self.parts.settings.set(RECENT_KEY, json.dumps(paths[:MAX_RECENT]))

    def _remember(self, path: Path) -> None:
        full = str(Path(path).resolve())
        self._set_recent([full] + [p for p in self.recent_files() if p != full])
        self.parts.settings.set(FOLDER_KEY, str(Path(full).parent))
        # A disabled menu never emits aboutToShow: refill it now, or it stays grey.
        self._fill_recent_menu()

    def _folder(self) -> str:
        folder = self.parts.settings.get(FOLDER_KEY)
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
        self.parts.commands.set_points(data)
        self.parts.banner.show_message(f"Imported {len(data.points)} points from "
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
        self.parts.banner.show_message(f"Exported {target.name}.", "info", 3000)
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
        self.parts.banner.show_message(f"Exported {target.name}.", "info", 3000)
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
        return self._export_picture(path, self.parts.boundary_view, "Export boundary plot",
                                    "-boundary.png")

    def export_boundary_svg(self, path=None) -> bool:
        return self._export_picture(path, self.parts.boundary_view, "Export boundary plot",
                                    "-boundary.svg")

    def export_network_png(self, path=None) -> bool:
        return self._export_picture(path, self.parts.network_view, "Export network diagram",
                                    "-network.png")

    def export_network_svg(self, path=None) -> bool:
        return self._export_picture(path, self.parts.network_view, "Export network diagram",
                                    "-network.svg")

    def record_gif(self):
        """Open the GIF recorder (app/record_dialog.py); returns the dialog, shown."""
        from app.record_dialog import RecordDialog  # Pillow and the dialog load when used

        old = self._record_dialog
        if old is not None and isValid(old) and old.isVisible():
            old.raise_()
            old.activateWindow()
            return old
        stem = self.path.stem if self.path else "neuroplay"
        suggested = str(Path(self._folder()) / f"{stem}-training.gif")
        dialog = RecordDialog(self.parts, suggested, self._on_recorded)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        self._record_dialog = dialog
        dialog.show()
        return dialog

    def _on_recorded(self, path: Path, text: str) -> None:
        self.parts.settings.set(FOLDER_KEY, str(path.parent))
        self.parts.banner.show_message(text, "info", 5000)

    # ------------------------------------------------------------ the session document
    def _document_future(self) -> Future:
        """The session as a file document and its fingerprint, made by the engine (the
        GUI's mirror lacks the optimizer and shuffle state an exact resume needs).

        The one place the document is asked for (Save, autosave, closing)."""
        data = self.presenter.mirror.data  # changes only with a SessionInfo
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

        self.presenter.document_future().add_done_callback(done)
        return answer

    def _document_now(self) -> tuple[dict, bytes]:
        """_document_future's answer, waited for (Save and closing need it before going on).
        The GUI thread is not blocked meanwhile: frames, timers and painting go on in a
        local event loop; the user's input waits until the answer is in."""
        future = self._document_future()
        wait_for(future, DOCUMENT_TIMEOUT_S)
        if not future.done():
            raise TimeoutError("the training engine did not answer in time")
        try:
            return future.result()
        except CancelledError as exc:
            raise RuntimeError("the training engine has stopped (the window closed)") from exc

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
            self.parts.banner.show_message(f"Autosave failed: {e}", "error", 6000)
            return
        if fingerprint != self._autosaved or not self.slot.path.exists():
            self.writer.submit(self.slot.path, self._autosave_document(doc), fingerprint)

    def _on_autosaved(self, fingerprint: bytes, error: str) -> None:
        if error:
            self.parts.banner.show_message(f"Autosave failed: {error}", "error", 6000)
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
        if watched is self.parts.window and event.type() == QEvent.Close and not self._closed:
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
        if self.slot is None or self.prompts.headless():
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
        self.presenter.mark_unsaved()  # not in any file of the user's yet: the title says so
        self._refresh_title()
        return True


def wait_for(future: Future, timeout_s: float) -> None:
    """Run the GUI's event loop, without user input, until `future` is done or `timeout_s`
    has passed. Its callback may come on any thread: quit is queued to the loop's own."""
    if future.done():
        return
    loop = QEventLoop()
    future.add_done_callback(
        lambda _f: QMetaObject.invokeMethod(loop, "quit", Qt.ConnectionType.QueuedConnection))
    QTimer.singleShot(int(timeout_s * 1000), loop, loop.quit)
    if not future.done():  # it may have ended between the two checks
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
