"""The drawing tools' row: one line where it fits, two where its column is narrower."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect

from app.draw_tools import DrawTools


def whole(tools: DrawTools) -> bool:
    """Every shown button lies whole inside the row and no two overlap."""
    widgets = [w for w in (tools.draw_button, *tools.class_buttons, tools.value_box,
                           tools.eraser_button, tools.clear_button) if w.isVisible()]
    boxes = [QRect(w.mapTo(tools, w.rect().topLeft()), w.size()) for w in widgets]
    inside = all(tools.rect().contains(box) for box in boxes)
    apart = not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    return inside and apart and all(w.width() >= w.minimumSizeHint().width() for w in widgets)


@pytest.mark.parametrize("problem,classes", [("classification", 2), ("classification", 5),
                                             ("regression", 0)])
def test_the_row_folds_in_two_where_one_line_does_not_fit_and_back(qtbot, problem, classes):
    tools = DrawTools()
    qtbot.addWidget(tools)
    tools.set_problem(problem, classes)
    tools.resize(700, tools.sizeHint().height())
    tools.show()
    qtbot.waitExposed(tools)
    assert not tools.two_lines() and whole(tools)
    one_line_height = tools.height()
    narrow = tools.minimumSizeHint().width()
    assert narrow < tools.sizeHint().width() - 80  # folded, it asks for much less width
    tools.resize(narrow, one_line_height)
    qtbot.waitUntil(tools.two_lines)
    tools.resize(narrow, tools.minimumSizeHint().height())  # as its column's layout would
    qtbot.waitUntil(lambda: tools.height() >= 2 * one_line_height - 4)
    assert whole(tools)
    assert tools.eraser_button.y() > tools.draw_button.y()  # on the second line
    tools.resize(700, one_line_height)
    qtbot.waitUntil(lambda: not tools.two_lines())
    assert whole(tools)
