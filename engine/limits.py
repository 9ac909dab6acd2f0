"""Every limit the file readers enforce, the +-MAX_VALUE rule and the plot range of drawn
and imported points, in one place (docs/readers.md lists the file limits).

A reader refuses anything past these with a message; none of them is a guess at what a
student will make: each is far above what the window can produce, and far below what
would take the app more than a moment or a few megabytes to read.
"""

from __future__ import annotations

import math

import numpy as np

from engine.config import MAX_CLASSES, MAX_NEURONS, MAX_POINTS  # the config's own rules

# ------------------------------------------------------------------ any file
JSON_DEPTH = 32           # the deepest a session needs is 4 (weights: layer, row, value)
SESSION_BYTES = 50 * 1024 * 1024
LESSON_BYTES = 1_000_000
CSV_BYTES = 10 * 1024 * 1024
SETTINGS_CONFIG_CHARS = 100_000  # the last config kept in the window's settings
READ_CHUNK = 1024 * 1024  # reads go in chunks, so a file that grows is stopped at the limit

# ------------------------------------------------------------------ lessons
LESSON_STEPS = 60
LESSON_TEXT_CHARS = 20_000
LESSON_TITLE_CHARS = 120
LESSON_TRAIN_STEPS = 100_000  # training steps a lesson or one of its steps may run
LESSON_TABLE_ROWS = 16
LESSON_PACE = 100_000  # epochs per second a lesson may ask for; "max" is as fast as it goes

# ------------------------------------------------------------------ values
# Any point coordinate, label, weight or bias, by absolute value: beyond it, x1^2 features
# overflow float32 and training only diverges. Readers, the session and the weight editor
# all ask `in_value_range` and say `VALUE_RANGE`.
MAX_VALUE = 1e6
VALUE_RANGE = f"from {-MAX_VALUE:.0f} to {MAX_VALUE:.0f}"
MAX_STATE_VALUE = 3.4028234663852886e38  # weights, optimizer state: float32's largest
MAX_COUNT = 2**62         # step, epoch, optimizer step counters: never reached by training,
                          # so a file that loads still saves and reopens after more steps
HISTORY_ROWS = 5_000_000  # rows of (step, epoch, losses, accuracies) in a session file

# ------------------------------------------------------------------ plot range
# An extent is (x1 min, x1 max, x2 min, x2 max). Drawn and imported points get a square
# range around them with this margin, rounded to halves so the axes stay calm.
EXTENT_MARGIN = 1.15
DEFAULT_EXTENT = (-1.0, 1.0, -1.0, 1.0)


def in_value_range(value: float) -> bool:
    """True for a finite number within +-MAX_VALUE."""
    return math.isfinite(value) and abs(value) <= MAX_VALUE


def fitting_extent(points: np.ndarray) -> tuple[float, float, float, float]:
    """A square plot range around (n, 2) points with a margin, at least DEFAULT_EXTENT."""
    if len(points) == 0:
        return DEFAULT_EXTENT
    half = max(1.0, float(np.max(np.abs(points))) * EXTENT_MARGIN)
    half = math.ceil(half * 2) / 2
    return (-half, half, -half, half)


# The widest range points within MAX_VALUE get: what a session file may hold.
MAX_EXTENT = fitting_extent(np.array([[MAX_VALUE, MAX_VALUE]]))[1]


def covering_extent(*extents) -> tuple[float, float, float, float]:
    """The smallest plot range holding every one of `extents`."""
    return (min(e[0] for e in extents), max(e[1] for e in extents),
            min(e[2] for e in extents), max(e[3] for e in extents))


def extent_is_valid(extent) -> bool:
    """Four finite numbers within +-MAX_EXTENT, each range non-empty."""
    return (len(extent) == 4 and all(math.isfinite(v) and abs(v) <= MAX_EXTENT for v in extent)
            and extent[0] < extent[1] and extent[2] < extent[3])


__all__ = [
    "CSV_BYTES", "HISTORY_ROWS", "JSON_DEPTH", "LESSON_BYTES", "LESSON_PACE", "LESSON_STEPS",
    "LESSON_TABLE_ROWS", "LESSON_TEXT_CHARS", "LESSON_TITLE_CHARS", "LESSON_TRAIN_STEPS",
    "MAX_CLASSES", "MAX_COUNT", "MAX_EXTENT",
    "MAX_NEURONS", "MAX_POINTS", "MAX_STATE_VALUE", "MAX_VALUE", "READ_CHUNK",
    "SESSION_BYTES", "SETTINGS_CONFIG_CHARS",
]
