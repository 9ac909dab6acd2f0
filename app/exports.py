"""Pictures of views: PNG (pixels, as on screen) and SVG (vector, for slides and print).

Both render the view the way the user sees it (plot, axes, legend; not the space a view
leaves around its plot), and write the file atomically, so a failed export never leaves
half a picture behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from engine.io import write_atomic

PICTURE_FORMATS = ("png", "svg")


def picture_rect(widget: QWidget) -> QRect:
    """The part of `widget` a picture shows: a view may leave out the space around its plot
    (the boundary keeps its plot in the data's shape and centres it)."""
    rect = widget.picture_rect() if hasattr(widget, "picture_rect") else QRect()
    return rect if rect.isValid() else QWidget.rect(widget)


class ExportFailed(OSError):
    """A picture could not be made or written; the message says why, for the user."""


def widget_png(widget: QWidget, scale: float = 2.0) -> bytes:
    """The widget drawn into a PNG at `scale` times its size (sharp on projectors)."""
    region = picture_rect(widget)
    size = region.size()
    if size.isEmpty():
        raise ExportFailed("The view has no size yet: show the window first.")
    image = QImage(QSize(round(size.width() * scale), round(size.height() * scale)),
                   QImage.Format_ARGB32)
    image.setDevicePixelRatio(scale)
    image.fill(QWidget.palette(widget).window().color())
    painter = QPainter(image)
    try:
        widget.render(painter, QPoint(), QRegion(region))
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportFailed("Qt could not encode the picture as PNG.")
    buffer.close()
    return bytes(data.data())


def widget_svg(widget: QWidget, title: str = "Neuroplay") -> bytes:
    """The widget drawn into an SVG document (images inside it stay bitmaps)."""
    region = picture_rect(widget)
    size = region.size()
    if size.isEmpty():
        raise ExportFailed("The view has no size yet: show the window first.")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from Neuroplay")
    painter = QPainter(generator)
    try:
        widget.render(painter, QPoint(), QRegion(region))
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def save_picture(widget: QWidget, path: str | os.PathLike, title: str = "Neuroplay") -> None:
    """Write the widget as PNG or SVG, chosen by the file's suffix; ExportFailed on error."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in PICTURE_FORMATS:
        raise ExportFailed(f"{path.name}: pictures are saved as .png or .svg, not "
                           f"'{path.suffix or 'no suffix'}'.")
    data = widget_png(widget) if kind == "png" else widget_svg(widget, title)
    try:
        write_atomic(path, data)
    except OSError as e:
        raise ExportFailed(f"Cannot write {path.name}: {e.strerror or e}") from None
