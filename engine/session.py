"""TrainingSession: the one seam between the engine and everything that shows it.

A session owns the config, the data, the model and the optimizer. `step(n)` trains,
`snapshot()` returns host copies the GUI may keep. Nothing here knows about Qt.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from engine import limits
from engine.backend import get_backend, to_host
from engine.compiled import CompiledStep, loss_targets, supported
from engine.compiled_source import GRADIENT_NOT_FINITE, WEIGHTS_NOT_FINITE
from engine.config import FIXED_DATASETS, LIVE_FIELDS, ConfigError, SessionConfig, next_seed
from engine.datasets import DataSet, make_dataset, split
from engine.device_steps import run_chunk
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
from engine.tensor import ACTIVATIONS, Tensor, log_softmax_array, no_grad
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
    use_compiled: train with the compiled step (engine/compiled.py) where the backend
    allows; False runs the autograd path, the readable reference the tests hold it to.
    """

    use_compiled = True
    _compiled: CompiledStep | None = None

    def __init__(self, config: SessionConfig | None = None, backend: str = "numpy",
                 data: DataSet | None = None, precision: str = "float32"):
        self.config = config if config is not None else SessionConfig()
        self.backend = get_backend(backend, precision)
        self.xp = self.backend.xp
        if self.config.dataset == "custom" and data is None:
            raise ValueError("dataset: 'custom' needs the points themselves")
        self._custom_data = data
        # Grid features by size; under ("columns", size) and ("buffers", size) what
        # _grid_outputs hands forward_columns.
        self._grid_cache: dict[object, object] = {}
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
        return steps_per_epoch(len(self.train.points), self.config.batch_size)

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
            if self.use_compiled and self.xp is not np:
                return self._device_steps(n)
            compiled = self._compiled_step() if n else None
            if compiled is not None:
                return self._compiled_steps(compiled, n)
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
        """One step through autograd (the reference); False if training diverged."""
        idx = self._next_batch()
        lr = self.current_learning_rate()
        self.optimizer.learning_rate = lr
        why = self._autograd_step(idx, lr)
        if why is not None:
            self._diverge(why)
            return False
        self.step_count += 1
        self._epoch_step += 1
        if self._epoch_step >= self.steps_per_epoch:
            self._epoch_step = 0
            self.epoch += 1
            self._record_history()
        return True

    def _compiled_steps(self, compiled: CompiledStep, n: int) -> int:
        """`n` steps of `compiled`, kept as _one_step keeps them (counters, epochs,
        history), with what does not change between steps looked up once."""
        c = self.config
        per_epoch = self.steps_per_epoch
        constant = c.schedule == "constant"
        done, lr = 0, None
        while done < n and not self.diverged:
            idx = self._next_batch()
            lr = c.learning_rate if constant else self.current_learning_rate()
            why = compiled.run(idx, lr)
            if why is not None:
                self.optimizer.learning_rate = lr
                self._diverge(why)
                return done
            self.step_count += 1
            self._epoch_step += 1
            done += 1
            if self._epoch_step >= per_epoch:
                self._epoch_step = 0
                self.epoch += 1
                self._record_history()
        if lr is not None:
            self.optimizer.learning_rate = lr
        return done

    def _compiled_step(self) -> CompiledStep | None:
        """The compiled step for the current settings (built again when they changed),
        or None where the autograd path runs: when asked, or off NumPy."""
        if not self.use_compiled or not supported(self.model, self.optimizer):
            return None
        c = self.config
        step = self._compiled
        loss = getattr(self._loss_fn, "loss_name", c.resolved_loss)
        if step is None or not step.matches(self.model, self.optimizer, loss, self._x_train,
                                            self._y_train, c.regularization,
                                            c.regularization_rate):
            targets = loss_targets(loss, self._y_train, self.model.layer_sizes[-1],
                                   self.backend.dtype)
            step = self._compiled = CompiledStep(
                self.model, self.optimizer, loss, self._x_train, targets, c.regularization,
                c.regularization_rate, source=self._y_train)
        return step

    def _device_steps(self, n: int) -> int:
        """`n` steps off NumPy (CuPy): chunks up to the end of an epoch, each run with no
        wait for the device until its end (engine/device_steps.py)."""
        c = self.config
        done = 0
        while done < n and not self.diverged:
            start = self._epoch_step
            chunk = min(n - done, self.steps_per_epoch - start)
            batches, rates = [], []
            for i in range(chunk):
                self._epoch_step = start + i  # where _next_batch slices the epoch's order
                batches.append(self._next_batch())
                rates.append(scheduled_learning_rate(c.learning_rate, c.schedule,
                                                     self.step_count + i, c.schedule_steps))
            ran, why = run_chunk(self.model, self.optimizer, self._loss_fn, self._x_train,
                                 self._y_train, batches, rates, c.regularization,
                                 c.regularization_rate)
            self.step_count += ran
            self._epoch_step = start + ran
            done += ran
            if why is not None:
                self.optimizer.learning_rate = rates[ran]
                self._diverge(why)
                break
            if self._epoch_step >= self.steps_per_epoch:
                self._epoch_step = 0
                self.epoch += 1
                self._record_history()
        return done

    def _autograd_step(self, idx, lr: float) -> str | None:
        """One step through the tensor autograd; None, or why training diverged."""
        c = self.config
        xp = self.xp
        x = self._x_train if idx is None else xp.take(self._x_train, idx, axis=0)
        y = self._y_train if idx is None else xp.take(self._y_train, idx, axis=0)
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
            return GRADIENT_NOT_FINITE
        # Any update can overflow (Adam's and RMSprop's too, near the dtype's largest
        # numbers): keep a copy, so a non-finite result leaves the weights before it.
        backup = [xp.asarray(p.data, copy=True) for p in params]
        self.optimizer.step()
        if not self._weights_finite():
            for p, old in zip(params, backup, strict=True):
                p.data[...] = old
            return WEIGHTS_NOT_FINITE
        return None

    def _weights_finite(self) -> bool:
        xp = self.xp
        return bool(xp.isfinite(sum(xp.sum(p.data) for p in self.model.parameters())))

    def _diverge(self, why: str) -> None:
        self.diverged = True
        last_loss = self.history[-1][2] if self.history else math.nan
        self.message = divergence_message(self.epoch, last_loss,
                                          self.current_learning_rate(), why)

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
        """The Tensor path's loss and accuracy on one set: the reference."""
        if len(labels) == 0:
            return NAN, NAN
        with no_grad():
            out = self.model(Tensor(x))
            loss = float(to_host(self._loss_fn(out, y).data))
        if self.config.problem == "regression":
            return loss, NAN
        predicted = self._classes(self._scores(out.data))
        return loss, float(np.mean(predicted == labels))

    def _evaluate_arrays(self, loss: str) -> tuple[float, float, float, float]:
        """evaluate() in plain NumPy, train and test points in one pass: the Tensor path's
        operations element by element, each set's loss summed over its own rows. It runs
        every epoch, where the Tensor path took a third of a batch-10 step's time."""
        n = len(self.train.labels)
        x, y, labels = self._joined()
        out = forward_array(self.model, x)
        terms, width, sign = loss_terms(loss, out, y)
        losses = [NAN if len(rows) == 0 else float(sign * rows.sum()
                                                   * (1.0 / max(len(rows) * width, 1)))
                  for rows in (terms[:n], terms[n:])]
        if self.config.problem == "regression":
            return losses[0], losses[1], NAN, NAN
        right = self._classes(self._scores(out)) == labels
        accuracies = [NAN if len(rows) == 0 else float(np.count_nonzero(rows)) / len(rows)
                      for rows in (right[:n], right[n:])]
        return losses[0], losses[1], accuracies[0], accuracies[1]

    def _joined(self):
        """Train and test features, targets and labels one after the other, made again
        when the data or the loss's targets were replaced."""
        parts = (self._x_train, self._x_test, self._y_train, self._y_test)
        joined = self.__dict__.get("_joined_cache")
        if joined is None or any(a is not b for a, b in zip(joined[0], parts, strict=True)):
            labels = np.concatenate([self.train.labels, self.test.labels])
            joined = self._joined_cache = (parts, (np.concatenate(parts[:2]),
                                                   np.concatenate(parts[2:]), labels))
        return joined[1]

    def _classes(self, scores) -> np.ndarray:
        s = to_host(scores)
        if s.ndim == 2:
            return np.argmax(s, axis=1)
        return (s >= 0.5).astype(np.int64)

    def evaluate(self) -> tuple[float, float, float, float]:
        """(train loss, test loss, train accuracy, test accuracy); NaN where undefined."""
        loss = getattr(self._loss_fn, "loss_name", None)
        if self.use_compiled and self.xp is np and loss is not None:
            return self._evaluate_arrays(loss)
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

    def _grid_outputs(self, size: int):
        """The model's raw outputs on the size x size grid, (size**2, outputs). On NumPy
        the points run along rows (forward_columns): the snapshot's biggest cost."""
        if self.xp is not np:
            return self._outputs(self._grid(size))
        key = ("columns", size)
        if key not in self._grid_cache:
            self._grid_cache[key] = np.ascontiguousarray(self._grid(size).T)
        x = self._grid_cache[key]
        rows = (max(self.model.layer_sizes[1:]), x.shape[1])
        buffers = self._grid_cache.get(("buffers", size))
        if buffers is None or buffers[0].shape != rows or buffers[0].dtype != x.dtype:
            buffers = self._grid_cache[("buffers", size)] = (np.empty(rows, x.dtype),
                                                             np.empty(rows, x.dtype))
        return forward_columns(self.model, x, buffers).T

    def snapshot(self, history_start: int = 0, grid: int = 100,
                 neuron_grid: int = MAP_GRID) -> Snapshot:
        """Host copies of everything the views draw; history rows from `history_start`."""
        with np.errstate(**QUIET):
            return self._snapshot(history_start, grid, neuron_grid)

    def _snapshot(self, history_start: int, grid: int, neuron_grid: int) -> Snapshot:
        scores = to_host(self._scores(self._grid_outputs(grid)))
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
        start = self.history.read_start(history_start)  # earlier when rows were thinned
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
            self.config = self.config.replace(init_seed=next_seed(self.config.init_seed))
        self._build_model()

    def set_points(self, dataset: DataSet) -> bool:
        """Use drawn or imported points: a new run (step 0, fresh network, new history),
        so the numbers and the chart describe these points, not the old ones. True."""
        self.config = fitted_to(self.config.replace(dataset="custom"), dataset)
        self._custom_data = dataset
        self._build_data()
        self._build_model()
        return True

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
        if not limits.in_value_range(value):
            raise ValueError(f"a weight must be a finite number {limits.VALUE_RANGE}, "
                             f"not {value}")
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

    # ----------------------------------------------------------------- exact resume
    def training_state(self) -> dict:
        """What resuming exactly needs besides weights and counters (host copies):
        optimizer_steps (int), optimizer_state (per parameter, name -> array of its
        shape), epoch_step (steps into this epoch), rng (the shuffle generator's state
        dict), order ((n_train,) int64 permutation of this epoch, None at its start)."""
        order = self._order if self._epoch_step and self._order is not None else None
        return {
            "optimizer_steps": self.optimizer.steps,
            "optimizer_state": self.optimizer.state_to_host(),
            "epoch_step": self._epoch_step,
            "rng": self._rng.bit_generator.state,
            "order": None if order is None else np.array(order, dtype=np.int64),
        }

    def restore_training_state(self, state: dict) -> None:
        """Put back `training_state()`; ValueError (naming the field) when it does not fit."""
        epoch_step, order = state["epoch_step"], state["order"]
        if not 0 <= epoch_step < self.steps_per_epoch:
            raise ValueError(f"epoch_step must be from 0 to {self.steps_per_epoch - 1} "
                             f"(steps per epoch), not {epoch_step}")
        n = len(self.train.points)
        if order is not None:
            order = np.asarray(order, dtype=np.int64)
            if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
                raise ValueError(f"order must hold each of the {n} training points once")
        rng = np.random.default_rng(0)  # its state is replaced just below
        try:
            rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError, OverflowError) as e:
            raise ValueError(f"the shuffle state is not valid ({e})") from None
        self.optimizer.load_state(state["optimizer_steps"], state["optimizer_state"])
        self._rng = rng
        self._epoch_step = epoch_step
        self._order = order


def forward_array(model: MLP, x: np.ndarray) -> np.ndarray:
    """model(Tensor(x)).data with NumPy arrays alone: the same operations (engine/tensor.py's
    dense), so the same numbers, with no Tensor or graph."""
    out = x.astype(model.backend.dtype, copy=False)
    for w, b, activation in zip(model.weights, model.biases, model.activations, strict=True):
        z = np.matmul(out, w.data)
        z += b.data
        out = ACTIVATIONS[activation][0](np, z)
    return out


def forward_columns(model: MLP, x: np.ndarray, buffers) -> np.ndarray:
    """forward_array with points as columns: (features, n) -> (outputs, n). A bias added
    along n points is one long loop; along a row of a few neurons it cost more than the
    product (100x100 grid at [2,8x6,1]: 0.56 ms a forward against 1.0). `buffers`: two
    (widest layer, n) arrays the layers take turns to write into (0.49 ms against 0.64
    with new arrays); the result may be one of them, valid until the next call."""
    out = x.astype(model.backend.dtype, copy=False)
    for k, (w, b, activation) in enumerate(zip(model.weights, model.biases,
                                               model.activations, strict=True)):
        z = np.matmul(w.data.T, out, out=buffers[k % 2][:w.shape[1]])
        z += b.data[:, None]
        if activation == "tanh":
            out = np.tanh(z, out=z)
        elif activation == "relu":
            out = np.maximum(z, 0.0, out=z)
        else:
            out = ACTIVATIONS[activation][0](np, z)
    return out


def loss_terms(loss: str, out: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int, float]:
    """What engine/losses.py's loss sums for outputs `out` and targets `y` as the session
    keeps them, computed as there, one row per point: (terms, outputs each row counts,
    sign). A set's loss is sign * terms.sum() / (rows * outputs counted)."""
    if loss == "softmax_ce":
        t = y.reshape(-1)
        one_hot = (t.reshape(-1, 1) == np.arange(out.shape[1], dtype=t.dtype).reshape(1, -1))
        return one_hot.astype(out.dtype) * log_softmax_array(np, out, axis=1), 1, -1.0
    y = y.reshape(out.shape).astype(out.dtype, copy=False)
    if loss == "mse":
        diff = out - y
        return diff * diff, out.shape[1], 1.0
    if loss == "bce":
        return np.maximum(out, 0.0) - out * y + np.log1p(np.exp(-np.abs(out))), 1, 1.0
    if loss == "hinge":
        return np.maximum(1.0 - (2.0 * y - 1.0) * out, 0.0), 1, 1.0
    raise ValueError(f"unknown loss {loss!r}")


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Mini-batch steps in one pass over n_train points (batch_size 0: the whole set)."""
    if batch_size == 0 or batch_size >= n_train:
        return 1
    return math.ceil(n_train / batch_size)


def readable_number(value: float) -> str:
    """0.123 below 1000, else two digits and an exponent (1.2e+21), as the window shows."""
    if not math.isfinite(value):
        return "infinite" if math.isinf(value) else "not a number"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.2g}"


def divergence_message(epoch: int, last_loss: float, learning_rate: float,
                       why: str = "the loss grew too large to compute") -> str:
    """The one message for a diverged training, in epochs as the counters count, with the
    last loss as a readable number and a gentler learning rate to try."""
    suggestion = min(0.03, learning_rate / 10) if learning_rate > 0 else 0.03
    last = (f" (last training loss {readable_number(last_loss)})"
            if math.isfinite(last_loss) else "")
    return (f"Training diverged after epoch {epoch:,}: {why}{last}. The last finite "
            f"weights are kept. Lower the learning rate (try {suggestion:g}) and press Reset.")


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


DATA_CHANGED = "the data changed"  # also said when drawn or imported points replace the data
# Fields grouped by what a reset means to the user, most telling first.
_RESET_REASONS = (
    (DATA_FIELDS, DATA_CHANGED),
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
