"""The validated settings of a training session.

`SessionConfig` is a frozen dataclass; building one with a bad value raises
`ConfigError` naming the field and the allowed range, so the GUI, the command
line and session files all share one set of rules.
"""

from __future__ import annotations

import contextvars
import dataclasses
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Limits shared by the controls, the command line and files.
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 32
MIN_POINTS = 1
MAX_POINTS = 2000
MAX_BATCH_SIZE = MAX_POINTS
MAX_CLASSES = 5
# The command line training on a GPU allows bigger networks and data (see gpu_limits).
GPU_MAX_NEURONS = 1024
GPU_MAX_POINTS = 100_000
_GPU_LIMITS = contextvars.ContextVar("gpu_limits", default=False)
MIN_LEARNING_RATE = 0.0
MAX_LEARNING_RATE = 100.0
MAX_MOMENTUM = 0.9999
MAX_REGULARIZATION_RATE = 10.0
MIN_TRAIN_FRACTION = 0.1
MAX_SCHEDULE_STEPS = 10**9
MAX_SEED = 2**31 - 1  # data and init seeds

PROBLEMS = ("classification", "regression")
CLASSIFICATION_DATASETS = (
    "moons", "xor", "xor_cloud", "circles", "gaussians", "spiral", "checkerboard",
)
REGRESSION_DATASETS = ("plane", "multi_gaussian")
# Data sets whose points never change (the seed's four XOR points): the number of points,
# noise, seed and train/test split do not apply, and all the points train.
FIXED_DATASETS = ("xor",)
# The generators that can make more than two classes; the others are binary by nature.
MULTICLASS_DATASETS = ("circles", "gaussians", "spiral", "checkerboard")
DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS
# Drawn or imported points: the points themselves live in the session, not a generator.
CUSTOM_DATASET = "custom"
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "sin", "gaussian")
OUTPUT_ACTIVATIONS = ("auto", "linear", "relu", "sigmoid", "tanh")
LOSSES = ("auto", "mse", "bce", "hinge", "softmax_ce")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
SCHEDULES = ("constant", "linear", "step", "cosine")
INITS = ("uniform", "xavier", "he", "zeros")
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")

# Fields that change how training proceeds but keep the weights.
LIVE_FIELDS = frozenset({
    "learning_rate", "optimizer", "momentum", "regularization", "regularization_rate",
    "batch_size", "schedule", "schedule_steps", "loss",
})


class ConfigError(ValueError):
    """A setting is out of range; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class SessionConfig:
    problem: str = "classification"
    dataset: str = "moons"
    n_points: int = 200
    noise: float = 0.1  # 0..1, a fraction of the data's spread
    train_fraction: float = 0.8
    data_seed: int = 1
    classes: int = 2  # spiral arms / Gaussian blobs; 2 means binary
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (8, 4)
    activations: tuple[str, ...] = ("relu", "relu")  # one per hidden layer
    output_activation: str = "auto"  # auto: linear logits for the chosen loss
    loss: str = "auto"  # auto: bce (binary), softmax_ce (classes > 2), mse (regression)
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    momentum: float = 0.9  # momentum, nesterov; rmsprop's decay; adam's beta1
    batch_size: int = 10  # 0 means the whole training set
    regularization: str = "none"
    regularization_rate: float = 0.0
    schedule: str = "constant"
    schedule_steps: int = 10000  # horizon of linear/cosine decay, period of step decay
    init: str = "xavier"
    init_seed: int = 1
    seed_exact: bool = False  # the seed article's MLP: ReLU on every neuron, output too

    def __post_init__(self):
        _validate(self)

    def replace(self, **changes) -> SessionConfig:
        """A copy with `changes`; validated like any other."""
        return dataclasses.replace(self, **changes)

    @property
    def n_classes(self) -> int:
        """1 output for regression and binary classification, else one per class."""
        if self.problem == "regression":
            return 1
        return self.classes

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        out = 1 if self.n_classes <= 2 else self.n_classes
        return (len(self.features), *self.hidden, out)

    @property
    def resolved_loss(self) -> str:
        if self.loss != "auto":
            return self.loss
        if self.problem == "regression":
            return "mse"
        return "softmax_ce" if self.classes > 2 else "bce"

    @property
    def resolved_output_activation(self) -> str:
        if self.seed_exact:
            return "relu"
        if self.output_activation != "auto":
            return self.output_activation
        return "linear"

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> SessionConfig:
        """Build from a parsed file; unknown keys and wrong types raise ConfigError."""
        if not isinstance(data, dict):
            raise ConfigError("config", "must be an object")
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        defaults = cls()  # once: each SessionConfig() validates every field
        for key, value in data.items():
            if key not in known:
                raise ConfigError(str(key)[:40], "is not a known setting")
            default = getattr(defaults, key)
            kwargs[key] = _coerce(key, value, default)
        return cls(**kwargs)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _coerce(name: str, value, default):
    """Turn a JSON value into the type of the field's default, strictly."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(name, "must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, "must be a whole number")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(name, "must be a number")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(name, "must be text")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or len(value) > 64:
            raise ConfigError(name, "must be a short list")
        item_default = default[0] if default else ""
        return tuple(_coerce(name, v, item_default) for v in value)
    raise ConfigError(name, "has an unsupported type")


@contextmanager
def gpu_limits() -> Iterator[None]:
    """Inside, configs are checked against GPU_MAX_NEURONS and GPU_MAX_POINTS instead of
    the window's limits: for the command line on a GPU."""
    token = _GPU_LIMITS.set(True)
    try:
        yield
    finally:
        _GPU_LIMITS.reset(token)


def _choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ConfigError(name, f"{value!r} is not one of {', '.join(allowed)}")


def _number(name: str, value, low, high, integer=False) -> None:
    kind = "a whole number" if integer else "a number"
    if integer and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(name, f"must be {kind} from {low} to {high}, not {value!r}")
    if not integer and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ConfigError(name, f"must be {kind} from {low} to {high}, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(name, f"must be from {low} to {high}, not {value!r}")


def point_limit() -> int:
    """The most points a data set may have here: the window's, or the GPU's inside
    gpu_limits()."""
    return GPU_MAX_POINTS if _GPU_LIMITS.get() else MAX_POINTS


def _validate(c: SessionConfig) -> None:
    _choice("problem", c.problem, PROBLEMS)
    _choice("dataset", c.dataset, (*datasets_for(c.problem), CUSTOM_DATASET))
    max_points = point_limit()
    max_neurons = GPU_MAX_NEURONS if _GPU_LIMITS.get() else MAX_NEURONS
    _number("n_points", c.n_points, MIN_POINTS, max_points, integer=True)
    _number("noise", c.noise, 0.0, 1.0)
    _number("train_fraction", c.train_fraction, MIN_TRAIN_FRACTION, 1.0)
    _number("data_seed", c.data_seed, 0, MAX_SEED, integer=True)
    _number("classes", c.classes, 2, MAX_CLASSES, integer=True)
    if c.classes > 2 and c.dataset not in (*MULTICLASS_DATASETS, CUSTOM_DATASET) \
            and c.problem == "classification":
        raise ConfigError("classes", f"{c.dataset} has two classes; more than two need "
                          f"one of {', '.join(MULTICLASS_DATASETS)}")
    if not c.features:
        raise ConfigError("features", "choose at least one input feature")
    for name in c.features:
        _choice("features", name, FEATURES)
    if len(set(c.features)) != len(c.features):
        raise ConfigError("features", "a feature is listed twice")
    if len(c.hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError("hidden",
                          f"at most {MAX_HIDDEN_LAYERS} hidden layers, not {len(c.hidden)}")
    for n in c.hidden:
        _number("hidden", n, 1, max_neurons, integer=True)
    if len(c.activations) != len(c.hidden):
        raise ConfigError("activations", f"need one per hidden layer ({len(c.hidden)}), "
                          f"not {len(c.activations)}")
    for name in c.activations:
        _choice("activations", name, ACTIVATIONS)
    _choice("output_activation", c.output_activation, OUTPUT_ACTIVATIONS)
    _choice("loss", c.loss, LOSSES)
    loss = c.resolved_loss
    if c.problem == "regression" and loss != "mse":
        raise ConfigError("loss", f"regression uses mse, not {loss}")
    if c.problem == "classification" and c.classes > 2 and loss not in ("softmax_ce", "mse"):
        raise ConfigError("loss", f"{c.classes} classes need softmax_ce or mse, not {loss}")
    if c.problem == "classification" and c.classes == 2 and loss == "softmax_ce":
        raise ConfigError("loss", "two classes use bce, mse or hinge, not softmax_ce")
    if loss in ("bce", "hinge", "softmax_ce") and c.resolved_output_activation != "linear":
        raise ConfigError("output_activation", f"{loss} works on raw scores: use a linear "
                          f"output, not {c.resolved_output_activation}")
    _number("learning_rate", c.learning_rate, MIN_LEARNING_RATE, MAX_LEARNING_RATE)
    _choice("optimizer", c.optimizer, OPTIMIZERS)
    _number("momentum", c.momentum, 0.0, MAX_MOMENTUM)
    _number("batch_size", c.batch_size, 0, max_points, integer=True)
    _choice("regularization", c.regularization, REGULARIZATIONS)
    _number("regularization_rate", c.regularization_rate, 0.0, MAX_REGULARIZATION_RATE)
    _choice("schedule", c.schedule, SCHEDULES)
    _number("schedule_steps", c.schedule_steps, 1, MAX_SCHEDULE_STEPS, integer=True)
    _choice("init", c.init, INITS)
    _number("init_seed", c.init_seed, 0, MAX_SEED, integer=True)
    if not isinstance(c.seed_exact, bool):
        raise ConfigError("seed_exact", "must be true or false")


def fit_changes(config: SessionConfig, changes: dict) -> SessionConfig:
    """`config` with the user's `changes`, plus the follow-on changes they need to stay valid.

    A new problem brings its first data set when the current one does not fit it; a data
    set that cannot have more than two classes brings two; a new problem, data set or class
    count whose old loss no longer fits brings loss "auto". Anything else that does not fit
    raises ConfigError, as building the config would.
    """
    changes = dict(changes)
    sets = datasets_for(changes.get("problem", config.problem))
    if "problem" in changes and config.dataset not in sets:
        changes.setdefault("dataset", sets[0])
    dataset = changes.get("dataset", config.dataset)
    if "dataset" in changes and dataset not in MULTICLASS_DATASETS:
        changes.setdefault("classes", 2)
    if "loss" not in changes and ({"problem", "classes", "dataset"} & changes.keys()):
        try:
            return config.replace(**changes)
        except ConfigError:
            changes["loss"] = "auto"  # the old loss does not fit the new problem
    return config.replace(**changes)


def datasets_for(problem: str) -> tuple[str, ...]:
    """The generated data sets of `problem`, the first one its default."""
    return REGRESSION_DATASETS if problem == "regression" else CLASSIFICATION_DATASETS


def next_seed(seed: int) -> int:
    """The seed after `seed` ("Regenerate", "New"), wrapping within 0..MAX_SEED."""
    return (seed + 1) % (MAX_SEED + 1)


def default_config() -> SessionConfig:
    """What `make run` opens with: two moons and a small network."""
    return SessionConfig()

