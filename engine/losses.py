"""Losses, each one fused op: a scalar Tensor whose backward gives d(loss)/d(output).

output: Tensor (n, 1) for mse (or (n, K) against (n, K) targets), bce and hinge;
(n, K) raw scores for softmax_ce. target: backend array (n,) or (n, 1); class indices
(n,) for softmax_ce. Every loss is a mean over points (and outputs), so its size does
not depend on the batch size.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.backend import astype
from engine.tensor import Tensor, log_softmax_array, tensor_from_op

LOSSES = ("mse", "bce", "hinge", "softmax_ce")


def _values(output: Tensor, target):
    """The target as an array of the output's shape and dtype."""
    y = target.data if isinstance(target, Tensor) else target
    xp = output.xp
    if tuple(y.shape) != output.shape:
        if y.ndim == 1 and output.ndim == 2 and output.shape == (y.shape[0], 1):
            y = xp.reshape(y, (-1, 1))
        else:
            raise ValueError(f"targets of shape {tuple(y.shape)} do not match outputs of "
                             f"shape {output.shape}")
    if y.dtype != output.dtype:
        y = astype(y, output.dtype)
    return y


def _total(xp, a):
    """Sum of every element (the array method skips NumPy's wrapper overhead)."""
    return a.sum() if xp is np else xp.sum(a)


def _one_column(output: Tensor, loss: str) -> None:
    if output.ndim != 2 or output.shape[1] != 1:
        raise ValueError(f"{loss} needs one output per point, shape (n, 1), not {output.shape}")


def mse(output: Tensor, target) -> Tensor:
    """mean((output - target)^2) over points and outputs."""
    xp = output.xp
    diff = output.data - _values(output, target)
    scale = 1.0 / max(math.prod(diff.shape), 1)
    loss = _total(xp, diff * diff) * scale
    return tensor_from_op(loss, (output,), lambda g: (g * (2.0 * scale) * diff,), "mse")


def bce(output: Tensor, target) -> Tensor:
    """Binary cross-entropy from logits z with targets y in {0, 1}:
    mean(max(z, 0) - z*y + log(1 + exp(-|z|))), finite for any finite z."""
    _one_column(output, "bce")
    xp = output.xp
    z, y = output.data, _values(output, target)
    scale = 1.0 / max(z.shape[0], 1)
    e = xp.exp(-xp.abs(z))  # in (0, 1]: no overflow; shared by the loss and sigmoid(z)
    loss = _total(xp, xp.maximum(z, 0.0) - z * y + xp.log1p(e)) * scale

    def backward(g):
        sigmoid = xp.where(z >= 0, 1.0, e) / (1.0 + e)
        return (g * scale * (sigmoid - y),)
    return tensor_from_op(loss, (output,), backward, "bce")


def hinge(output: Tensor, target) -> Tensor:
    """Targets 0/1 become s = -1/+1; mean(max(0, 1 - s*z))."""
    _one_column(output, "hinge")
    xp = output.xp
    z = output.data
    sign = 2.0 * _values(output, target) - 1.0
    margin = 1.0 - sign * z
    scale = 1.0 / max(z.shape[0], 1)
    loss = _total(xp, xp.maximum(margin, 0.0)) * scale

    def backward(g):
        return (xp.where(margin > 0, -sign, 0.0) * (g * scale),)
    return tensor_from_op(loss, (output,), backward, "hinge")


def softmax_ce(output: Tensor, target) -> Tensor:
    """Scores z (n, K), class indices t (n,) or (n, 1): mean over points of
    -log_softmax(z)[t]. The gradient is (softmax(z) - one_hot(t)) / n."""
    xp = output.xp
    if output.ndim != 2:
        raise ValueError(f"softmax_ce needs scores of shape (n, classes), not {output.shape}")
    n, k = output.shape
    t = target.data if isinstance(target, Tensor) else target
    t = xp.reshape(t, (-1,))
    if t.shape[0] != n:
        raise ValueError(f"{t.shape[0]} class targets for {n} outputs")
    if xp.isdtype(t.dtype, "real floating") if hasattr(xp, "isdtype") else t.dtype.kind == "f":
        t = astype(t, xp.int64)
    if n and bool(xp.any((t < 0) | (t >= k))):
        raise ValueError(f"class targets must be from 0 to {k - 1}")
    one_hot = astype(xp.reshape(t, (-1, 1)) == xp.reshape(xp.arange(k, dtype=t.dtype), (1, -1)),
                     output.dtype)
    log_probs = log_softmax_array(xp, output.data, axis=1)
    scale = 1.0 / max(n, 1)
    loss = -_total(xp, one_hot * log_probs) * scale

    def backward(g):
        return ((xp.exp(log_probs) - one_hot) * (g * scale),)
    return tensor_from_op(loss, (output,), backward, "softmax_ce")


_LOSSES: dict[str, Callable[[Tensor, object], Tensor]] = {
    "mse": mse, "bce": bce, "hinge": hinge, "softmax_ce": softmax_ce,
}
for _name, _fn in _LOSSES.items():
    _fn.loss_name = _name


def get_loss(name: str) -> Callable[[Tensor, object], Tensor]:
    """The loss called `name`: fn(output Tensor, target array) -> scalar Tensor."""
    if name not in _LOSSES:
        raise ValueError(f"unknown loss {name!r}: choose one of {', '.join(LOSSES)}")
    return _LOSSES[name]
