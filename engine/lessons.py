"""Lessons: a session config, optional fixed weights and a story told in steps.

A lesson file is versioned JSON:

    {"format": "neuroplay-lesson", "version": 1,
     "title": "...", "summary": "...",
     "config": {SessionConfig fields; missing ones take their defaults},
     "weights": [(fan_in, fan_out) nested lists, one per layer],   optional, with "biases"
     "biases": [(fan_out,) lists, one per layer],
     "hidden_controls": ["optimizer", ...],   control groups the lesson does not need
     "train_steps": 100,                      training steps run when the lesson opens
     "show_test": true,                       show the test points on the plane
     "pace": 20,                              epochs per second the text assumes ("max": Max)
     "output_table": [[x1, x2, target], ...], rows whose outputs the panel computes
     "points": [[x1, x2], ...], "labels": [...],  the data itself when config.dataset is "custom"
     "steps": [{"text": "<p>simple HTML</p>", "config": {changes}, "train_steps": 0,
                "show_test": false}, ...]}

Step config changes are cumulative: step k shows the lesson's config with the changes of
steps 0..k applied in order, so moving Back and Next always gives the same config.
Every problem raises `LessonError` with a message a teacher can act on. No Qt here.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from engine import limits
from engine.config import CUSTOM_DATASET, MAX_POINTS, ConfigError, SessionConfig
from engine.readers import ReadError, parse_json, printable, read_file
from engine.weights import parameters_fit

FORMAT = "neuroplay-lesson"
VERSION = 1
MAX_LESSON_BYTES = limits.LESSON_BYTES  # all the limits live in engine/limits.py
MAX_STEPS = limits.LESSON_STEPS
MAX_TEXT_CHARS = limits.LESSON_TEXT_CHARS
MAX_TITLE_CHARS = limits.LESSON_TITLE_CHARS
MAX_TRAIN_STEPS = limits.LESSON_TRAIN_STEPS
MAX_TABLE_ROWS = limits.LESSON_TABLE_ROWS
MAX_PACE = limits.LESSON_PACE
# Tags a lesson's text may use; anything else (images, links, scripts) is refused.
ALLOWED_TAGS = frozenset({
    "b", "i", "em", "strong", "p", "br", "ul", "ol", "li", "code", "sub", "sup", "h3", "h4",
    "span", "div", "u", "small", "big", "tt", "pre",
})
# Control groups the window knows how to hide (see app/classroom.py).
CONTROL_GROUPS = (
    "data", "features", "network", "training", "optimizer", "loss", "regularization",
    "schedule", "initialisation",
)
_TOP_KEYS = frozenset({
    "format", "version", "title", "summary", "config", "weights", "biases", "hidden_controls",
    "train_steps", "show_test", "output_table", "steps", "points", "labels", "pace",
})
_STEP_KEYS = frozenset({"text", "config", "train_steps", "show_test"})
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "resources" / "lessons"


class LessonError(ValueError):
    """A lesson file is unreadable or invalid; the message says where and why."""


@dataclass(frozen=True)
class LessonStep:
    text: str
    config_changes: dict = field(default_factory=dict)  # SessionConfig field -> JSON value
    train_steps: int = 0
    show_test: bool | None = None  # None: leave the view as it is


@dataclass(frozen=True)
class Lesson:
    """A validated lesson. weights[k] is (fan_in, fan_out), biases[k] is (fan_out,)."""

    title: str
    summary: str
    config: SessionConfig
    steps: tuple[LessonStep, ...]
    weights: tuple[tuple[tuple[float, ...], ...], ...] | None = None
    biases: tuple[tuple[float, ...], ...] | None = None
    hidden_controls: tuple[str, ...] = ()
    train_steps: int = 0
    show_test: bool | None = None
    output_table: tuple[tuple[float, float, float], ...] = ()
    points: tuple[tuple[float, float], ...] | None = None  # (n, 2), custom data only
    labels: tuple[float, ...] | None = None  # (n,) class index or regression target
    pace: float | None = None  # epochs/s the text assumes; inf: Max; None: leave it
    source: str = ""  # the file it came from, "" when built in memory

    def step_config(self, index: int) -> SessionConfig:
        """The config shown at step `index` (0-based): changes of steps 0..index applied."""
        if not 0 <= index < len(self.steps):
            raise LessonError(f"{self.title}: no step {index + 1} (it has {len(self.steps)})")
        data = self.config.to_dict()
        for step in self.steps[: index + 1]:
            data.update(step.config_changes)
        return SessionConfig.from_dict(data)

    def weights_fit(self, config: SessionConfig) -> bool:
        """True when the lesson's fixed weights have the shape of `config`'s network."""
        return self.weights is not None and _shapes_match(self.weights, self.biases, config)

    def show_test_at(self, index: int) -> bool | None:
        """Whether step `index` shows the test points: the latest step that says so."""
        shown = self.show_test
        for step in self.steps[: index + 1]:
            if step.show_test is not None:
                shown = step.show_test
        return shown


def _fail(where: str, message: str) -> None:
    # One line, with any control characters from the file shown as escapes.
    raise LessonError(printable(f"{where}: {message}" if where else message, newlines=False))


class _TagChecker(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.bad.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def _check_text(where: str, value, limit: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        _fail(where, "must be text")
    if not value.strip() and not allow_empty:
        _fail(where, "is empty")
    if len(value) > limit:
        _fail(where, f"is {len(value)} characters long; the limit is {limit}")
    checker = _TagChecker()
    checker.feed(value)
    if checker.bad:
        allowed = ", ".join(f"<{t}>" for t in sorted(ALLOWED_TAGS))
        _fail(where, f"uses <{checker.bad[0]}>; lesson text may use only {allowed}")
    return value


def _check_count(where: str, value, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        _fail(where, f"must be a whole number from 0 to {limit}, not {value!r}")
    return value


def _check_bool(where: str, value) -> bool | None:
    if value is not None and not isinstance(value, bool):
        _fail(where, "must be true or false")
    return value


def _number(where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(where, f"must be a finite number, not {value!r}")
    return float(value)


def _matrix(where: str, rows) -> tuple[tuple[float, ...], ...]:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        _fail(where, "must be a list of rows (fan_in rows of fan_out numbers)")
    return tuple(tuple(_number(f"{where}[{i}][{j}]", v) for j, v in enumerate(r))
                 for i, r in enumerate(rows))


def _shapes_match(weights, biases, config: SessionConfig) -> bool:
    return parameters_fit(config.layer_sizes, weights, biases)


def _config(where: str, data) -> SessionConfig:
    try:
        return SessionConfig.from_dict(data)
    except ConfigError as error:
        _fail(where, f"invalid setting {error}")
    raise AssertionError("unreachable")


def lesson_from_dict(data, source: str = "") -> Lesson:
    """Validate a parsed lesson; raises LessonError naming the first problem found."""
    name = Path(source).name if source else "lesson"
    if not isinstance(data, dict):
        _fail(name, "a lesson file must hold one JSON object")
    if data.get("format") != FORMAT:
        _fail(name, f'not a Neuroplay lesson (expected "format": "{FORMAT}")')
    version = data.get("version")
    if version != VERSION:
        _fail(name, f"lesson format version {version!r} is not supported (this Neuroplay "
                    f"reads version {VERSION})")
    unknown = sorted(str(k)[:40] for k in data if k not in _TOP_KEYS)
    if unknown:
        _fail(name, f"unknown field {unknown[0]!r}")
    title = _check_text(f"{name}: title", data.get("title"), MAX_TITLE_CHARS)
    summary = _check_text(f"{name}: summary", data.get("summary", ""), MAX_TEXT_CHARS,
                          allow_empty=True)
    base = data.get("config", {})
    config = _config(f"{name}: config", base)

    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        _fail(name, "needs a non-empty list of steps")
    if len(raw_steps) > MAX_STEPS:
        _fail(name, f"has {len(raw_steps)} steps; the limit is {MAX_STEPS}")
    steps = []
    merged = config.to_dict()
    for k, raw in enumerate(raw_steps):
        where = f"{name}: step {k + 1}"
        if not isinstance(raw, dict):
            _fail(where, "must be an object with a text")
        bad = sorted(str(key)[:40] for key in raw if key not in _STEP_KEYS)
        if bad:
            _fail(where, f"unknown field {bad[0]!r}")
        changes = raw.get("config", {})
        if not isinstance(changes, dict):
            _fail(where, "config must be an object of setting changes")
        merged.update(changes)
        _config(where, merged)  # every step's config must be valid on its own
        if merged.get("dataset") == CUSTOM_DATASET and "points" not in data:
            _fail(where, f'uses dataset "{CUSTOM_DATASET}" but the lesson holds no "points"')
        steps.append(LessonStep(
            text=_check_text(f"{where}: text", raw.get("text"), MAX_TEXT_CHARS),
            config_changes=dict(changes),
            train_steps=_check_count(f"{where}: train_steps", raw.get("train_steps", 0),
                                     MAX_TRAIN_STEPS),
            show_test=_check_bool(f"{where}: show_test", raw.get("show_test")),
        ))

    weights = biases = None
    if ("weights" in data) != ("biases" in data):
        _fail(name, "fixed weights need both \"weights\" and \"biases\"")
    if "weights" in data:
        raw_w, raw_b = data["weights"], data["biases"]
        if not isinstance(raw_w, list) or not isinstance(raw_b, list):
            _fail(name, "weights and biases must be lists, one entry per layer")
        weights = tuple(_matrix(f"{name}: weights[{k}]", w) for k, w in enumerate(raw_w))
        biases = tuple(
            tuple(_number(f"{name}: biases[{k}][{j}]", v) for j, v in enumerate(b))
            if isinstance(b, list) else _fail(f"{name}: biases[{k}]", "must be a list")
            for k, b in enumerate(raw_b))
        first = SessionConfig.from_dict({**config.to_dict(), **steps[0].config_changes})
        if not _shapes_match(weights, biases, first):
            sizes = "-".join(str(s) for s in first.layer_sizes)
            _fail(name, f"fixed weights do not fit the {sizes} network of the config (weights "
                        f"are (fan_in, fan_out) per layer, biases (fan_out,))")

    hidden = data.get("hidden_controls", [])
    if not isinstance(hidden, list) or not all(isinstance(h, str) for h in hidden):
        _fail(name, "hidden_controls must be a list of control group names")
    for group in hidden:
        if group not in CONTROL_GROUPS:
            _fail(name, f"hidden_controls: unknown control group {group[:40]!r} "
                        f"(known: {', '.join(CONTROL_GROUPS)})")

    table = data.get("output_table", [])
    if not isinstance(table, list) or len(table) > MAX_TABLE_ROWS:
        _fail(name, f"output_table must be a list of at most {MAX_TABLE_ROWS} rows")
    rows = []
    for i, row in enumerate(table):
        if not isinstance(row, list) or len(row) != 3:
            _fail(f"{name}: output_table[{i}]", "must be [x1, x2, target]")
        rows.append(tuple(_number(f"{name}: output_table[{i}]", v) for v in row))

    points, labels = _points(name, data, config)
    return Lesson(
        title=title, summary=summary, config=config, steps=tuple(steps),
        points=points, labels=labels,
        weights=weights, biases=biases, hidden_controls=tuple(hidden),
        train_steps=_check_count(f"{name}: train_steps", data.get("train_steps", 0),
                                 MAX_TRAIN_STEPS),
        show_test=_check_bool(f"{name}: show_test", data.get("show_test")),
        output_table=tuple(rows), pace=_pace(name, data.get("pace")), source=str(source),
    )


def _pace(name: str, value) -> float | None:
    """The lesson's pace: a number of epochs per second, "max", or absent (None)."""
    if value is None:
        return None
    if value == "max":
        return math.inf
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not 0 < value <= MAX_PACE):
        _fail(name, f'pace must be a number of epochs per second above 0 and at most '
                    f'{MAX_PACE}, or "max", not {value!r}')
    return float(value)


def _points(name: str, data: dict, config: SessionConfig):
    """The lesson's own data: required for a custom dataset, refused otherwise."""
    if ("points" in data) != ("labels" in data):
        _fail(name, 'drawn data needs both "points" and "labels"')
    if "points" not in data:
        if config.dataset == CUSTOM_DATASET:
            _fail(name, f'the config uses dataset "{CUSTOM_DATASET}" but the lesson holds '
                        f'no "points" and "labels"')
        return None, None
    if config.dataset != CUSTOM_DATASET:
        _fail(name, f'"points" are only used with dataset "{CUSTOM_DATASET}", not '
                    f'{config.dataset!r}')
    raw_p, raw_l = data["points"], data["labels"]
    if not isinstance(raw_p, list) or not isinstance(raw_l, list) or len(raw_p) != len(raw_l):
        _fail(name, "points and labels must be lists of the same length")
    if not 1 <= len(raw_p) <= MAX_POINTS:
        _fail(name, f"needs 1 to {MAX_POINTS} points, not {len(raw_p)}")
    points = []
    for i, p in enumerate(raw_p):
        if not isinstance(p, list) or len(p) != 2:
            _fail(f"{name}: points[{i}]", "must be [x1, x2]")
        points.append((_number(f"{name}: points[{i}]", p[0]),
                       _number(f"{name}: points[{i}]", p[1])))
    labels = []
    for i, v in enumerate(raw_l):
        v = _number(f"{name}: labels[{i}]", v)
        if config.problem == "classification" and (v != int(v) or not 0 <= v < config.classes):
            _fail(f"{name}: labels[{i}]", f"must be a class from 0 to {config.classes - 1}")
        labels.append(v)
    return tuple(points), tuple(labels)


def parse_lesson(text: str | bytes, source: str = "") -> Lesson:
    """Parse and validate lesson JSON text (strict JSON: see engine.readers)."""
    name = Path(source).name if source else "lesson"
    if len(text) > MAX_LESSON_BYTES:
        _fail(name, f"is {len(text)} bytes; a lesson may be at most {MAX_LESSON_BYTES}")
    try:
        data = parse_json(text, name)
    except ReadError as error:
        _fail(name, f"is not valid JSON: {error.reason}")
    return lesson_from_dict(data, source)


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate a lesson file (a regular file of at most MAX_LESSON_BYTES)."""
    path = Path(path)
    try:
        text = read_file(path, MAX_LESSON_BYTES, "lesson")
    except ReadError as error:
        _fail(path.name, error.reason)
    return parse_lesson(text, str(path))


def lesson_to_dict(lesson: Lesson) -> dict:
    """The JSON object `lesson_from_dict` reads back to an equal lesson."""
    data: dict = {"format": FORMAT, "version": VERSION, "title": lesson.title,
                  "summary": lesson.summary, "config": lesson.config.to_dict()}
    if lesson.weights is not None:
        data["weights"] = [[list(row) for row in w] for w in lesson.weights]
        data["biases"] = [list(b) for b in lesson.biases]
    if lesson.hidden_controls:
        data["hidden_controls"] = list(lesson.hidden_controls)
    if lesson.train_steps:
        data["train_steps"] = lesson.train_steps
    if lesson.show_test is not None:
        data["show_test"] = lesson.show_test
    if lesson.pace is not None:
        data["pace"] = "max" if math.isinf(lesson.pace) else lesson.pace
    if lesson.output_table:
        data["output_table"] = [list(r) for r in lesson.output_table]
    if lesson.points is not None:
        data["points"] = [list(p) for p in lesson.points]
        data["labels"] = list(lesson.labels)
    steps = []
    for step in lesson.steps:
        item: dict = {"text": step.text}
        if step.config_changes:
            item["config"] = dict(step.config_changes)
        if step.train_steps:
            item["train_steps"] = step.train_steps
        if step.show_test is not None:
            item["show_test"] = step.show_test
        steps.append(item)
    data["steps"] = steps
    return data


def save_lesson(lesson: Lesson, path: str | Path) -> Path:
    """Write `lesson` as JSON (validated first, so what is saved loads again)."""
    data = lesson_to_dict(lesson)
    lesson_from_dict(data, str(path))
    text = json.dumps(data, indent=2)
    path = Path(path)
    from engine.io import write_atomic  # late: io needs the trainer, lessons do not

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text + "\n")
    except OSError as error:
        _fail(path.name, f"cannot be written ({error.strerror or error})")
    return path


def make_lesson(title: str, config: SessionConfig, weights=None, biases=None,
                text: str = "", summary: str = "", points=None, labels=None) -> Lesson:
    """A one-step lesson from a session: `weights` (fan_in, fan_out) arrays or lists;
    `points` (n, 2) and `labels` (n,) when the config's dataset is "custom"."""
    data: dict = {"format": FORMAT, "version": VERSION, "title": title, "summary": summary,
                  "config": config.to_dict(),
                  "steps": [{"text": text or f"<p>{_escape(title)}</p>"}]}
    if weights is not None and biases is not None:
        data["weights"] = [[[float(v) for v in row] for row in w] for w in weights]
        data["biases"] = [[float(v) for v in b] for b in biases]
    if config.dataset == CUSTOM_DATASET and points is not None and labels is not None:
        data["points"] = [[float(p[0]), float(p[1])] for p in points]
        data["labels"] = [float(v) for v in labels]
    return lesson_from_dict(data)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lesson_file_name(title: str) -> str:
    """A safe file name for a lesson titled `title`, e.g. "my-lesson.json"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return f"{slug or 'lesson'}.json"


def list_lessons(*folders: str | Path) -> tuple[list[Lesson], list[str]]:
    """Every lesson in `folders` (built-in folder when none), sorted by file name.

    Returns (lessons, errors): a bad file becomes one message in `errors`, never a crash.
    """
    lessons, errors = [], []
    for folder in folders or (BUILTIN_DIR,):
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                lessons.append(load_lesson(path))
            except LessonError as error:
                errors.append(str(error))
            except (ValueError, RecursionError, MemoryError) as error:  # a last guard
                errors.append(printable(f"{path.name}: cannot be read ({error})", False))
    return lessons, errors


def open_session(lesson: Lesson, step: int = 0, backend: str = "numpy"):
    """A TrainingSession set up for `step`: its config, fixed weights when they fit, then the
    lesson's train_steps (step 0) and the step's own train_steps. Same lesson, same result."""
    from engine.session import TrainingSession  # late: lessons load without the trainer

    config = lesson.step_config(step)
    data = None
    if config.dataset == CUSTOM_DATASET:
        data = lesson_data(lesson, config.problem)
    session = TrainingSession(config, backend=backend, data=data)
    if lesson.weights_fit(config):
        load_weights(session, lesson.weights, lesson.biases)
    steps = lesson.steps[step].train_steps + (lesson.train_steps if step == 0 else 0)
    if steps:
        session.step(steps)
    return session


def lesson_data(lesson: Lesson, problem: str):
    """The lesson's own points as a DataSet (points (n, 2), labels (n,)), or None."""
    if lesson.points is None:
        return None
    import numpy as np

    from engine.io import make_custom_dataset

    labels = np.asarray(lesson.labels, dtype=np.float64)
    if problem == "classification":
        labels = labels.astype(np.int64)
    return make_custom_dataset(np.asarray(lesson.points, dtype=np.float64), labels, problem)


def load_weights(session, weights, biases) -> None:
    """Set every weight and bias of `session`: weights[k] (fan_in, fan_out), biases[k]."""
    if hasattr(session, "set_parameters"):
        session.set_parameters([list(w) for w in weights], [list(b) for b in biases])
    else:
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            for i, row in enumerate(w):
                for j, value in enumerate(row):
                    session.set_weight(k, i, j, float(value))
            for j, value in enumerate(b):
                session.set_bias(k, j, float(value))
    # The session recorded its first history row with the random weights; the chart and
    # the numbers must start from the lesson's weights instead.
    if session.history and session.step_count == 0:
        session.history[-1] = (0.0, float(session.epoch), *session.evaluate())


# Short names for run labels on the loss chart ("lr 0.03", "layers 8-4").
_SHORT = {
    "learning_rate": "lr", "regularization_rate": "reg rate", "batch_size": "batch",
    "init_seed": "seed", "data_seed": "data seed", "n_points": "points", "noise": "noise",
    "train_fraction": "train", "momentum": "momentum", "schedule_steps": "schedule steps",
    "classes": "classes", "output_activation": "output", "loss": "loss", "init": "init",
}


def describe_setting(name: str, value) -> str:
    """One setting as a few words: ("learning_rate", 0.03) -> "lr 0.03"."""
    if name == "hidden":
        return "layers " + ("-".join(str(n) for n in value) if value else "none")
    if name in ("activations", "features"):
        return ", ".join(dict.fromkeys(value)) or "none"
    if name == "batch_size" and value == 0:
        return "full batch"
    if name == "seed_exact":
        return "seed-exact" if value else "not seed-exact"
    if name in ("dataset", "optimizer", "problem", "schedule"):
        return str(value)
    if name == "regularization":
        return "no regularization" if value == "none" else value.upper()
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{_SHORT.get(name, name)} {value}"


def describe_difference(config: SessionConfig, other: SessionConfig) -> str:
    """What `config` sets differently from `other`, e.g. "lr 0.03, L2"; "" when equal."""
    a, b = config.to_dict(), other.to_dict()
    changed = [name for name in a if a[name] != b[name]]
    if "regularization" in changed and config.regularization == "none":
        changed = [n for n in changed if n != "regularization_rate"]
    return ", ".join(describe_setting(name, getattr(config, name)) for name in changed)
