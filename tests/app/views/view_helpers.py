"""What the view tests share: a shown view, colour checks, hand-made data sets."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from app.views.fake import DataSet

EXTENT = (-6.0, 6.0, -6.0, 6.0)
G = 60
XS = np.linspace(EXTENT[0], EXTENT[1], G)  # the boundary grid, an independent copy


def dataset(points, labels, problem="classification", n_classes=2) -> DataSet:
    labels = np.asarray(labels, dtype=np.float64 if problem == "regression" else np.int64)
    return DataSet(np.asarray(points, dtype=np.float64).reshape(-1, 2), labels, problem,
                   n_classes, EXTENT)


EMPTY = dataset(np.zeros((0, 2)), [])


def rgb(color: QColor) -> np.ndarray:
    return np.array([color.red(), color.green(), color.blue()], dtype=float)


def close(color: QColor, expected, tol: float = 14.0) -> bool:
    return float(np.max(np.abs(rgb(color) - np.asarray(expected[:3], dtype=float)))) <= tol


def shown(qtbot, view, width: int, height: int):
    """`view` at the given size, on screen (offscreen) and exposed."""
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view

