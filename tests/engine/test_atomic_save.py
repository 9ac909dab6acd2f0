"""Files survive: a save killed halfway leaves the old file whole, and damaged or hostile
session and CSV files give only the clear error."""

import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import SessionConfig
from engine.datasets import CSVError, load_csv, make_dataset, to_csv
from engine.io import (
    SessionFileError,
    load_session,
    make_custom_dataset,
    save_session,
    session_json,
    session_to_dict,
    write_atomic,
)
from engine.session import TrainingSession

ROOT = Path(__file__).resolve().parents[2]
HISTORY_ROWS = 19_000  # big files, yet under the 20,000 rows at which History thins


@pytest.fixture(scope="module")
def fast_dir(tmp_path_factory):
    """A folder in memory (tmpfs) where there is one: thousands of small writes stay fast."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="neuroplay-test-", dir=shm))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("fuzz")


def big_session_texts() -> tuple[str, str]:
    """Two different valid session files of a few MB (a long loss history)."""
    s = TrainingSession(SessionConfig(n_points=20, hidden=(3,), activations=("tanh",)))
    doc = session_to_dict(s)
    rng = np.random.default_rng(3)
    rows = rng.uniform(0, 1, (HISTORY_ROWS, 6)).round(12)
    rows[:, :2] = np.arange(HISTORY_ROWS)[:, None]  # steps and epochs only go forward
    rows = rows.tolist()
    texts = []
    for step in (1, 2):
        doc.update(step=HISTORY_ROWS + step, epoch=HISTORY_ROWS, history=rows)
        texts.append(json.dumps(doc, separators=(",", ":")))
    return texts[0], texts[1]


SAVER = textwrap.dedent("""
    import sys
    from engine.io import write_atomic
    path, a, b = sys.argv[1:4]
    texts = [open(a).read(), open(b).read()]
    i = 0
    while True:
        write_atomic(path, texts[i % 2])
        if i == 0:
            print("saved", flush=True)
        i += 1
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_killing_a_save_never_damages_the_file(fast_dir):
    tmp_path = fast_dir
    a, b = big_session_texts()
    (tmp_path / "a.txt").write_text(a)
    (tmp_path / "b.txt").write_text(b)
    target = tmp_path / "session.json"
    write_atomic(target, a)
    rng = random.Random(11)
    kills_mid_write = 0
    for _ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(target), str(tmp_path / "a.txt"),
             str(tmp_path / "b.txt")],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "saved", proc.stderr.read()
        time.sleep(rng.uniform(0.0, 0.05))  # a random moment in the save loop
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = target.read_text()
        assert text in (a, b)  # the old file or the new one, whole
        kills_mid_write += any(tmp_path.glob(".session.json.*.tmp"))
    # The loop spends most of its time writing, so some kills must land mid-write.
    assert kills_mid_write > 0
    session = load_session(target)
    assert session.step_count - HISTORY_ROWS in (1, 2)
    assert len(session.history) == HISTORY_ROWS


def test_write_atomic_takes_bytes_and_keeps_permissions(tmp_path):
    p = tmp_path / "picture.png"
    write_atomic(p, b"\x89PNG\x00\xff")
    assert p.read_bytes() == b"\x89PNG\x00\xff"
    if os.name == "posix":
        assert p.stat().st_mode & 0o777 == 0o644
        p.chmod(0o600)
        write_atomic(p, "text")
        assert p.stat().st_mode & 0o777 == 0o600
    assert [f.name for f in tmp_path.iterdir()] == ["picture.png"]  # no temporary left


def test_a_cleared_drawing_saves_and_opens(tmp_path):
    data = make_custom_dataset(np.zeros((0, 2)), np.zeros(0), "classification")
    s = TrainingSession(SessionConfig(dataset="custom"), data=data)
    assert s.step(5) == 0
    save_session(s, tmp_path / "empty.json")
    t = load_session(tmp_path / "empty.json")
    assert t.data.points.shape == (0, 2) and t.config.dataset == "custom"


def test_drawn_points_keep_their_plot_range_and_class_count(tmp_path):
    data = make_custom_dataset(np.array([[0.1, 0.2], [0.3, -0.2]]), np.array([0, 1]),
                               "classification")
    data = dataclasses.replace(data, extent=(-3.0, 3.0, -2.5, 2.5), n_classes=4)
    s = TrainingSession(SessionConfig(dataset="custom", classes=4), data=data)
    save_session(s, tmp_path / "drawn.json")
    t = load_session(tmp_path / "drawn.json")
    assert t.data.extent == (-3.0, 3.0, -2.5, 2.5) and t.data.n_classes == 4
    doc = json.loads((tmp_path / "drawn.json").read_text())
    for key, bad, words in [("extent", [1, 0, 0, 1], "plot range"),
                            ("extent", [0, 1, 0, "2"], "plot range"),
                            ("extent", [0, 1e300, 0, 1], "plot range"),
                            ("n_classes", 1, "class count"), ("n_classes", 9, "class count")]:
        broken = json.loads(json.dumps(doc))
        broken["data"][key] = bad
        (tmp_path / "bad.json").write_text(json.dumps(broken))
        with pytest.raises(SessionFileError, match=words):
            load_session(tmp_path / "bad.json")
    del doc["data"]["extent"], doc["data"]["n_classes"]  # files without them still open
    (tmp_path / "old.json").write_text(json.dumps(doc))
    assert load_session(tmp_path / "old.json").data.extent == (-1.0, 1.0, -1.0, 1.0)


def test_a_very_long_history_is_thinned_to_fit(tmp_path, monkeypatch):
    """Version 1 documents held the history as lists of rows: session_json still thins
    those (the History itself now stays bounded, see tests/engine/test_history.py)."""
    import engine.io

    s = TrainingSession(SessionConfig(n_points=20, hidden=(3,), activations=("tanh",)))
    doc = dict(session_to_dict(s), version=1, step=20_000, epoch=20_000, history=[
        [float(i), float(i), 1.0 / (i + 1), None, 0.5, None] for i in range(20_000)])
    text, dropped = session_json(doc)
    assert dropped == 0 and json.loads(text)["history"] == doc["history"]
    monkeypatch.setattr(engine.io, "MAX_FILE_BYTES", 200_000)
    text, dropped = session_json(doc)
    assert len(text.encode()) <= 200_000 and dropped > 0
    (tmp_path / "long.json").write_text(text)
    t = load_session(tmp_path / "long.json")
    assert len(t.history) == 20_000 - dropped
    assert t.history[0][0] == 0 and t.history[-1][0] == 19_999  # first and last kept
    steps = [r[0] for r in t.history]
    assert steps == sorted(steps)


def test_hostile_files_are_refused(tmp_path):
    long_number = tmp_path / "long.json"
    long_number.write_text('{"format": "neuroplay-session", "version": ' + "9" * 5000 + "}")
    with pytest.raises(SessionFileError, match="too long"):
        load_session(long_number)
    with pytest.raises(SessionFileError, match="not a file"):
        load_session(tmp_path)
    if Path("/dev/zero").exists():
        with pytest.raises(SessionFileError, match="not a file"):
            load_session("/dev/zero")


# ------------------------------------------------------------------ fuzzing whole files

VALID = json.dumps(session_to_dict(TrainingSession(
    SessionConfig(n_points=12, hidden=(2,), activations=("relu",)))))
VALID_CUSTOM = json.dumps(session_to_dict(TrainingSession(
    SessionConfig(dataset="custom", hidden=(2,), activations=("relu",)),
    data=make_custom_dataset(np.array([[0.5, 1.0], [-1.0, 0.25], [0.0, 0.0]]),
                             np.array([0, 1, 1]), "classification"))))


GARBAGE = [b"NaN", b"1e999", b"-1", b"[", b"]", b"{}", b'"x"', b"null", b"true", b"9" * 30,
           b"\x00", b"\xff\xfe", b",", b"\n", b"#", b"-0.0e-400", "é".encode()]

JSONISH = b'0123456789-+.eE,:[]{}"nultrfas '


def damage(valid: bytes, seed: int) -> bytes:
    """`valid` truncated, bytes flipped, garbage inserted or slices deleted, 1 to 4 times.

    Hypothesis draws only the seed, so 2000 examples stay fast and a failure reproduces
    from the seed it reports.
    """
    rng = random.Random(seed)
    data = bytearray(valid)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        kind = rng.choice(["truncate", "flip", "flip", "insert", "insert", "delete"])
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and at < len(data):
            # Mostly JSON-ish characters, so many cases get past the parser to the checks.
            data[at] = rng.choice(JSONISH) if rng.random() < 0.85 else rng.randrange(256)
        elif kind == "insert":
            junk = rng.choice(GARBAGE) if rng.random() < 0.85 else rng.randbytes(rng.randint(1, 8))
            data[at:at] = junk
        else:
            del data[at:at + rng.randint(1, 20)]
    return bytes(data)


seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=seeds, custom=st.booleans())
def test_damaged_session_files_raise_only_the_clear_error(fast_dir, seed, custom):
    p = fast_dir / "fuzz.json"
    p.write_bytes(damage((VALID_CUSTOM if custom else VALID).encode(), seed))
    try:
        session = load_session(p)
    except SessionFileError as e:
        assert str(e) and "\n" not in str(e)
        return
    # A damage that still reads (a digit changed) must give a working session.
    assert np.all(np.isfinite(session.predict(np.zeros((1, 2)))))


VALID_CSV = to_csv(make_dataset("gaussians", 15, classes=3))


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=seeds, noise=st.booleans())
def test_damaged_csv_files_raise_only_the_clear_error(fast_dir, seed, noise):
    p = fast_dir / "fuzz.csv"
    rng = random.Random(seed)
    # Half the cases: short runs of CSV-ish characters rather than a damaged good file.
    body = (bytes(rng.choice(b"0123456789.,-+e#\n abxn\r\t") for _ in range(rng.randrange(200)))
            if noise else damage(VALID_CSV.encode(), seed))
    p.write_bytes(body)
    try:
        data = load_csv(p)
    except CSVError as e:
        assert e.errors and all(isinstance(line, str) for line in e.errors)
        return
    assert data.points.shape == (len(data.labels), 2)
    assert np.all(np.isfinite(data.points))
