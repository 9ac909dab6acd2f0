"""Input features: what the network sees of a point (x1, x2).

Host data (NumPy, float64), computed once per data set and per plot grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from engine.config import FEATURES as CONFIG_FEATURES

# name -> function of the columns x1, x2 (each (n,)) giving an (n,) column.
_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin x1": lambda x1, x2: np.sin(x1),
    "sin x2": lambda x1, x2: np.sin(x2),
}

FEATURES: tuple[str, ...] = tuple(_FUNCTIONS)
MAP_GRID = 24  # the grid of each neuron's and input's small picture in the diagram
assert FEATURES == CONFIG_FEATURES, "engine.config.FEATURES and engine.features disagree"

FEATURE_LABELS: dict[str, str] = {
    "x1": "X₁",
    "x2": "X₂",
    "x1^2": "X₁²",
    "x2^2": "X₂²",
    "x1*x2": "X₁X₂",
    "sin x1": "sin(X₁)",
    "sin x2": "sin(X₂)",
}


def _check(names: Sequence[str]) -> None:
    if isinstance(names, str):
        raise TypeError("names must be a sequence of feature names, not one string")
    unknown = [n for n in names if n not in _FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")


def feature_matrix(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """(n, 2) points -> (n, k) float64, column c is feature names[c]."""
    _check(names)
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x1, x2 = p[:, 0], p[:, 1]
    out = np.empty((len(p), len(names)), dtype=np.float64)
    for c, name in enumerate(names):
        out[:, c] = _FUNCTIONS[name](x1, x2)
    return out


def feature_grid(names: Sequence[str], extent: tuple[float, float, float, float],
                 size: int) -> np.ndarray:
    """Each feature over a size x size grid of extent: (k, size, size) float64.

    extent = (x1min, x1max, x2min, x2max), ends included. Row i is x2 = the i-th value
    from x2min upward; column j is x1 = the j-th value from x1min.
    """
    if size < 1:
        raise ValueError(f"grid size must be at least 1, not {size}")
    return feature_matrix(grid_points(extent, size), names).T.reshape(len(names), size, size)


def grid_points(extent: tuple[float, float, float, float], size: int) -> np.ndarray:
    """The size x size grid over extent as (size * size, 2) points, row by row (x2 rows,
    x1 columns, ends included): the one grid every plotted picture uses."""
    x1min, x1max, x2min, x2max = extent
    x1, x2 = np.meshgrid(np.linspace(x1min, x1max, size), np.linspace(x2min, x2max, size))
    return np.stack([x1.ravel(), x2.ravel()], axis=1)
