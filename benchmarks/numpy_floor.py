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
    inputs = [np.ones((units + 1, n), dtype) for units in sizes[:-1]]
    inputs[0][:-1] = x.T
    out = np.empty((sizes[-1], n), dtype)
    # layer k writes its output straight into the next layer's input rows
    hidden = [(blocks[k].T, inputs[k], inputs[k + 1][:-1], np.zeros((sizes[k + 1], n), dtype))
              for k in range(last)]
    targets = np.ascontiguousarray(y.T, dtype)
    delta = [np.empty((units, n), dtype) for units in sizes[1:]]
    masks = [np.empty((units, n), np.bool_) for units in sizes[1:]]
    backward = []
    for k in range(last, -1, -1):
        below = (None, None, None, None) if k == 0 else (
            np.multiply if sizes[k + 1] == 1 else np.dot, blocks[k][:-1], delta[k - 1],
            inputs[k][:-1])
        backward.append((inputs[k], delta[k].T, grads[k], delta[k], *below,
                         masks[k - 1] if k else None))
    output_t, output_input, output_delta = blocks[last].T, inputs[last], delta[last]
    if loss == "mse":
        coefficient = -learning_rate * 2.0 / (n * sizes[-1])
    else:
        coefficient = -learning_rate / n
    dot, maximum, greater, multiply = np.dot, np.maximum, np.greater, np.multiply
    subtract, add, exp, negative, reciprocal = (np.subtract, np.add, np.exp, np.negative,
                                                np.reciprocal)

    def step() -> None:
        for block_t, a, y, zeros in hidden:
            dot(block_t, a, out=y)
            maximum(y, zeros, out=y)
        dot(output_t, output_input, out=out)
        if loss == "mse":
            subtract(out, targets, out=output_delta)
        else:  # sigmoid(out) - y, the gradient of BCE from logits
            negative(out, out=output_delta)
            exp(output_delta, out=output_delta)
            add(output_delta, 1.0, out=output_delta)
            reciprocal(output_delta, out=output_delta)
            subtract(output_delta, targets, out=output_delta)
        multiply(output_delta, coefficient, out=output_delta)
        for a, d_t, g, d, product, w, d_below, y_below, mask in backward:
            dot(a, d_t, out=g)
            if product is not None:
                product(w, d, out=d_below)
                greater(y_below, 0.0, out=mask)
                multiply(d_below, mask, out=d_below)
        add(flat, grad, out=flat)

    return step, lambda: blocks
