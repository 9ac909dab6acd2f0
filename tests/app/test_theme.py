"""Palettes and the Qt theme: colours keep their meaning in every variant."""

from __future__ import annotations

import numpy as np
import pytest

from app.theme import PALETTES, apply_qt_theme, get_palette, hex_to_rgb


def test_palette_lut_runs_from_class0_through_white_to_class1():
    pal = get_palette()
    assert pal.lut.shape == (256, 4) and pal.lut.dtype == np.uint8
    assert tuple(pal.lut[0, :3]) == hex_to_rgb(pal.class_colors[0])
    assert tuple(pal.lut[255, :3]) == hex_to_rgb(pal.class_colors[1])
    assert pal.lut[127:129, :3].min() >= 235  # near-white in the middle
    assert len(pal.class_colors) >= 5
    # TensorFlow Playground's convention: class 0 orange, class 1 blue.
    orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
    assert blue[2] > blue[0] and orange[0] > orange[2]
    assert pal.weight_positive == pal.class_colors[1] and pal.weight_negative == pal.class_colors[0]


def test_colorblind_palette_keeps_the_meaning_of_blue_and_orange():
    for dark in (False, True):
        pal = get_palette("colorblind", dark)
        orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
        assert blue[2] > blue[0] and orange[0] > orange[2]
        assert tuple(pal.lut[255, :3]) == tuple(blue)  # positive outputs are blue
        assert pal.weight_positive == pal.class_colors[1]


def test_colorblind_and_dark_variants_differ():
    assert set(PALETTES) == {"default", "colorblind"}
    assert get_palette("colorblind").class_colors != get_palette().class_colors
    dark = get_palette(dark=True)
    assert sum(hex_to_rgb(dark.background)) < 150 < sum(hex_to_rgb(dark.foreground))
    with pytest.raises(ValueError, match="unknown palette 'neon'"):
        get_palette("neon")


def test_lut_for_classes_has_one_band_per_class():
    pal = get_palette()
    lut = pal.lut_for_classes(4)
    assert lut.shape == (256, 4)
    for c in range(4):
        assert tuple(lut[c * 64 + 63, :3]) == hex_to_rgb(pal.class_colors[c])
        assert tuple(lut[c * 64, :3]) == hex_to_rgb(pal.neutral)


def test_apply_qt_theme_dark_then_light(qapp):
    apply_qt_theme(qapp, dark=True)
    assert qapp.style().name().lower() == "fusion"
    assert qapp.palette().window().color().lightness() < 80
    apply_qt_theme(qapp, dark=False)
    assert qapp.palette().window().color().lightness() > 180

