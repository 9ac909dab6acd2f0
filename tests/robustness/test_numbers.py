"""Silly numbers in the engine: extreme learning rates, all-zero weights, one point, one
class, duplicate points, NaN, infinite and huge values in files. Each gives a sensible
result or a clear message; none raises anything else or warns (RuntimeWarnings from
engine.* are errors under pytest's settings)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.config import (
    CLASSIFICATION_DATASETS,
    FIXED_DATASETS,
    MAX_LEARNING_RATE,
    OPTIMIZERS,
    REGRESSION_DATASETS,
    ConfigError,
    SessionConfig,
)
from engine.datasets import CSVError, load_csv, make_dataset
from engine.io import SessionFileError, load_session, make_custom_dataset, save_session
from engine.session import TrainingSession


def weights_of(session) -> list[np.ndarray]:
    return [np.array(w) for w in session.parameters_as_lists()[0]]


def all_finite(session) -> bool:
    weights, biases = session.parameters_as_lists()
    return all(np.isfinite(np.array(a)).all() for a in weights + biases)


# ------------------------------------------------------------------ learning rates


def test_a_tiny_learning_rate_trains_slowly_and_cleanly():
    session = TrainingSession(SessionConfig(learning_rate=1e-9))
    before = weights_of(session)
    assert session.step(200) == 200
    # Steps this small are mostly below float32's resolution: the weights barely move.
    moved = max(float(np.abs(a - b).max()) for a, b in zip(weights_of(session), before,
                                                            strict=True))
    assert moved < 1e-5 and not session.diverged
    assert np.isfinite(session.history[-1][2])


def test_learning_rate_zero_changes_nothing():
    session = TrainingSession(SessionConfig(learning_rate=0.0, optimizer="adam"))
    before = weights_of(session)
    assert session.step(50) == 50
    for a, b in zip(weights_of(session), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_the_largest_learning_rate_diverges_with_a_message(optimizer):
    session = TrainingSession(SessionConfig(learning_rate=MAX_LEARNING_RATE,
                                            optimizer=optimizer, hidden=(8, 8),
                                            activations=("relu", "relu")))
    ran = session.step(3000)
    snap = session.snapshot()  # the window still draws it
    assert all_finite(session)  # the last finite weights are kept
    if session.diverged:
        assert ran < 3000 and session.step(10) == 0
        assert "diverged" in session.message and "learning rate" in session.message
        assert snap.diverged and snap.message == session.message
        # A gentler rate clears the divergence and training goes on.
        session.apply(session.config.replace(learning_rate=0.01))
        assert not session.diverged and session.step(10) == 10
    else:  # adaptive optimizers may survive it: then every number must be finite
        assert np.isfinite(snap.train_loss) or np.isnan(snap.train_loss)
        assert np.isfinite(snap.boundary).all()


@pytest.mark.parametrize("rate", [1e6, -1e-9, float("nan"), float("inf"), 100.0001])
def test_learning_rates_outside_the_range_are_refused_by_name(rate):
    with pytest.raises(ConfigError, match="learning_rate: must be from 0.0 to 100.0"):
        SessionConfig(learning_rate=rate)


# ------------------------------------------------------------------ initial weights


def test_all_zero_weights_keep_every_neuron_alike():
    """With zero initial weights the neurons of a layer get the same gradient forever:
    the lesson of symmetry. Training runs, nothing breaks, the columns stay equal."""
    session = TrainingSession(SessionConfig(init="zeros", hidden=(4, 3),
                                            activations=("tanh", "tanh"),
                                            learning_rate=0.3))
    assert all(np.all(w == 0) for w in weights_of(session))
    assert session.step(300) == 300 and not session.diverged
    for w in weights_of(session)[:-1]:
        np.testing.assert_allclose(w, w[:, :1].repeat(w.shape[1], axis=1), atol=1e-6)
    assert np.isfinite(session.history[-1][2])


# ------------------------------------------------------------------ tiny and odd data


def custom(points, labels, problem="classification", **config):
    data = make_custom_dataset(np.array(points, dtype=np.float64).reshape(-1, 2),
                               np.array(labels, dtype=np.float64), problem)
    config = SessionConfig(dataset="custom", problem=problem, classes=max(2, data.n_classes),
                           **config)
    return TrainingSession(config, data=data)


@pytest.mark.parametrize("name", CLASSIFICATION_DATASETS + REGRESSION_DATASETS)
def test_a_single_generated_point_trains(name):
    problem = "regression" if name in REGRESSION_DATASETS else "classification"
    session = TrainingSession(SessionConfig(problem=problem, dataset=name, n_points=1,
                                            loss="auto"))
    if name not in FIXED_DATASETS:  # XOR is always its four corners
        assert len(session.data.points) == 1 and len(session.train.points) == 1
    assert session.step(20) == 20
    snap = session.snapshot()
    assert np.isfinite(snap.train_loss)
    assert np.isfinite(snap.boundary).all()


def test_a_single_drawn_point_and_no_points_at_all():
    session = custom([[0.5, 0.5]], [1], train_fraction=0.5)
    assert session.step(30) == 30
    assert session.snapshot().train_accuracy == 1.0
    empty = custom(np.zeros((0, 2)), [])
    assert empty.step(5) == 0 and "no training points" in empty.message
    snap = empty.snapshot()
    assert np.isnan(snap.train_loss) and np.isfinite(snap.boundary).all()


def test_one_class_only_is_learned():
    rng = np.random.default_rng(3)
    session = custom(rng.uniform(-1, 1, (40, 2)), np.zeros(40), learning_rate=0.3)
    session.step(400)
    snap = session.snapshot()
    assert snap.train_accuracy == 1.0 and snap.train_loss < 0.1
    assert np.all(snap.boundary < 0.5)  # class 0 everywhere


def test_duplicate_points_with_both_labels_settle_at_even_odds():
    session = custom([[0.3, 0.3]] * 60, [0] * 30 + [1] * 30, learning_rate=0.1,
                     batch_size=0)
    session.step(500)
    assert not session.diverged
    assert session.history[-1][2] == pytest.approx(np.log(2), abs=0.01)  # BCE of p = 0.5
    assert session.predict(np.array([[0.3, 0.3]]))[0] == pytest.approx(0.5, abs=0.05)


def test_points_far_apart_with_x_squared_features_stay_finite():
    session = custom([[1e6, -1e6], [-1e6, 1e6], [0, 0]], [0, 1, 1],
                     features=("x1", "x2", "x1^2", "x2^2", "x1*x2"), learning_rate=0.03)
    session.step(100)
    snap = session.snapshot()
    assert all_finite(session)
    assert session.diverged or np.isfinite(snap.train_loss)


# ------------------------------------------------------------------ files


@pytest.mark.parametrize("row, words", [
    ("nan,0.5,1", "line 3: x1 is not a finite number: 'nan'"),
    ("0.5,inf,1", "line 3: x2 is not a finite number: 'inf'"),
    ("0.5,-Infinity,1", "line 3: x2 is not a finite number"),
    ("0.5,0.5,nan", "line 3: label is not a finite number"),
    ("1e300,0.5,1", "line 3: x1 is 1e+300; values must be from -1000000 to 1000000"),
    ("0.5,0.5,2e7", "line 3: label is 2e+07"),
])
def test_csv_with_nan_infinite_or_huge_values_names_the_line(row, words):
    text = f"x1,x2,label\n0,0,1\n{row}\n1,1,0\n"
    with pytest.raises(CSVError) as caught:
        load_csv(text)
    assert any(words in e for e in caught.value.errors), caught.value.errors
    assert len(caught.value.errors) == 1


def test_session_file_with_huge_or_infinite_points_is_refused(tmp_path):
    data = make_dataset("moons", 10)
    session = TrainingSession(SessionConfig(dataset="custom"), data=data)
    path = tmp_path / "s.json"
    save_session(session, path)
    doc = json.loads(path.read_text())
    for bad, words in ((1e300, "from -1000000 to 1000000"), ("Infinity", "Infinity")):
        doc["data"]["points"][0][0] = bad
        path.write_text(json.dumps(doc).replace('"Infinity"', "Infinity"))
        with pytest.raises(SessionFileError, match=words):
            load_session(path)


def test_a_session_file_with_an_extreme_learning_rate_is_refused(tmp_path):
    session = TrainingSession(SessionConfig())
    path = tmp_path / "s.json"
    save_session(session, path)
    doc = json.loads(path.read_text())
    doc["config"]["learning_rate"] = 1e6
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionFileError, match="learning_rate"):
        load_session(path)


def test_classes_imported_into_a_regression_with_a_tanh_output():
    """The output activation kept from regression does not fit class scores: the import
    must still work (it once failed with an output_activation error)."""
    session = TrainingSession(SessionConfig(problem="regression", dataset="plane",
                                            output_activation="tanh"))
    data = make_custom_dataset(np.array([[0.1, 0.2], [0.5, -0.5], [-0.3, 0.3]]),
                               np.array([0, 1, 1]), "classification")
    assert session.set_points(data)
    assert session.config.problem == "classification"
    assert session.config.resolved_output_activation == "linear"
    assert session.step(10) == 10


def test_classes_imported_into_the_seed_articles_network():
    """seed_exact keeps a ReLU output, which the class losses refuse: MSE, as in the seed."""
    session = TrainingSession(SessionConfig(problem="regression", dataset="plane",
                                            seed_exact=True))
    data = make_custom_dataset(np.array([[0.1, 0.2], [0.5, -0.5], [-0.3, 0.3]]),
                               np.array([0, 2, 1]), "classification")
    session.set_points(data)
    assert (session.config.classes, session.config.resolved_loss) == (3, "mse")
    assert session.step(10) == 10
