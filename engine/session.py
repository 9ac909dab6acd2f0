"""TrainingSession: the one seam between the engine and everything that shows it.

A session owns the config, the data, the model and the optimizer. `step(n)` trains,
`snapshot()` returns host copies the GUI may keep. Nothing here knows about Qt.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from engine.backend import get_backend, to_host
from engine.config import FIXED_DATASETS, LIVE_FIELDS, ConfigError, SessionConfig
from engine.datasets import MAX_VALUE, DataSet, make_dataset, split
from engine.features import MAP_GRID, feature_matrix, grid_points
from engine.history import History
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import (
    make_optimizer,
    regularization_grad,
    scheduled_learning_rate,
)
from engine.snapshot import Snapshot
from engine.tensor import Tensor, no_grad
from engine.weights import checked_parameters

# Overflow on the way to divergence is expected: training reports it as `diverged`,
# so NumPy's warnings are silenced wherever the model runs.
QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}
DATA_FIELDS = frozenset({
    "problem", "dataset", "n_points", "noise", "train_fraction", "data_seed", "classes",
})
NAN = float("nan")


class TrainingSession:
    """Trains one MLP on one data set.

    config: a validated SessionConfig. backend: "numpy", "cupy" or "array_api_strict".
    data: the points themselves when config.dataset is "custom" (drawn or imported).
    """

    def __init__(self, config: SessionConfig | None = None, backend: str = "numpy",
                 data: DataSet | None = None, precision: str = "float32"):
        self.config = config if config is not None else SessionConfig()
        self.backend = get_backend(backend, precision)
        self.xp = self.backend.xp
        if self.config.dataset == "custom" and data is None:
            raise ValueError("dataset: 'custom' needs the points themselves")
        self._custom_data = data
        self._grid_cache: dict[int, object] = {}
        self._build_data()
        self._build_model()

    # ----------------------------------------------------------------- building
    def _build_data(self) -> None:
        c = self.config
        if c.dataset == "custom":
            self.data = self._custom_data
        else:
            self.data = make_dataset(c.dataset, c.n_points, noise=c.noise, seed=c.data_seed,
                                     classes=c.classes)
        # Four fixed points cannot spare a test point: XOR's train on all of them.
        fraction = 1.0 if c.dataset in FIXED_DATASETS else c.train_fraction
        self.train, self.test = split(self.data, fraction, c.data_seed)
        self._x_train = self._features(self.train.points)
        self._x_test = self._features(self.test.points)
        self._y_train = self._targets(self.train.labels)
        self._y_test = self._targets(self.test.labels)
        self._grid_cache.clear()

    def _features(self, points: np.ndarray):
        return self.backend.asarray(feature_matrix(points, self.config.features))

    def _targets(self, labels: np.ndarray):
        """Targets in the shape the loss wants: (n, 1) values, (n,) classes, or one-hot."""
        c = self.config
        loss = c.resolved_loss
        if loss == "softmax_ce":
            return self.xp.asarray(labels.astype(np.int64))
        if loss == "mse" and c.problem == "classification" and c.n_classes > 2:
            one_hot = np.eye(c.n_classes)[labels.astype(np.int64)]
            return self.backend.asarray(one_hot)
        return self.backend.asarray(labels.astype(np.float64).reshape(-1, 1))

    def _build_model(self) -> None:
        c = self.config
        self.model = MLP(c.layer_sizes, c.activations, c.resolved_output_activation,
                         init=c.init, seed=c.init_seed, backend=self.backend)
        self._loss_fn = get_loss(c.resolved_loss)
        self.optimizer = make_optimizer(c.optimizer, self.model.parameters(), c.learning_rate,
                                        momentum=c.momentum)
        self.step_count = 0
        self.epoch = 0
        self._epoch_step = 0  # steps into the current epoch
        self._order = None
        self._rng = np.random.default_rng([c.init_seed, c.data_seed])
        self.history = History()
        self.diverged = False
        self.message = ""
        self._record_history()

    # ----------------------------------------------------------------- training
    @property
    def steps_per_epoch(self) -> int:
        n = len(self.train.points)
        b = self.config.batch_size
        if b == 0 or b >= n:
            return 1
        return math.ceil(n / b)

    def _next_batch(self):
        """Mini-batch indices from a fresh seeded permutation each epoch; None = all."""
        n = len(self.train.points)
        b = self.config.batch_size
        if b == 0 or b >= n:
            return None
        if self._order is None or self._epoch_step == 0:
            self._order = self._rng.permutation(n)
        start = self._epoch_step * b
        return self.xp.asarray(self._order[start:start + b])

    def step(self, n: int = 1) -> int:
        """Train `n` mini-batch steps; returns how many ran (fewer if training diverged)."""
        if n < 0:
            raise ValueError(f"steps must be zero or more, not {n}")
        if len(self.train.points) == 0:
            self.message = "There are no training points: add some data."
            return 0
        done = 0
        with np.errstate(**QUIET):
            while done < n and not self.diverged:
                if not self._one_step():
                    break
                done += 1
        return done

    def run_epochs(self, n: int = 1) -> int:
        """Train until `n` more epochs have ended; returns the steps run."""
        steps = n * self.steps_per_epoch - self._epoch_step
        return self.step(max(steps, 0))

    def _one_step(self) -> bool:
        c = self.config
        xp = self.xp
        idx = self._next_batch()
        x = self._x_train if idx is None else xp.take(self._x_train, idx, axis=0)
        y = self._y_train if idx is None else xp.take(self._y_train, idx, axis=0)
        lr = self.current_learning_rate()
        self.optimizer.learning_rate = lr
        self.optimizer.zero_grad()
        loss = self._loss_fn(self.model(Tensor(x)), y)
        loss.backward()
        params = self.model.parameters()
        if c.regularization != "none" and c.regularization_rate > 0:
            for w in self.model.weights:
                w.grad = w.grad + regularization_grad(c.regularization, c.regularization_rate,
                                                      w.data)
        # One reduction checks the loss and every gradient before anything changes,
        # so divergence leaves the last finite weights in place.
        total = loss.data + sum(xp.sum(p.grad) for p in params)
        if not bool(xp.isfinite(total)):
            self._diverge("the loss or its gradient became infinite or NaN")
            return False
        backup = [xp.asarray(p.data, copy=True) for p in params] if self._risky(lr) else None
        self.optimizer.step()
        if backup is not None and not self._weights_finite():
            for p, old in zip(params, backup, strict=True):
                p.data[...] = old
            self._diverge("the weights grew past the largest number the engine can hold")
            return False
        self.step_count += 1
        self._epoch_step += 1
        if self._epoch_step >= self.steps_per_epoch:
            self._epoch_step = 0
            self.epoch += 1
            self._record_history()
        return True

    def _risky(self, lr: float) -> bool:
        """Large learning rates can overflow the update itself: keep a copy then."""
        return lr > 1.0 or self.config.optimizer in ("momentum", "nesterov")

    def _weights_finite(self) -> bool:
        xp = self.xp
        return bool(xp.isfinite(sum(xp.sum(p.data) for p in self.model.parameters())))

    def _diverge(self, why: str) -> None:
        self.diverged = True
        self.message = divergence_text(self.step_count, self.current_learning_rate(), why)

    def current_learning_rate(self) -> float:
        c = self.config
        return scheduled_learning_rate(c.learning_rate, c.schedule, self.step_count,
                                       c.schedule_steps)

    # ----------------------------------------------------------------- evaluation
    def _outputs(self, x):
        with no_grad():
            return self.model(Tensor(x)).data

    def _scores(self, out):
        """Raw outputs -> what the user sees: P(class 1), the prediction, or class probs."""
        xp = self.xp
        c = self.config
        loss = c.resolved_loss
        if c.problem == "regression":
            return out[:, 0]
        if c.n_classes > 2:
            if loss == "softmax_ce":
                shifted = out - xp.max(out, axis=1, keepdims=True)
                e = xp.exp(shifted)
                return e / xp.sum(e, axis=1, keepdims=True)
            return xp.clip(out, 0.0, 1.0)
        if loss == "bce":
            return 1.0 / (1.0 + xp.exp(-xp.clip(out[:, 0], -60.0, 60.0)))
        if loss == "hinge":
            return xp.clip((out[:, 0] + 1.0) / 2.0, 0.0, 1.0)
        return xp.clip(out[:, 0], 0.0, 1.0)

    def _loss_and_accuracy(self, x, y, labels: np.ndarray) -> tuple[float, float]:
        if len(labels) == 0:
            return NAN, NAN
        with no_grad():
            out = self.model(Tensor(x))
            loss = float(to_host(self._loss_fn(out, y).data))
        if self.config.problem == "regression":
            return loss, NAN
        predicted = self._classes(self._scores(out.data))
        return loss, float(np.mean(predicted == labels))

    def _classes(self, scores) -> np.ndarray:
        s = to_host(scores)
        if s.ndim == 2:
            return np.argmax(s, axis=1)
        return (s >= 0.5).astype(np.int64)

    def evaluate(self) -> tuple[float, float, float, float]:
        """(train loss, test loss, train accuracy, test accuracy); NaN where undefined."""
        train_loss, train_acc = self._loss_and_accuracy(self._x_train, self._y_train,
                                                        self.train.labels)
        test_loss, test_acc = self._loss_and_accuracy(self._x_test, self._y_test,
                                                      self.test.labels)
        return train_loss, test_loss, train_acc, test_acc

    def _record_history(self) -> None:
        train_loss, test_loss, train_acc, test_acc = self.evaluate()
        self.history.append((float(self.step_count), float(self.epoch), train_loss, test_loss,
                             train_acc, test_acc))

    def predict(self, points: np.ndarray) -> np.ndarray:
        """points (n, 2) host -> (n,) scores (binary, regression) or (n, K) probabilities."""
        return to_host(self._scores(self._outputs(self._features(np.asarray(points)))))

    def _grid(self, size: int):
        if size not in self._grid_cache:
            self._grid_cache[size] = self._features(grid_points(self.data.extent, size))
        return self._grid_cache[size]

    def snapshot(self, history_start: int = 0, grid: int = 100,
                 neuron_grid: int = MAP_GRID) -> Snapshot:
        """Host copies of everything the views draw; history rows from `history_start`."""
        with np.errstate(**QUIET):
            return self._snapshot(history_start, grid, neuron_grid)

    def _snapshot(self, history_start: int, grid: int, neuron_grid: int) -> Snapshot:
        scores = to_host(self._scores(self._outputs(self._grid(grid))))
        confidence = None
        if scores.ndim == 2:
            confidence = scores.max(axis=1).reshape(grid, grid).astype(np.float32)
            boundary = scores.argmax(axis=1).reshape(grid, grid).astype(np.float32)
        else:
            boundary = scores.reshape(grid, grid).astype(np.float32)
        neuron_outputs = ()  # neuron_grid 0: the caller reuses ones it has
        if neuron_grid > 0:
            with no_grad():
                layers = self.model.layer_outputs(Tensor(self._grid(neuron_grid)))
            neuron_outputs = tuple(
                to_host(out).T.reshape(-1, neuron_grid, neuron_grid).astype(np.float32)
                for out in layers)
        last = self.history[-1] if self.history else (0, 0, NAN, NAN, NAN, NAN)
        start = min(max(history_start, 0), len(self.history))
        history = self.history.array(start)
        return Snapshot(
            step=self.step_count, epoch=self.epoch,
            learning_rate=self.current_learning_rate(),
            train_loss=last[2], test_loss=last[3],
            train_accuracy=last[4], test_accuracy=last[5],
            weights=tuple(to_host(w.data).astype(np.float32) for w in self.model.weights),
            biases=tuple(to_host(b.data).astype(np.float32) for b in self.model.biases),
            boundary=boundary, boundary_confidence=confidence,
            neuron_outputs=neuron_outputs, extent=tuple(float(v) for v in self.data.extent),
            history=history, history_start=start,
            diverged=self.diverged, message=self.message,
        )

    # ----------------------------------------------------------------- changes
    def apply(self, config: SessionConfig) -> bool:
        """Take new settings. Returns True when the network had to be reset.

        Learning rate, optimizer, loss, batch size, schedule and regularization keep the
        weights (and clear a divergence, so training can go on with gentler settings);
        anything about the data or the network's shape starts again.
        """
        if config.dataset == "custom":
            if self._custom_data is None:
                # "Your points" with none drawn (a late request from the window): keep the
                # points there are, rather than fail half way with no data at all.
                self._custom_data = self.data
            # A request made before the points changed may carry another class count.
            config = fitted_to(config, self._custom_data)
        changed = {f.name for f in dataclasses.fields(config)
                   if getattr(config, f.name) != getattr(self.config, f.name)}
        if not changed:
            return False
        old = self.config
        self.config = config
        if changed <= LIVE_FIELDS and config.layer_sizes == old.layer_sizes:
            if changed & {"optimizer", "momentum"}:
                self.optimizer = make_optimizer(config.optimizer, self.model.parameters(),
                                                config.learning_rate, momentum=config.momentum)
            if "loss" in changed:
                self._loss_fn = get_loss(config.resolved_loss)
                self._y_train = self._targets(self.train.labels)
                self._y_test = self._targets(self.test.labels)
            if "batch_size" in changed:
                self._epoch_step = 0
                self._order = None
            self.diverged = False
            self.message = ""
            return False
        if changed & DATA_FIELDS:
            if config.dataset != "custom":
                self._custom_data = None
            self._build_data()
        elif "features" in changed:
            self._build_data()
        self._build_model()
        return True

    def reset(self, new_seed: bool = False) -> None:
        """Back to step 0 with the same initial weights, or a new init seed when asked."""
        if new_seed:
            self.config = self.config.replace(init_seed=(self.config.init_seed + 1) % 2**31)
        self._build_model()

    def set_points(self, dataset: DataSet) -> bool:
        """Use drawn or imported points. Keeps the weights when the network's shape allows."""
        config = fitted_to(self.config.replace(dataset="custom"), dataset)
        old_sizes = self.config.layer_sizes
        self.config = config
        self._custom_data = dataset
        self._build_data()
        if config.layer_sizes != old_sizes or config.resolved_loss != self._loss_name():
            self._build_model()
            return True
        self._order = None
        self._epoch_step = 0
        return False

    def _loss_name(self) -> str:
        return getattr(self._loss_fn, "loss_name", self.config.resolved_loss)

    def _check_index(self, layer: int, j: int, i: int | None = None) -> None:
        if not 0 <= layer < len(self.model.weights):
            raise ValueError(f"layer must be from 0 to {len(self.model.weights) - 1}, not {layer}")
        fan_in, fan_out = self.model.weights[layer].data.shape
        if i is not None and not 0 <= i < fan_in:
            raise ValueError(f"input index must be from 0 to {fan_in - 1}, not {i}")
        if not 0 <= j < fan_out:
            raise ValueError(f"neuron index must be from 0 to {fan_out - 1}, not {j}")

    @staticmethod
    def _check_value(value: float) -> float:
        value = float(value)
        if not math.isfinite(value) or abs(value) > MAX_VALUE:
            raise ValueError(f"a weight must be a finite number within ±1e6, not {value}")
        return value

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set the weight from input i to neuron j of layer `layer`, at once."""
        self._check_index(layer, j, i)
        self.model.weights[layer].data[i, j] = self._check_value(value)
        self._refresh_metrics()

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self._check_index(layer, j)
        self.model.biases[layer].data[j] = self._check_value(value)
        self._refresh_metrics()

    def set_parameters(self, weights, biases) -> None:
        """Load all weights and biases: lists of (fan_in, fan_out) and (fan_out,) arrays."""
        checked_parameters(self.config.layer_sizes, weights, biases)
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            self.model.weights[k].data[...] = self.backend.asarray(np.asarray(w))
            self.model.biases[k].data[...] = self.backend.asarray(np.asarray(b))
        self._refresh_metrics()

    def _refresh_metrics(self) -> None:
        """After a hand edit the shown loss must describe the edited weights: rewrite
        this step's history row (or add one when the last row is from an earlier step)."""
        if self.history and self.history[-1][0] == float(self.step_count):
            self.history.pop()
        with np.errstate(**QUIET):
            self._record_history()

    def parameters_as_lists(self) -> tuple[list, list]:
        return ([to_host(w.data).astype(np.float64).tolist() for w in self.model.weights],
                [to_host(b.data).astype(np.float64).tolist() for b in self.model.biases])


def fitted_to(config: SessionConfig, dataset: DataSet) -> SessionConfig:
    """`config` with the problem and class count of drawn or imported `dataset`."""
    classes = max(dataset.n_classes, 2) if dataset.problem == "classification" else 2
    if dataset.problem == config.problem and (
            dataset.problem != "classification" or classes == config.classes):
        return config
    changes = dict(problem=dataset.problem, classes=classes, loss="auto")
    # The output kept from regression (tanh) or the seed's ReLU output may not fit the
    # class loss: then a linear output, or else MSE as in the seed article.
    for extra in ({}, {"output_activation": "auto"}):
        try:
            return config.replace(**{**changes, **extra})
        except ConfigError:
            pass
    return config.replace(**{**changes, "loss": "mse"})


def divergence_text(step: int, learning_rate: float,
                    why: str = "the loss became infinite") -> str:
    """What the user reads when training blows up, with a gentler rate to try."""
    suggestion = min(0.03, learning_rate / 10) if learning_rate > 0 else 0.03
    return (f"Training diverged at step {step}: {why}. The last finite weights are kept. "
            f"Lower the learning rate (now {learning_rate:g}; try {suggestion:g}) and press "
            f"Reset.")


# Fields grouped by what a reset means to the user, most telling first.
_RESET_REASONS = (
    (DATA_FIELDS, "the data changed"),
    (frozenset({"features"}), "the input features changed"),
    (frozenset({"hidden"}), "the network's shape changed"),
    (frozenset({"activations", "output_activation", "seed_exact"}), "the activation changed"),
    (frozenset({"init", "init_seed"}), "the initialisation changed"),
)


def reset_reason(old: SessionConfig, new: SessionConfig) -> str:
    """Why going from `old` to `new` reset the network, in the user's words."""
    changed = {f.name for f in dataclasses.fields(new)
               if getattr(old, f.name) != getattr(new, f.name)}
    for fields, reason in _RESET_REASONS:
        if changed & fields:
            return reason
    return "the settings changed"
