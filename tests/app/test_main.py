"""app/main.py builds a window's features in order, each given the window's parts; the
window itself is left as it was built (no attribute added, none replaced)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from test_files import ScriptedPrompts
from window_helpers import close_window, shown_window

from app.main import build_features


def test_features_are_built_without_touching_the_window(qtbot, tmp_path):
    window = shown_window(qtbot, tmp_path)
    before = dict(vars(window))
    features = build_features(window, ScriptedPrompts(), lambda settings: None)
    try:
        after = vars(window)
        assert after.keys() == before.keys()  # nothing patched on
        assert all(after[k] is before[k] for k in before)  # nothing replaced
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus == ["&File", "&Training", "&View", "&Lessons", "&Help"]
        file_menu = [a.text() for a in window.file_menu.actions() if a.text()]
        assert file_menu[0] == "&New" and file_menu[-1] == "&Quit"  # above Quit
        # Each feature is the window's child and has what it was handed.
        assert features.files.parent() is window and features.classroom.parent() is window
        assert features.files.drawing is features.drawing
        assert features.files.presenter is window.presenter
        assert features.files.slot is None  # no autosave folder was given
    finally:
        features.files.finish()
        close_window(window)
