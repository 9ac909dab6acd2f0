"""Hostile inputs for the file readers, made from valid files by seeded mutation.

Shared by the hypothesis tests (tests/engine/test_readers_fuzz.py) and the long run
(tests/robustness/test_readers_fuzz_long.py). Every input comes from one integer seed, so a
failure reproduces from the seed it reports. Outcomes a reader may have: a loaded object,
or its one documented error with a message; `check_message` states what a message must be.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import numpy as np

from engine.config import SessionConfig
from engine.datasets import CSVError, DataSet, load_csv, to_csv
from engine.io import (
    SessionFileError,
    load_session,
    make_custom_dataset,
    session_from_dict,
    session_to_dict,
)
from engine.lessons import LessonError, parse_lesson
from engine.readers import printable
from engine.session import TrainingSession

ROOT = Path(__file__).resolve().parents[2]


def _session_doc(**changes) -> dict:
    s = TrainingSession(SessionConfig(n_points=12, hidden=(2,), activations=("tanh",),
                                      batch_size=4, **changes))
    s.step(5)
    return session_to_dict(s)


def _custom_doc() -> dict:
    data = make_custom_dataset(np.array([[0.5, 1.0], [-1.0, 0.25], [0.0, 0.0]]),
                               np.array([0, 1, 2]), "classification")
    s = TrainingSession(SessionConfig(dataset="custom", classes=3, hidden=(2,),
                                      activations=("relu",), optimizer="adam"), data=data)
    s.step(2)
    return session_to_dict(s)


SESSIONS = [_session_doc(), _session_doc(optimizer="adam", schedule="cosine"), _custom_doc()]
LESSONS = [json.loads((ROOT / "resources" / "lessons" / name).read_text())
           for name in ("01-six-lines.json", "02-training-xor.json")]
CSVS = [to_csv(make_custom_dataset(np.array([[0.5, 1.0], [-1.0, 0.25], [3.0, -2.0]]),
                                   np.array([0.0, 1.0, 2.0]), "classification")),
        "x1,x2,label\n0.1,0.2,0.5\n-1,2,3.25\n"]
CONFIGS = [json.dumps(SessionConfig().to_dict()),
           json.dumps(SessionConfig(dataset="spiral", classes=3).to_dict())]

# Values that have broken readers somewhere: wrong types, edges of ranges, deep nesting.
ODD_VALUES = [
    None, True, False, 0, -1, 1, 2, 5, 0.5, -0.0, 1e6, 1e7, -1e300, 1.7e308, 2**31, 2**53,
    2**64, -(2**63), "", "0.5", "1", "true", "\x1b[2J", "\u202e", "é" * 3, [], [[]], {},
    {"": None}, [0.5, 1], [[0.5, 1]], [1, 2, 3, 4, 5, 6], [None] * 6, ["x"],
    [[[[[[[[1]]]]]]]], {"format": "neuroplay-session"},
]
GARBAGE = [b"NaN", b"Infinity", b"1e999", b"-", b"[", b"]", b"{", b"}", b'"', b",", b":",
           b"\x00", b"\xff", b"\xef\xbb\xbf", b"\x1b", b"\n", b"#", b"\\u0000", b"9" * 40,
           b"[" * 40, b'"a":1,"a":2', "é".encode(), b"\r\n"]
JSONISH = b'0123456789-+.eE,:[]{}"nultrfas '


def _nodes(value, path=()):
    """Every (path, value) in a parsed JSON document."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _replace(doc, path, new):
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return doc


def mutate_document(doc, rng: random.Random):
    """A deep copy of `doc` with 1 to 3 values replaced, keys deleted or renamed."""
    doc = json.loads(json.dumps(doc))
    for _ in range(rng.randint(1, 3)):
        nodes = list(_nodes(doc))
        path, value = rng.choice(nodes)
        kind = rng.random()
        if kind < 0.55:
            doc = _replace(doc, path, copy.deepcopy(rng.choice(ODD_VALUES)))
        elif kind < 0.7 and isinstance(value, int | float) and not isinstance(value, bool):
            doc = _replace(doc, path, value * rng.choice([-1, 10, 1e6, 0.5]) + rng.choice([0, 1]))
        elif kind < 0.8 and path:
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
        elif kind < 0.9 and isinstance(value, list) and value:
            value.append(copy.deepcopy(rng.choice(value)))
        elif isinstance(value, dict):
            value[rng.choice(["", "x", "\x1b", "format", "version"])] = copy.deepcopy(
                rng.choice(ODD_VALUES))
    return doc


def damage_bytes(data: bytes, rng: random.Random) -> bytes:
    """`data` truncated, with bytes flipped, garbage inserted or slices deleted, 1-4 times."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) + 1)
        kind = rng.random()
        if kind < 0.1:
            del out[at:]
        elif kind < 0.5 and at < len(out):
            out[at] = rng.choice(JSONISH) if rng.random() < 0.85 else rng.randrange(256)
        elif kind < 0.85:
            junk = rng.choice(GARBAGE) if rng.random() < 0.85 else rng.randbytes(rng.randint(1, 8))
            out[at:at] = junk
        else:
            del out[at:at + rng.randint(1, 20)]
    return bytes(out)


def json_input(valids: list, seed: int) -> bytes:
    """A hostile JSON file from one of `valids` (parsed documents or JSON text)."""
    rng = random.Random(seed)
    valid = rng.choice(valids)
    doc = json.loads(valid) if isinstance(valid, str) else valid
    kind = rng.random()
    if kind < 0.5:
        return json.dumps(mutate_document(doc, rng)).encode()
    text = json.dumps(doc).encode()
    if kind < 0.9:
        return damage_bytes(text, rng)
    return damage_bytes(json.dumps(mutate_document(doc, rng)).encode(), rng)


def csv_input(seed: int) -> bytes:
    rng = random.Random(seed)
    if rng.random() < 0.2:  # a few lines of CSV-ish noise
        alphabet = "0123456789-+.eE,#\n \tnaifx\x1b"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))).encode()
    return damage_bytes(rng.choice(CSVS).encode(), rng)


def check_message(error: Exception, one_line: bool = True) -> None:
    """A documented error's message: not empty, control characters escaped, and one line
    where the reader promises one."""
    text = str(error)
    assert text.strip(), f"empty message from {type(error).__name__}"
    assert printable(text) == text, f"unescaped control characters: {text!r}"
    if one_line:
        assert "\n" not in text, f"a message of several lines: {text!r}"


# ------------------------------------------------------------------ one trial per reader

def try_session(data: bytes, folder: Path) -> str:
    """load_session on `data`: a session that shows, trains and saves to a file that opens
    again, or SessionFileError with a one-line message. Returns "loaded" or "refused"."""
    path = folder / "fuzz-session.json"
    path.write_bytes(data)
    try:
        session = load_session(path)
    except SessionFileError as e:
        check_message(e)
        return "refused"
    session.snapshot(grid=4, neuron_grid=2)
    weights, biases = session.parameters_as_lists()
    # Weights past the editor's limit (a diverged run's last finite ones) load and show;
    # training on from them is the trainer's own divergence check, not the reader's.
    if float(np.max(np.abs(np.concatenate([np.ravel(a) for a in weights + biases])))) <= 1e6:
        session.step(2)
    session_from_dict(json.loads(json.dumps(session_to_dict(session))))
    return "loaded"


def try_lesson(data: bytes) -> str:
    """parse_lesson on `data`: a lesson whose every step has a valid config, or LessonError."""
    try:
        lesson = parse_lesson(data, "fuzz-lesson.json")
    except LessonError as e:
        check_message(e)
        return "refused"
    for k in range(len(lesson.steps)):
        assert isinstance(lesson.step_config(k), SessionConfig)
    return "loaded"


def try_csv(data: bytes, folder: Path) -> str:
    """load_csv on a file of `data`: finite points within the limits, or CSVError."""
    path = folder / "fuzz.csv"
    path.write_bytes(data)
    try:
        dataset = load_csv(path)
    except CSVError as e:
        check_message(e, one_line=False)
        return "refused"
    assert isinstance(dataset, DataSet) and np.all(np.isfinite(dataset.points))
    assert len(dataset.points) == len(dataset.labels) > 0
    return "loaded"


def try_settings(data: bytes) -> str:
    """The window's stored config: whatever is stored, a valid SessionConfig comes back."""
    from app.settings import Settings  # late: the engine tests run without Qt

    store = Settings()
    store.set("session/config", data.decode("utf-8", "replace"))
    config = store.load_config()
    assert isinstance(config, SessionConfig)
    return "loaded" if config != SessionConfig() else "default"


def run_batch(reader: str, start: int, count: int, folder: str) -> dict:
    """Inputs from seeds start..start+count-1 through one reader: outcome counts, or the
    first failure ("failure": seed and traceback) to report."""
    import traceback

    where = Path(folder)
    trials = {
        "session": lambda seed: try_session(json_input(SESSIONS, seed), where),
        "lesson": lambda seed: try_lesson(json_input(LESSONS, seed)),
        "csv": lambda seed: try_csv(csv_input(seed), where),
        "settings": lambda seed: try_settings(json_input(CONFIGS, seed)),
    }
    counts: dict = {}
    for seed in range(start, start + count):
        try:
            outcome = trials[reader](seed)
        except Exception:
            return {"failure": f"{reader} seed {seed}:\n{traceback.format_exc()}"}
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
