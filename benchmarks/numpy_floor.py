"""The NumPy floor: one training step written out by hand, the least work NumPy can do.

ReLU hidden layers, a linear output, MSE or BCE from logits, SGD, any batch. Points are
columns, so each layer's output is a contiguous block of rows. Each layer's weights
(in, out) and bias (out,) form one block (in + 1, out) of one flat array, and each
layer's input carries a last row of ones, so one matrix product does the weights and the
bias forward and backward; a one-output layer backpropagates as a broadcast product;
-learning_rate / n is folded into the output delta, so
the gradients come out as the update itself and one `add` updates every parameter. No
loss value, no divergence check: nothing the update does not need. Every buffer is made
once. It is the measuring stick for engine/compiled.py, not a part of the engine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def floor_step(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray,
               y: np.ndarray, learning_rate: float, loss: str = "mse"
               ) -> tuple[Callable[[], None], Callable[[], list[np.ndarray]]]:
    """A step function for full-batch training on x (n, in), y (n, out), and a function
    returning the current weight blocks. weights[k] (in, out), biases[k] (out,): start
    values, copied. loss: "mse" (mean over n * out entries) or "bce" (one output)."""
    dtype = x.dtype
    n = x.shape[0]
    sizes = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    last = len(weights) - 1
    flat = np.empty(sum((w.shape[0] + 1) * w.shape[1] for w in weights), dtype)
    grad = np.empty_like(flat)
    blocks, grads, start = [], [], 0
    for w, b in zip(weights, biases, strict=True):
        size = (w.shape[0] + 1) * w.shape[1]
        block = flat[start:start + size].reshape(w.shape[0] + 1, w.shape[1])
        block[:-1], block[-1] = w, b
        blocks.append(block)
        grads.append(grad[start:start + size].reshape(block.shape))
        start += size
    names = {"dot": np.dot, "maximum": np.maximum, "sign": np.sign,
             "multiply": np.multiply, "subtract": np.subtract, "add": np.add, "exp": np.exp,
             "negative": np.negative, "reciprocal": np.reciprocal, "flat": flat, "grad": grad,
             "targets": np.ascontiguousarray(y.T, dtype)}
    inputs = [np.ones((units + 1, n), dtype) for units in sizes[:-1]]
    inputs[0][:-1] = x.T
    lines = []
    for k in range(last + 1):  # forward: layer k's output goes into layer k + 1's input rows
        units = sizes[k + 1]
        out = inputs[k + 1][:-1] if k < last else np.empty((units, n), dtype)
        delta = np.empty((units, n), dtype)
        names.update({f"Bt{k}": blocks[k].T, f"a{k}": inputs[k], f"y{k}": out,
                      f"zeros{k}": np.zeros((units, n), dtype), f"d{k}": delta,
                      f"dT{k}": delta.T, f"m{k}": np.empty((units, n), dtype),
                      f"G{k}": grads[k], f"w{k}": blocks[k][:-1]})
        lines.append(f"dot(Bt{k}, a{k}, out=y{k})")
        if k < last:
            lines.append(f"maximum(y{k}, zeros{k}, out=y{k})")
    d = f"d{last}"
    if loss == "mse":
        names["coefficient"] = -learning_rate * 2.0 / (n * sizes[-1])
        lines.append(f"subtract(y{last}, targets, out={d})")
    else:  # sigmoid(out) - y, the gradient of BCE from logits
        names["coefficient"] = -learning_rate / n
        lines += [f"negative(y{last}, out={d})", f"exp({d}, out={d})",
                  f"add({d}, 1.0, out={d})", f"reciprocal({d}, out={d})",
                  f"subtract({d}, targets, out={d})"]
    lines.append(f"multiply({d}, coefficient, out={d})")
    for k in range(last, -1, -1):
        lines.append(f"dot(a{k}, dT{k}, out=G{k})")
        if k > 0:
            product = "multiply" if sizes[k + 1] == 1 else "dot"  # one output: outer product
            lines += [f"{product}(w{k}, d{k}, out=d{k - 1})",
                      f"sign(y{k - 1}, out=m{k - 1})",  # the ReLU's 0/1 mask, as floats
                      f"multiply(d{k - 1}, m{k - 1}, out=d{k - 1})"]
    lines.append("add(flat, grad, out=flat)")
    # Straight-line code with every array a closure variable: the least Python per call.
    source = ("def make(names):\n" + "".join(f"    {k} = names[{k!r}]\n" for k in names)
              + "    def step():\n" + "".join(f"        {line}\n" for line in lines)
              + "    return step\n")
    scope: dict = {}
    exec(compile(source, "<numpy floor>", "exec"), scope)  # noqa: S102
    return scope["make"](names), lambda: blocks
