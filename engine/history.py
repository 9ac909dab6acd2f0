"""The loss history of a session: one row per epoch (see snapshot.HISTORY_COLUMNS).

Rows live in one growing float64 array, 48 bytes a row; as a list of tuples of Python
floats they took about 250, which an afternoon of training turns into tens of megabytes.
It behaves like the list it replaced: rows read back as tuples of floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from engine.snapshot import HISTORY_COLUMNS

WIDTH = len(HISTORY_COLUMNS)


class History:
    """Rows (step, epoch, train loss, test loss, train accuracy, test accuracy)."""

    def __init__(self, rows: Iterable[Sequence[float]] = ()):
        self._data = np.empty((64, WIDTH), dtype=np.float64)
        self._count = 0
        for row in rows:
            self.append(row)

    def append(self, row: Sequence[float]) -> None:
        if len(row) != WIDTH:
            raise ValueError(f"a history row has {WIDTH} numbers, not {len(row)}")
        if self._count == len(self._data):
            grown = np.empty((2 * len(self._data), WIDTH), dtype=np.float64)
            grown[: self._count] = self._data[: self._count]
            self._data = grown
        self._data[self._count] = row
        self._count += 1

    def pop(self) -> tuple[float, ...]:
        if not self._count:
            raise IndexError("pop from an empty history")
        self._count -= 1
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
        return f"History({self._count} rows)"
