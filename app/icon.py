"""The app icon and a path helper for bundled resources, from source or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def resources_dir() -> Path:
    """The resources/ folder: next to app/ in a checkout, inside sys._MEIPASS when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. resource_path("icons", "neuroplay.svg").

    The path may not exist; callers that need the file should check and say which one is missing.
    """
    return resources_dir().joinpath(*parts)


def app_icon() -> QIcon:
    """The Neuroplay icon with every rendered size; the SVG is added for any other size.

    Returns an empty QIcon (never raises) when the icon files are missing, so a broken
    install still opens its window.
    """
    icon = QIcon()
    for size in ICON_SIZES:
        png = resource_path("icons", f"neuroplay-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    svg = resource_path("icons", "neuroplay.svg")
    if svg.is_file():
        icon.addFile(str(svg))
    return icon
