"""The app icon: rendered PNGs match the SVG, and the ICO/ICNS containers follow their formats.

The containers are read back here with struct, written from the format descriptions
(ICONDIR/ICONDIRENTRY for .ico, big-endian type/length records for .icns), not with the
writer's code.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZES = (16, 32, 48, 64, 128, 256, 512)
# Apple's PNG-capable icns types and their pixel sizes (@2x types hold the doubled size).
ICNS_SIZES = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256,
              b"ic09": 512, b"ic10": 1024, b"ic11": 32, b"ic12": 64, b"ic13": 256,
              b"ic14": 512}


def load_make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "packaging/make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gui(qapp):
    """pytest-qt's QApplication: a QGuiApplication here would break later widget tests."""
    return qapp


def pixels(image: QImage) -> np.ndarray:
    """(h, w, 4) uint8 RGBA copy of a QImage."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(rgba.constBits(), np.uint8, rgba.height() * rgba.bytesPerLine())
    return data.reshape(rgba.height(), rgba.bytesPerLine() // 4, 4)[:, : rgba.width()].copy()


def decode(png: bytes) -> QImage:
    image = QImage.fromData(png, "PNG")
    assert not image.isNull(), "not a readable PNG"
    return image


@pytest.mark.parametrize("size", SIZES)
def test_png_has_its_size_and_the_motif_colours(gui, size):
    image = QImage(str(ICONS / f"neuroplay-{size}.png"))
    assert (image.width(), image.height()) == (size, size)
    rgba = pixels(image).astype(int)
    r, g, b, a = rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3]
    opaque = a > 200
    assert opaque.mean() > 0.8  # a filled tile, readable on any panel colour
    blue = opaque & (b > r + 40)
    orange = opaque & (r > 200) & (g > 100) & (g < 200) & (b < 110)
    white = opaque & (r > 225) & (g > 225) & (b > 225)
    # Even at 16 px the output node (orange) and the input/hidden nodes (white) show.
    assert blue.mean() > 0.3
    assert orange.sum() >= max(2, size * size // 100)
    assert white.sum() >= max(4, size * size // 40)


@pytest.mark.parametrize("size", (16, 48, 256))
def test_png_files_are_the_current_svg(gui, size):
    fresh = pixels(decode(load_make_icons().render_png(ICONS / "neuroplay.svg", size)))
    stored = pixels(QImage(str(ICONS / f"neuroplay-{size}.png")))
    # Regenerate with packaging/make_icons.py after editing the SVG.
    assert np.abs(fresh.astype(int) - stored.astype(int)).max() <= 2


def test_ico_directory_points_at_png_images(gui):
    data = (ICONS / "neuroplay.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    assert count == 6
    seen = []
    for k in range(count):
        w, h, colours, zero, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * k)
        size = w or 256
        assert (w, h, colours, zero, planes, bits) == (w, w, 0, 0, 1, 32)
        blob = data[offset: offset + length]
        assert len(blob) == length and blob.startswith(PNG_SIGNATURE)
        image = decode(blob)
        assert (image.width(), image.height()) == (size, size)
        assert blob == (ICONS / f"neuroplay-{size}.png").read_bytes()
        seen.append(size)
    assert seen == [16, 32, 48, 64, 128, 256]
    assert 6 + 16 * count + sum(len((ICONS / f"neuroplay-{s}.png").read_bytes())
                                for s in seen) == len(data)


def test_icns_records_are_png_of_their_declared_size(gui):
    data = (ICONS / "neuroplay.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    pos, kinds = 8, []
    while pos < len(data):
        kind, length = data[pos: pos + 4], struct.unpack(">I", data[pos + 4: pos + 8])[0]
        assert length > 8 and pos + length <= len(data)
        blob = data[pos + 8: pos + length]
        assert blob.startswith(PNG_SIGNATURE)
        image = decode(blob)
        assert (image.width(), image.height()) == (ICNS_SIZES[kind],) * 2
        kinds.append(kind)
        pos += length
    assert pos == len(data)
    # Finder and the Dock pick from these: 16 to 512 points, 1x and 2x.
    assert {b"icp4", b"icp5", b"ic07", b"ic08", b"ic09", b"ic13", b"ic14"} <= set(kinds)


def test_ico_writer_offsets_by_hand():
    make_icons = load_make_icons()
    data = make_icons.ico_bytes({256: b"BBBBB", 16: b"AAA"})
    # 6-byte header, two 16-byte entries, then the blobs: offsets 38 and 41.
    assert data[:6] == bytes([0, 0, 1, 0, 2, 0])
    assert data[6:22] == bytes([16, 16, 0, 0, 1, 0, 32, 0, 3, 0, 0, 0, 38, 0, 0, 0])
    assert data[22:38] == bytes([0, 0, 0, 0, 1, 0, 32, 0, 5, 0, 0, 0, 41, 0, 0, 0])
    assert data[38:] == b"AAABBBBB"


def test_icns_writer_lengths_by_hand():
    make_icons = load_make_icons()
    pngs = {s: bytes([s % 251]) * 2 for s in (16, 32, 64, 128, 256, 512)}
    data = make_icons.icns_bytes(pngs)
    records = len(make_icons.ICNS_TYPES)
    assert len(data) == 8 + records * (8 + 2)
    assert data[:8] == b"icns" + (8 + records * 10).to_bytes(4, "big")
    assert data[8:18] == b"icp4" + (10).to_bytes(4, "big") + bytes([16, 16])


def test_app_icon_from_source_has_every_size(gui):
    from app.icon import app_icon, resource_path

    assert resource_path("icons", "neuroplay.svg") == ICONS / "neuroplay.svg"
    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(16, 16), (32, 32), (256, 256)} <= sizes
    assert icon.pixmap(16, 16).toImage().pixelColor(8, 8).alpha() > 0


def test_frozen_layout_reads_from_meipass(gui, tmp_path, monkeypatch):
    from app.icon import app_icon, resource_path

    (tmp_path / "resources" / "icons").mkdir(parents=True)
    shutil.copy(ICONS / "neuroplay-48.png", tmp_path / "resources" / "icons")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons", "x.png") == tmp_path / "resources" / "icons" / "x.png"
    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert sizes == {(48, 48)}


def test_missing_icons_give_an_empty_icon_not_a_crash(gui, tmp_path, monkeypatch):
    from app.icon import app_icon

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert app_icon().isNull()
