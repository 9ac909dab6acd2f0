"""Session files: versioned JSON, written atomically, read defensively. Never pickle.

A file holds the config, the points when they were drawn or imported (a generated data
set is rebuilt from its seed), the weights, the counters and the loss history.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from engine import limits
from engine.config import ConfigError, SessionConfig, gpu_limits
from engine.datasets import DataSet
from engine.history import WIDTH, History
from engine.readers import ReadError, parse_json, printable, read_file
from engine.snapshot import HISTORY_COLUMNS

FORMAT = "neuroplay-session"
# 2: "training_state" for exact resume, and the loss history as base64 float64 rows
# (version 1 files still open)
VERSION = 2
MAX_FILE_BYTES = limits.SESSION_BYTES
MAX_HISTORY_ROWS = limits.HISTORY_ROWS
MAX_POINTS, MAX_CLASSES, MAX_VALUE = limits.MAX_POINTS, limits.MAX_CLASSES, limits.MAX_VALUE


class SessionFileError(ValueError):
    """A session file cannot be read; the message says why, for the user."""


def session_to_dict(session) -> dict:
    """Everything needed to show the session again exactly as it is, and to go on
    training exactly as if it had never stopped."""
    weights, biases = session.parameters_as_lists()
    state = session.training_state()
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
        # null: not known (a GUI mirror's document): the optimizer's state starts afresh
        "training_state": None if state is None else training_state_to_dict(state),
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
        why = printable(str(e), newlines=False)
        if _fits_gpu_limits(doc.get("config")):
            raise SessionFileError(
                f"This session is bigger than the window allows ({why}): it was trained on "
                f"a GPU by the command line. Continue it there with neuroplay-train --from "
                f"FILE.") from None
        raise SessionFileError(f"The session's settings are invalid: {why}") from None
    data = _read_data(doc.get("data"), config)
    weights = _numbers(_list(doc, "weights"), "weights", limits.MAX_STATE_VALUE)
    biases = _numbers(_list(doc, "biases"), "biases", limits.MAX_STATE_VALUE)
    step, epoch = _count(doc, "step"), _count(doc, "epoch")
    if epoch > step:
        raise SessionFileError(f"The session file's 'epoch' ({epoch}) is larger than its "
                               f"'step' ({step}); every epoch takes at least one step.")
    history = decode_history(doc.get("history", []), step, epoch)
    diverged = doc.get("diverged", False)
    if not isinstance(diverged, bool):
        raise SessionFileError("The session file's 'diverged' must be true or false.")
    _check_shapes(weights, biases, config)
    state = None
    if (version >= 2 or "training_state" in doc) and doc.get("training_state", {}) is not None:
        state = training_state_from_dict(doc.get("training_state"), config)
    # Everything above is cheap; building the session (data, network, a first evaluation)
    # is not, so it comes last.
    try:
        session = TrainingSession(config, backend=backend, data=data)
    except (ValueError, TypeError) as e:
        raise SessionFileError(f"The session's data cannot be rebuilt: {e}") from None
    try:
        session.set_parameters(weights, biases)
    except (ValueError, TypeError) as e:
        raise SessionFileError(f"The session's weights do not fit its network: {e}") from None
    session.step_count = step
    session.epoch = epoch
    session.history = history
    if not session.history:
        session._record_history()
    if state is not None:
        try:
            session.restore_training_state(state)
        except ValueError as e:
            raise SessionFileError(f"The session's 'training_state' does not fit it: "
                                   f"{printable(str(e), newlines=False)}.") from None
    session.diverged = diverged
    if session.diverged:
        session.message = ("This session had diverged when it was saved. Lower the learning "
                           "rate and press Reset.")
    return session


def _check_shapes(weights: list, biases: list, config: SessionConfig) -> None:
    """Weights (fan_in, fan_out) and biases (fan_out,) per layer of config.layer_sizes."""
    sizes = config.layer_sizes
    fits = len(weights) == len(biases) == len(sizes) - 1 and all(
        isinstance(w, list) and len(w) == sizes[k]
        and all(isinstance(row, list) and len(row) == sizes[k + 1] for row in w)
        and isinstance(b, list) and len(b) == sizes[k + 1]
        and not any(isinstance(v, list) for row in w for v in row)
        and not any(isinstance(v, list) for v in b)
        for k, (w, b) in enumerate(zip(weights, biases, strict=False)))
    if not fits:
        network = "-".join(str(n) for n in sizes)
        raise SessionFileError(f"The session's weights do not fit its {network} network "
                               f"(weights are (fan_in, fan_out) per layer, biases (fan_out,)).")


def training_state_to_dict(state: dict) -> dict:
    """TrainingSession.training_state() as JSON: arrays as nested lists, the 128-bit
    generator state as hexadecimal text (JSON readers elsewhere round big integers)."""
    rng = state["rng"]
    return {
        "optimizer_steps": int(state["optimizer_steps"]),
        # A slot that overflowed on the way to divergence is left out (it starts again
        # from zero): JSON has no infinity, and the weights must still be saved.
        "optimizer_state": [{name: np.asarray(a, dtype=np.float64).tolist()
                             for name, a in slots.items()}
                            if all(np.all(np.isfinite(a)) for a in slots.values()) else {}
                            for slots in state["optimizer_state"]],
        "epoch_step": int(state["epoch_step"]),
        "shuffle": {"bit_generator": rng["bit_generator"],
                    "state": f"{rng['state']['state']:x}", "inc": f"{rng['state']['inc']:x}",
                    "has_uint32": int(rng["has_uint32"]), "uinteger": int(rng["uinteger"])},
        "order": None if state["order"] is None else [int(i) for i in state["order"]],
    }


def training_state_from_dict(raw, config: SessionConfig) -> dict:
    """The inverse of training_state_to_dict, checked field by field."""
    where = "The session's 'training_state'"
    if not isinstance(raw, dict):
        raise SessionFileError(f"{where} is missing or not an object.")
    unknown = set(raw) - {"optimizer_steps", "optimizer_state", "epoch_step", "shuffle",
                          "order"}
    if unknown:
        raise SessionFileError(f"{where} holds an unknown field "
                               f"{printable(repr(sorted(unknown)[0])[:40])}.")
    slots = raw.get("optimizer_state")
    if not isinstance(slots, list) or not all(isinstance(s, dict) for s in slots):
        raise SessionFileError(f"{where}: 'optimizer_state' must be a list of objects, "
                               f"one per weight and bias array.")
    state_arrays = [{str(name): _array(a, f"training_state.optimizer_state[{k}]")
                     for name, a in s.items()} for k, s in enumerate(slots)]
    shuffle = raw.get("shuffle")
    if not isinstance(shuffle, dict) or shuffle.get("bit_generator") != "PCG64":
        raise SessionFileError(f"{where}: 'shuffle' must be a PCG64 generator state.")
    rng = {"bit_generator": "PCG64",
           "state": {"state": _hex128(shuffle.get("state"), "shuffle.state"),
                     "inc": _hex128(shuffle.get("inc"), "shuffle.inc")},
           "has_uint32": _whole(shuffle.get("has_uint32"), "shuffle.has_uint32", 1),
           "uinteger": _whole(shuffle.get("uinteger"), "shuffle.uinteger", 2**32 - 1)}
    order = raw.get("order")
    if order is not None:
        if not isinstance(order, list) or len(order) > limits.MAX_POINTS:
            raise SessionFileError(f"{where}: 'order' must be a list of point numbers.")
        order = [_whole(i, "order", limits.MAX_POINTS) for i in order]
    return {"optimizer_steps": _whole(raw.get("optimizer_steps"), "optimizer_steps",
                                      limits.MAX_COUNT),
            "optimizer_state": state_arrays,
            "epoch_step": _whole(raw.get("epoch_step"), "epoch_step", limits.MAX_COUNT),
            "rng": rng, "order": order}


def _whole(value, name: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise SessionFileError(f"The session's 'training_state' field '{name}' must be a "
                               f"whole number from 0 to {high}.")
    return value


def _hex128(value, name: str) -> int:
    ok = isinstance(value, str) and 0 < len(value) <= 32 and all(
        c in "0123456789abcdef" for c in value)
    if not ok:
        raise SessionFileError(f"The session's 'training_state' field '{name}' must be a "
                               f"hexadecimal number below 2**128.")
    return int(value, 16)


def _numbers(value, where: str, high: float):
    """`value` when it is a JSON number or a nested list of them, each finite and within
    ±high; strings and true/false are refused (NumPy would quietly turn them into numbers)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise SessionFileError(f"The session's '{where}' holds {_shown(item)} where a "
                                   f"number belongs.")
        elif not (math.isfinite(item) and abs(item) <= high):
            bound = f"{high:.0f}" if high < 1e15 else f"{high:.3g}"
            raise SessionFileError(f"The session's '{where}' holds {_shown(item)}; numbers "
                                   f"there must be from -{bound} to {bound}.")
    return value


def _array(value, where: str) -> np.ndarray:
    """A rectangular float64 array of numbers within ±MAX_STATE_VALUE."""
    _numbers(value, where, limits.MAX_STATE_VALUE)
    try:
        return np.array(value, dtype=np.float64)
    except ValueError:  # rows of different lengths
        raise SessionFileError(f"The session's '{where}' must be rows of equal "
                               f"length.") from None


def _shown(item) -> str:
    text = json.dumps(item) if isinstance(item, str | bool | int | float) or item is None \
        else type(item).__name__
    return printable(text if len(text) <= 40 else text[:37] + "...")


def _list(doc: dict, key: str) -> list:
    value = doc.get(key)
    if not isinstance(value, list):
        raise SessionFileError(f"The session file's '{key}' is missing or not a list.")
    return value


def _count(doc: dict, key: str) -> int:
    value = doc.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 0 <= value <= limits.MAX_COUNT:
        raise SessionFileError(f"The session file's '{key}' must be a whole number from 0 "
                               f"to {limits.MAX_COUNT}.")
    return value


def _fits_gpu_limits(config) -> bool:
    """Whether `config` is valid under the command line's GPU limits (see gpu_limits)."""
    try:
        with gpu_limits():
            SessionConfig.from_dict(config)
    except ConfigError:
        return False
    return True


def _read_data(raw, config: SessionConfig) -> DataSet | None:
    if config.dataset != "custom":
        if raw is not None:
            raise SessionFileError(f"The session file holds 'data' (its own points), but its "
                                   f"'config.dataset' is {printable(repr(config.dataset))}, "
                                   f"not 'custom'.")
        return None
    if not isinstance(raw, dict):
        raise SessionFileError("The session uses its own points, but the file holds none.")
    points, labels = raw.get("points"), raw.get("labels")
    if not isinstance(points, list) or not isinstance(labels, list):
        raise SessionFileError("The session's points and labels must be lists.")
    if len(points) != len(labels) or len(points) > MAX_POINTS:
        raise SessionFileError(f"The session needs 0 to {MAX_POINTS} points with one label "
                               f"each; it has {len(points)} points and {len(labels)} labels.")
    _numbers(points, "data.points", MAX_VALUE)
    _numbers(labels, "data.labels", MAX_VALUE)
    if not all(isinstance(p, list) and len(p) == 2 and not isinstance(p[0], list)
               and not isinstance(p[1], list) for p in points) or any(
            isinstance(v, list) for v in labels):
        raise SessionFileError("The session's points must be pairs of numbers, and each "
                               "label one number.")
    p = np.array(points, dtype=np.float64).reshape(-1, 2) if points else np.zeros((0, 2))
    y = np.array(labels, dtype=np.float64)
    problem = raw.get("problem", config.problem)
    if problem != config.problem:
        raise SessionFileError(f"The session's 'data.problem' ({_shown(problem)}) and "
                               f"'config.problem' ({config.problem!r}) disagree.")
    data = make_custom_dataset(p, y, config.problem)
    changes = {}
    if raw.get("extent") is not None:
        changes["extent"] = _read_extent(raw["extent"])
    if raw.get("n_classes") is not None:
        changes["n_classes"] = _read_n_classes(raw["n_classes"], data)
    elif config.problem == "classification" and config.classes > data.n_classes:
        changes["n_classes"] = config.classes  # older files kept the count in the config only
    data = dataclasses.replace(data, **changes) if changes else data
    # The window keeps config.classes equal to the drawn data's classes; a file where they
    # differ would lose its weights at the next settings change, so it is refused here.
    if config.problem == "classification" and max(data.n_classes, 2) != config.classes:
        raise SessionFileError(f"The session's 'data.n_classes' ({data.n_classes}, from its "
                               f"labels and class count) and 'config.classes' "
                               f"({config.classes}) disagree.")
    return data


def _read_extent(raw) -> tuple[float, float, float, float]:
    """(x1 min, x1 max, x2 min, x2 max), as limits.extent_is_valid allows."""
    ok = (isinstance(raw, list) and len(raw) == 4
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw))
    if ok:
        extent = tuple(float(v) for v in raw)
        ok = limits.extent_is_valid(extent)
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
        if (np.any(labels < 0) or np.any(labels != np.round(labels))
                or np.any(labels > MAX_CLASSES - 1)):
            raise SessionFileError(f"Class labels must be whole numbers from 0 to "
                                   f"{MAX_CLASSES - 1}.")
        labels = labels.astype(np.int64)
        n_classes = max(int(labels.max()) + 1, 2)
    else:
        n_classes = 1
    return DataSet(points=points, labels=labels, problem=problem, n_classes=n_classes,
                   extent=limits.fitting_extent(points))


HISTORY_ENCODING = "float64-le-base64"


def encode_history(history: History) -> dict:
    """The history as one base64 string of little-endian float64 rows (m, 6), about 64
    bytes a row where JSON lists took about 120, plus how many rows are thinned buckets."""
    rows = history.array()
    return {"encoding": HISTORY_ENCODING, "columns": list(HISTORY_COLUMNS), "rows": len(rows),
            "thinned": history.thinned_rows, "bucket_epochs": history.bucket_epochs,
            "data": base64.b64encode(rows.astype("<f8").tobytes()).decode("ascii")}


def decode_history(raw, step: int | None = None, epoch: int | None = None) -> History:
    """A history from a file: encode_history's dict, or a version 1 list of rows; every row
    checked by read_history's rules."""
    if isinstance(raw, list):
        return History(np.array(read_history(raw, step, epoch),
                                dtype=np.float64).reshape(-1, WIDTH))
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
    # The same rules as a list history: one home for them. A list's null is NaN here, and
    # a loss that overflowed (inf) is kept as it was, so both pass as null.
    read_history([[None if not math.isfinite(v) else v for v in row] for row in rows.tolist()],
                 step, epoch)
    try:
        return History.restore(rows, thinned, width)
    except ValueError:
        raise bad from None


def read_history(raw, step: int | None = None, epoch: int | None = None
                 ) -> list[tuple[float, ...]]:
    """Loss history rows (see HISTORY_COLUMNS), each checked: step and epoch whole numbers
    that never go backwards and not past the session's own `step` and `epoch`; losses
    >= 0 and accuracies from 0 to 1, or null (NaN: no test set, or regression)."""
    if not isinstance(raw, list) or len(raw) > MAX_HISTORY_ROWS:
        raise SessionFileError(f"The session's loss history must be a list of at most "
                               f"{MAX_HISTORY_ROWS} rows.")
    rows = []
    width = len(HISTORY_COLUMNS)
    last_step = last_epoch = 0.0
    for k, row in enumerate(raw):
        where = f"The session's loss history row {k + 1}"
        if not isinstance(row, list) or len(row) != width:
            raise SessionFileError(f"{where} must hold {width} numbers "
                                   f"({', '.join(HISTORY_COLUMNS)}).")
        values = []
        for name, v in zip(HISTORY_COLUMNS, row, strict=True):
            if v is None and name not in ("step", "epoch"):
                values.append(float("nan"))
                continue
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise SessionFileError(f"{where}: {name} is {_shown(v)}, not a number.")
            ok = {"step": v >= 0 and float(v).is_integer(),
                  "epoch": v >= 0 and float(v).is_integer(),
                  "train_loss": v >= 0, "test_loss": v >= 0,
                  "train_accuracy": 0 <= v <= 1, "test_accuracy": 0 <= v <= 1}[name]
            if not ok or not math.isfinite(v):
                rule = ("a whole number >= 0" if name in ("step", "epoch") else
                        "from 0 to 1" if "accuracy" in name else "0 or more")
                raise SessionFileError(f"{where}: {name} must be {rule}, not {_shown(v)}.")
            values.append(float(v))
        if values[0] < last_step or values[1] < last_epoch:
            raise SessionFileError(f"{where} goes back: step {values[0]:g}, epoch "
                                   f"{values[1]:g} after step {last_step:g}, epoch "
                                   f"{last_epoch:g}.")
        last_step, last_epoch = values[0], values[1]
        rows.append(tuple(values))
    if (step is not None and last_step > step) or (epoch is not None and last_epoch > epoch):
        raise SessionFileError(f"The session's loss history goes past its 'step' ({step}) "
                               f"and 'epoch' ({epoch}): its last row is at step "
                               f"{last_step:g}, epoch {last_epoch:g}.")
    return rows


def write_atomic(path: str | os.PathLike, text: str | bytes) -> None:
    """Write text (UTF-8) or bytes to a temporary file beside `path`, flush, then rename.

    A crash or kill at any moment leaves either the old file or the new one, whole.
    A symbolic link is followed: the file it points to is replaced (atomically, beside
    that file) and the link stays. A device, pipe or folder is refused (OSError): the
    rename would replace it, /dev/null included, with a plain file.
    """
    path = writable_target(path)
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


def writable_target(path: str | os.PathLike) -> Path:
    """The file a save to `path` really writes: a symbolic link's target (links followed
    to the end); OSError when that is a device, pipe, socket or folder, or `path` is empty."""
    if not str(path).strip():
        raise OSError(errno.ENOENT, "no file name given")
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError:
        return target  # e.g. no permission: the write itself gives the clear error
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise OSError(errno.EINVAL, f"{printable(str(target))} is {kind}, not a file; "
                                    f"Neuroplay saves only to regular files")
    return target


def check_writable(path: str | os.PathLike) -> Path:
    """Find out before any work whether a save to `path` can succeed: the target is not
    special and a file can be made in its folder. Returns the target; OSError if not."""
    target = writable_target(path)
    if not target.parent.is_dir():
        raise OSError(errno.ENOENT, f"the folder {printable(str(target.parent))} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)
    return target


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
    """Parse a JSON file (see engine.readers: regular files only, at most `limit` bytes,
    default MAX_FILE_BYTES, strict JSON); SessionFileError says what is wrong."""
    limit = MAX_FILE_BYTES if limit is None else limit
    path = Path(path)
    try:
        return parse_json(read_file(path, limit, what), path.name or str(path))
    except ReadError as e:
        raise SessionFileError(str(e)) from None


def load_session(path: str | os.PathLike, backend: str = "numpy"):
    """Open a session file; SessionFileError (a clear message) if anything is wrong."""
    return session_from_dict(read_json(path, what="session file"), backend=backend)
