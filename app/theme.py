"""Colours of the window: class colours, the diverging colour map, light and dark themes.

A `Palette` is a frozen dataclass the views read; `get_palette(name, dark)` builds one.
Colours are "#rrggbb" strings so they pass straight to pyqtgraph and Qt.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

# TensorFlow Playground's convention, which teachers already know: orange is class 0,
# negative weights and negative outputs; blue is class 1, positive weights and outputs.
# Then three more distinct hues for multi-class data.
DEFAULT_CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728")
# Okabe-Ito in the same order of meaning: orange, blue, bluish green, reddish purple,
# vermillion; safe for the common colour-vision deficiencies.
COLORBLIND_CLASS_COLORS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00")

LIGHT = {"background": "#ffffff", "foreground": "#2b2b2b", "grid": "#d9d9d9",
         "neutral": "#f5f5f5", "point_outline": "#ffffff", "test_outline": "#202020"}
# On dark, the middle of the colour map is a dark grey so a projector shows no glare.
DARK = {"background": "#1e1f22", "foreground": "#e6e6e6", "grid": "#45474b",
        "neutral": "#2a2b2e", "point_outline": "#ffffff", "test_outline": "#000000"}


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b) ints in 0..255."""
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour must look like #rrggbb, not {color!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _ramp(start: str, end: str, n: int) -> np.ndarray:
    """(n, 4) uint8 RGBA going linearly from `start` to `end`."""
    a = np.array(hex_to_rgb(start), dtype=np.float64)
    b = np.array(hex_to_rgb(end), dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    rgb = np.rint(a + (b - a) * t)
    return np.concatenate([rgb, np.full((n, 1), 255.0)], axis=1).astype(np.uint8)


def diverging_lut(low: str, middle: str, high: str, n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA: `low` at 0, `middle` at the centre, `high` at n - 1."""
    half = n // 2
    lut = np.concatenate([_ramp(low, middle, half), _ramp(middle, high, n - half)])
    lut.setflags(write=False)
    return lut


@dataclass(frozen=True)
class Palette:
    """Every colour a view needs. `lut` is (256, 4) uint8 RGBA, class 0 -> neutral -> class 1."""

    name: str
    dark: bool
    class_colors: tuple[str, ...]
    weight_negative: str
    weight_positive: str
    background: str
    foreground: str
    grid: str
    neutral: str  # the middle of the diverging map: "undecided"
    point_outline: str  # outline of training points
    test_outline: str  # outline of test points, contrasting with the background
    lut: np.ndarray = field(compare=False, hash=False, repr=False)

    def class_color(self, index: int) -> str:
        """The colour of class `index` (cycles past the last colour)."""
        return self.class_colors[int(index) % len(self.class_colors)]

    def class_rgb(self, index: int) -> tuple[int, int, int]:
        return hex_to_rgb(self.class_color(index))

    def lut_for_classes(self, k: int) -> np.ndarray:
        """(256, 4) uint8 RGBA for k classes: k bands of 256 // k entries each.

        Band c fades from the neutral colour (no confidence) to class c's colour
        (full confidence); a value c * band + round(confidence * (band - 1)) picks it.
        For k <= 2 this is the binary diverging `lut`.
        """
        if k <= 2:
            return self.lut
        band = 256 // k
        parts = [_ramp(self.neutral, self.class_color(c), band) for c in range(k)]
        rest = 256 - band * k
        if rest:
            parts.append(np.repeat(parts[-1][-1:], rest, axis=0))
        lut = np.concatenate(parts)
        lut.setflags(write=False)
        return lut


def _make(name: str, class_colors: tuple[str, ...], dark: bool) -> Palette:
    theme = DARK if dark else LIGHT
    return Palette(
        name=name,
        dark=dark,
        class_colors=class_colors,
        # Positive weights push toward class 1 (high end of the map), so they share its
        # colour: blue, as in TensorFlow Playground; negative ones are orange.
        weight_negative=class_colors[0],
        weight_positive=class_colors[1],
        background=theme["background"],
        foreground=theme["foreground"],
        grid=theme["grid"],
        neutral=theme["neutral"],
        point_outline=theme["point_outline"],
        test_outline=theme["test_outline"],
        lut=diverging_lut(class_colors[0], theme["neutral"], class_colors[1]),
    )


PALETTES: dict[str, Palette] = {
    "default": _make("default", DEFAULT_CLASS_COLORS, dark=False),
    "colorblind": _make("colorblind", COLORBLIND_CLASS_COLORS, dark=False),
}
_DARK_PALETTES: dict[str, Palette] = {
    "default": _make("default", DEFAULT_CLASS_COLORS, dark=True),
    "colorblind": _make("colorblind", COLORBLIND_CLASS_COLORS, dark=True),
}


def get_palette(name: str = "default", dark: bool = False) -> Palette:
    """The palette `name` ("default" or "colorblind") in its light or dark variant."""
    table = _DARK_PALETTES if dark else PALETTES
    if name not in table:
        raise ValueError(f"unknown palette {name!r}; choose one of {', '.join(PALETTES)}")
    return table[name]


def apply_qt_theme(app, dark: bool) -> None:
    """Give the whole application the Fusion style and a light or dark QPalette."""
    from PySide6.QtGui import QColor, QPalette

    # Setting the style again re-polishes every widget: costly, and it drops style sheets.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    colors = {
        QPalette.Window: "#2b2d31", QPalette.WindowText: "#e6e6e6",
        QPalette.Base: "#1e1f22", QPalette.AlternateBase: "#2b2d31",
        QPalette.ToolTipBase: "#3a3d42", QPalette.ToolTipText: "#f0f0f0",
        QPalette.Text: "#e6e6e6", QPalette.Button: "#34373c",
        QPalette.ButtonText: "#e6e6e6", QPalette.BrightText: "#ff6b6b",
        QPalette.Link: "#5aa9e6", QPalette.Highlight: "#2f7fc1",
        QPalette.HighlightedText: "#ffffff", QPalette.PlaceholderText: "#8a8d91",
    }
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#7a7d82"))
    app.setPalette(palette)


# ----------------------------------------------------------------- the window's style sheet
# Setting a window's style sheet re-polishes every widget under it at once (130 ms or more
# for the main window, on every theme switch). Instead the window gets one sheet holding
# both themes' rules, each scoped by a "dark" property on the window; a switch flips the
# property, and a Restyler re-polishes the widgets a few milliseconds' worth per event-loop
# turn. (Every widget: under a style sheet each holds its own copy of the palette, so none
# follows the application's palette by itself.)
THEME_PROPERTY = "dark"
RESTYLE_BUDGET_S = 0.004  # re-polishing per event-loop turn: frames and clicks go between
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
# Type, then #name or [objectName^="prefix"], then any :state or ::part (ignored).
_SELECTOR = re.compile(r'^\s*([A-Za-z_]\w*)?(?:#(\w+)|\[objectName\^="(\w+)"\])?')


def _rules(sheet: str) -> list[tuple[list[str], str]]:
    return [([s.strip() for s in m.group(1).split(",")], m.group(2).strip())
            for m in _RULE.finditer(sheet)]


def two_theme_style_sheet(light: str, dark: str, scope: str) -> str:
    """One sheet holding `light`'s and `dark`'s rules, each under `scope` (a type or
    #name) with the THEME_PROPERTY false or true: 'QGroupBox' becomes
    'QMainWindow[dark="true"] QGroupBox'. Comments are not supported."""
    out = []
    for sheet, value in ((light, "false"), (dark, "true")):
        for selectors, body in _rules(sheet):
            scoped = ", ".join(f'{scope}[{THEME_PROPERTY}="{value}"] {s}' for s in selectors)
            out.append(f"{scoped} {{ {body} }}")
    return "\n".join(out)


def themed_selectors(light: str, dark: str) -> list[tuple[str, str, bool]]:
    """(type, object name, whether the name is a prefix) of every selector whose rule
    differs between the two sheets: the widgets whose look the sheet itself switches
    (re-polished first, so the cards change colour in the first turn)."""
    theirs = dict((tuple(sel), body) for sel, body in _rules(dark))
    found = []
    for selectors, body in _rules(light):
        if theirs.get(tuple(selectors)) == body:
            continue
        for selector in selectors:
            m = _SELECTOR.match(selector)
            type_name, name, prefix = m.group(1) or "", m.group(2), m.group(3)
            found.append((type_name, prefix or name or "", prefix is not None))
    return list(dict.fromkeys(found))


def picked_by(widget, selectors: list[tuple[str, str, bool]]) -> bool:
    """Whether one of `selectors` (from themed_selectors) picks `widget`."""
    name = widget.objectName()
    for type_name, wanted, prefix in selectors:
        # The name first: a string test, where inherits() is a call into Qt.
        if wanted and not (name.startswith(wanted) if prefix else name == wanted):
            continue
        if not type_name or widget.inherits(type_name):
            return True
    return False


class Restyler:
    """Flips a window's theme property and re-polishes its widgets a slice of
    RESTYLE_BUDGET_S per event-loop turn (those `selectors` pick first), so frames and
    clicks go between."""

    def __init__(self, root, selectors: list[tuple[str, str, bool]], done=None):
        from PySide6.QtCore import QTimer

        self.root = root
        self.selectors = selectors
        self.done = done  # called once every widget has its new look
        self._todo: list | None = []  # widgets, re-polished from the end; None: to list
        self._timer = QTimer(root)  # a real zero timer: other timers and events get in between
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def switch(self, dark: bool) -> None:
        self.root.setProperty(THEME_PROPERTY, dark)
        self._todo = None  # listed in the next turn: the click's own slot stays short
        self._timer.start()

    def _list(self) -> None:
        from PySide6.QtWidgets import QWidget

        widgets = [self.root, *self.root.findChildren(QWidget)]
        first = [w for w in widgets if picked_by(w, self.selectors)]
        chosen = set(map(id, first))
        self._todo = [w for w in reversed(widgets) if id(w) not in chosen] + first[::-1]

    def busy(self) -> bool:
        """True until every widget has its new look."""
        return self._todo is None or bool(self._todo)

    def _step(self) -> None:
        from shiboken6 import isValid

        if self._todo is None:  # listing them is a turn's work of its own
            self._list()
            self._timer.start()
            return
        deadline = time.perf_counter() + RESTYLE_BUDGET_S
        while self._todo and time.perf_counter() < deadline:
            widget = self._todo.pop()
            if not isValid(widget):  # deleted since the switch (a layer card, a dialog)
                continue
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
            widget.update()
        if self._todo:
            self._timer.start()
        elif self.done is not None:
            self.done()
