"""The diagram's own graphics items: their boxes hold what they paint."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from app.views.diagram_items import Markers


def test_markers_box_holds_every_square_and_its_outline(qtbot):
    markers = Markers()
    rng = np.random.default_rng(3)
    centers = rng.uniform(-5, 9, size=(40, 2))
    markers.set_rects(centers, 0.3)
    box = markers.boundingRect()
    assert markers.rect_count() == 40
    for x, y in centers:  # each square, grown by a quarter of its side for the outline
        assert box.contains(QRectF(x - 0.225, y - 0.225, 0.45, 0.45))
    markers.set_rects(np.zeros((0, 2)), 0.3)
    assert markers.rect_count() == 0 and markers.boundingRect().isEmpty()
