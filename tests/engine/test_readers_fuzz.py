"""Fuzzing each file reader: the only outcomes are a working object or the reader's one
documented error with a clear message (tests/engine/fuzz_inputs.py makes the inputs).

The long run of 100,000 inputs per reader is tests/robustness/test_readers_fuzz_long.py
(`make test-slow`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_inputs import (  # noqa: E402
    CONFIGS,
    LESSONS,
    SESSIONS,
    check_message,
    csv_input,
    json_input,
    try_csv,
    try_lesson,
    try_session,
)

from engine.readers import ReadError, parse_json  # noqa: E402

seeds = st.integers(0, 2**32 - 1)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def folder():
    shm = Path("/dev/shm")  # small writes in memory where there is tmpfs
    path = Path(tempfile.mkdtemp(prefix="neuroplay-fuzz-",
                                 dir=shm if shm.is_dir() else None))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@FUZZ
@given(seed=seeds)
def test_session_reader(folder, seed):
    try_session(json_input(SESSIONS, seed), folder)


@FUZZ
@given(seed=seeds)
def test_lesson_reader(seed):
    try_lesson(json_input(LESSONS, seed))


@FUZZ
@given(seed=seeds)
def test_csv_reader(folder, seed):
    try_csv(csv_input(seed), folder)


@FUZZ
@given(data=st.binary(max_size=300) | st.builds(json_input, st.just(CONFIGS), seeds))
def test_strict_json_reader(data):
    """The reader under all of them (and under the window's stored settings)."""
    try:
        parse_json(data, "fuzz.json")
    except ReadError as e:
        check_message(e)


def test_the_inputs_reach_past_the_parser(folder):
    """Enough mutated files parse and load that the checks after parsing are exercised."""
    outcomes = [try_session(json_input(SESSIONS, seed), folder) for seed in range(300)]
    assert 0.02 < outcomes.count("loaded") / len(outcomes) < 0.98
    outcomes = [try_lesson(json_input(LESSONS, seed)) for seed in range(300)]
    assert 0.02 < outcomes.count("loaded") / len(outcomes) < 0.98
