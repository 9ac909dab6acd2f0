"""What the window remembers between runs, kept with QSettings.

`Settings(QSettings(path, QSettings.IniFormat))` stores into a file (tests use a temporary
one); `Settings.for_user()` uses the user's Neuroplay settings; `Settings()` keeps
everything in memory only. A stored value that fails validation is ignored: the default
is used instead, never a crash.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QSettings

from engine.config import (
    CUSTOM_DATASET,
    ConfigError,
    SessionConfig,
    datasets_for,
    default_config,
    fit_changes,
)
from engine.limits import SETTINGS_CONFIG_CHARS
from engine.readers import ReadError, parse_json

ORGANIZATION = "Neuroplay"
APPLICATION = "Neuroplay"
PALETTE_NAMES = ("default", "colorblind")


class Settings:
    """Typed access to the stored window state and last session config."""

    def __init__(self, store: QSettings | None = None):
        self._store = store
        self._memory: dict[str, object] = {}

    @classmethod
    def for_user(cls) -> Settings:
        return cls(QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION))

    # ------------------------------------------------------------ raw access
    @property
    def store(self) -> QSettings | None:
        """The QSettings behind this, or None when settings live in memory only."""
        return self._store

    def get(self, key: str):
        """The stored value of `key` (a string or None); callers check what they read."""
        if self._store is None:
            return self._memory.get(key)
        return self._store.value(key)

    def set(self, key: str, value) -> None:
        if self._store is None:
            self._memory[key] = value
        else:
            self._store.setValue(key, value)

    def clear(self) -> None:
        """Forget everything (neuroplay --reset-settings)."""
        if self._store is None:
            self._memory.clear()
        else:
            self._store.clear()
            self._store.sync()

    def sync(self) -> None:
        if self._store is not None:
            self._store.sync()

    # ------------------------------------------------------------ session config
    def load_config(self) -> SessionConfig:
        """The last config, or the default one when none is stored or it is not valid."""
        text = self.get("session/config")
        if not isinstance(text, str) or not text:
            return default_config()
        if len(text) > SETTINGS_CONFIG_CHARS:
            return default_config()
        try:  # strict JSON with a depth limit: a damaged settings file cannot stop the app
            config = SessionConfig.from_dict(parse_json(text, "the stored settings"))
        except (ReadError, ValueError, TypeError, ConfigError):
            return default_config()
        if config.dataset == CUSTOM_DATASET:
            # Drawn points are not stored here (they belong in a session file): the
            # problem's first data set, repaired as if the user had picked it.
            try:
                config = fit_changes(config, {"dataset": datasets_for(config.problem)[0]})
            except ConfigError:
                return default_config()
        return config

    def save_config(self, config: SessionConfig) -> None:
        self.set("session/config", json.dumps(config.to_dict()))

    # ------------------------------------------------------------ window state
    def load_bytes(self, key: str) -> QByteArray | None:
        value = self.get(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_bytes(self, key: str, value: QByteArray) -> None:
        self.set(f"window/{key}", value)

    def load_bool(self, key: str, default: bool) -> bool:
        value = self.get(f"view/{key}")
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    def save_bool(self, key: str, value: bool) -> None:
        self.set(f"view/{key}", bool(value))

    def load_palette(self) -> str:
        value = self.get("view/palette")
        return value if value in PALETTE_NAMES else "default"

    def save_palette(self, name: str) -> None:
        self.set("view/palette", name)

    def load_int(self, key: str, default: int, low: int, high: int) -> int:
        value = self.get(f"view/{key}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            return default
        return number if low <= number <= high else default

    def save_int(self, key: str, value: int) -> None:
        self.set(f"view/{key}", int(value))
