"""The import contract: engine/ never imports Qt, pyqtgraph or the app; features never reach
into the main window.

Features (app/parts.py explains the seam) get a WindowParts with everything of the window
they may use. So a feature module
- does not import app.window, nor the modules that build a window (app.main, app.smoke,
  app.screenshot);
- calls no getattr / hasattr / setattr / delattr on a window, and assigns no attribute of one;
- uses a window only through QMainWindow's own API (title, geometry, events, parenting):
  `window.play()` or `self.window.presenter` would be the window's insides.
No module under app/ but the window's own patches a window or looks one up by name (the
modules that build a window, app/main.py, smoke.py and screenshot.py, drive it by its
methods). app/main.py imports its features as code, never by a name in a string.

Each rule is checked on the real sources, and on a small source that breaks it, so a
checker that stopped seeing its rule fails here too.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"
GUI_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "app")
# Modules built with the window's parts: they must not know the window's insides.
FEATURES = ("autosave", "classroom", "draw_tools", "explainer", "exports", "files",
            "lessons_panel", "modal_pause", "presentation", "record", "record_dialog")
WINDOW_BUILDERS = ("app.window", "app.main", "app.smoke", "app.screenshot")
REFLECTION = ("getattr", "hasattr", "setattr", "delattr", "vars")
# `window`, `window_`, `self.window`, `parts.window`...: an expression naming a window.
WINDOW_NAME = re.compile(r"(^|\.)(main_)?window_?$")


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in `tree`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from app import window` imports the module app.window
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def engine_problems(source: str, name: str) -> list[str]:
    """What an engine module imports of the GUI (nothing, when it keeps the contract)."""
    return [f"{name}:{line} imports {module}"
            for line, module in imported_names(ast.parse(source))
            if module.split(".")[0] in GUI_PACKAGES]


def names_window(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name | ast.Attribute)
            and WINDOW_NAME.search(ast.unparse(node)) is not None)


def window_api() -> set[str]:
    from PySide6.QtWidgets import QMainWindow

    return set(dir(QMainWindow))


def reach_problems(source: str, name: str, feature: bool) -> list[str]:
    """How a module reaches into the window: by name, by patching, or (a feature) by
    using what is not QMainWindow's own API."""
    tree = ast.parse(source)
    problems = []
    if feature:
        problems += [f"{name}:{line} imports {module}"
                     for line, module in imported_names(tree) if module in WINDOW_BUILDERS]
    api = window_api() if feature else set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in REFLECTION and node.args and names_window(node.args[0])):
            problems.append(f"{name}:{node.lineno} {ast.unparse(node)}")
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and names_window(part.value):
                    problems.append(f"{name}:{node.lineno} sets {ast.unparse(part)}")
        if (feature and isinstance(node, ast.Attribute) and names_window(node.value)
                and node.attr not in api):
            problems.append(f"{name}:{node.lineno} uses {ast.unparse(node)}")
    return sorted(set(problems))


def string_import_problems(source: str, name: str) -> list[str]:
    """Imports by a name in a string: importlib, __import__, find_spec."""
    problems = [f"{name}:{line} imports {module}"
                for line, module in imported_names(ast.parse(source))
                if module.split(".")[0] == "importlib"]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in ("__import__", "import_module",
                                                      "find_spec"):
            problems.append(f"{name}:{node.lineno} uses {node.id}")
    return problems


def app_source(module: str) -> str:
    return (ROOT / "app" / f"{module}.py").read_text(encoding="utf-8")


# ------------------------------------------------------------ engine/ stays Qt-free
def test_no_engine_module_imports_qt_pyqtgraph_or_the_app():
    paths = sorted(ENGINE.rglob("*.py"))
    assert len(paths) > 10
    problems = [p for path in paths
                for p in engine_problems(path.read_text(encoding="utf-8"),
                                         str(path.relative_to(ROOT)))]
    assert problems == []


def test_importing_the_engine_loads_no_qt_module():
    """What the engine process imports (engine.host, engine.session...) and every other
    engine module, in a fresh interpreter: no Qt, pyqtgraph or app module gets loaded."""
    modules = ["engine.host", "engine.session"] + sorted(
        f"engine.{p.stem}" for p in ENGINE.glob("*.py") if p.stem != "__init__")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_PACKAGES!r}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_engine_check_sees_a_qt_import():
    assert engine_problems("import numpy\nfrom engine import io\n", "ok.py") == []
    for line in ("import PySide6.QtCore", "from pyqtgraph import mkPen",
                 "from app import window", "import app.presenter as p",
                 "from shiboken6 import isValid"):
        assert engine_problems(f"import numpy\n{line}\n", "bad.py"), line


# ------------------------------------------------------------ features stay out of the window
@pytest.mark.parametrize("module", FEATURES)
def test_a_feature_uses_only_the_parts_it_was_given(module):
    assert reach_problems(app_source(module), f"app/{module}.py", feature=True) == []


def test_features_are_imported_as_code():
    assert string_import_problems(app_source("main"), "app/main.py") == []


def test_no_app_module_patches_the_window_or_looks_it_up_by_name():
    """Every module under app/, listed or not (a new feature, a view, a control)."""
    problems = [p for path in sorted((ROOT / "app").rglob("*.py")) if path.stem != "window"
                for p in reach_problems(path.read_text(encoding="utf-8"),
                                        str(path.relative_to(ROOT)), feature=False)]
    assert problems == []


BROKEN = {
    "getattr on the window": "def f(window):\n    return getattr(window, 'help_menu', None)\n",
    "hasattr on self.window": "def f(self):\n    return hasattr(self.window, 'set_pace')\n",
    "a patched window": "def attach(window, controller):\n    window.files = controller\n",
    "setattr on parts.window": "def f(parts):\n    setattr(parts.window, 'files', 1)\n",
    "the window's insides": "def f(self):\n    self.window.presenter.play()\n",
    "a window method": "def f(window):\n    window.play()\n",
    "the window imported": "from app.window import MainWindow\n",
    "the window module imported": "from app import window\n",
    "main imported": "import app.main\n",
}


@pytest.mark.parametrize("what", BROKEN)
def test_the_feature_check_sees_a_reach_into_the_window(what):
    assert reach_problems(BROKEN[what], "bad.py", feature=True), what


def test_the_feature_check_allows_qt_api_and_the_parts():
    ok = ("from app.parts import WindowParts\n"
          "def f(parts, self):\n"
          "    window = parts.window\n"
          "    window.setWindowTitle('x'); window.installEventFilter(self)\n"
          "    self.window = window\n"
          "    parts.banner.show_message('hi', 'info')\n"
          "    parts.commands.play()\n"
          "    palette.window().color()\n"
          "    return getattr(parts.settings, 'store')\n")
    assert reach_problems(ok, "ok.py", feature=True) == []


def test_the_string_import_check_sees_importlib():
    for source in ("import importlib\nimportlib.import_module('app.files')\n",
                   "from importlib.util import find_spec\n",
                   "m = __import__('app.files')\n"):
        assert string_import_problems(source, "bad.py"), source
