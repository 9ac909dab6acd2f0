"""A monkey for the real window: random user actions from a seeded generator.

Every visible, enabled button, slider, spin box and combo box of every open window can be
poked; menu actions triggered; keys pressed; weights edited by typing; points drawn and
erased; files opened, imported and saved (valid and broken ones, picked by the scripted
prompts). The same seed gives the same sequence of choices; `log` keeps the last actions
so a failure can be read and replayed (NEUROPLAY_MONKEY_SEED=<seed>).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMenu,
    QWidget,
)

from app.classroom import Classroom
from app.draw_tools import DrawingController
from app.files import FileController
from app.main import Features
from engine.config import SessionConfig
from engine.io import save_session
from engine.lessons import make_lesson, save_lesson
from engine.session import TrainingSession

# Text a student might type into a number field.
SILLY_TEXT = ("0", "-1", "1e9", "99999999999", "-0.0", "nan", "inf", "abc", "", "1,5",
              "0.00000001", "3", "12", "2000", "2001", "1e-300", "7e308", "  42  ", "½")
KEYS = (Qt.Key_Space, Qt.Key_Right, Qt.Key_R, Qt.Key_F11, Qt.Key_F5, Qt.Key_Escape,
        Qt.Key_Left, Qt.Key_Up, Qt.Key_Down)
SLIDER_KEYS = (Qt.Key_Left, Qt.Key_Right, Qt.Key_PageUp, Qt.Key_PageDown, Qt.Key_Home,
               Qt.Key_End)
SAVE_SUFFIXES = (".json", ".png", ".svg", ".csv", ".py", ".js", "", ".bmp")


def make_files(folder: Path) -> dict[str, list[Path]]:
    """Session, CSV and lesson files to open, valid and broken: {"session": [...], ...}."""
    folder.mkdir(parents=True, exist_ok=True)
    small = TrainingSession(SessionConfig(dataset="xor", n_points=40, hidden=(3,),
                                          activations=("tanh",)))
    small.run_epochs(3)
    save_session(small, folder / "small.json")
    big = TrainingSession(SessionConfig(n_points=2000, hidden=(32,) * 8,
                                        activations=("relu",) * 8))
    save_session(big, folder / "big.json")
    good = (folder / "small.json").read_text()
    texts = {
        "truncated.json": good[: len(good) // 2],
        "not-json.json": "{'format': 1}",
        "newer.json": json.dumps({"format": "neuroplay-session", "version": 99}),
        "hostile.json": json.dumps({"format": "neuroplay-session", "version": 1,
                                    "config": {"hidden": [32] * 9}}),
        "empty.json": "",
        "points.csv": "x1,x2,label\n" + "\n".join(
            f"{np.cos(k):.3f},{np.sin(k):.3f},{k % 3}" for k in range(60)),
        "nan.csv": "x1,x2,label\n0,0,1\nnan,1,0\n1,inf,1\n",
        "one-point.csv": "x1,x2,label\n0.5,0.5,1\n",
        "one-class.csv": "x1,x2,label\n" + "\n".join(f"{k / 10},{k / 7},0" for k in range(20)),
        "duplicates.csv": "x1,x2,label\n" + "0.3,0.3,1\n" * 30 + "0.3,0.3,0\n" * 30,
        "huge-values.csv": "x1,x2,label\n1e300,1,0\n-1e300,2,1\n0,0,1\n",
        "regression.csv": "x1,x2,label\n" + "\n".join(f"{k / 9},{-k / 9},{k / 3:.2f}"
                                                     for k in range(-9, 10)),
        "bad-columns.csv": "x1,x2\n1,2\n",
        "empty.csv": "",
        "lesson-broken.json": '{"format": "neuroplay-lesson"',
    }
    for name, text in texts.items():
        (folder / name).write_text(text)
    (folder / "binary.json").write_bytes(b"\x00\xff\xfe\x89PNG")
    lesson = make_lesson("Monkey lesson", small.config, *small.parameters_as_lists())
    save_lesson(lesson, folder / "lesson.json")
    files = sorted(folder.iterdir())
    return {
        "session": [p for p in files if p.suffix == ".json" and "lesson" not in p.name]
        + [folder / "missing.json"],
        "csv": [p for p in files if p.suffix == ".csv"] + [folder / "missing.csv"],
        "lesson": [folder / "lesson.json", folder / "lesson-broken.json"],
    }


def features_of(window) -> Features:
    """The features build_features gave `window` (each one a child of the window)."""
    return Features(window.findChild(DrawingController), window.findChild(FileController),
                    window.findChild(Classroom))


class Monkey:
    """Drives `window` (a MainWindow with the File menu and classroom attached)."""

    def __init__(self, window, prompts, qtbot, seed: int, files: dict[str, list[Path]],
                 out: Path, warnings: list[str] | None = None):
        self.window = window
        self.features = features_of(window)
        self.warnings = warnings if warnings is not None else []
        self.prompts = prompts
        self.qtbot = qtbot
        self.seed = seed
        self.rng = random.Random(seed)
        self.files = files
        self.out = out
        self.log: deque[str] = deque(maxlen=int(os.environ.get("NEUROPLAY_MONKEY_LOG", "60")))
        self.counts: dict[str, int] = {}
        self.actions = 0
        self.worst_action_ms = 0.0
        self.worst_action = ""
        self._answer_prompts()
        self.menu_excluded = {window.quit_action}
        self.weights = [
            (self.action_button, 22), (self.action_slider, 8), (self.action_spin_box, 10),
            (self.action_combo, 10), (self.action_menu, 12), (self.action_key, 8),
            (self.action_weight, 6), (self.action_draw, 10), (self.action_diagram_click, 3),
            (self.action_open, 4), (self.action_import, 4), (self.action_wait, 5),
        ]

    # ------------------------------------------------------------ the loop
    def run(self, actions: int, seconds: float) -> int:
        """Do up to `actions` actions in at most `seconds`; returns how many were done."""
        functions, weights = zip(*self.weights, strict=True)
        end = time.monotonic() + seconds
        while self.actions < actions and time.monotonic() < end:
            self._close_popups()
            action = self.rng.choices(functions, weights)[0]
            start = time.perf_counter()
            heard = len(self.warnings)
            action()
            QApplication.processEvents()
            for text in self.warnings[heard:]:
                self.note("QT WARNING", text)  # right after the action that caused it
            took = (time.perf_counter() - start) * 1000
            if took > self.worst_action_ms:
                self.worst_action_ms = took
                self.worst_action = " / ".join(list(self.log)[-6:])  # with what came before
            self.actions += 1
        self._close_popups()
        return self.actions

    def note(self, kind: str, text: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.log.append(f"#{self.actions} {kind}: {text}")

    def report(self) -> str:
        lines = [f"monkey seed {self.seed} (replay: NEUROPLAY_MONKEY_SEED={self.seed}), "
                 f"{self.actions} actions; last {len(self.log)}:"]
        return "\n".join(lines + list(self.log))

    # ------------------------------------------------------------ finding widgets
    def _windows(self) -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets()
                if w.isVisible() and not isinstance(w, QMenu)
                and w.windowType() not in (Qt.Popup, Qt.ToolTip)]

    def _widgets(self, kind) -> list[QWidget]:
        found = []
        for top in self._windows():
            for w in top.findChildren(kind):
                if w.isVisible() and w.isEnabled() and w.window() is top:
                    found.append(w)
        return found

    def _pick(self, kind):
        widgets = self._widgets(kind)
        return self.rng.choice(widgets) if widgets else None

    @staticmethod
    def _name(w: QWidget) -> str:
        text = ""
        for attr in ("text", "toolTip"):
            value = getattr(w, attr, None)
            if callable(value):
                text = value()
                if text:
                    break
        return f"{type(w).__name__}({w.objectName() or text[:40]!r})"

    def _close_popups(self) -> None:
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        for top in self._windows():
            if top is not self.window and top.inherits("QMessageBox"):
                top.close()

    # ------------------------------------------------------------ actions
    def action_button(self) -> None:
        button = self._pick(QAbstractButton)
        if button is None:
            return
        self.note("click", self._name(button))
        self.qtbot.mouseClick(button, Qt.LeftButton, pos=button.rect().center())

    def action_slider(self) -> None:
        slider = self._pick(QAbstractSlider)
        if slider is None:
            return
        key = self.rng.choice(SLIDER_KEYS)
        self.note("slider", f"{self._name(slider)} key {key.name}")
        slider.setFocus()
        self.qtbot.keyClick(slider, key)

    def action_spin_box(self) -> None:
        box = self._pick(QAbstractSpinBox)
        if box is None:
            return
        if self.rng.random() < 0.4:
            key = self.rng.choice((Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown))
            self.note("spin", f"{self._name(box)} key {key.name}")
            self.qtbot.keyClick(box, key)
            return
        text = self._number_text()
        self.note("spin", f"{self._name(box)} type {text!r}")
        self._type(box, box.findChild(QLineEdit), text)

    def action_combo(self) -> None:
        combo = self._pick(QComboBox)
        if combo is None or combo.count() == 0:
            return
        if combo.isEditable() and self.rng.random() < 0.5:
            text = self._number_text()
            self.note("combo", f"{self._name(combo)} type {text!r}")
            self._type(combo, combo.lineEdit(), text)
            return
        index = self.rng.randrange(combo.count())
        self.note("combo", f"{self._name(combo)} choose {combo.itemText(index)!r}")
        combo.setFocus()
        combo.setCurrentIndex(index)
        combo.activated.emit(index)  # what a choice from the list sends

    def action_menu(self) -> None:
        actions = [a for a in self._menu_actions() if a not in self.menu_excluded]
        if not actions:
            return
        action = self.rng.choice(actions)
        self.note("menu", action.text().replace("&", ""))
        action.trigger()

    def _menu_actions(self):
        found = []
        pending = [a.menu() for a in self.window.menuBar().actions() if a.menu()]
        while pending:
            menu = pending.pop(0)
            if menu.actions() == [] and hasattr(menu, "aboutToShow"):
                menu.aboutToShow.emit()  # Open Recent fills itself when shown
            for a in menu.actions():
                if a.menu() is not None:
                    pending.append(a.menu())
                elif a.isEnabled() and not a.isSeparator() and a.isVisible():
                    found.append(a)
        return found

    def action_key(self) -> None:
        key = self.rng.choice(KEYS)
        target = QApplication.focusWidget() or self.window
        if self.rng.random() < 0.5:
            target = self.window
        self.note("key", f"{key.name} to {self._name(target)}")
        self.qtbot.keyClick(target, key)

    def action_weight(self) -> None:
        sizes = self.window.session_config().layer_sizes
        layer = self.rng.randrange(len(sizes) - 1)
        j = self.rng.randrange(sizes[layer + 1])
        if self.rng.random() < 0.7:
            i = self.rng.randrange(sizes[layer])
            self.window.weight_editor.edit_weight(layer, i, j)
            what = f"weight {layer},{i},{j}"
        else:
            self.window.weight_editor.edit_bias(layer, j)
            what = f"bias {layer},{j}"
        editor = self.window.weight_editor.editor()
        if editor is None:
            self.note("weight", f"{what}: no editor")
            return
        text = self.rng.choice(("0", "-3.5", "1e7", "nan", "x", "0.25", "-1e6", "1e6"))
        key = self.rng.choice((Qt.Key_Return, Qt.Key_Return, Qt.Key_Escape))
        self.note("weight", f"{what} type {text!r} then {key.name}")
        editor.editor.selectAll()
        self.qtbot.keyClicks(editor.editor, text)
        self.qtbot.keyClick(editor.editor, key)

    def action_draw(self) -> None:
        tools = self.features.drawing.tools
        roll = self.rng.random()
        if roll < 0.1:
            self.note("draw", "toggle drawing")
            tools.draw_button.click()
            return
        if roll < 0.15:
            self.note("draw", "toggle eraser")
            tools.eraser_button.click()
            return
        view = self.window.boundary_view
        x1, x2 = self.rng.uniform(-1.2, 1.2), self.rng.uniform(-1.2, 1.2)
        button = Qt.RightButton if roll > 0.85 else Qt.LeftButton
        self.note("draw", f"{'right' if button == Qt.RightButton else 'left'}-click "
                          f"({x1:.2f}, {x2:.2f})")
        self.qtbot.mouseClick(view.plot_widget.viewport(), button, pos=view.scene_pos(x1, x2))

    def action_diagram_click(self) -> None:
        viewport = self.window.network_view
        rect = viewport.rect()
        pos = QPoint(self.rng.randrange(max(rect.width(), 1)),
                     self.rng.randrange(max(rect.height(), 1)))
        self.note("diagram", f"click at {pos.x()},{pos.y()}")
        target = viewport.childAt(pos) or viewport
        self.qtbot.mouseClick(target, Qt.LeftButton, pos=target.mapFrom(viewport, pos))

    def action_open(self) -> None:
        self.note("open", "File > Open")
        self.features.files.open_action.trigger()

    def action_import(self) -> None:
        self.note("import", "File > Import points")
        self.features.files.import_action.trigger()

    def action_wait(self) -> None:
        ms = self.rng.choice((5, 20, 50))
        self.note("wait", f"{ms} ms")
        self.qtbot.wait(ms)

    # ------------------------------------------------------------ helpers
    def _number_text(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(SILLY_TEXT)
        return f"{self.rng.uniform(-5, 50):.{self.rng.randrange(4)}f}"

    def _type(self, widget: QWidget, line_edit: QLineEdit | None, text: str) -> None:
        widget.setFocus()
        target = line_edit or widget
        target.selectAll() if line_edit is not None else None
        if text:
            self.qtbot.keyClicks(target, text)
        else:
            self.qtbot.keyClick(target, Qt.Key_Backspace)
        self.qtbot.keyClick(target, Qt.Key_Return)

    def _answer_prompts(self) -> None:
        """Every question the File menu and classroom ask gets a random answer."""
        rng, files, out = self.rng, self.files, self.out
        prompts = self.prompts

        def open_path(caption, folder, filters) -> str:
            if rng.random() < 0.1:
                return ""  # cancelled
            kind = "csv" if "CSV" in filters else "session"
            path = str(rng.choice(files[kind]))
            self.note("prompt", f"{caption}: {Path(path).name}")
            return path

        def save_path(caption, suggested, filters) -> str:
            if rng.random() < 0.1:
                return ""
            path = out / f"saved{rng.randrange(5)}{rng.choice(SAVE_SUFFIXES)}"
            self.note("prompt", f"{caption}: {path.name}")
            return str(path)

        def ask_save_changes(name) -> str:
            return rng.choice(("save", "discard", "discard", "cancel"))

        def ask_restore(when) -> bool:
            return rng.random() < 0.5

        prompts.open_path = open_path
        prompts.save_path = save_path
        prompts.ask_save_changes = ask_save_changes
        prompts.ask_restore = ask_restore
        prompts.dialogs.lesson_paths = [str(p) for p in files["lesson"]] * 1000
        rng_titles = [f"Monkey {k}" for k in range(20)] + ["", "   "]
        prompts.dialogs.titles = [rng.choice(rng_titles) for _ in range(1000)]
