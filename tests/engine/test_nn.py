"""MLP: initialization, forward against NumPy, gradients against a hand-written
backward pass, and learning a toy problem."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backend import get_backend
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import make_optimizer
from engine.tensor import Tensor, topological_order

F64 = get_backend("numpy", "float64")


def test_shapes_and_parameters():
    model = MLP([3, 5, 4, 2], ["relu", "tanh"])
    assert [w.shape for w in model.weights] == [(3, 5), (5, 4), (4, 2)]
    assert [b.shape for b in model.biases] == [(5,), (4,), (2,)]
    assert model.parameters() == [model.weights[0], model.biases[0], model.weights[1],
                                  model.biases[1], model.weights[2], model.biases[2]]
    assert all(p.requires_grad and p.dtype == np.float32 for p in model.parameters())
    assert model(np.zeros((7, 3), dtype=np.float32)).shape == (7, 2)


@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_same_seed_same_weights_other_seed_other_weights(init):
    a = MLP([2, 8, 4, 1], ["relu", "relu"], init=init, seed=7)
    b = MLP([2, 8, 4, 1], ["relu", "relu"], init=init, seed=7)
    c = MLP([2, 8, 4, 1], ["relu", "relu"], init=init, seed=8)
    for wa, wb, wc in zip(a.weights, b.weights, c.weights, strict=True):
        np.testing.assert_array_equal(wa.data, wb.data)
        assert not np.allclose(wa.data, wc.data)
    assert all(np.all(bias.data == 0) for bias in a.biases)


def test_init_scales():
    fan_in, fan_out = 300, 500
    xavier = MLP([fan_in, fan_out], [], init="xavier", backend=F64).weights[0].data
    assert xavier.var() == pytest.approx(2 / (fan_in + fan_out), rel=0.03)
    assert np.abs(xavier).max() <= np.sqrt(6 / (fan_in + fan_out))
    he = MLP([fan_in, fan_out], [], init="he", backend=F64).weights[0].data
    assert he.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.03)
    uniform = MLP([fan_in, fan_out], [], init="uniform", backend=F64).weights[0].data
    assert uniform.var() == pytest.approx(1 / 3, rel=0.03)
    assert uniform.min() >= -1 and uniform.max() <= 1


ACT = {
    "linear": (lambda z: z, lambda z, y: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z, y: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z, y: np.where(z > 0, 1, 0.01)),
    "tanh": (np.tanh, lambda z, y: 1 - y ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, y: y * (1 - y)),
    "sin": (np.sin, lambda z, y: np.cos(z)),
    "gaussian": (lambda z: np.exp(-z ** 2), lambda z, y: -2 * z * y),
}


def reference_loss_and_grads(weights, biases, activations, x, y, loss):
    """Forward and backward of an MLP written out in NumPy, no autograd."""
    zs, outs = [], [x]
    for w, b, act in zip(weights, biases, activations, strict=True):
        zs.append(outs[-1] @ w + b)
        outs.append(ACT[act][0](zs[-1]))
    out, n = outs[-1], len(x)
    if loss == "mse":
        value = np.mean((out - y) ** 2)
        d = 2 * (out - y) / out.size
    elif loss == "bce":
        p = 1 / (1 + np.exp(-out))
        value = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        d = (p - y) / n
    else:
        probs = np.exp(out) / np.exp(out).sum(axis=1, keepdims=True)
        value = -np.mean(np.log(probs[np.arange(n), y]))
        one_hot = np.eye(out.shape[1])[y]
        d = (probs - one_hot) / n
    grads_w, grads_b = [], []
    for k in range(len(weights) - 1, -1, -1):
        d = d * ACT[activations[k]][1](zs[k], outs[k + 1])
        grads_w.insert(0, outs[k].T @ d)
        grads_b.insert(0, d.sum(axis=0))
        d = d @ weights[k].T
    return value, grads_w, grads_b


@pytest.mark.parametrize(("hidden", "output", "loss", "sizes"), [
    (["tanh", "relu"], "linear", "mse", [2, 6, 5, 1]),
    (["sigmoid", "leaky_relu"], "linear", "bce", [3, 4, 4, 1]),
    (["sin", "gaussian"], "linear", "softmax_ce", [2, 5, 3, 4]),
    (["linear"], "tanh", "mse", [2, 3, 2]),
    (["relu"], "sigmoid", "mse", [2, 7, 1]),
    (["tanh"], "relu", "mse", [2, 7, 1]),
])
def test_loss_and_gradients_match_hand_written_numpy(hidden, output, loss, sizes):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(11, sizes[0]))
    if loss == "softmax_ce":
        y = rng.integers(0, sizes[-1], 11)
    elif loss == "bce":
        y = rng.integers(0, 2, (11, 1)).astype(float)
    else:
        y = rng.normal(size=(11, sizes[-1]))
    model = MLP(sizes, hidden, output, init="uniform", seed=2, backend=F64)
    for b in model.biases:  # nonzero biases, so their gradients matter
        b.data[...] = rng.normal(size=b.shape)
    value = get_loss(loss)(model(Tensor(x)), y)
    value.backward()
    expected, grads_w, grads_b = reference_loss_and_grads(
        [w.data.copy() for w in model.weights], [b.data.copy() for b in model.biases],
        [*hidden, output], x, y, loss)
    assert value.item() == pytest.approx(expected, rel=1e-12)
    for w, g in zip(model.weights, grads_w, strict=True):
        np.testing.assert_allclose(w.grad, g, rtol=1e-10, atol=1e-14)
    for b, g in zip(model.biases, grads_b, strict=True):
        np.testing.assert_allclose(b.grad, g, rtol=1e-10, atol=1e-14)


def test_layer_outputs_are_each_layers_activations_without_a_graph():
    model = MLP([2, 3, 4, 1], ["tanh", "sigmoid"], output_activation="sigmoid", backend=F64)
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    outputs = model.layer_outputs(Tensor(x))
    assert [o.shape for o in outputs] == [(2, 3), (2, 4), (2, 1)]
    w, b = [p.data for p in model.weights], [p.data for p in model.biases]
    h1 = np.tanh(x @ w[0] + b[0])
    h2 = 1 / (1 + np.exp(-(h1 @ w[1] + b[1])))
    np.testing.assert_allclose(outputs[0], h1)
    np.testing.assert_allclose(outputs[1], h2)
    np.testing.assert_allclose(outputs[2], 1 / (1 + np.exp(-(h2 @ w[2] + b[2]))))
    np.testing.assert_allclose(outputs[2], model(x).data)
    assert model.layer_outputs(x)[0].shape == (2, 3)  # plain arrays work too


def test_forward_builds_one_node_per_layer():
    model = MLP([2, 8, 8, 1], ["relu", "relu"])
    out = model(np.zeros((4, 2), dtype=np.float32))
    assert len([t for t in topological_order(out) if t.op.startswith("dense")]) == 3


def test_clear_errors():
    with pytest.raises(ValueError, match="one activation per hidden layer"):
        MLP([2, 4, 1], [])
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP([2, 4, 1], ["swish"])
    with pytest.raises(ValueError, match="unknown output activation 'sin'"):
        MLP([2, 4, 1], ["relu"], output_activation="sin")
    with pytest.raises(ValueError, match="unknown init 'ones'"):
        MLP([2, 4, 1], ["relu"], init="ones")
    with pytest.raises(ValueError, match="whole numbers of 1 or more"):
        MLP([2, 0, 1], ["relu"])
    with pytest.raises(ValueError, match=r"inputs of shape \(n, 2\)"):
        MLP([2, 4, 1], ["relu"])(np.zeros((3, 5), dtype=np.float32))


def moons(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with a little noise; labels 0 and 1."""
    angle = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label == 0, np.cos(angle), 1 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + rng.normal(0, 0.08, (n, 2))
    return points.astype(np.float32), label.astype(np.float32)


@pytest.mark.parametrize("problem", ["xor", "moons"])
def test_small_mlp_learns_a_toy_problem(problem):
    rng = np.random.default_rng(0)
    if problem == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
        y = np.array([0, 1, 1, 0], dtype=np.float32)
    else:
        x, y = moons(200, rng)
    model = MLP([2, 8, 4, 1], ["tanh", "tanh"], seed=1)
    optimizer = make_optimizer("adam", model.parameters(), 0.05)
    loss_fn = get_loss("bce")
    for _ in range(600):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    predicted = model(x).data[:, 0] > 0
    assert loss.item() < 0.05
    assert np.mean(predicted == (y > 0.5)) >= 0.98


def test_float64_inputs_are_cast_to_the_network_dtype():
    model = MLP([2, 3, 1], ["tanh"])
    out = model(np.array([[0.5, -0.5]]))  # float64 in
    assert out.dtype == np.float32
    assert model.layer_outputs(np.array([[0.5, -0.5]]))[0].dtype == np.float32
