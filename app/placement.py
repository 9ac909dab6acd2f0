"""Windows fitted to the screen they are on: nothing off-screen on a 1024x768 projector."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

# Room for a window manager's title bar and borders before a window is shown (then the
# real frame is known): the frame, not only the inside, must fit on the screen.
FRAME_ALLOWANCE = (8, 36)


def fit_to_screen(window: QRect, available: QRect, frame: tuple[int, int] = FRAME_ALLOWANCE,
                  ) -> QRect:
    """`window` (the inside, without the frame) made to fit with its frame on `available`:
    shrunk where it is larger, then moved so that no edge lies off the screen."""
    width = min(window.width(), available.width() - frame[0])
    height = min(window.height(), available.height() - frame[1])
    left = available.left() + frame[0] // 2
    top = available.top() + frame[1] - frame[0] // 2
    right = available.right() - frame[0] // 2 - width + 1
    bottom = available.bottom() - frame[0] // 2 - height + 1
    x = min(max(window.x(), left), max(right, left))
    y = min(max(window.y(), top), max(bottom, top))
    return QRect(x, y, width, height)


def frame_of(widget: QWidget) -> tuple[int, int]:
    """The window manager's frame around `widget` (width, height), or the allowance."""
    if widget.isVisible() and widget.frameGeometry().size() != widget.geometry().size():
        return (widget.frameGeometry().width() - widget.width(),
                widget.frameGeometry().height() - widget.height())
    return FRAME_ALLOWANCE


def available_geometry(widget: QWidget) -> QRect | None:
    """The free area (without panels and docks) of the screen `widget` is on."""
    screen = widget.screen() or QApplication.primaryScreen()
    return None if screen is None else screen.availableGeometry()


def keep_on_screen(widget: QWidget, centre: bool = False) -> None:
    """Shrink and move the top-level `widget` so that all of it lies on its screen."""
    available = available_geometry(widget)
    if available is None or widget.isFullScreen() or widget.isMaximized():
        return
    wanted = QRect(widget.geometry())
    if centre:
        wanted.moveCenter(available.center())
    fitted = fit_to_screen(wanted, available, frame_of(widget))
    if fitted != widget.geometry():
        widget.setGeometry(fitted)
