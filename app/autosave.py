"""Never lose work, never ask on close: each window keeps its session in an autosave of its
own, every minute and when it closes, and the next start offers to continue it.

In the data folder, under "autosave/":
  <token>.json    one window's session (token: its PID and a random part, so two windows,
                  even in one process, never share a file)
  <token>.lock    that window runs: holds its PID; removed when it closes
  discarded.json  the last session the user chose not to continue: never offered again,
                  kept only so that one wrong click is not beyond repair

A <token>.json whose lock is gone (closed) or names a dead process (crashed) is "kept".
A starting window claims the newest kept one by renaming it to its own token, which is
atomic: two windows starting at once never take the same one, and the session of a window
that still runs is never offered to another.

Named files: the autosave never writes to the user's file. A named file with unsaved
changes is kept like an untitled session, with the file's path; continuing it shows
"name.json*" and Save writes to that file.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal

from engine.io import session_json, write_atomic

AUTOSAVE_INTERVAL_MS = 60_000


def data_folder(settings) -> Path | None:
    """Where the autosave and the lock live, following where the window's `settings` live.

    The user's settings: the user's app data folder (QStandardPaths.AppDataLocation).
    A settings file of its own (tests, a portable setup): the folder of that file.
    Settings kept in memory only: None, no autosave and no restore. Tests monkeypatch this.
    """
    store = settings.store
    if store is None:
        return None
    from app.settings import APPLICATION, ORGANIZATION

    user = QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)
    if store.fileName() and store.fileName() != user.fileName():
        return Path(store.fileName()).parent
    location = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    return Path(location) if location else None


def pid_alive(pid: int) -> bool:
    """True when a process with this id runs now (ours counts)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only checks the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    still_active = 259
    kernel = ctypes.windll.kernel32
    handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
    kernel.CloseHandle(handle)
    return bool(ok) and code.value == still_active


FOLDER_NAME = "autosave"
DISCARDED_NAME = "discarded.json"
LEGACY_AUTOSAVE, LEGACY_LOCK = "autosave.json", "running.lock"  # before one slot per window


@dataclass(frozen=True)
class KeptSession:
    """An autosave a starting window has claimed: now at `path`, its own."""

    path: Path
    saved_at: str  # when it was written, for the question to the user
    crashed: bool  # its window ended without closing


def lock_owner_alive(lock: Path) -> bool | None:
    """None: no lock; True: the PID in it runs; False: a crashed window's (or damaged) lock."""
    try:
        text = lock.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return False
    try:
        return pid_alive(int(text.split()[0]))
    except (ValueError, IndexError):
        return False  # a damaged lock: its writer is gone


class AutosaveSlot:
    """One window's autosave file and lock in `folder`/autosave/."""

    def __init__(self, folder: str | os.PathLike):
        self.root = Path(folder)
        self.folder = self.root / FOLDER_NAME
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = self.folder / f"{self.token}.json"
        self.lock_path = self.folder / f"{self.token}.lock"
        self.discarded_path = self.folder / DISCARDED_NAME

    def claim(self) -> None:
        """Write our lock (before any autosave file of ours can exist); sweep the locks of
        crashed windows that had nothing to keep."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.lock_path, f"{os.getpid()}\n")
        for lock in self.folder.glob("*.lock"):
            if not lock.with_suffix(".json").exists() and lock_owner_alive(lock) is False:
                _remove(lock)

    def kept(self) -> list[tuple[Path, Path, bool]]:
        """(autosave, its lock, crashed) of every kept session, newest first."""
        found = []
        for path in self.folder.glob("*.json"):
            if path == self.path or path.name == DISCARDED_NAME:
                continue
            lock = path.with_suffix(".lock")
            alive = lock_owner_alive(lock)
            if not alive:
                found.append((path, lock, alive is False))
        legacy, legacy_lock = self.root / LEGACY_AUTOSAVE, self.root / LEGACY_LOCK
        if legacy.is_file() and lock_owner_alive(legacy_lock) is False:
            found.append((legacy, legacy_lock, True))  # the old single slot's crash
        return sorted(found, key=lambda item: _mtime(item[0]), reverse=True)

    def take_kept(self) -> KeptSession | None:
        """Claim the newest kept session: it becomes this window's own autosave."""
        for path, lock, crashed in self.kept():
            saved_at = datetime.fromtimestamp(_mtime(path)).strftime("%Y-%m-%d %H:%M")
            try:
                os.rename(path, self.path)  # atomic: only one starting window gets it
            except OSError:
                continue  # another window took it first
            _remove(lock)
            return KeptSession(self.path, saved_at, crashed)
        return None

    def discard(self) -> None:
        """The user chose to start fresh: set our autosave aside, never to be offered."""
        try:
            os.replace(self.path, self.discarded_path)
        except OSError:
            _remove(self.path)

    def remove_autosave(self) -> None:
        _remove(self.path)

    def release(self, keep: bool) -> None:
        """The window closed: keep its autosave for the next start, or remove it; drop
        the lock (once it is ours)."""
        if not keep:
            _remove(self.path)
        try:
            if self.lock_path.read_text(encoding="utf-8").split()[0] == str(os.getpid()):
                self.lock_path.unlink()
        except (OSError, UnicodeDecodeError, IndexError):
            pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


class AutosaveWriter(QObject):
    """Writes session documents on a thread of its own, so neither the JSON nor the fsync
    holds up the GUI; `written(fingerprint, error)` comes back on the GUI thread ("" when
    it worked). A document waiting to be written is replaced by a newer one.

    The thread starts once and then waits: starting a thread per save made the GUI wait up
    to 37 ms for the new thread to get the interpreter lock while training ran."""

    written = Signal(object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ready = threading.Condition()
        self._job: tuple[Path, dict, bytes] | None = None
        self._writing = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="neuroplay-autosave",
                                        daemon=True)
        self._thread.start()

    def submit(self, path: Path, doc: dict, fingerprint: bytes) -> None:
        with self._ready:
            self._job = (path, doc, fingerprint)
            self._ready.notify_all()

    def busy(self) -> bool:
        with self._ready:
            return self._job is not None or self._writing

    def wait(self, timeout_s: float = 10.0) -> bool:
        """Until everything submitted is written; True when it was in time."""
        with self._ready:
            return self._ready.wait_for(lambda: self._job is None and not self._writing,
                                        timeout_s)

    def close(self) -> None:
        """Write what is waiting, then end the thread."""
        with self._ready:
            self._closing = True
            self._ready.notify_all()

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._job is not None or self._closing)
                if self._job is None:
                    return
                (path, doc, fingerprint), self._job = self._job, None
                self._writing = True
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, session_json(doc)[0])
                error = ""
            except (OSError, ValueError) as e:
                error = str(getattr(e, "strerror", None) or e)
            with self._ready:
                self._writing = False
                self._ready.notify_all()
            self.written.emit(fingerprint, error)


class Autosaver(QObject):
    """Calls `save()` every `interval_ms` on the GUI thread while started."""

    def __init__(self, save, interval_ms: int = AUTOSAVE_INTERVAL_MS,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._save = save
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._save)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
