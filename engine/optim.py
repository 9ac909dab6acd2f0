"""Optimizers, weight regularization and learning-rate schedules.

In the rules below p is a parameter, g its gradient, eta the learning rate and t the
step count (from 1). Updates happen in place on the parameter arrays, so anything
holding `param.data` sees the new values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from engine.backend import to_host
from engine.tensor import Tensor

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
SCHEDULES = ("constant", "linear", "step", "cosine")
EPSILON = 1e-8
ADAM_BETA2 = 0.999
MIN_RATE_FRACTION = 0.01  # linear and cosine decay stop at 1% of the base rate
SQUARE_SLOTS = frozenset({"square_average", "square_mean"})  # never negative: sqrt is taken


def _check_rate(value) -> float:
    rate = float(value)
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"Invalid learning rate: {value!r} (use a finite number >= 0)")
    return rate


class Optimizer:
    """Updates `params` from their `.grad`; parameters without a gradient are skipped.

    learning_rate may be changed between steps; the state (velocities, averages) stays.
    state: per-parameter arrays, keyed by the parameter Tensor.
    """

    def __init__(self, params: Iterable[Tensor], learning_rate: float):
        self.params = list(params)
        self.learning_rate = learning_rate
        self.state: dict[Tensor, dict] = {}
        self.steps = 0

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = _check_rate(value)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.steps += 1
        eta = self._learning_rate
        for p in self.params:
            if p.grad is not None:
                self._update(p, p.grad, eta)

    def _update(self, p: Tensor, g, eta: float) -> None:
        raise NotImplementedError

    SLOTS: tuple[str, ...] = ()  # the names of the state arrays each parameter gets

    def state_to_host(self) -> list[dict]:
        """Host copies of the state, one dict per parameter (in `params` order) of its
        slot arrays (each the parameter's shape); empty before the first step."""
        return [{name: to_host(array).copy() for name, array in self.state.get(p, {}).items()}
                for p in self.params]

    def load_state(self, steps: int, slots: list[dict]) -> None:
        """Put back what `state_to_host` gave, with the step count (Adam's t): exact resume.

        Arrays are written into existing state in place, so anything holding them (a
        compiled step) sees the new values. ValueError names what does not fit.
        """
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"the optimizer's step count must be a whole number >= 0, "
                             f"not {steps!r}")
        if len(slots) != len(self.params):
            raise ValueError(f"the optimizer has {len(self.params)} parameters, "
                             f"not {len(slots)}")
        for k, (p, saved) in enumerate(zip(self.params, slots, strict=True)):
            if saved and set(saved) != set(self.SLOTS):
                raise ValueError(f"parameter {k}: {type(self).__name__} keeps "
                                 f"{', '.join(self.SLOTS) or 'no state'}, "
                                 f"not {', '.join(sorted(saved))}")
            for name, array in saved.items():
                if tuple(array.shape) != tuple(p.data.shape):
                    raise ValueError(f"parameter {k}: {name} has shape {tuple(array.shape)}, "
                                     f"not {tuple(p.data.shape)}")
                if name in SQUARE_SLOTS and bool((array < 0).any()):
                    raise ValueError(f"parameter {k}: {name} averages squares, so it cannot "
                                     f"be negative")
        for p, saved in zip(self.params, slots, strict=True):
            for name, array in saved.items():
                self._zeros(p, name)[...] = p.xp.asarray(array, dtype=p.data.dtype)
        self.steps = steps

    def _zeros(self, p: Tensor, name: str):
        state = self.state.setdefault(p, {})
        if name not in state:
            state[name] = p.xp.zeros_like(p.data)
        return state[name]


class SGD(Optimizer):
    """p <- p - eta * g."""

    def _update(self, p, g, eta):
        p.data -= eta * g


class _WithCoefficient(Optimizer):
    def __init__(self, params: Iterable[Tensor], learning_rate: float, momentum: float = 0.9):
        super().__init__(params, learning_rate)
        momentum = float(momentum)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Invalid momentum: {momentum!r} (use a number from 0 to below 1)")
        self.momentum = momentum


class Momentum(_WithCoefficient):
    """Heavy ball: v <- mu * v + g ; p <- p - eta * v (v starts at 0)."""

    SLOTS = ("velocity",)

    def _update(self, p, g, eta):
        v = self._zeros(p, "velocity")
        v *= self.momentum
        v += g
        p.data -= eta * v


class Nesterov(_WithCoefficient):
    """Nesterov momentum: v <- mu * v + g ; p <- p - eta * (g + mu * v)."""

    SLOTS = ("velocity",)

    def _update(self, p, g, eta):
        v = self._zeros(p, "velocity")
        v *= self.momentum
        v += g
        p.data -= eta * (g + self.momentum * v)


class RMSprop(_WithCoefficient):
    """s <- rho * s + (1 - rho) * g^2 ; p <- p - eta * g / (sqrt(s) + eps), rho = momentum."""

    SLOTS = ("square_average",)

    def _update(self, p, g, eta):
        s = self._zeros(p, "square_average")
        rho = self.momentum
        s *= rho
        s += (1.0 - rho) * (g * g)
        p.data -= eta * g / (p.xp.sqrt(s) + EPSILON)


class Adam(_WithCoefficient):
    """m <- b1*m + (1-b1)*g ; v <- b2*v + (1-b2)*g^2 ; m^ = m/(1-b1^t) ; v^ = v/(1-b2^t) ;
    p <- p - eta * m^ / (sqrt(v^) + eps), with b1 = momentum, b2 = 0.999, eps = 1e-8."""

    SLOTS = ("mean", "square_mean")

    beta2 = ADAM_BETA2

    def _update(self, p, g, eta):
        m = self._zeros(p, "mean")
        v = self._zeros(p, "square_mean")
        b1, b2, t = self.momentum, self.beta2, self.steps
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        m_hat_scale = 1.0 / (1.0 - b1 ** t)
        v_hat_scale = 1.0 / (1.0 - b2 ** t)
        p.data -= (eta * m_hat_scale) * m / (p.xp.sqrt(v * v_hat_scale) + EPSILON)


_OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "rmsprop": RMSprop,
               "adam": Adam}


def make_optimizer(name: str, params: Iterable[Tensor], learning_rate: float,
                   momentum: float = 0.9) -> Optimizer:
    """The optimizer called `name`. momentum: momentum's and Nesterov's coefficient,
    RMSprop's decay rate, Adam's beta1 (ignored by sgd)."""
    if name not in _OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
    if name == "sgd":
        return SGD(params, learning_rate)
    return _OPTIMIZERS[name](params, learning_rate, momentum)


# --------------------------------------------------------------------- regularization
def _check_regularization(kind: str, rate: float) -> None:
    if kind not in REGULARIZATIONS:
        raise ValueError(f"unknown regularization {kind!r}: choose one of "
                         f"{', '.join(REGULARIZATIONS)}")
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"Invalid regularization rate: {rate!r} (use a finite number >= 0)")


def regularization_grad(kind: str, rate: float, weight_array):
    """Gradient of the penalty for one weight array (any shape, same shape out):
    l1: rate * sign(w); l2: rate * w; none: zeros. Apply it to weights, not biases."""
    _check_regularization(kind, rate)
    xp = Tensor(weight_array).xp
    if kind == "l1":
        return xp.sign(weight_array) * float(rate)
    if kind == "l2":
        return weight_array * float(rate)
    return xp.zeros_like(weight_array)


def regularization_penalty(kind: str, rate: float, weights) -> float:
    """The penalty added to the loss for reporting: l1: rate * sum |w|;
    l2: rate / 2 * sum w^2 (so its gradient is rate * w). weights: arrays or Tensors."""
    _check_regularization(kind, rate)
    if kind == "none" or rate == 0:
        return 0.0
    total = 0.0
    for w in weights:
        data = w.data if isinstance(w, Tensor) else w
        xp = Tensor(data).xp
        part = xp.sum(xp.abs(data)) if kind == "l1" else 0.5 * xp.sum(data * data)
        total += float(to_host(part))
    return float(rate) * total


# --------------------------------------------------------------------- schedules
def scheduled_learning_rate(base: float, schedule: str, step: int, schedule_steps: int) -> float:
    """The learning rate at `step` (from 0).

    constant: base. linear: base * max(1 - step/S, 0.01). step: base * 0.5^floor(step/S).
    cosine: floor + (base - floor) * (1 + cos(pi * min(step/S, 1))) / 2, floor = 0.01 base.
    S = schedule_steps.
    """
    base = _check_rate(base)
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(SCHEDULES)}")
    if schedule_steps < 1:
        raise ValueError(f"schedule_steps must be 1 or more, not {schedule_steps!r}")
    if step < 0:
        raise ValueError(f"step must be 0 or more, not {step!r}")
    progress = step / schedule_steps
    if schedule == "linear":
        return base * max(1.0 - progress, MIN_RATE_FRACTION)
    if schedule == "step":
        return base * 0.5 ** (step // schedule_steps)
    if schedule == "cosine":
        floor = MIN_RATE_FRACTION * base
        return floor + (base - floor) * 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
    return base
