"""Optimizers against their update rules written out by hand; schedules; regularization."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.optim import (
    make_optimizer,
    regularization_grad,
    regularization_penalty,
    scheduled_learning_rate,
)
from engine.tensor import Tensor

START = np.array([[0.5, -1.0], [2.0, 0.25]])
GRADS = [np.array([[0.1, -0.2], [0.3, 0.0]]),
         np.array([[-0.4, 0.5], [0.05, 1.0]]),
         np.array([[0.2, 0.2], [-0.6, -0.3]])]
LR, MU = 0.1, 0.8


def by_hand(name: str) -> list[np.ndarray]:
    """The parameter after each of three steps, from the rules in plain NumPy."""
    p = START.copy()
    v = np.zeros_like(p)
    m = np.zeros_like(p)
    after = []
    for t, g in enumerate(GRADS, start=1):
        if name == "sgd":
            p = p - LR * g
        elif name == "momentum":
            v = MU * v + g
            p = p - LR * v
        elif name == "nesterov":
            v = MU * v + g
            p = p - LR * (g + MU * v)
        elif name == "rmsprop":
            v = MU * v + (1 - MU) * g ** 2
            p = p - LR * g / (np.sqrt(v) + 1e-8)
        elif name == "adam":
            m = MU * m + (1 - MU) * g
            v = 0.999 * v + 0.001 * g ** 2
            m_hat, v_hat = m / (1 - MU ** t), v / (1 - 0.999 ** t)
            p = p - LR * m_hat / (np.sqrt(v_hat) + 1e-8)
        after.append(p)
    return after


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_three_steps_follow_the_update_rule(name):
    param = Tensor(START.copy(), requires_grad=True)
    data = param.data
    optimizer = make_optimizer(name, [param], LR, momentum=MU)
    for g, expected in zip(GRADS, by_hand(name), strict=True):
        param.grad = g.copy()
        optimizer.step()
        np.testing.assert_allclose(param.data, expected, rtol=1e-12, atol=1e-15)
    assert param.data is data  # updated in place


def test_first_adam_step_is_learning_rate_times_sign():
    """Bias correction makes the first step eta * g / |g| for every element."""
    param = Tensor(np.zeros(3), requires_grad=True)
    optimizer = make_optimizer("adam", [param], 0.01, momentum=0.9)
    param.grad = np.array([3.0, -0.001, 50.0])
    optimizer.step()
    np.testing.assert_allclose(param.data, [-0.01, 0.01, -0.01], rtol=1e-5)


def test_learning_rate_change_keeps_the_velocity():
    param = Tensor(np.zeros(1), requires_grad=True)
    optimizer = make_optimizer("momentum", [param], 1.0, momentum=0.5)
    param.grad = np.ones(1)
    optimizer.step()  # v = 1, p = -1
    optimizer.learning_rate = 0.1
    optimizer.step()  # v = 1.5, p = -1 - 0.15
    np.testing.assert_allclose(param.data, [-1.15])


def test_parameters_without_gradient_are_left_alone_and_zero_grad_clears():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    optimizer = make_optimizer("sgd", [a, b], 0.5)
    a.grad = np.ones(2)
    optimizer.step()
    np.testing.assert_allclose(a.data, [0.5, 0.5])
    np.testing.assert_allclose(b.data, [1.0, 1.0])
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_float32_parameters_stay_float32(name):
    param = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    optimizer = make_optimizer(name, [param], 0.1)
    for _ in range(2):
        param.grad = np.full((2, 2), 0.5, dtype=np.float32)
        optimizer.step()
    assert param.data.dtype == np.float32


def test_clear_errors():
    p = [Tensor(np.ones(1), requires_grad=True)]
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        make_optimizer("adagrad", p, 0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        make_optimizer("sgd", p, -1.0)
    optimizer = make_optimizer("adam", p, 0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: nan"):
        optimizer.learning_rate = float("nan")
    assert optimizer.learning_rate == 0.1
    with pytest.raises(ValueError, match="Invalid momentum"):
        make_optimizer("momentum", p, 0.1, momentum=1.0)


# --------------------------------------------------------------------- schedules
@pytest.mark.parametrize(("schedule", "step", "expected"), [
    ("constant", 0, 0.2), ("constant", 10**6, 0.2),
    ("linear", 0, 0.2), ("linear", 25, 0.15), ("linear", 50, 0.1), ("linear", 99, 0.002),
    ("linear", 100, 0.002), ("linear", 10**6, 0.002),
    ("step", 0, 0.2), ("step", 99, 0.2), ("step", 100, 0.1), ("step", 250, 0.05),
    ("cosine", 0, 0.2), ("cosine", 50, 0.002 + 0.198 * 0.5), ("cosine", 100, 0.002),
    ("cosine", 5000, 0.002),
])
def test_schedules_at_known_steps(schedule, step, expected):
    assert scheduled_learning_rate(0.2, schedule, step, 100) == pytest.approx(expected)


def test_cosine_quarter_way():
    expected = 0.01 + 0.99 * (1 + math.cos(math.pi / 4)) / 2
    assert scheduled_learning_rate(1.0, "cosine", 25, 100) == pytest.approx(expected)


def test_schedule_errors():
    with pytest.raises(ValueError, match="unknown schedule 'exp'"):
        scheduled_learning_rate(0.1, "exp", 0, 10)
    with pytest.raises(ValueError, match="schedule_steps"):
        scheduled_learning_rate(0.1, "linear", 0, 0)


# --------------------------------------------------------------------- regularization
W = np.array([[0.5, -2.0], [0.0, 3.0]])


def test_regularization_gradient_matches_penalty_differences(numeric_grad):
    for kind in ("l1", "l2"):
        expected = numeric_grad(lambda w, k=kind: regularization_penalty(k, 0.3, [w]),
                                [W.copy()], 0)
        if kind == "l1":
            expected[1, 0] = 0.0  # |w| has no derivative at 0; we use sign(0) = 0
        np.testing.assert_allclose(regularization_grad(kind, 0.3, W), expected, atol=1e-6)


def test_regularization_by_hand():
    np.testing.assert_allclose(regularization_grad("l1", 0.1, W), [[0.1, -0.1], [0.0, 0.1]])
    np.testing.assert_allclose(regularization_grad("l2", 0.1, W), 0.1 * W)
    np.testing.assert_allclose(regularization_grad("none", 0.1, W), np.zeros((2, 2)))
    weights = [Tensor(W), np.array([[1.0, -1.0]])]
    assert regularization_penalty("l1", 0.1, weights) == pytest.approx(0.1 * (5.5 + 2))
    assert regularization_penalty("l2", 0.1, weights) == pytest.approx(0.05 * (13.25 + 2))
    assert regularization_penalty("none", 0.1, weights) == 0.0
    with pytest.raises(ValueError, match="unknown regularization 'l3'"):
        regularization_grad("l3", 0.1, W)
