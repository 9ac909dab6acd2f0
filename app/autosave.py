"""Never lose work: an autosave every minute and on quit, and a lock file that tells the
next start whether this one ended cleanly.

The lock ("running.lock") holds the PID of the running app. It is written at start and
removed on a clean quit, so a lock whose PID is no longer alive means the app crashed
or was killed, and the autosave beside it holds the work to offer back.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer

from engine.io import write_atomic

AUTOSAVE_NAME = "autosave.json"
LOCK_NAME = "running.lock"
AUTOSAVE_INTERVAL_MS = 60_000


def data_folder(window) -> Path | None:
    """Where the autosave and the lock live, following where the window's settings live.

    The user's settings: the user's app data folder (QStandardPaths.AppDataLocation).
    A settings file of its own (tests, a portable setup): the folder of that file.
    Settings kept in memory only: None, no autosave and no restore. Tests monkeypatch this.
    """
    store = getattr(getattr(window, "settings", None), "store", None)
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


class CrashGuard:
    """The lock file and the autosave file in one folder."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.lock_path = self.folder / LOCK_NAME
        self.autosave_path = self.folder / AUTOSAVE_NAME

    def crashed_autosave(self) -> Path | None:
        """The autosave left by a run that did not quit cleanly, if there is one."""
        try:
            text = self.lock_path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        try:
            pid = int(text.split()[0])
        except (ValueError, IndexError):
            pid = -1  # a damaged lock: its writer is gone
        if pid_alive(pid):
            return None  # that Neuroplay still runs (maybe this one) and owns the autosave
        return self.autosave_path if self.autosave_path.is_file() else None

    def saved_at(self) -> str:
        """When the autosave was written, for the question to the user."""
        stamp = datetime.fromtimestamp(self.autosave_path.stat().st_mtime)
        return stamp.strftime("%Y-%m-%d %H:%M")

    def claim(self) -> None:
        """Write our PID: from now on, ending without release() counts as a crash."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.lock_path, f"{os.getpid()}\n")

    def release(self) -> None:
        """A clean quit: remove the lock when it is ours."""
        try:
            if self.lock_path.read_text(encoding="utf-8").split()[0] == str(os.getpid()):
                self.lock_path.unlink()
        except (OSError, UnicodeDecodeError, IndexError):
            pass

    def write(self, text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.autosave_path, text)


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
