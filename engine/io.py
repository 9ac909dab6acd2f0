"""Session files: versioned JSON, written atomically, read defensively. Never pickle.

A file holds the config, the points when they were drawn or imported (a generated data
set is rebuilt from its seed), the weights, the counters and the loss history.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from engine.config import MAX_CLASSES, MAX_POINTS, ConfigError, SessionConfig
from engine.datasets import MAX_VALUE, DataSet
from engine.history import WIDTH, History
from engine.snapshot import HISTORY_COLUMNS

FORMAT = "neuroplay-session"
VERSION = 2  # 2: the loss history as base64 float64 (version 1 files still open)
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_HISTORY_ROWS = 5_000_000


class SessionFileError(ValueError):
    """A session file cannot be read; the message says why, for the user."""


def session_to_dict(session) -> dict:
    """Everything needed to show the session again exactly as it is."""
    weights, biases = session.parameters_as_lists()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "config": session.config.to_dict(),
        "step": session.step_count,
        "epoch": session.epoch,
        "weights": weights,
        "biases": biases,
        "history": encode_history(session.history),
        "diverged": session.diverged,
    }
    if session.config.dataset == "custom":
        doc["data"] = {
            "problem": session.data.problem,
            "points": session.data.points.tolist(),
            "labels": session.data.labels.tolist(),
            # Drawn points keep the plot range and class count they were drawn with.
            "extent": [float(v) for v in session.data.extent],
            "n_classes": int(session.data.n_classes),
        }
    return doc


def session_from_dict(doc, backend: str = "numpy"):
    """Build a TrainingSession from a parsed file; SessionFileError on anything wrong."""
    from engine.session import TrainingSession

    if not isinstance(doc, dict):
        raise SessionFileError("This is not a Neuroplay session: the file is not a JSON object.")
    if doc.get("format") != FORMAT:
        raise SessionFileError("This is not a Neuroplay session file (no 'format' marker).")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SessionFileError("The session file has no version number.")
    if version > VERSION:
        raise SessionFileError(f"The session file is version {version}, newer than this "
                               f"Neuroplay reads ({VERSION}). Update Neuroplay to open it.")
    if version < 1:
        raise SessionFileError(f"Unknown session file version {version}.")
    try:
        config = SessionConfig.from_dict(doc.get("config"))
    except ConfigError as e:
        raise SessionFileError(f"The session's settings are invalid: {e}") from None
    data = _read_data(doc.get("data"), config)
    try:
        session = TrainingSession(config, backend=backend, data=data)
    except (ValueError, TypeError) as e:
        raise SessionFileError(f"The session's data cannot be rebuilt: {e}") from None
    try:
        session.set_parameters(_list(doc, "weights"), _list(doc, "biases"))
    except (ValueError, TypeError) as e:
        raise SessionFileError(f"The session's weights do not fit its network: {e}") from None
    session.step_count = _count(doc, "step")
    session.epoch = _count(doc, "epoch")
    session.history = decode_history(doc.get("history", []))
    if not session.history:
        session._record_history()
    session.diverged = doc.get("diverged") is True
    if session.diverged:
        session.message = ("This session had diverged when it was saved. Lower the learning "
                           "rate and press Reset.")
    return session


def _list(doc: dict, key: str) -> list:
    value = doc.get(key)
    if not isinstance(value, list):
        raise SessionFileError(f"The session file's '{key}' is missing or not a list.")
    return value


def _count(doc: dict, key: str) -> int:
    value = doc.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise SessionFileError(f"The session file's '{key}' must be a whole number >= 0.")
    return value


def _read_data(raw, config: SessionConfig) -> DataSet | None:
    if config.dataset != "custom":
        return None
    if not isinstance(raw, dict):
        raise SessionFileError("The session uses its own points, but the file holds none.")
    points, labels = raw.get("points"), raw.get("labels")
    if not isinstance(points, list) or not isinstance(labels, list):
        raise SessionFileError("The session's points and labels must be lists.")
    if len(points) != len(labels) or len(points) > MAX_POINTS:
        raise SessionFileError(f"The session needs 0 to {MAX_POINTS} points with one label "
                               f"each; it has {len(points)} points and {len(labels)} labels.")
    try:
        p = np.array(points, dtype=np.float64).reshape(-1, 2) if points else np.zeros((0, 2))
        y = np.array(labels, dtype=np.float64)
    except (ValueError, TypeError):
        raise SessionFileError("The session's points must be pairs of numbers.") from None
    if p.shape != (len(points), 2) or y.shape != (len(labels),):
        raise SessionFileError("The session's points must be pairs of numbers.")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(y))):
        raise SessionFileError("The session's points hold NaN or infinite values.")
    if np.any(np.abs(p) > MAX_VALUE) or np.any(np.abs(y) > MAX_VALUE):
        raise SessionFileError("The session's points and labels must be from -1000000 "
                               "to 1000000.")
    data = make_custom_dataset(p, y, config.problem)
    changes = {}
    if raw.get("extent") is not None:
        changes["extent"] = _read_extent(raw["extent"])
    if raw.get("n_classes") is not None:
        changes["n_classes"] = _read_n_classes(raw["n_classes"], data)
    return dataclasses.replace(data, **changes) if changes else data


def _read_extent(raw) -> tuple[float, float, float, float]:
    """(x1 min, x1 max, x2 min, x2 max), each range non-empty and within ±1e6."""
    ok = (isinstance(raw, list) and len(raw) == 4
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw))
    if ok:
        extent = tuple(float(v) for v in raw)
        ok = (all(math.isfinite(v) and abs(v) <= 1e6 for v in extent)
              and extent[0] < extent[1] and extent[2] < extent[3])
    if not ok:
        raise SessionFileError("The session's plot range must be 4 numbers: x1 min < x1 max, "
                               "x2 min < x2 max.")
    return extent


def _read_n_classes(raw, data: DataSet) -> int:
    low, high = (1, 1) if data.problem == "regression" else (data.n_classes, MAX_CLASSES)
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise SessionFileError(f"The session's class count must be from {low} to {high}.")
    return raw


def make_custom_dataset(points: np.ndarray, labels: np.ndarray, problem: str) -> DataSet:
    """A DataSet of given points (n, 2) and labels (n,), with a plot range that fits them.

    n may be 0: the user cleared a drawing and has not drawn the next point yet.
    """
    if problem == "classification" and len(labels) == 0:
        labels = np.zeros(0, dtype=np.int64)
        n_classes = 2
    elif problem == "classification":
        if np.any(labels < 0) or np.any(labels != np.round(labels)) or np.any(labels > 4):
            raise SessionFileError("Class labels must be whole numbers from 0 to 4.")
        labels = labels.astype(np.int64)
        n_classes = max(int(labels.max()) + 1, 2)
    else:
        n_classes = 1
    return DataSet(points=points, labels=labels, problem=problem, n_classes=n_classes,
                   extent=fitting_extent(points))


def fitting_extent(points: np.ndarray) -> tuple[float, float, float, float]:
    """A square plot range around the points with a margin, at least [-1, 1]."""
    if len(points) == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    half = max(1.0, float(np.max(np.abs(points))) * 1.15)
    half = math.ceil(half * 2) / 2  # round numbers keep the axes calm
    return (-half, half, -half, half)


HISTORY_ENCODING = "float64-le-base64"


def encode_history(history: History) -> dict:
    """The history as one base64 string of little-endian float64 rows (m, 6), about 64
    bytes a row where JSON lists took about 120, plus how many rows are thinned buckets."""
    rows = history.array()
    return {"encoding": HISTORY_ENCODING, "columns": list(HISTORY_COLUMNS), "rows": len(rows),
            "thinned": history.thinned_rows, "bucket_epochs": history.bucket_epochs,
            "data": base64.b64encode(rows.astype("<f8").tobytes()).decode("ascii")}


def decode_history(raw) -> History:
    """A history from a file: encode_history's dict, or a version 1 list of rows."""
    if isinstance(raw, list):
        return History(np.array(_read_history(raw), dtype=np.float64).reshape(-1, WIDTH))
    bad = SessionFileError("The session's loss history is damaged.")
    if not isinstance(raw, dict) or raw.get("encoding") != HISTORY_ENCODING:
        raise bad
    if raw.get("columns") != list(HISTORY_COLUMNS):
        raise SessionFileError("The session's loss history has columns this Neuroplay "
                               "does not know.")
    n, thinned, width = (raw.get(key) for key in ("rows", "thinned", "bucket_epochs"))
    counts_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (n, thinned, width))
    if not counts_ok or not 0 <= n <= MAX_HISTORY_ROWS or not isinstance(raw.get("data"), str):
        raise bad
    try:
        data = base64.b64decode(raw["data"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise bad from None
    if len(data) != n * WIDTH * 8:
        raise bad
    rows = np.frombuffer(data, dtype="<f8").astype(np.float64).reshape(n, WIDTH)
    try:
        return History.restore(rows, thinned, width)
    except ValueError:
        raise bad from None


def _read_history(raw) -> list[tuple[float, ...]]:
    if not isinstance(raw, list) or len(raw) > MAX_HISTORY_ROWS:
        raise SessionFileError("The session's loss history is not a list of rows.")
    rows = []
    width = len(HISTORY_COLUMNS)
    for row in raw:
        if not isinstance(row, list) or len(row) != width:
            raise SessionFileError(f"Each loss history row must hold {width} numbers.")
        values = []
        for v in row:
            if v is None:
                values.append(float("nan"))
            elif isinstance(v, int | float) and not isinstance(v, bool):
                values.append(float(v))
            else:
                raise SessionFileError("The session's loss history holds something not a number.")
        rows.append(tuple(values))
    return rows


def write_atomic(path: str | os.PathLike, text: str | bytes) -> None:
    """Write text (UTF-8) or bytes to a temporary file beside `path`, flush, then rename.

    A crash or kill at any moment leaves either the old file or the new one, whole.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a saved file should be shareable
            os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(path.parent)


def _file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets rw-r--r--."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def session_json(doc: dict, limit: int | None = None) -> tuple[str, int]:
    """A session document as compact JSON of at most `limit` bytes (MAX_FILE_BYTES).

    A very long loss history is thinned (evenly, keeping the first and last rows) so the
    file can always be opened again; returns (text, how many history rows were left out).
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    rows = doc.get("history") or []
    if not isinstance(rows, list):  # encoded: bounded by History, nothing to thin
        rows = []
    size = len(text.encode("utf-8"))
    keep = len(rows)
    while size > limit and keep > 2:
        keep = max(2, int(keep * limit / size * 0.95))
        index = np.unique(np.linspace(0, len(rows) - 1, keep).round().astype(np.int64))
        thinned = dict(doc, history=[rows[i] for i in index])
        text = json.dumps(thinned, separators=(",", ":"), allow_nan=False)
        size = len(text.encode("utf-8"))
        keep = len(index)
    return text, len(rows) - keep


def save_session(session, path: str | os.PathLike) -> None:
    write_atomic(path, session_json(session_to_dict(session))[0])


def read_json(path: str | os.PathLike, limit: int | None = None, what: str = "file"):
    """Parse a JSON file, refusing huge ones (over `limit` bytes, default MAX_FILE_BYTES)
    and reporting bad ones plainly."""
    limit = MAX_FILE_BYTES if limit is None else limit
    path = Path(path)
    try:
        if path.exists() and not path.is_file():  # a folder or a device like /dev/zero
            raise SessionFileError(f"{path.name} is not a file.")
        size = path.stat().st_size
        too_big = SessionFileError(f"The {what} is {size / 1e6:.1f} MB; the limit is "
                                   f"{limit / 1e6:.0f} MB.")
        if size > limit:
            raise too_big
        with open(path, "rb") as f:
            raw = f.read(limit + 1)  # the file may have grown since stat
        if len(raw) > limit:
            raise too_big
    except OSError as e:
        raise SessionFileError(f"Cannot read {path.name}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise SessionFileError(f"{path.name} is not a text file.") from None
    except json.JSONDecodeError as e:
        raise SessionFileError(f"{path.name} is damaged or truncated: {e.msg} at line "
                               f"{e.lineno}, column {e.colno}.") from None
    except RecursionError:
        raise SessionFileError(f"{path.name} is nested too deeply to be a session.") from None
    except SessionFileError:
        raise
    except ValueError:  # e.g. an integer of thousands of digits
        raise SessionFileError(f"{path.name} holds a number too long to read.") from None


def _reject_constant(name: str):
    raise SessionFileError(f"The file holds {name}, which is not valid JSON here.")


def load_session(path: str | os.PathLike, backend: str = "numpy"):
    """Open a session file; SessionFileError (a clear message) if anything is wrong."""
    return session_from_dict(read_json(path, what="session file"), backend=backend)
