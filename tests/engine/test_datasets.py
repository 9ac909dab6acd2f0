"""Data set generators, the split and CSV files."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import DATASETS, MAX_CLASSES, MAX_POINTS
from engine.datasets import (
    BUMP_WIDTH,
    BUMPS,
    GENERATORS,
    MAX_CSV_BYTES,
    CSVError,
    DataSet,
    load_csv,
    make_dataset,
    multi_gaussian_target,
    split,
    to_csv,
)

GENERATED = [name for name in GENERATORS if name != "xor"]
MULTI_CLASS = ("circles", "gaussians", "spiral", "checkerboard")
BALANCED = ("moons", "circles", "gaussians", "spiral")


def test_every_configured_data_set_has_a_generator():
    assert set(GENERATORS) == set(DATASETS)


@pytest.mark.parametrize("name", GENERATED)
@pytest.mark.parametrize("n", [1, 2, 7, 200, MAX_POINTS])
def test_exactly_n_points_of_the_right_shape(name, n):
    d = make_dataset(name, n, noise=0.3, seed=5)
    assert d.points.shape == (n, 2) and d.points.dtype == np.float64
    assert d.labels.shape == (n,)
    if d.problem == "classification":
        assert d.labels.dtype == np.int64 and d.n_classes == 2
        assert set(np.unique(d.labels)) <= {0, 1}
    else:
        assert d.labels.dtype == np.float64 and d.n_classes == 1
    assert np.all(np.isfinite(d.points)) and np.all(np.isfinite(d.labels))


@pytest.mark.parametrize("name", MULTI_CLASS)
@pytest.mark.parametrize("classes", range(2, MAX_CLASSES + 1))
def test_multi_class_generators_use_every_class(name, classes):
    d = make_dataset(name, 300, seed=2, classes=classes)
    assert d.n_classes == classes
    assert set(np.unique(d.labels).tolist()) == set(range(classes))


@pytest.mark.parametrize("name", BALANCED)
@pytest.mark.parametrize("classes", [2, 3, 5])
def test_labels_balanced(name, classes):
    d = make_dataset(name, 201, seed=3, classes=classes)
    counts = np.bincount(d.labels, minlength=d.n_classes)
    assert counts.max() - counts.min() <= 1


def test_xor_is_the_seeds_four_points_whatever_n_and_noise():
    for n, noise in [(1, 0.0), (4, 0.1), (500, 1.0)]:
        d = make_dataset("xor", n, noise=noise, seed=n)
        assert d.points.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
        assert d.labels.tolist() == [0, 1, 1, 0]
    assert d.extent == (-0.5, 1.5, -0.5, 1.5)


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_data_other_seed_other_data(name):
    a, b = make_dataset(name, 50, seed=11), make_dataset(name, 50, seed=11)
    c = make_dataset(name, 50, seed=12)
    assert np.array_equal(a.points, b.points) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.points, c.points)


@pytest.mark.parametrize("name", GENERATED)
def test_extent_is_fixed_and_holds_the_data(name):
    d = make_dataset(name, 500, noise=0.1, seed=4)
    x1min, x1max, x2min, x2max = d.extent
    assert np.all((d.points[:, 0] > x1min) & (d.points[:, 0] < x1max))
    assert np.all((d.points[:, 1] > x2min) & (d.points[:, 1] < x2max))
    assert make_dataset(name, 30, noise=0.9, seed=7).extent == d.extent


def test_moons_noiseless_is_the_seeds_formula():
    # Angles 0 and pi/2 for n = 4; the upper moon first, then the lower, as the seed pushes.
    d = make_dataset("moons", 4, noise=0.0)
    expected = [[0.5, -0.3], [-0.5, 0.2], [-0.5, 0.7], [0.5, -0.8]]
    assert d.points == pytest.approx(np.array(expected), abs=1e-12)
    assert d.labels.tolist() == [0, 1, 0, 1]


def test_moons_noise_is_uniform_jitter_of_that_size():
    clean = make_dataset("moons", 200, noise=0.0).points
    noisy = make_dataset("moons", 200, noise=0.1, seed=9).points
    jitter = noisy - clean
    assert np.abs(jitter).max() <= 0.1
    assert np.abs(jitter).max() > 0.09  # 400 uniform draws reach near the edge


def test_noiseless_classification_labels_follow_the_rule():
    d = make_dataset("xor_cloud", 400, noise=0.0, seed=1)
    assert np.array_equal(d.labels, (d.points[:, 0] * d.points[:, 1] < 0).astype(int))
    d = make_dataset("checkerboard", 400, noise=0.0, seed=1)
    cells = np.floor((d.points + 1) * 2).astype(int)
    assert np.array_equal(d.labels, (cells[:, 0] + cells[:, 1]) % 2)
    d = make_dataset("circles", 400, noise=0.0, seed=1)
    radius = np.hypot(d.points[:, 0], d.points[:, 1])
    assert radius[d.labels == 0].max() <= 0.4 < radius[d.labels == 1].min()


def test_noiseless_regression_targets():
    d = make_dataset("plane", 100, noise=0.0, seed=1)
    assert d.labels == pytest.approx((d.points[:, 0] + d.points[:, 1]) / 2)
    # At a bump's centre: its height plus the others' tails, by hand.
    tail = [h * math.exp(-((0.5 - cx) ** 2 + (0.5 - cy) ** 2) / (2 * BUMP_WIDTH**2))
            for cx, cy, h in BUMPS]
    assert multi_gaussian_target(np.array([[0.5, 0.5]]))[0] == pytest.approx(sum(tail))
    assert sum(tail) == pytest.approx(1 - 2 * math.exp(-1 / 0.18), abs=1e-4)
    d = make_dataset("multi_gaussian", 100, noise=0.0, seed=1)
    assert d.labels == pytest.approx(multi_gaussian_target(d.points))
    noisy = make_dataset("multi_gaussian", 100, noise=0.5, seed=1)
    assert not np.allclose(noisy.labels, d.labels)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "banana", "n_points": 10}, "unknown data set"),
    ({"name": "moons", "n_points": 0}, "n_points"),
    ({"name": "moons", "n_points": MAX_POINTS + 1}, "n_points"),
    ({"name": "moons", "n_points": 10, "noise": 1.5}, "noise"),
    ({"name": "spiral", "n_points": 10, "classes": MAX_CLASSES + 1}, "classes"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


# ------------------------------------------------------------------ split

@pytest.mark.parametrize("fraction, n_train", [(0.8, 80), (0.5, 50), (0.1, 10), (1.0, 100)])
def test_split_partitions_the_points(fraction, n_train):
    d = make_dataset("spiral", 100, seed=1, classes=3)
    train, test = split(d, fraction, seed=3)
    assert len(train.points) == n_train and len(test.points) == 100 - n_train
    assert test.points.shape == (100 - n_train, 2)
    rows = sorted(map(tuple, np.concatenate([train.points, test.points]).tolist()))
    assert rows == sorted(map(tuple, d.points.tolist()))
    assert train.n_classes == test.n_classes == 3 and train.extent == d.extent
    # Each point keeps its label.
    label_of = {tuple(p): y for p, y in zip(d.points.tolist(), d.labels.tolist(), strict=True)}
    for part in (train, test):
        assert all(label_of[tuple(p)] == y
                   for p, y in zip(part.points.tolist(), part.labels.tolist(), strict=True))


def test_split_is_seeded():
    d = make_dataset("moons", 60, seed=1)
    a, b, c = split(d, 0.5, 1)[0], split(d, 0.5, 1)[0], split(d, 0.5, 2)[0]
    assert np.array_equal(a.points, b.points) and not np.array_equal(a.points, c.points)
    with pytest.raises(ValueError, match="train_fraction"):
        split(d, 0.0, 1)


# ------------------------------------------------------------------ CSV

@pytest.mark.parametrize("name, classes", [(n, 2) for n in GENERATORS] + [("spiral", 5)])
def test_csv_round_trip(name, classes):
    d = make_dataset(name, 57, noise=0.4, seed=8, classes=classes)
    back = load_csv(to_csv(d))
    assert np.array_equal(back.points, d.points) and np.array_equal(back.labels, d.labels)
    assert back.labels.dtype == d.labels.dtype
    assert (back.problem, back.n_classes) == (d.problem, d.n_classes)


def test_regression_targets_that_happen_to_be_whole_stay_regression():
    d = DataSet(np.zeros((2, 2)), np.array([1.0, 2.0]), "regression", 1, (-1, 1, -1, 1))
    assert load_csv(to_csv(d)).problem == "regression"


def test_csv_header_optional_blank_lines_and_comments_skipped(tmp_path):
    text = "# my points\n\n1, 2, 0\n  \n-1.5,3e-1,1\n# end\n"
    d = load_csv(text)
    assert d.points.tolist() == [[1.0, 2.0], [-1.5, 0.3]] and d.labels.tolist() == [0, 1]
    assert d.problem == "classification" and d.n_classes == 2
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n" + text)
    for source in (path, str(path)):
        assert np.array_equal(load_csv(source).points, d.points)


def test_csv_problem_inferred_or_given():
    assert load_csv("0,0,0.5\n1,1,2").problem == "regression"
    d = load_csv("0,0,0\n1,1,3")
    assert d.problem == "classification" and d.n_classes == 4
    assert load_csv("0,0,0\n1,1,3", problem="regression").labels.dtype == np.float64
    with pytest.raises(CSVError, match="line 2: a class label must be a whole number"):
        load_csv("0,0,0\n1,1,0.5", problem="classification")


def test_csv_bad_lines_reported_by_number():
    text = "\n".join([
        "x1,x2,label",      # 1
        "0,0,0",            # 2
        "# comment",        # 3
        "1,2",              # 4: two columns
        "",                 # 5
        "1,abc,1",          # 6: not a number
        "inf,1,1",          # 7: infinite
        "1,1,-1",           # 8: negative class
        "1,1,9",            # 9: too many classes
        "1,2,3,4",          # 10: four columns
    ])
    with pytest.raises(CSVError) as caught:
        load_csv(text)
    errors = caught.value.errors
    assert [int(re.match(r"line (\d+):", e).group(1)) for e in errors] == [4, 6, 7, 8, 9, 10]
    assert errors[1] == "line 6: x2 is not a number: 'abc'"
    assert "found 2" in errors[0] and "not a finite number" in errors[2]
    assert all(e in str(caught.value) for e in errors)


def test_csv_limits_and_missing_files(tmp_path):
    rows = "\n".join(f"{i},0,0" for i in range(MAX_POINTS + 1))
    with pytest.raises(CSVError, match=f"at most {MAX_POINTS}"):
        load_csv(rows)
    big = tmp_path / "big.csv"
    big.write_bytes(b"#" * (MAX_CSV_BYTES + 1))
    with pytest.raises(CSVError, match="larger than 10 MB"):
        load_csv(big)
    with pytest.raises(CSVError, match="cannot be read"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(CSVError, match="no points"):
        load_csv("x1,x2,label\n# nothing\n")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("1,2,0\n\xe9".encode("latin-1"))
    with pytest.raises(CSVError, match="not UTF-8"):
        load_csv(bad)


CSV_ALPHABET = st.sampled_from(list("0123456789.,-+e \t\n#xabnifINF_") + ["nan", "inf", "1e999"])


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.lists(CSV_ALPHABET, max_size=40).map("".join), st.text(max_size=60)))
def test_fuzzed_csv_raises_only_csv_error(text):
    if "\n" not in text and "," not in text:
        text += "\n"  # keep it CSV text, not a file name
    try:
        d = load_csv(text)
    except CSVError as error:
        assert error.errors and all(isinstance(e, str) for e in error.errors)
        return
    assert d.points.shape == (len(d.labels), 2) and len(d.labels) >= 1
    assert np.all(np.isfinite(d.points)) and np.all(np.isfinite(d.labels))


GOOD_ROW = st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(0, 1)).map(
    lambda r: f"{r[0] / 10},{r[1] / 10},{r[2]}")
BAD_ROW = st.sampled_from(["1,2", "1,x,0", "nan,1,0", "1,1,-3", "1,2,3,4", "1,1,1.5.5"])


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.booleans(), GOOD_ROW, BAD_ROW), min_size=1, max_size=30))
def test_fuzzed_bad_rows_reported_at_their_lines(rows):
    lines = ["x1,x2,label"] + [bad if is_bad else good for is_bad, good, bad in rows]
    expected = [i + 2 for i, (is_bad, _, _) in enumerate(rows) if is_bad]
    if not expected:
        assert len(load_csv("\n".join(lines)).points) == len(rows)
        return
    with pytest.raises(CSVError) as caught:
        load_csv("\n".join(lines))
    assert [int(re.match(r"line (\d+):", e).group(1)) for e in caught.value.errors] == expected
