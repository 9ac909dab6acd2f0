"""engine/limits.py: the value limit and the plot range of drawn or imported points, one
rule that readers, the session, session files and the window all ask."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import limits
from engine.datasets import CSVError, load_csv
from engine.io import load_session, make_custom_dataset, save_session
from engine.session import TrainingSession


@pytest.mark.parametrize(("value", "ok"), [
    (0.0, True), (-1e6, True), (1e6, True), (1e6 * (1 + 1e-12), False), (-2e6, False),
    (math.nan, False), (math.inf, False), (-math.inf, False),
])
def test_in_value_range(value, ok):
    assert limits.in_value_range(value) is ok


def test_value_range_is_said_in_plain_digits():
    assert limits.VALUE_RANGE == "from -1000000 to 1000000"


def test_fitting_extent_is_square_round_and_at_least_the_unit_square():
    assert limits.fitting_extent(np.zeros((0, 2))) == limits.DEFAULT_EXTENT
    assert limits.fitting_extent(np.array([[0.1, -0.2]])) == (-1.0, 1.0, -1.0, 1.0)
    # 3 * 1.15 = 3.45, rounded up to a half
    assert limits.fitting_extent(np.array([[3.0, -1.0], [0.0, 2.0]])) == (-3.5, 3.5, -3.5, 3.5)
    assert limits.fitting_extent(np.array([[0.0, -4.0]])) == (-5.0, 5.0, -5.0, 5.0)


def test_covering_extent_holds_every_range():
    got = limits.covering_extent((-1.0, 1.0, -2.0, 2.0), (-3.0, 0.5, -1.0, 4.0))
    assert got == (-3.0, 1.0, -2.0, 4.0)
    assert limits.covering_extent((-1.0, 1.0, -1.0, 1.0)) == (-1.0, 1.0, -1.0, 1.0)


def test_the_widest_extent_is_the_one_points_at_the_limit_get():
    at_limit = limits.fitting_extent(np.array([[limits.MAX_VALUE, -limits.MAX_VALUE]]))
    assert limits.extent_is_valid(at_limit)
    assert at_limit[1] == limits.MAX_EXTENT
    assert not limits.extent_is_valid((-limits.MAX_EXTENT * 2, 0.0, -1.0, 1.0))
    assert not limits.extent_is_valid((1.0, 1.0, -1.0, 1.0))  # an empty range
    assert not limits.extent_is_valid((-1.0, 1.0, 2.0, 1.0))
    assert not limits.extent_is_valid((-1.0, math.nan, -1.0, 1.0))


def test_points_at_the_value_limit_save_and_open_again(tmp_path):
    """Once the reader allowed an extent of 1e6 while the points it allows get 1.15e6:
    a session with a point at 1e6 saved, and then could not be opened."""
    data = make_custom_dataset(np.array([[1e6, -1e6], [0.0, 0.0], [0.5, 0.5]]),
                               np.array([0, 1, 1]), "classification")
    session = TrainingSession()
    session.set_points(data)
    path = tmp_path / "far.neuroplay"
    save_session(session, path)
    assert load_session(path).data.extent == data.extent


def test_csv_and_session_agree_on_the_value_limit():
    data = load_csv("x1,x2,label\n1000000,-1000000,1\n0,0,0\n")
    assert data.extent == limits.fitting_extent(data.points)
    with pytest.raises(CSVError, match=limits.VALUE_RANGE):
        load_csv("x1,x2,label\n1000001,0,1\n0,0,0\n")
    session = TrainingSession()
    session.set_weight(0, 0, 0, limits.MAX_VALUE)
    with pytest.raises(ValueError, match=limits.VALUE_RANGE):
        session.set_weight(0, 0, 0, -limits.MAX_VALUE * 1.5)
