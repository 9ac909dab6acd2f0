"""app/icon.py: the app icon from resources/, in a checkout and in a frozen build."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.icon import ICON_SIZES, app_icon, resource_path, resources_dir


def test_resources_are_found_next_to_app_in_a_checkout():
    assert resources_dir().name == "resources"
    assert resource_path("icons", "neuroplay.svg").is_file()
    for size in ICON_SIZES:
        assert resource_path("icons", f"neuroplay-{size}.png").is_file()


def test_a_frozen_build_reads_its_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    assert resource_path("lessons", "a.json") == tmp_path / "resources" / "lessons" / "a.json"


def test_the_icon_has_every_rendered_size(qapp):
    icon = app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert set(ICON_SIZES) <= sizes


def test_missing_icon_files_give_an_empty_icon_not_a_crash(qapp, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert app_icon().isNull()
