"""Losses: values against the formulas written out, gradients against central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.losses import get_loss
from engine.tensor import Tensor, no_grad


def reference(name: str, z: np.ndarray, y: np.ndarray) -> float:
    """The losses as plain NumPy, in the textbook (not the stable) form."""
    if name == "mse":
        return float(np.mean((z - y.reshape(z.shape)) ** 2))
    if name == "bce":
        p = 1 / (1 + np.exp(-z[:, 0]))
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    if name == "hinge":
        s = 2 * y - 1
        return float(np.mean(np.maximum(0, 1 - s * z[:, 0])))
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(np.mean(-np.log(probs[np.arange(len(y)), y])))


@st.composite
def outputs_and_targets(draw, name: str):
    n = draw(st.integers(1, 6))
    k = draw(st.integers(2, 4)) if name == "softmax_ce" else 1
    z = draw(arrays(np.float64, (n, k), elements=st.floats(-4, 4)))
    if name == "softmax_ce":
        y = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    else:
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    return z, y


@pytest.mark.parametrize("name", ["mse", "bce", "hinge", "softmax_ce"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_value_and_gradient(numeric_grad, name, data):
    z, y = data.draw(outputs_and_targets(name))
    if name == "hinge":  # keep central differences off the hinge's kink
        s = 2 * y - 1
        z = np.where(np.abs(1 - s * z[:, 0]) < 1e-3, z[:, 0] + 0.01, z[:, 0])[:, None]
    loss_fn = get_loss(name)
    out = Tensor(z.copy(), requires_grad=True)
    loss = loss_fn(out, y)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(reference(name, z, y), rel=1e-9, abs=1e-12)
    loss.backward()

    def value(z_):
        with no_grad():
            return loss_fn(Tensor(z_), y).item()
    np.testing.assert_allclose(out.grad, numeric_grad(value, [z.copy()], 0), rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("name", ["mse", "bce", "hinge"])
def test_targets_as_column_or_vector_agree(name):
    z = np.array([[0.3], [-1.2], [2.0]])
    y = np.array([1.0, 0.0, 1.0])
    a = get_loss(name)(Tensor(z), y).item()
    b = get_loss(name)(Tensor(z), y.reshape(-1, 1)).item()
    assert a == b
    assert a == pytest.approx(reference(name, z, y))


def test_mse_averages_over_points_and_outputs():
    z = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.zeros((2, 2))
    assert get_loss("mse")(Tensor(z), y).item() == pytest.approx((1 + 4 + 9 + 16) / 4)


def test_softmax_ce_takes_a_column_of_class_indices():
    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    a = get_loss("softmax_ce")(Tensor(z), np.array([0, 2])).item()
    b = get_loss("softmax_ce")(Tensor(z), np.array([[0], [2]])).item()
    assert a == b == pytest.approx(reference("softmax_ce", z, np.array([0, 2])))


@pytest.mark.parametrize("name", ["bce", "softmax_ce", "hinge", "mse"])
def test_huge_logits_stay_finite(name):
    if name == "softmax_ce":
        z, y = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]]), np.array([1, 1, 0])
        expected = (2e4 + 0.0 + np.log(2)) / 3
    else:
        z, y = np.array([[1e4], [-1e4], [1e4], [-1e4]]), np.array([0.0, 1.0, 1.0, 0.0])
        expected = {"bce": 2e4 / 4, "hinge": 2 * (1 + 1e4) / 4,
                    "mse": ((1e4) ** 2 + (1e4 + 1) ** 2 + (1e4 - 1) ** 2 + 1e8) / 4}[name]
    out = Tensor(z, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = get_loss(name)(out, y)
        loss.backward()
    assert loss.item() == pytest.approx(expected)
    assert np.all(np.isfinite(out.grad))


def test_bce_gradient_at_huge_logits_is_prediction_minus_target():
    out = Tensor(np.array([[1e4], [-1e4]]), requires_grad=True)
    get_loss("bce")(out, np.array([0.0, 0.0])).backward()
    np.testing.assert_allclose(out.grad, [[0.5], [0.0]])


def test_float32_outputs_give_float32_loss_and_gradient():
    out = Tensor(np.array([[0.5], [-0.5]], dtype=np.float32), requires_grad=True)
    loss = get_loss("bce")(out, np.array([1.0, 0.0]))  # float64 targets are cast
    loss.backward()
    assert loss.dtype == np.float32 and out.grad.dtype == np.float32


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown loss 'l3'"):
        get_loss("l3")
    with pytest.raises(ValueError, match="do not match"):
        get_loss("mse")(Tensor(np.zeros((3, 1))), np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(n, 1\)"):
        get_loss("bce")(Tensor(np.zeros((3, 2))), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="from 0 to 2"):
        get_loss("softmax_ce")(Tensor(np.zeros((2, 3))), np.array([0, 3]))


def test_loss_functions_know_their_names():
    for name in ("mse", "bce", "hinge", "softmax_ce"):
        assert get_loss(name).loss_name == name
