"""Two-dimensional data sets: seeded generators, a train/test split and CSV files.

Data sets are host data (NumPy, float64); the session moves them to the backend.
Every generator returns exactly `n_points` points (except "xor": the seed's four),
the same points for the same seed, and a fixed plot `extent` that does not move
when the noise changes.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import limits
from engine.config import MAX_CLASSES, MAX_POINTS, point_limit
from engine.readers import ReadError, printable, read_file

MAX_CSV_BYTES = limits.CSV_BYTES
# A directive comment `to_csv` writes so that a file reads back as the same problem.
_DIRECTIVE = re.compile(r"#\s*neuroplay:\s*(.*)$")


@dataclass(frozen=True)
class DataSet:
    """points: (n, 2) float64. labels: (n,) int64 class indices, or float64 targets.

    problem: "classification" or "regression". n_classes: 1 for regression.
    extent: (x1min, x1max, x2min, x2max), the plot range with a margin.
    """

    points: np.ndarray
    labels: np.ndarray
    problem: str
    n_classes: int
    extent: tuple[float, float, float, float]

    def __len__(self) -> int:
        return len(self.points)


# ------------------------------------------------------------------ generators
# Each takes (n, noise, rng, classes) and returns (points (n, 2), labels (n,)).
# Generators on the unit scale jitter points by a Gaussian of sd JITTER * noise.
JITTER = 0.25
UNIT_EXTENT = (-1.5, 1.5, -1.5, 1.5)


def _xor(n, noise, rng, classes):
    """The seed's four points, whatever n and noise."""
    points = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return points, np.array([0, 1, 1, 0])


def _xor_cloud(n, noise, rng, classes):
    """Uniform in [-1, 1]^2, kept a little off the axes; class 1 where x1 and x2 differ in sign."""
    points = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    labels = (points[:, 0] * points[:, 1] < 0).astype(np.int64)
    return points + rng.normal(0, JITTER * noise, (n, 2)), labels


def _moons(n, noise, rng, classes):
    """The seed's two moons: angles k * 2pi/n below pi, a pair of points per angle.

    Class 0 is the upper moon, class 1 the lower; labels alternate 0, 1, 0, 1 as the seed
    pushes them. The seed loops while the angle is below pi, which can give n + 1 points;
    we take ceil(n/2) angles and keep the first n points. Jitter is uniform in
    [-noise, noise] (the seed's 0.1 at noise 0.1).
    """
    angles = np.arange((n + 1) // 2) * (2 * math.pi / n)
    upper = np.stack([np.cos(angles) - 0.5, np.sin(angles) - 0.3], axis=1)
    lower = np.stack([0.5 - np.cos(angles), 0.2 - np.sin(angles)], axis=1)
    points = np.stack([upper, lower], axis=1).reshape(-1, 2)[:n]
    labels = np.tile([0, 1], len(angles))[:n]
    return points + rng.uniform(-noise, noise, (n, 2)), labels


def _circles(n, noise, rng, classes):
    """Concentric rings, class 0 innermost: a disc of radius 0.4, then rings 0.3 wide."""
    labels = np.arange(n) % classes
    inner = np.where(labels == 0, 0.0, 0.3 + 0.7 * labels / classes)
    outer = np.where(labels == 0, 0.4, 0.3 + 0.7 * labels / classes + 0.7 / classes - 0.05)
    radius = rng.uniform(inner, outer)
    angle = rng.uniform(0, 2 * math.pi, n)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points + rng.normal(0, JITTER * noise, (n, 2)), labels


def _gaussians(n, noise, rng, classes):
    """One Gaussian blob per class, centres on a circle of radius 0.6, sd 0.1 + 0.35 * noise."""
    labels = np.arange(n) % classes
    angle = math.pi / 4 + 2 * math.pi * labels / classes
    centres = 0.6 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + rng.normal(0, 0.1 + 0.35 * noise, (n, 2)), labels


def _spiral(n, noise, rng, classes):
    """One spiral arm per class, each turning 1.25 times from the centre out to radius 1."""
    labels = np.arange(n) % classes
    t = rng.uniform(0.0, 1.0, n)
    radius = 0.05 + 0.95 * t
    angle = 2.5 * math.pi * t + 2 * math.pi * labels / classes
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points + rng.normal(0, JITTER * noise, (n, 2)), labels


def _checkerboard(n, noise, rng, classes):
    """Uniform in [-1, 1]^2 on a 4 x 4 board; the class is (column + row) mod classes."""
    points = rng.uniform(-1.0, 1.0, (n, 2))
    cells = np.minimum(np.floor((points + 1.0) * 2.0), 3).astype(np.int64)
    labels = (cells[:, 0] + cells[:, 1]) % classes
    return points + rng.normal(0, JITTER * noise, (n, 2)), labels


def _plane(n, noise, rng, classes):
    """Regression: target (x1 + x2) / 2 on uniform points in [-1, 1]^2, plus noise."""
    points = rng.uniform(-1.0, 1.0, (n, 2))
    target = (points[:, 0] + points[:, 1]) / 2
    return points, target + rng.normal(0, JITTER * noise, n)


# (x1, x2, height) of the bumps summed by "multi_gaussian".
BUMPS = ((-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0))
BUMP_WIDTH = 0.3


def _multi_gaussian(n, noise, rng, classes):
    """Regression: a sum of Gaussian bumps (BUMPS) on uniform points in [-1, 1]^2."""
    points = rng.uniform(-1.0, 1.0, (n, 2))
    return points, multi_gaussian_target(points) + rng.normal(0, JITTER * noise, n)


def multi_gaussian_target(points: np.ndarray) -> np.ndarray:
    """(n, 2) -> (n,): sum of height * exp(-|p - centre|^2 / (2 * BUMP_WIDTH^2))."""
    total = np.zeros(len(points))
    for cx, cy, height in BUMPS:
        d2 = (points[:, 0] - cx) ** 2 + (points[:, 1] - cy) ** 2
        total += height * np.exp(-d2 / (2 * BUMP_WIDTH**2))
    return total


# name -> (generator, problem, extent, takes `classes`)
GENERATORS = {
    "moons": (_moons, "classification", (-2.5, 2.5, -2.5, 2.5), False),
    "xor": (_xor, "classification", (-0.5, 1.5, -0.5, 1.5), False),
    "xor_cloud": (_xor_cloud, "classification", UNIT_EXTENT, False),
    "circles": (_circles, "classification", UNIT_EXTENT, True),
    "gaussians": (_gaussians, "classification", UNIT_EXTENT, True),
    "spiral": (_spiral, "classification", UNIT_EXTENT, True),
    "checkerboard": (_checkerboard, "classification", UNIT_EXTENT, True),
    "plane": (_plane, "regression", UNIT_EXTENT, False),
    "multi_gaussian": (_multi_gaussian, "regression", UNIT_EXTENT, False),
}


def make_dataset(name: str, n_points: int, noise: float = 0.1, seed: int = 1,
                 classes: int = 2) -> DataSet:
    """Generate the data set `name` with exactly `n_points` points ("xor": always its 4).

    noise: 0..1. seed: same seed, same data (numpy.random.default_rng).
    classes: number of classes for circles, gaussians, spiral and checkerboard; the
    others are two-class (moons, xor, xor_cloud) or regression and ignore it.
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(GENERATORS)}")
    if isinstance(n_points, bool) or not isinstance(n_points, numbers.Integral) \
            or not 1 <= n_points <= point_limit():
        raise ValueError(f"n_points must be a whole number from 1 to {point_limit()}, "
                         f"not {n_points!r}")
    if isinstance(noise, bool) or not (isinstance(noise, numbers.Real) and 0 <= noise <= 1):
        raise ValueError(f"noise must be from 0 to 1, not {noise!r}")
    if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) \
            or not 2 <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be a whole number from 2 to {MAX_CLASSES}, "
                         f"not {classes!r}")
    generate, problem, extent, takes_classes = GENERATORS[name]
    classes = int(classes) if takes_classes else 2
    rng = np.random.default_rng(seed)
    points, labels = generate(int(n_points), float(noise), rng, classes)
    if problem == "regression":
        return DataSet(points.astype(np.float64), labels.astype(np.float64), problem, 1, extent)
    return DataSet(points.astype(np.float64), labels.astype(np.int64), problem, classes, extent)


def split(dataset: DataSet, train_fraction: float, seed: int) -> tuple[DataSet, DataSet]:
    """A seeded shuffle, then the first round(n * train_fraction) points train (at least 1).

    train_fraction 1.0 gives an empty test set (points of shape (0, 2)).
    """
    if not 0 < train_fraction <= 1:
        raise ValueError(f"train_fraction must be above 0 and at most 1, not {train_fraction!r}")
    n = len(dataset.points)
    order = np.random.default_rng(seed).permutation(n)
    n_train = min(n, max(1, round(n * train_fraction)))
    parts = order[:n_train], order[n_train:]
    return tuple(
        DataSet(dataset.points[idx].reshape(-1, 2), dataset.labels[idx], dataset.problem,
                dataset.n_classes, dataset.extent)
        for idx in parts
    )


# ------------------------------------------------------------------ CSV files

class CSVError(ValueError):
    """A CSV file could not be read; `errors` lists each problem, by line number."""

    MAX_SHOWN = 20

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        shown = self.errors[: self.MAX_SHOWN]
        more = len(self.errors) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problems" if more > 0 else "")
        super().__init__(f"Could not read the CSV data:\n{text}")


COLUMNS = ("x1", "x2", "label")


def _read_source(source: str | os.PathLike) -> str:
    """The CSV text: `source` is a path (Path, or a str with no newline or comma) or text."""
    is_path = isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and "," not in source and source.strip())
    if not is_path:
        if len(source.encode("utf-8", "surrogatepass")) > MAX_CSV_BYTES:
            raise CSVError([f"the data is larger than {MAX_CSV_BYTES // 2**20} MB"])
        return source
    path = Path(source)
    try:
        raw = read_file(path, MAX_CSV_BYTES, "CSV file")
    except ReadError as error:
        raise CSVError([str(error)]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CSVError([f"{printable(path.name, False)} is not UTF-8 text"]) from None


def _show(field: str) -> str:
    return repr(field if len(field) <= 30 else field[:27] + "...")


def _parse_number(line_no: int, column: str, field: str, errors: list[str]) -> float | None:
    try:
        value = float(field)
    except ValueError:
        errors.append(f"line {line_no}: {column} is not a number: {_show(field)}")
        return None
    if not math.isfinite(value):
        errors.append(f"line {line_no}: {column} is not a finite number: {_show(field)}")
        return None
    if not limits.in_value_range(value):
        errors.append(f"line {line_no}: {column} is {value:g}; values must be "
                      f"{limits.VALUE_RANGE}")
        return None
    return value


def load_csv(source: str | os.PathLike, problem: str | None = None) -> DataSet:
    """Read points from CSV with columns x1,x2,label (the header line is optional).

    source: a path, or the CSV text itself. Blank lines and lines starting with # are
    skipped. problem: "classification", "regression", or None to decide from the file:
    all labels whole numbers means classes (n_classes = max label + 1, at least 2),
    otherwise regression targets. Raises CSVError listing every bad line.
    """
    if problem not in (None, "classification", "regression"):
        raise ValueError(f"problem must be classification or regression, not {problem!r}")
    lines = _read_source(source).splitlines()
    errors: list[str] = []
    rows: list[tuple[int, float, float, float]] = []
    declared_problem, declared_classes = None, 0
    header_allowed = True
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            match = _DIRECTIVE.match(line)
            if match:
                settings = dict(re.findall(r"(\w+)=(\w+)", match.group(1)))
                declared_problem = settings.get("problem", declared_problem)
                if settings.get("classes", "").isdigit():
                    declared_classes = int(settings["classes"])
            continue
        fields = [f.strip() for f in line.split(",")]
        if header_allowed:
            header_allowed = False
            if not any(_is_number(f) for f in fields):
                if len(fields) != 3:
                    errors.append(f"line {line_no}: the header must name 3 columns "
                                  f"(x1,x2,label), found {len(fields)}")
                continue
        if len(fields) != 3:
            errors.append(f"line {line_no}: expected 3 columns (x1,x2,label), "
                          f"found {len(fields)}")
            continue
        values = [_parse_number(line_no, c, f, errors) for c, f in zip(COLUMNS, fields,
                                                                        strict=True)]
        if None not in values:
            rows.append((line_no, *values))
    if len(rows) > MAX_POINTS:
        errors.append(f"the data has {len(rows)} points; at most {MAX_POINTS} are allowed")
    if not rows and not errors:
        errors.append("the data has no points (rows of x1,x2,label)")
    if problem is None:
        problem = declared_problem if declared_problem in ("classification", "regression") \
            else None
    if problem is None:
        whole = all(r[3].is_integer() for r in rows)
        problem = "classification" if whole else "regression"
    if problem == "classification":
        for line_no, _, _, label in rows:
            if not label.is_integer() or label < 0:
                errors.append(f"line {line_no}: a class label must be a whole number "
                              f"0 or more, not {label:g}")
            elif label >= MAX_CLASSES:
                errors.append(f"line {line_no}: class label {label:g} is too large; "
                              f"at most {MAX_CLASSES} classes (0 to {MAX_CLASSES - 1})")
    if errors:
        # In file order; whole-file problems (no line number) last.
        def line_of(message: str) -> float:
            match = re.match(r"line (\d+):", message)
            return int(match.group(1)) if match else math.inf

        raise CSVError(sorted(errors, key=line_of))
    data = np.array([r[1:] for r in rows], dtype=np.float64)
    points = data[:, :2].copy()
    if problem == "regression":
        return DataSet(points, data[:, 2].copy(), problem, 1, limits.fitting_extent(points))
    labels = data[:, 2].astype(np.int64)
    n_classes = min(MAX_CLASSES, max(2, int(labels.max()) + 1, declared_classes))
    return DataSet(points, labels, problem, n_classes, limits.fitting_extent(points))


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def to_csv(dataset: DataSet) -> str:
    """The data set as CSV text that `load_csv` reads back to the same points and labels."""
    lines = [f"# neuroplay: problem={dataset.problem} classes={dataset.n_classes}",
             ",".join(COLUMNS)]
    for (x1, x2), label in zip(dataset.points.tolist(), dataset.labels.tolist(), strict=True):
        lines.append(f"{x1!r},{x2!r},{label!r}")
    return "\n".join(lines) + "\n"
