"""Input features, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.config import FEATURES as CONFIG_FEATURES
from engine.features import FEATURE_LABELS, FEATURES, feature_grid, feature_matrix


def test_feature_names_match_the_config_and_all_have_labels():
    assert FEATURES == CONFIG_FEATURES
    assert set(FEATURE_LABELS) == set(FEATURES)
    assert FEATURE_LABELS["x1^2"] == "X₁²"


def test_feature_matrix_values_by_hand():
    points = np.array([[2.0, -3.0], [0.5, math.pi / 2]])
    m = feature_matrix(points, list(FEATURES))
    assert m.shape == (2, 7) and m.dtype == np.float64
    assert m[0].tolist() == pytest.approx([2, -3, 4, 9, -6, math.sin(2), math.sin(-3)])
    assert m[1].tolist() == pytest.approx([0.5, math.pi / 2, 0.25, math.pi**2 / 4,
                                           math.pi / 4, math.sin(0.5), 1.0])


def test_feature_matrix_keeps_the_order_of_names():
    points = np.array([[3.0, 5.0]])
    assert feature_matrix(points, ["x1*x2", "x2", "x1"]).tolist() == [[15.0, 5.0, 3.0]]
    assert feature_matrix(np.zeros((0, 2)), ["x1"]).shape == (0, 1)


def test_unknown_feature_is_named():
    with pytest.raises(ValueError, match="'x3'"):
        feature_matrix(np.zeros((1, 2)), ["x1", "x3"])
    with pytest.raises(TypeError):
        feature_matrix(np.zeros((1, 2)), "x1")


def test_feature_grid_rows_are_x2_columns_are_x1():
    # x1 in 0, 1, 2; x2 in 10, 11, 12.
    grid = feature_grid(["x1", "x2", "x1*x2"], (0.0, 2.0, 10.0, 12.0), 3)
    assert grid.shape == (3, 3, 3)
    assert grid[0].tolist() == [[0, 1, 2]] * 3
    assert grid[1].tolist() == [[10] * 3, [11] * 3, [12] * 3]
    assert grid[2][2].tolist() == [0, 12, 24]   # row 2 is x2 = 12
    assert grid[2][:, 1].tolist() == [10, 11, 12]  # column 1 is x1 = 1


def test_feature_grid_matches_feature_matrix():
    extent = (-1.0, 1.0, -2.0, 2.0)
    grid = feature_grid(["sin x1", "x2^2"], extent, 5)
    i, j = 3, 1  # x2 = -2 + 3 * 1 = 1, x1 = -1 + 1 * 0.5 = -0.5
    assert grid[:, i, j].tolist() == pytest.approx([math.sin(-0.5), 1.0])
