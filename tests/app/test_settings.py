"""app/settings.py: what the window remembers between runs. The stored settings are read
with the strict JSON reader: nothing in them stops the app."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QByteArray, QSettings

from app.settings import Settings
from engine.config import SessionConfig, default_config


def make_settings(tmp_path) -> Settings:
    """Settings in a file under tmp_path: tests never touch the user's real settings."""
    return Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))


@pytest.mark.parametrize("text", [
    "[" * 5000,                                   # once a RecursionError at start-up
    "{" * 100_000,
    '{"learning_rate": 0.1, "learning_rate": 0.2}',
    '{"learning_rate": NaN}',
    '{"learning_rate": 1e999}',
    "x" * 1_000_000,
])
def test_damaged_stored_config_gives_the_default(text):
    store = Settings()
    store.set("session/config", text)
    assert store.load_config() == default_config()


def test_a_good_stored_config_still_loads():
    store = Settings()
    config = SessionConfig(learning_rate=0.25)
    store.save_config(config)
    assert store.load_config() == config
    store.set("session/config", "\ufeff" + json.dumps(config.to_dict()))
    assert store.load_config() == config


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300) | st.text(alphabet='[]{}":,0123456789.eE-tfnul ',
                                             max_size=300))
def test_fuzzed_stored_config_gives_a_config(text):
    store = Settings()
    store.set("session/config", text)
    assert isinstance(store.load_config(), SessionConfig)


def test_settings_file_is_the_temporary_one(tmp_path):
    settings = make_settings(tmp_path)
    settings.save_config(SessionConfig(learning_rate=0.3))
    settings.sync()
    assert "0.3" in (tmp_path / "neuroplay.ini").read_text()
    assert make_settings(tmp_path).load_config().learning_rate == 0.3


def test_drawn_points_are_not_remembered_their_problems_first_data_set_is():
    """A config of drawn points is repaired as the window would when the user picks the
    problem's first data set: three drawn classes come back as moons with two."""
    store = Settings()
    store.save_config(SessionConfig(dataset="custom", classes=3, loss="softmax_ce",
                                    learning_rate=0.3))
    config = store.load_config()
    assert (config.dataset, config.classes, config.loss, config.learning_rate) == (
        "moons", 2, "auto", 0.3)
    store.save_config(SessionConfig(problem="regression", dataset="custom"))
    assert store.load_config().dataset == "plane"


def test_view_values_read_back_typed_and_bad_ones_give_the_default(tmp_path):
    store = make_settings(tmp_path)
    store.save_bool("dark", True)
    store.save_int("pace", 50)
    store.save_palette("colorblind")
    store.save_bytes("geometry", QByteArray(b"\x01\x02"))
    store.sync()
    again = make_settings(tmp_path)  # from the file, where everything is text
    assert again.load_bool("dark", False) is True
    assert again.load_int("pace", 20, 0, 100) == 50
    assert again.load_int("pace", 20, 0, 10) == 20  # out of range
    assert again.load_palette() == "colorblind"
    assert bytes(again.load_bytes("geometry").data()) == b"\x01\x02"
    again.set("view/dark", "maybe")
    again.set("view/palette", "sepia")
    again.set("view/pace", "fast")
    assert again.load_bool("dark", False) is False
    assert (again.load_palette(), again.load_int("pace", 20, 0, 100)) == ("default", 20)
    assert again.load_bytes("missing") is None


def test_clear_forgets_everything(tmp_path):
    store = make_settings(tmp_path)
    store.save_config(SessionConfig(learning_rate=0.3))
    store.clear()
    assert make_settings(tmp_path).load_config() == default_config()
    memory = Settings()
    memory.save_bool("dark", True)
    memory.clear()
    assert memory.store is None and memory.load_bool("dark", False) is False
