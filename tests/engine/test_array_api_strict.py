"""The engine on the strict Array API namespace gives NumPy's numbers: proof that engine
code calls only standard functions and so runs unchanged on CuPy."""

from __future__ import annotations

import array_api_strict
import numpy as np
import pytest

from engine.backend import get_backend, to_host
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import make_optimizer, regularization_grad
from engine.tensor import Tensor, no_grad

STRICT = get_backend("array_api_strict", "float64")
NUMPY = get_backend("numpy", "float64")


def train(backend, sizes, hidden, output, loss, optimizer, steps=3):
    """A few full training steps (forward, loss, backward, L2 on weights, update)."""
    rng = np.random.default_rng(5)
    x = backend.asarray(rng.normal(size=(40, sizes[0])))
    if loss == "softmax_ce":
        y = backend.xp.asarray(rng.integers(0, sizes[-1], 40))
    else:
        y = backend.asarray(rng.integers(0, 2, (40, 1)).astype(float))
    model = MLP(sizes, hidden, output, init="he", seed=4, backend=backend)
    opt = make_optimizer(optimizer, model.parameters(), 0.05, momentum=0.8)
    loss_fn = get_loss(loss)
    values = []
    for _ in range(steps):
        opt.zero_grad()
        value = loss_fn(model(Tensor(x)), y)
        value.backward()
        for w in model.weights:
            w.grad = w.grad + regularization_grad("l2", 0.01, w.data)
        opt.step()
        values.append(to_host(value.data))
    grads = [to_host(p.grad) for p in model.parameters()]
    params = [to_host(p.data) for p in model.parameters()]
    with no_grad():
        layers = [to_host(a) for a in model.layer_outputs(Tensor(x))]
    return values, grads, params, layers, model


@pytest.mark.parametrize(("hidden", "output", "loss", "optimizer", "sizes"), [
    (["relu", "tanh"], "linear", "bce", "adam", [2, 8, 4, 1]),
    (["sigmoid", "leaky_relu"], "linear", "hinge", "nesterov", [3, 5, 4, 1]),
    (["sin", "gaussian"], "linear", "softmax_ce", "rmsprop", [2, 6, 5, 3]),
    (["linear"], "sigmoid", "mse", "momentum", [2, 4, 1]),
    (["tanh"], "relu", "mse", "sgd", [2, 4, 1]),
])
def test_training_on_strict_matches_numpy(hidden, output, loss, optimizer, sizes):
    strict = train(STRICT, sizes, hidden, output, loss, optimizer)
    reference = train(NUMPY, sizes, hidden, output, loss, optimizer)
    for got_list, want_list in zip(strict[:4], reference[:4], strict=True):
        for got, want in zip(got_list, want_list, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    model = strict[4]
    strict_array = type(array_api_strict.asarray([0.0]))
    assert all(isinstance(p.data, strict_array) for p in model.parameters())


def test_every_tensor_op_runs_on_strict():
    rng = np.random.default_rng(0)
    a_host, b_host = rng.normal(size=(3, 1)), rng.normal(size=(1, 4)) + 3.0

    def expression(a, b):
        terms = [a + b, a - b, a * b, a / b, -a, (b ** 2) ** 0.5, 2.0 / b, 1.0 - a,
                 a.exp(), b.log(), (a * b).relu(), (a * b).leaky_relu(), a.tanh(),
                 (a * b).sigmoid(), a.sin(), a.gaussian(), (a * b).softmax(axis=1),
                 (a * b).log_softmax(axis=0), (a * b).clip(-0.5, 0.5),
                 (a @ b).mean(axis=0, keepdims=True), (a * b).sum(axis=1, keepdims=True)]
        return sum(t.sum() for t in terms[1:]) + terms[0].mean()

    results = []
    for backend in (STRICT, NUMPY):
        a = Tensor(backend.asarray(a_host), requires_grad=True)
        b = Tensor(backend.asarray(b_host), requires_grad=True)
        out = expression(a, b)
        out.backward()
        results.append([to_host(out.data), to_host(a.grad), to_host(b.grad)])
    for got, want in zip(*results, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
