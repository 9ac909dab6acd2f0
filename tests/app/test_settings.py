"""The stored settings are read with the strict JSON reader: nothing in them stops the app."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.settings import Settings
from engine.config import SessionConfig, default_config


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
