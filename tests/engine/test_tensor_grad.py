"""Every tensor op: forward against NumPy written out, backward against central
differences in float64, on hypothesis-drawn inputs with broadcasting."""

from __future__ import annotations

import gc
import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.tensor import Tensor, dense, no_grad, topological_order

SETTINGS = settings(max_examples=25, deadline=None)


def values(shape, low=-2.0, high=2.0):
    return arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False))


@st.composite
def broadcast_shapes(draw):
    """Two shapes that broadcast together: (n, k), (1, k), (n, 1), (k,), (1, 1) or ()."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kinds = {"full": (n, k), "row": (1, k), "column": (n, 1), "vector": (k,),
             "one": (1, 1), "scalar": ()}
    return (kinds[draw(st.sampled_from(sorted(kinds)))],
            kinds[draw(st.sampled_from(sorted(kinds)))])


@st.composite
def broadcast_operands(draw, low=-2.0, high=2.0):
    a_shape, b_shape = draw(broadcast_shapes())
    return draw(values(a_shape, low, high)), draw(values(b_shape, low, high))


def check_gradients(numeric_grad, fn, *inputs, rtol=1e-5, atol=1e-6):
    """Backward of fn(*Tensors) with a random output gradient vs central differences."""
    inputs = [np.array(v, dtype=np.float64) for v in inputs]
    tensors = [Tensor(v.copy(), requires_grad=True) for v in inputs]
    out = fn(*tensors)
    upstream = np.random.default_rng(len(inputs)).normal(size=out.shape)
    out.backward(upstream)

    def scalar(*xs):
        with no_grad():
            return float(np.sum(fn(*[Tensor(x) for x in xs]).data * upstream))
    for i, t in enumerate(tensors):
        expected = numeric_grad(scalar, [v.copy() for v in inputs], i)
        assert t.grad.shape == inputs[i].shape
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol)


def away_from_zero(a, margin=0.3):
    return np.where(a >= 0, a + margin, a - margin)


BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(operands=broadcast_operands())
@example(operands=(np.ones((3, 1)) * 0.5, np.arange(4.0).reshape(1, 4)))
@example(operands=(np.array(1.5), np.arange(6.0).reshape(2, 3)))
def test_binary_ops_broadcast(numeric_grad, name, operands):
    op, reference = BINARY[name]
    a, b = operands
    np.testing.assert_allclose(op(Tensor(a), Tensor(b)).data, reference(a, b))
    check_gradients(numeric_grad, op, a, b)


@SETTINGS
@given(operands=broadcast_operands())
@example(operands=(np.ones((3, 1)), np.arange(1.0, 5.0).reshape(1, 4)))
def test_div_broadcast(numeric_grad, operands):
    a, b = operands[0], away_from_zero(operands[1])
    np.testing.assert_allclose((Tensor(a) / Tensor(b)).data, a / b)
    check_gradients(numeric_grad, lambda x, y: x / y, a, b)


SCALAR_FORMS = {
    "x + c": (lambda x: x + 1.5, lambda x: x + 1.5),
    "c + x": (lambda x: 1.5 + x, lambda x: 1.5 + x),
    "x - c": (lambda x: x - 1.5, lambda x: x - 1.5),
    "c - x": (lambda x: 1.5 - x, lambda x: 1.5 - x),
    "x * c": (lambda x: x * -2.5, lambda x: x * -2.5),
    "c * x": (lambda x: 3 * x, lambda x: 3 * x),
    "x / c": (lambda x: x / 4.0, lambda x: x / 4.0),
    "c / x": (lambda x: 2.0 / x, lambda x: 2.0 / x),
    "-x": (lambda x: -x, lambda x: -x),
    "x ** 2": (lambda x: x ** 2, lambda x: x ** 2),
    "x ** 3": (lambda x: x ** 3, lambda x: x ** 3),
    "x ** -1": (lambda x: x ** -1, lambda x: x ** -1.0),
    "x ** 0.5": (lambda x: (x * x) ** 0.5, lambda x: (x * x) ** 0.5),
    "np.float64 on the left": (lambda x: np.float64(2.0) * x, lambda x: 2.0 * x),
}


@pytest.mark.parametrize("form", sorted(SCALAR_FORMS))
@SETTINGS
@given(x=values(st.sampled_from([(), (3,), (2, 3)])))
def test_plain_numbers_on_either_side(numeric_grad, form, x):
    op, reference = SCALAR_FORMS[form]
    x = away_from_zero(x)
    result = op(Tensor(x))
    assert isinstance(result, Tensor)
    np.testing.assert_allclose(result.data, reference(x))
    check_gradients(numeric_grad, op, x)


UNARY = {
    "exp": (Tensor.exp, np.exp),
    "log": (lambda t: (t * t + 0.2).log(), lambda a: np.log(a * a + 0.2)),
    "relu": (Tensor.relu, lambda a: np.maximum(a, 0)),
    "leaky_relu": (Tensor.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a)),
    "tanh": (Tensor.tanh, np.tanh),
    "sigmoid": (Tensor.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    "sin": (Tensor.sin, np.sin),
    "gaussian": (Tensor.gaussian, lambda a: np.exp(-a * a)),
    "clip": (lambda t: t.clip(-0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7)),
    "clip above only": (lambda t: t.clip(None, 0.7), lambda a: np.minimum(a, 0.7)),
}
KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "clip": (-0.5, 0.7), "clip above only": (0.7,)}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(x=values(st.sampled_from([(), (4,), (3, 2)]), -3.0, 3.0))
def test_elementwise_ops(numeric_grad, name, x):
    op, reference = UNARY[name]
    for kink in KINKS.get(name, ()):
        assume(np.all(np.abs(x - kink) > 1e-3))  # central differences straddle a kink
    np.testing.assert_allclose(op(Tensor(x)).data, reference(x), rtol=1e-12, atol=1e-15)
    check_gradients(numeric_grad, op, x)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
@settings(max_examples=8, deadline=None)
@given(x=values(st.tuples(st.integers(1, 4), st.integers(1, 4))))
def test_reductions(numeric_grad, reduction, axis, keepdims, x):
    op = lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims)  # noqa: E731
    expected = getattr(np, reduction)(x, axis=axis, keepdims=keepdims)
    result = op(Tensor(x))
    assert result.shape == expected.shape
    np.testing.assert_allclose(result.data, expected)
    check_gradients(numeric_grad, op, x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
@settings(max_examples=10, deadline=None)
@given(x=values(st.tuples(st.integers(1, 4), st.integers(1, 4)), -5.0, 5.0))
def test_softmax_and_log_softmax(numeric_grad, name, axis, x):
    op = lambda t: getattr(t, name)(axis=axis)  # noqa: E731
    e = np.exp(x)
    softmax = e / e.sum(axis=axis, keepdims=True)
    expected = softmax if name == "softmax" else np.log(softmax)
    np.testing.assert_allclose(op(Tensor(x)).data, expected, rtol=1e-12, atol=1e-14)
    check_gradients(numeric_grad, op, x)


@st.composite
def matmul_operands(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    form = draw(st.sampled_from(["matrix", "row vector", "column vector"]))
    a_shape = (k,) if form == "row vector" else (n, k)
    b_shape = (k,) if form == "column vector" else (k, m)
    return draw(values(a_shape)), draw(values(b_shape))


@SETTINGS
@given(operands=matmul_operands())
def test_matmul(numeric_grad, operands):
    a, b = operands
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b, atol=1e-14)
    check_gradients(numeric_grad, lambda x, y: x @ y, a, b)


def test_matmul_rejects_three_dimensions():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        Tensor(np.ones((2, 2, 2))) @ Tensor(np.ones((2, 2)))


ACTIVATION_REFERENCE = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "sin": np.sin,
    "gaussian": lambda z: np.exp(-z * z),
}


@pytest.mark.parametrize("activation", sorted(ACTIVATION_REFERENCE))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_fused_dense_layer(numeric_grad, activation, data):
    n, fan_in, fan_out = (data.draw(st.integers(1, 4)) for _ in range(3))
    x = data.draw(values((n, fan_in)))
    w = data.draw(values((fan_in, fan_out)))
    b = data.draw(values((fan_out,)))
    z = x @ w + b
    if activation in ("relu", "leaky_relu"):
        assume(np.all(np.abs(z) > 1e-3))
    op = lambda x_, w_, b_: dense(x_, w_, b_, activation)  # noqa: E731
    np.testing.assert_allclose(op(Tensor(x), Tensor(w), Tensor(b)).data,
                               ACTIVATION_REFERENCE[activation](z), rtol=1e-12, atol=1e-14)
    check_gradients(numeric_grad, op, x, w, b)


def test_reshape_gradient(numeric_grad):
    x = np.arange(6.0).reshape(2, 3)
    check_gradients(numeric_grad, lambda t: t.reshape(3, 2).tanh(), x)


def test_composed_expression_reuses_a_tensor(numeric_grad):
    """A tensor used on several paths gets the sum of their gradients."""
    a = np.array([[0.3, -1.2], [0.7, 2.0]])
    b = np.array([0.5, -0.4])
    check_gradients(numeric_grad, lambda x, y: (x * y + x).sigmoid() * x - (y / 3.0).exp(), a, b)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "sigmoid"])
def test_stable_on_huge_inputs(name):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 5.0]])
    t = Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(t, name)()
        out.backward(np.ones_like(x))
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(t.grad))
    if name == "softmax":
        np.testing.assert_allclose(out.data[0], [1.0, 0.0, 0.0])
        np.testing.assert_allclose(out.data[1], [1 / 3] * 3)
    if name == "log_softmax":
        np.testing.assert_allclose(out.data[0], [0.0, -2e4, -1e4])
    if name == "sigmoid":
        np.testing.assert_allclose(out.data[0], [1.0, 0.0, 0.5])


def test_no_grad_builds_no_graph():
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    with no_grad():
        out = (w @ w).tanh().sum() * 2.0
        assert not out.requires_grad
        assert topological_order(out) == [out]
    out.backward()
    assert w.grad is None  # no path leads back to w
    # The graph is built again afterwards.
    out = (w @ w).sum()
    assert out.requires_grad and w in topological_order(out)


def test_no_grad_restores_after_an_error():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert (w * 2.0).requires_grad


def test_deep_chain_backpropagates_without_recursion_error():
    x = Tensor(np.array(0.5), requires_grad=True)
    y = x
    steps = 100_000
    for _ in range(steps):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001 ** steps, rel=1e-9)
    del y
    gc.collect()  # freeing the long chain must not crash either


def test_leaves_accumulate_and_intermediates_start_afresh():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    loss = y.sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])  # two backward calls add up on leaves
    np.testing.assert_allclose(y.grad, [1.0, 1.0])  # but not on intermediate results


def test_backward_needs_a_gradient_for_many_elements():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="one-element"):
        (x * 2.0).backward()


def test_constant_inputs_get_no_gradient():
    x = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.arange(3.0))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad, np.arange(3.0))


def test_pow_needs_a_constant_exponent():
    with pytest.raises(TypeError, match="plain number"):
        Tensor(np.ones(2)) ** Tensor(np.ones(2))


def test_float32_stays_float32_with_python_and_numpy_scalars():
    x = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    out = ((x * 0.5 + np.float64(2.0)) / 3 - 1).sigmoid().log_softmax().mean()
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32
    assert math.isfinite(out.item())


@pytest.mark.parametrize("rows", [4099, 4096, 100])
def test_dense_on_many_rows_matches_numpy(rows):
    """Wide batches take NumPy fast paths (bias added in blocks, ReLU in place)."""
    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, 3)).astype(np.float32)
    w = Tensor(rng.normal(size=(3, 8)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.normal(size=8).astype(np.float32), requires_grad=True)
    out = dense(x, w, b, "relu")
    z = x.astype(np.float64) @ w.data + b.data
    np.testing.assert_allclose(out.data, np.maximum(z, 0), rtol=1e-5, atol=1e-5)
    out.sum().backward()
    np.testing.assert_allclose(b.grad, (z > 0).sum(axis=0), rtol=1e-6)


def test_no_grad_on_another_thread_leaves_this_one_training():
    import threading

    w = Tensor(np.ones(2), requires_grad=True)
    inside, leave = threading.Event(), threading.Event()

    def infer():
        with no_grad():
            inside.set()
            leave.wait(5)
    thread = threading.Thread(target=infer)
    thread.start()
    inside.wait(5)
    try:
        assert (w * 2.0).requires_grad
    finally:
        leave.set()
        thread.join()
