"""Every limit the file readers enforce, in one place (docs/readers.md lists them).

A reader refuses anything past these with a message; none of them is a guess at what a
student will make: each is far above what the window can produce, and far below what
would take the app more than a moment or a few megabytes to read.
"""

from __future__ import annotations

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
MAX_VALUE = 1e6           # any point coordinate, label, weight or bias, by absolute value
MAX_STATE_VALUE = 3.4028234663852886e38  # weights, optimizer state: float32's largest
MAX_COUNT = 2**62         # step, epoch, optimizer step counters: never reached by training,
                          # so a file that loads still saves and reopens after more steps
HISTORY_ROWS = 5_000_000  # rows of (step, epoch, losses, accuracies) in a session file

__all__ = [
    "CSV_BYTES", "HISTORY_ROWS", "JSON_DEPTH", "LESSON_BYTES", "LESSON_PACE", "LESSON_STEPS",
    "LESSON_TABLE_ROWS", "LESSON_TEXT_CHARS", "LESSON_TITLE_CHARS", "LESSON_TRAIN_STEPS",
    "MAX_CLASSES", "MAX_COUNT",
    "MAX_NEURONS", "MAX_POINTS", "MAX_STATE_VALUE", "MAX_VALUE", "READ_CHUNK",
    "SESSION_BYTES", "SETTINGS_CONFIG_CHARS",
]
