"""The loss history of a session: one row per epoch (see snapshot.HISTORY_COLUMNS), kept at
bounded resolution so that a run left training for hours stays light.

Rows live in one float64 array, 48 bytes a row. The newest RECENT_ROWS rows (at least)
are kept exactly; older rows are thinned into buckets of a power-of-two number of epochs,
each bucket keeping only its rows with the lowest and highest training and test loss (at
most 4 rows, in their order), so a chart of the whole run keeps its shape and every peak.
The first row (the untrained network) always stays. At most about
2 * RECENT_ROWS + 4 * OLD_BUCKETS + 1 rows are ever held (about 1.3 MB).

Thinning rewrites rows from some index on; `read_start()` tells the one reader that follows
the history by row index (the snapshot) where to read again from. It behaves like the list
it replaced: rows read back as tuples of floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from engine.snapshot import HISTORY_COLUMNS

WIDTH = len(HISTORY_COLUMNS)
EPOCH = HISTORY_COLUMNS.index("epoch")
LOSSES = (HISTORY_COLUMNS.index("train_loss"), HISTORY_COLUMNS.index("test_loss"))
# 10,000 epochs is about 17 minutes at a watchable pace and 4 s at XOR's "Max".
RECENT_ROWS = 10_000
# Older epochs: about 2000 buckets over the whole run, finer than the chart's ~1000 pixels.
OLD_BUCKETS = 2_000


def thin(rows: np.ndarray, width: int) -> np.ndarray:
    """rows (n, 6) -> the rows, in order, that hold the lowest and highest training and test
    loss of each bucket of `width` epochs (floor(epoch / width)), and the first row.

    NaN never wins a lowest or highest unless the bucket has nothing else (then the bucket's
    first row stays, NaN and all, so a gap in the curve stays a gap).
    """
    if len(rows) <= 1:
        return rows.copy()
    bucket = np.floor(np.nan_to_num(rows[:, EPOCH]) / width)
    keep = np.zeros(len(rows), dtype=bool)
    keep[0] = True
    for column in LOSSES:
        values = rows[:, column]
        missing = np.isnan(values)
        for key in (np.where(missing, np.inf, values), np.where(missing, np.inf, -values)):
            order = np.lexsort((key, bucket))  # by bucket, then by value; ties keep order
            sorted_bucket = bucket[order]
            first = np.r_[True, sorted_bucket[1:] != sorted_bucket[:-1]]
            keep[order[first]] = True
    return rows[keep]


def bucket_count(rows: np.ndarray, width: int) -> int:
    """How many buckets of `width` epochs the rows (n, 6) fall into."""
    return len(np.unique(np.floor(np.nan_to_num(rows[:, EPOCH]) / width)))


class History:
    """Rows (step, epoch, train loss, test loss, train accuracy, test accuracy)."""

    def __init__(self, rows: Iterable[Sequence[float]] = ()):
        self._data = np.empty((64, WIDTH), dtype=np.float64)
        self._count = 0
        self._thinned = 0  # rows [0, _thinned) are buckets of _width epochs
        self._width = 1
        self._rewritten: int | None = None  # lowest row index rewritten since read_start()
        if isinstance(rows, np.ndarray):
            self.extend(rows)
        else:
            for row in rows:
                self.append(row)

    @classmethod
    def restore(cls, rows: np.ndarray, thinned: int = 0, width: int = 1) -> History:
        """A history exactly as saved: rows (n, 6), of which the first `thinned` are
        buckets of `width` epochs (a power of two). ValueError when these do not fit."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != WIDTH:
            raise ValueError(f"history rows must have {WIDTH} numbers each")
        if not 0 <= thinned <= len(rows):
            raise ValueError(f"thinned rows must be from 0 to {len(rows)}, not {thinned}")
        if width < 1 or width & (width - 1):
            raise ValueError(f"the bucket width must be a power of two, not {width}")
        history = cls()
        history._thinned, history._width = thinned, width
        history.extend(rows)
        return history

    @property
    def thinned_rows(self) -> int:
        """How many of the first rows stand for buckets of `bucket_epochs` epochs."""
        return self._thinned

    @property
    def bucket_epochs(self) -> int:
        return self._width

    def append(self, row: Sequence[float]) -> None:
        if len(row) != WIDTH:
            raise ValueError(f"a history row has {WIDTH} numbers, not {len(row)}")
        self._reserve(self._count + 1)
        self._data[self._count] = row
        self._count += 1
        if self._count - self._thinned >= 2 * RECENT_ROWS:
            self._thin()

    def extend(self, rows: np.ndarray) -> None:
        """Append rows (m, 6) at once, thinning exactly where append would (so a mirror fed
        by extend holds what the engine's history, fed by append, holds)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, WIDTH)
        done = 0
        while done < len(rows):
            room = max(1, 2 * RECENT_ROWS - (self._count - self._thinned))
            part = rows[done: done + room]
            self._reserve(self._count + len(part))
            self._data[self._count: self._count + len(part)] = part
            self._count += len(part)
            done += len(part)
            if self._count - self._thinned >= 2 * RECENT_ROWS:
                self._thin()

    def truncate(self, count: int) -> None:
        """Keep the first `count` rows (as pop, that many times, would)."""
        self._count = min(max(int(count), 0), self._count)
        self._thinned = min(self._thinned, self._count)

    def _reserve(self, need: int) -> None:
        if need <= len(self._data):
            return
        capacity = len(self._data)
        while capacity < need:
            capacity *= 2
        grown = np.empty((capacity, WIDTH), dtype=np.float64)
        grown[: self._count] = self._data[: self._count]
        self._data = grown

    def _thin(self) -> None:
        """Thin all but the newest RECENT_ROWS rows into buckets, widening the buckets
        (doubling keeps old bucket edges, so a peak once kept is never lost)."""
        old = self._data[: self._count - RECENT_ROWS]
        while bucket_count(old, self._width) > OLD_BUCKETS:
            self._width *= 2
        kept = thin(old, self._width)
        recent = self._data[self._count - RECENT_ROWS: self._count]
        before = self._data[: self._count].copy()
        count = len(kept) + RECENT_ROWS
        self._data = np.empty((max(64, 2 * count), WIDTH), dtype=np.float64)  # shrinks too
        self._data[: len(kept)] = kept
        self._data[len(kept): count] = recent
        self._count, self._thinned = count, len(kept)
        same = np.flatnonzero(~_rows_equal(before[:count], self._data[:count]))
        changed = int(same[0]) if len(same) else count
        self._mark_rewritten(changed)

    def _mark_rewritten(self, index: int) -> None:
        self._rewritten = index if self._rewritten is None else min(self._rewritten, index)

    def read_start(self, asked: int) -> int:
        """Where a reader that holds rows [0, asked) must read from now: `asked`, or an
        earlier row when thinning rewrote rows since the last call (then it forgets)."""
        start = min(max(asked, 0), self._count)
        if self._rewritten is not None:
            start = min(start, self._rewritten)
            self._rewritten = None
        return start

    def pop(self) -> tuple[float, ...]:
        if not self._count:
            raise IndexError("pop from an empty history")
        self._count -= 1
        self._thinned = min(self._thinned, self._count)
        return tuple(self._data[self._count].tolist())

    def array(self, start: int = 0) -> np.ndarray:
        """A copy of the rows from `start` on, shape (m, 6)."""
        return self._data[max(start, 0): self._count].copy()

    def __len__(self) -> int:
        return self._count

    def _index(self, k: int) -> int:
        i = k + self._count if k < 0 else k
        if not 0 <= i < self._count:
            raise IndexError(f"history row {k} out of range ({self._count} rows)")
        return i

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [tuple(row) for row in self._data[: self._count][k].tolist()]
        return tuple(self._data[self._index(k)].tolist())

    def __setitem__(self, k: int, row: Sequence[float]) -> None:
        if len(row) != WIDTH:
            raise ValueError(f"a history row has {WIDTH} numbers, not {len(row)}")
        self._data[self._index(k)] = row

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        return (tuple(row) for row in self._data[: self._count].tolist())

    def __eq__(self, other) -> bool:
        """Equal rows, NaN equal to NaN (an empty test set records NaN every epoch)."""
        if not isinstance(other, History | list | tuple | np.ndarray):
            return NotImplemented
        theirs = other.array() if isinstance(other, History) else np.asarray(other, dtype=float)
        if len(theirs) == 0:
            return self._count == 0
        return np.array_equal(self.array(), theirs.reshape(-1, WIDTH), equal_nan=True)

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"History({self._count} rows, {self._thinned} thinned)"


def _rows_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) True where row i of a equals row i of b, NaN equal to NaN."""
    return np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
