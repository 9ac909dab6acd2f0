import pytest

from engine.config import MAX_HIDDEN_LAYERS, MAX_NEURONS, ConfigError, SessionConfig


def test_default_is_two_moons_small_network():
    c = SessionConfig()
    assert c.dataset == "moons"
    assert c.layer_sizes == (2, 8, 4, 1)
    assert c.resolved_loss == "bce"


@pytest.mark.parametrize("changes, field", [
    ({"hidden": (0,), "activations": ("relu",)}, "hidden"),
    ({"hidden": (MAX_NEURONS + 1,), "activations": ("relu",)}, "hidden"),
    ({"hidden": (2,) * (MAX_HIDDEN_LAYERS + 1), "activations": ("relu",) * 9}, "hidden"),
    ({"learning_rate": -0.1}, "learning_rate"),
    ({"learning_rate": float("nan")}, "learning_rate"),
    ({"activations": ("relu", "swish")}, "activations"),
    ({"activations": ("relu",)}, "activations"),
    ({"dataset": "plane"}, "dataset"),
    ({"n_points": 0}, "n_points"),
    ({"noise": 2.0}, "noise"),
    ({"features": ()}, "features"),
    ({"features": ("x1", "x3")}, "features"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"batch_size": -1}, "batch_size"),
    ({"loss": "softmax_ce"}, "loss"),
    ({"problem": "regression", "dataset": "plane", "loss": "bce"}, "loss"),
    ({"seed_exact": True}, "output_activation"),
])
def test_bad_values_name_the_field(changes, field):
    with pytest.raises(ConfigError) as err:
        SessionConfig(**changes)
    assert err.value.field == field
    assert str(err.value).startswith(field)


def test_dict_round_trip_and_strict_types():
    c = SessionConfig(hidden=(3, 5, 7), activations=("tanh", "relu", "sin"), learning_rate=0.3)
    assert SessionConfig.from_dict(c.to_dict()) == c
    bad = c.to_dict() | {"n_points": "200"}
    with pytest.raises(ConfigError, match="n_points"):
        SessionConfig.from_dict(bad)
    with pytest.raises(ConfigError, match="not a known setting"):
        SessionConfig.from_dict(c.to_dict() | {"evil": 1})
    with pytest.raises(ConfigError):
        SessionConfig.from_dict([1, 2])


def test_multiclass_has_one_output_per_class():
    c = SessionConfig(dataset="spiral", classes=3)
    assert c.layer_sizes[-1] == 3
    assert c.resolved_loss == "softmax_ce"


@pytest.mark.parametrize("dataset", ["moons", "xor", "xor_cloud"])
def test_binary_data_sets_refuse_more_classes(dataset):
    with pytest.raises(ConfigError) as err:
        SessionConfig(dataset=dataset, classes=3)
    assert err.value.field == "classes" and dataset in str(err.value)


def test_multiclass_data_sets_and_custom_points_take_more_classes():
    for dataset in ("circles", "gaussians", "spiral", "checkerboard", "custom"):
        assert SessionConfig(dataset=dataset, classes=3).layer_sizes[-1] == 3


# ------------------------------------------------------------------ fit_changes: the config
# repair the window asks for when the user changes one field


def test_fit_changes_to_regression_brings_its_first_data_set():
    from engine.config import REGRESSION_DATASETS, fit_changes

    fitted = fit_changes(SessionConfig(), {"problem": "regression"})
    assert (fitted.problem, fitted.dataset) == ("regression", REGRESSION_DATASETS[0])
    assert fitted.resolved_loss == "mse"


def test_fit_changes_keeps_a_data_set_that_fits_the_new_problem():
    from engine.config import fit_changes

    regression = SessionConfig(problem="regression", dataset="multi_gaussian")
    assert fit_changes(regression, {"learning_rate": 0.1}).dataset == "multi_gaussian"
    back = fit_changes(regression, {"problem": "classification"})
    assert back.dataset == "moons" and back.problem == "classification"


def test_fit_changes_to_a_binary_data_set_brings_two_classes_and_a_fitting_loss():
    from engine.config import fit_changes

    spiral = SessionConfig(dataset="spiral", classes=3, loss="softmax_ce")
    fitted = fit_changes(spiral, {"dataset": "moons"})
    assert (fitted.dataset, fitted.classes, fitted.loss) == ("moons", 2, "auto")
    assert fitted.resolved_loss == "bce"


def test_fit_changes_keeps_a_loss_that_still_fits():
    from engine.config import fit_changes

    mse = SessionConfig(dataset="spiral", loss="mse")
    assert fit_changes(mse, {"classes": 4}).loss == "mse"  # mse works for any class count


def test_fit_changes_refuses_what_it_cannot_repair():
    from engine.config import fit_changes

    three = SessionConfig(dataset="spiral", classes=3)
    with pytest.raises(ConfigError) as error:
        fit_changes(three, {"loss": "hinge"})  # asked for: never silently replaced
    assert error.value.field == "loss"
    with pytest.raises(ConfigError):
        fit_changes(SessionConfig(), {"hidden": (8,)})  # activations no longer match
    assert fit_changes(three, {}) == three


def test_next_seed_wraps_within_the_seed_range():
    from engine.config import MAX_SEED, next_seed

    assert next_seed(1) == 2
    assert next_seed(MAX_SEED) == 0
    SessionConfig(init_seed=next_seed(MAX_SEED - 1), data_seed=MAX_SEED)
    with pytest.raises(ConfigError):
        SessionConfig(data_seed=MAX_SEED + 1)
