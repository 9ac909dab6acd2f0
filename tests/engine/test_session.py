import numpy as np
import pytest

from engine.config import SessionConfig
from engine.session import TrainingSession
from engine.snapshot import HISTORY_COLUMNS


def make(**changes):
    return TrainingSession(SessionConfig().replace(**changes))


def test_snapshot_shapes_and_copies():
    s = make()
    snap = s.snapshot(grid=50, neuron_grid=10)
    assert [w.shape for w in snap.weights] == [(2, 8), (8, 4), (4, 1)]
    assert [b.shape for b in snap.biases] == [(8,), (4,), (1,)]
    assert snap.boundary.shape == (50, 50)
    assert [o.shape for o in snap.neuron_outputs] == [(8, 10, 10), (4, 10, 10), (1, 10, 10)]
    assert snap.history.shape == (1, len(HISTORY_COLUMNS))
    assert 0.0 <= snap.boundary.min() <= snap.boundary.max() <= 1.0
    before = snap.weights[0].copy()
    snap.weights[0][:] = 123.0  # the GUI scribbling on its copy changes nothing
    s.step(20)
    assert not np.allclose(s.snapshot().weights[0], 123.0)
    assert not np.allclose(s.snapshot().weights[0], before)  # and training moved on


def test_boundary_orientation_matches_predict():
    s = make()
    s.step(200)
    snap = s.snapshot(grid=20)
    x1min, x1max, x2min, x2max = snap.extent
    # Row i is x2, column j is x1.
    i, j = 3, 15
    point = np.array([[np.linspace(x1min, x1max, 20)[j], np.linspace(x2min, x2max, 20)[i]]])
    assert snap.boundary[i, j] == pytest.approx(s.predict(point)[0], abs=1e-5)


@pytest.mark.parametrize("config", [
    SessionConfig(hidden=(6, 5, 4, 3), activations=("tanh", "relu", "sigmoid", "leaky_relu")),
    SessionConfig(hidden=(7, 3), activations=("sin", "gaussian"), loss="hinge"),
    SessionConfig(hidden=(5, 6), activations=("linear", "relu"), loss="mse"),
    SessionConfig(dataset="spiral", classes=3, hidden=(8, 8), activations=("tanh", "tanh")),
    SessionConfig(dataset="spiral", classes=4, loss="mse", hidden=(8,), activations=("relu",)),
    SessionConfig(problem="regression", dataset="plane", hidden=(4, 9),
                  activations=("tanh", "relu")),
    SessionConfig(features=("x1", "x2", "x1^2", "sin x1")),
])
def test_the_boundary_is_predict_over_the_grid(config):
    """The snapshot's boundary (points as columns, buffers reused between frames) against
    predict (the Tensor path, points as rows) on every grid point, at two grid sizes in
    turn, each asked twice: nothing of one frame leaks into the next."""
    from engine.features import grid_points

    s = TrainingSession(config)
    s.step(150)
    for size in (30, 17, 30):
        snap = s.snapshot(grid=size, neuron_grid=0)
        scores = s.predict(grid_points(s.data.extent, size))
        expected = scores.argmax(axis=1) if scores.ndim == 2 else scores
        np.testing.assert_allclose(snap.boundary.ravel(), expected, atol=2e-5)
        if scores.ndim == 2:
            np.testing.assert_allclose(snap.boundary_confidence.ravel(), scores.max(axis=1),
                                       atol=2e-5)
    s.apply(s.config.replace(hidden=(3,), activations=("relu",)))  # narrower: new buffers
    snap = s.snapshot(grid=30, neuron_grid=0)
    scores = s.predict(grid_points(s.data.extent, 30))
    expected = scores.argmax(axis=1) if scores.ndim == 2 else scores
    np.testing.assert_allclose(snap.boundary.ravel(), expected, atol=2e-5)


def test_learns_two_moons():
    s = make(learning_rate=0.03, optimizer="adam", hidden=(8, 8), activations=("tanh", "tanh"))
    s.run_epochs(100)
    train_loss, test_loss, train_acc, test_acc = s.evaluate()
    assert train_acc > 0.95 and test_acc > 0.9
    assert s.history[-1][2] < s.history[0][2] / 3


def test_epochs_and_incremental_history():
    s = make(batch_size=10)  # 160 training points -> 16 steps an epoch
    assert s.steps_per_epoch == 16
    s.run_epochs(3)
    assert (s.epoch, s.step_count) == (3, 48)
    snap = s.snapshot(history_start=2)
    assert snap.history_start == 2
    np.testing.assert_array_equal(snap.history[:, 1], [2, 3])


def test_live_changes_keep_weights_and_shape_changes_reset():
    s = make()
    s.step(50)
    w = s.snapshot().weights[0]
    for change in ({"learning_rate": 0.3}, {"optimizer": "adam"},
                   {"regularization": "l2", "regularization_rate": 0.01}, {"batch_size": 0},
                   {"loss": "mse"}, {"schedule": "cosine"}):
        assert s.apply(s.config.replace(**change)) is False
        assert s.step_count == 50
        np.testing.assert_array_equal(s.snapshot().weights[0], w)
    assert s.apply(s.config.replace(hidden=(8, 4, 2), activations=("relu",) * 3)) is True
    assert s.step_count == 0
    assert s.apply(s.config.replace(noise=0.3)) is True
    assert s.apply(s.config) is False


def test_reset_restores_the_same_initial_weights():
    s = make()
    first = s.snapshot().weights
    s.step(100)
    s.reset()
    for a, b in zip(first, s.snapshot().weights, strict=True):
        np.testing.assert_array_equal(a, b)
    s.reset(new_seed=True)
    assert not np.array_equal(first[0], s.snapshot().weights[0])


def test_same_config_same_curve():
    a, b = make(), make()
    a.run_epochs(5)
    b.run_epochs(5)
    assert a.history == b.history


def test_divergence_stops_and_keeps_finite_weights():
    s = make(problem="regression", dataset="plane", learning_rate=100.0, batch_size=0,
             loss="auto")
    ran = s.step(1000)
    assert s.diverged and ran < 1000
    snap = s.snapshot()
    assert snap.diverged and "diverged" in snap.message and "learning rate" in snap.message
    assert all(np.all(np.isfinite(w)) for w in snap.weights)
    assert s.step(10) == 0  # stays stopped
    # Gentler settings clear the stop; the kept weights are finite but may be huge,
    # so a reset (as the message advises) trains normally again.
    s.apply(s.config.replace(learning_rate=0.01))
    assert not s.diverged and s.message == ""
    s.reset()
    assert s.step(10) == 10 and not s.diverged


def test_divergence_raises_no_numpy_warnings():
    import warnings
    s = make(problem="regression", dataset="plane", learning_rate=100.0, batch_size=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step(1000)
    assert s.diverged


def test_edit_weight_and_bias():
    s = make()
    s.set_weight(0, 1, 3, 0.75)
    s.set_bias(2, 0, -2.5)
    snap = s.snapshot()
    assert snap.weights[0][1, 3] == pytest.approx(0.75)
    assert snap.biases[2][0] == pytest.approx(-2.5)
    with pytest.raises(ValueError, match="layer"):
        s.set_weight(5, 0, 0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        s.set_weight(0, 0, 0, float("inf"))


def test_multiclass_spiral_boundary_is_class_index():
    s = make(dataset="spiral", classes=3, n_points=300)
    s.step(50)
    snap = s.snapshot(grid=30)
    assert set(np.unique(snap.boundary)) <= {0.0, 1.0, 2.0}
    assert snap.boundary_confidence.shape == (30, 30)
    assert np.all(snap.boundary_confidence >= 1 / 3 - 1e-6)


def test_regression_reports_no_accuracy():
    s = make(problem="regression", dataset="multi_gaussian", loss="auto")
    s.step(10)
    snap = s.snapshot()
    assert np.isnan(snap.train_accuracy) and np.isfinite(snap.train_loss)


def test_float64_precision_and_no_test_set():
    s = TrainingSession(SessionConfig(train_fraction=1.0), precision="float64")
    s.step(5)
    train_loss, test_loss, _, test_acc = s.evaluate()
    assert np.isfinite(train_loss) and np.isnan(test_loss) and np.isnan(test_acc)


def test_hand_edits_update_the_shown_loss():
    s = make()
    before = s.snapshot().train_loss
    s.set_bias(len(s.config.hidden), 0, 40.0)  # pushes every output to one class
    after = s.snapshot()
    assert after.train_loss != pytest.approx(before)
    assert after.train_loss == pytest.approx(s.evaluate()[0])
    assert len(s.history) == 1  # the step-0 row was rewritten, not duplicated
    s.run_epochs(1)
    rows = len(s.history)
    s.set_weight(0, 0, 0, 3.0)
    assert len(s.history) == rows and s.history[-1][0] == s.step_count
    assert s.snapshot().train_loss == pytest.approx(s.evaluate()[0])
    assert s.steps_per_epoch > 1
    s.step(1)  # mid-epoch: the last row is from an earlier step, so a row is added
    s.set_weight(0, 0, 0, -3.0)
    assert len(s.history) == rows + 1 and s.history[-1][0] == s.step_count


def test_xor_trains_on_all_four_points_whatever_the_split():
    s = make(dataset="xor", train_fraction=0.5)
    assert len(s.train.points) == 4 and len(s.test.points) == 0
    assert sorted(map(tuple, s.train.points.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_a_late_custom_config_takes_the_points_class_count():
    """The window may send settings made before drawn points changed the class count:
    the session fits them to its points instead of failing half way."""
    from engine.io import make_custom_dataset

    s = make()
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    s.set_points(make_custom_dataset(points, np.array([0, 1, 2, 3]), "classification"))
    assert s.config.classes == 4 and s.config.layer_sizes[-1] == 4
    stale = s.config.replace(classes=3, n_points=300)
    s.apply(stale)
    assert s.config.classes == 4 and s.step(3) == 3
    s.apply(s.config.replace(problem="regression", dataset="custom", loss="auto"))
    assert s.config.problem == "classification"  # the points are classes, not values


EVALUATED = [
    dict(),  # bce, relu
    dict(loss="mse", output_activation="sigmoid", activations=("sin", "gaussian")),
    dict(loss="hinge", activations=("leaky_relu", "tanh")),
    dict(dataset="spiral", classes=3, activations=("sigmoid", "linear")),  # softmax_ce
    dict(dataset="spiral", classes=4, loss="mse", output_activation="sigmoid"),
    dict(problem="regression", dataset="plane", activations=("tanh", "relu")),
    dict(problem="regression", dataset="multi_gaussian", output_activation="tanh",
         features=("x1", "x2", "x1*x2", "sin x1")),
]


@pytest.mark.parametrize("changes", EVALUATED)
def test_plain_evaluation_equals_the_autograd_one(changes):
    """The per-epoch losses and accuracies in plain arrays (the compiled session's) equal
    the Tensor path's (use_compiled=False) on the same weights, in float64."""
    s = TrainingSession(SessionConfig().replace(**changes), precision="float64")
    s.step(25)
    plain = s.evaluate()
    s.use_compiled = False
    reference = s.evaluate()
    np.testing.assert_allclose(plain, reference, rtol=1e-12, atol=1e-12)
    assert np.isfinite(plain[0]) and np.isfinite(plain[1])
