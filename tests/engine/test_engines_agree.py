"""The tensor engine against the scalar engine (the seed's autograd) as an oracle:
same weights, same data, same loss -> the same loss, gradients and training run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import scalar
from engine.backend import get_backend
from engine.datasets import make_dataset
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import make_optimizer
from engine.tensor import Tensor

F64 = get_backend("numpy", "float64")


def twin_models(sizes, seed, seed_exact):
    """A scalar MLP and a float64 tensor MLP holding the very same weights."""
    ref = scalar.MLP(sizes, seed=seed, seed_exact=seed_exact)
    hidden = ["relu"] * (len(sizes) - 2)
    model = MLP(sizes, hidden, "relu" if seed_exact else "linear", init="uniform",
                seed=seed, backend=F64)
    weights, biases = ref.weights_as_lists()
    for w, b, wv, bv in zip(model.weights, model.biases, weights, biases, strict=True):
        w.data[...] = np.array(wv)
        b.data[...] = np.array(bv)
    return ref, model


def scalar_loss_and_grads(ref, x, y):
    """The seed's loss (sum of squared errors / number of samples) and its gradients."""
    total = scalar.Scalar(0.0)
    for point, target in zip(x, y, strict=True):
        for o, t in zip(ref([float(v) for v in point]), target, strict=True):
            total = total + (o - float(t)) ** 2
    loss = total / float(len(x))
    ref.zero_grad()
    loss.backward()
    grads_w = [np.array([[n.w[i].grad for n in layer.neurons]
                         for i in range(len(layer.neurons[0].w))]) for layer in ref.layers]
    grads_b = [np.array([n.b.grad for n in layer.neurons]) for layer in ref.layers]
    return loss.val, grads_w, grads_b


@pytest.mark.parametrize(("sizes", "seed_exact"), [
    ([2, 8, 4, 1], True),   # the seed's network, ReLU on the output as in the article
    ([2, 8, 4, 1], False),  # the same with the linear output the app uses
    ([3, 5, 5, 5, 1], False),
    ([2, 6, 3], False),     # several outputs: the mean runs over outputs too
])
def test_loss_and_gradients_equal_the_scalar_engine(sizes, seed_exact):
    rng = np.random.default_rng(sum(sizes))
    x = rng.normal(size=(13, sizes[0]))
    y = rng.normal(size=(13, sizes[-1]))
    ref, model = twin_models(sizes, seed=4, seed_exact=seed_exact)
    expected, grads_w, grads_b = scalar_loss_and_grads(ref, x, y)
    loss = get_loss("mse")(model(Tensor(x)), y)
    loss.backward()
    # The scalar loss sums over outputs; the tensor MSE averages over them too.
    k = sizes[-1]
    assert loss.item() * k == pytest.approx(expected, rel=1e-12)
    for w, g in zip(model.weights, grads_w, strict=True):
        np.testing.assert_allclose(w.grad * k, g, rtol=1e-10, atol=1e-13)
    for b, g in zip(model.biases, grads_b, strict=True):
        np.testing.assert_allclose(b.grad * k, g, rtol=1e-10, atol=1e-13)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 9),
       scale=st.floats(0.1, 5.0, allow_nan=False))
def test_any_data_and_weights_agree(seed, n, scale):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=scale, size=(n, 2))
    y = rng.integers(0, 2, size=(n, 1)).astype(float)
    ref, model = twin_models([2, 4, 3, 1], seed=seed, seed_exact=False)
    expected, grads_w, _ = scalar_loss_and_grads(ref, x, y)
    loss = get_loss("mse")(model(Tensor(x)), y)
    loss.backward()
    assert loss.item() == pytest.approx(expected, rel=1e-12, abs=1e-15)
    for w, g in zip(model.weights, grads_w, strict=True):
        np.testing.assert_allclose(w.grad, g, rtol=1e-9, atol=1e-12)


def test_the_seed_training_run_is_the_same_in_both_engines():
    """The article's experiment: [2,8,4,1] ReLU, two moons, MSE, learning rate 0.2,
    full batch; twenty steps of plain SGD give the same losses and weights."""
    data = make_dataset("moons", n_points=40, noise=0.1, seed=1)
    x, y = data.points, data.labels.astype(float)[:, None]
    ref, model = twin_models([2, 8, 4, 1], seed=1, seed_exact=True)
    sgd = make_optimizer("sgd", model.parameters(), 0.2)
    loss_fn = get_loss("mse")
    for _ in range(20):
        expected = ref.train_step(x.tolist(), y[:, 0].tolist(), 0.2)
        sgd.zero_grad()
        loss = loss_fn(model(Tensor(x)), y)
        loss.backward()
        sgd.step()
        assert loss.item() == pytest.approx(expected, rel=1e-10)
    weights, biases = ref.weights_as_lists()
    for w, b, wv, bv in zip(model.weights, model.biases, weights, biases, strict=True):
        np.testing.assert_allclose(w.data, np.array(wv), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.data, np.array(bv), rtol=1e-9, atol=1e-12)
