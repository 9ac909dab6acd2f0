"""app/theme.py: class colours, the diverging colour map, light and dark palettes."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from app.theme import (
    COLORBLIND_CLASS_COLORS,
    DEFAULT_CLASS_COLORS,
    apply_qt_theme,
    diverging_lut,
    get_palette,
    hex_to_rgb,
)
from engine.config import MAX_CLASSES


def test_hex_to_rgb_reads_and_refuses():
    assert hex_to_rgb("#0877bd") == (8, 119, 189)
    with pytest.raises(ValueError, match="#rrggbb"):
        hex_to_rgb("#fff")


def test_the_diverging_map_runs_low_middle_high_and_is_read_only():
    lut = diverging_lut("#000000", "#808080", "#ffffff", n=256)
    assert lut.shape == (256, 4) and lut.dtype == np.uint8
    assert tuple(lut[0]) == (0, 0, 0, 255) and tuple(lut[-1]) == (255, 255, 255, 255)
    assert tuple(lut[127][:3]) == (128, 128, 128)  # the middle: "undecided"
    assert np.all(np.diff(lut[:, 0].astype(int)) >= 0)
    with pytest.raises(ValueError):
        lut[0, 0] = 1


@pytest.mark.parametrize("dark", [False, True])
def test_palettes_say_class_0_orange_class_1_blue_and_weights_alike(dark):
    palette = get_palette("default", dark)
    assert palette.class_color(0) == DEFAULT_CLASS_COLORS[0] == palette.weight_negative
    assert palette.class_color(1) == DEFAULT_CLASS_COLORS[1] == palette.weight_positive
    assert tuple(palette.lut[0][:3]) == hex_to_rgb(palette.class_color(0))
    assert tuple(palette.lut[-1][:3]) == hex_to_rgb(palette.class_color(1))
    assert tuple(palette.lut[127][:3]) == hex_to_rgb(palette.neutral)
    assert palette.dark is dark
    assert get_palette("colorblind", dark).class_colors == COLORBLIND_CLASS_COLORS


def test_every_class_the_engine_allows_has_its_own_colour():
    for name in ("default", "colorblind"):
        palette = get_palette(name)
        colours = {palette.class_color(c) for c in range(MAX_CLASSES)}
        assert len(colours) == MAX_CLASSES


def test_multiclass_bands_fade_from_neutral_to_each_class():
    palette = get_palette()
    lut = palette.lut_for_classes(3)
    band = 256 // 3
    assert lut.shape == (256, 4)
    for c in range(3):
        assert tuple(lut[c * band][:3]) == hex_to_rgb(palette.neutral)
        assert tuple(lut[c * band + band - 1][:3]) == palette.class_rgb(c)
    assert palette.lut_for_classes(2) is palette.lut


def test_unknown_palette_names_the_choices():
    with pytest.raises(ValueError, match="default, colorblind"):
        get_palette("sepia")


def test_dark_qt_theme_darkens_the_window_and_light_brings_it_back(qapp):
    from PySide6.QtGui import QPalette

    try:
        apply_qt_theme(qapp, dark=True)
        assert qapp.style().name().lower() == "fusion"
        assert qapp.palette().color(QPalette.Window).lightness() < 80
    finally:
        apply_qt_theme(qapp, dark=False)
    assert qapp.palette().color(QPalette.Window).lightness() > 180
