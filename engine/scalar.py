"""The seed article's scalar autograd, in Python.

A `Scalar` holds one number (`val`), the Scalars it was computed from (`refs`) and
the local derivative of its value with respect to each of them (`grads`, the seed's
gradrefs). Every operation computes both next to each other. `backward()` walks the
graph once in reverse topological order and applies the chain rule:

    ref.grad += node.grad * local

On top of it sit `Neuron`, `Layer` and `MLP`, trained with the seed's `train()`.
This engine is slow on purpose (one Python object per number); it is the reference
the tensor engine is checked against and what the classroom view plays step by step.
"""

from __future__ import annotations

import gc
import math
import numbers
import random
from collections.abc import Sequence
from contextlib import contextmanager

# Local derivatives shared by every node of that kind (saves a tuple per node).
_ADD_GRADS = (1.0, 1.0)
_SUB_GRADS = (1.0, -1.0)
_NEG_GRADS = (-1.0,)


@contextmanager
def _gc_paused():
    """Pause the cycle collector: these loops make no cycles, only many short-lived tuples,
    and the collector would rescan the whole (large) graph again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Scalar:
    """One number in a computation graph.

    val: the value. grad: d(output)/d(this), filled by `backward()` of the output.
    refs: the input Scalars. grads: local derivatives d(this)/d(ref), one per ref.
    op: what made it ("+", "*", "relu", ...); "" for a leaf (an input or a parameter).
    """

    __slots__ = ("val", "grad", "refs", "grads", "op", "label")

    def __init__(self, val: float, refs: tuple = (), grads: tuple = (), op: str = "",
                 label: str = ""):
        self.val = val
        self.grad = 0.0
        self.refs = refs
        self.grads = grads
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Scalar({name}val={self.val:.6g}, grad={self.grad:.6g}, op={self.op!r})"

    # The seed's operations. `y` may be a Scalar or a plain number.

    def add(self, y: Scalar | float) -> Scalar:
        if not isinstance(y, Scalar):
            y = Scalar(float(y))
        return Scalar(self.val + y.val, (self, y), _ADD_GRADS, "+")

    def sub(self, y: Scalar | float) -> Scalar:
        if not isinstance(y, Scalar):
            y = Scalar(float(y))
        return Scalar(self.val - y.val, (self, y), _SUB_GRADS, "-")

    def mul(self, y: Scalar | float) -> Scalar:
        if not isinstance(y, Scalar):
            y = Scalar(float(y))
        return Scalar(self.val * y.val, (self, y), (y.val, self.val), "*")

    def div(self, y: Scalar | float) -> Scalar:
        if not isinstance(y, Scalar):
            y = Scalar(float(y))
        if y.val == 0:
            raise ZeroDivisionError(f"Scalar division by zero ({self.val} / 0)")
        inv = 1.0 / y.val
        return Scalar(self.val * inv, (self, y), (inv, -self.val * inv * inv), "/")

    def pow(self, n: float) -> Scalar:
        """self ** n for a constant number n (as in the seed, n is not a Scalar)."""
        if isinstance(n, Scalar):
            raise TypeError("Scalar.pow takes a constant exponent (a number), not a Scalar")
        x = self.val
        try:
            val = math.pow(x, n)
            local = 0.0 if n == 0 else n * math.pow(x, n - 1)
        except (ValueError, ZeroDivisionError) as error:
            raise ValueError(f"{x} ** {n} is not a real number with a derivative") from error
        return Scalar(val, (self,), (local,), f"**{n:g}")

    def relu(self) -> Scalar:
        x = self.val
        return Scalar(x if x > 0 else 0.0, (self,), (1.0 if x > 0 else 0.0,), "relu")

    # More activations and functions, each with its derivative.

    def neg(self) -> Scalar:
        return Scalar(-self.val, (self,), _NEG_GRADS, "neg")

    def tanh(self) -> Scalar:
        t = math.tanh(self.val)
        return Scalar(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Scalar:
        x = self.val
        # Two forms so that exp never overflows.
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Scalar(s, (self,), (s * (1.0 - s),), "sigmoid")

    def exp(self) -> Scalar:
        try:
            e = math.exp(self.val)
        except OverflowError as error:
            raise OverflowError(f"exp({self.val}) is too large for a float") from error
        return Scalar(e, (self,), (e,), "exp")

    def log(self) -> Scalar:
        x = self.val
        if x <= 0:
            raise ValueError(f"log of a non-positive value: {x}")
        return Scalar(math.log(x), (self,), (1.0 / x,), "log")

    # Python operators; plain numbers on either side.

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div
    __neg__ = neg

    def __pow__(self, n: float) -> Scalar:
        return self.pow(n)

    def __radd__(self, x: float) -> Scalar:
        return Scalar(float(x)).add(self)

    def __rsub__(self, x: float) -> Scalar:
        return Scalar(float(x)).sub(self)

    def __rmul__(self, x: float) -> Scalar:
        return Scalar(float(x)).mul(self)

    def __rtruediv__(self, x: float) -> Scalar:
        return Scalar(float(x)).div(self)

    def __rpow__(self, base: float) -> Scalar:
        """base ** self for a constant positive base: d/dx base^x = base^x ln(base)."""
        if base <= 0:
            raise ValueError(f"{base} ** Scalar needs a positive base")
        val = math.pow(base, self.val)
        return Scalar(val, (self,), (val * math.log(base),), f"{base:g}**")

    # The backward pass.

    def topological_order(self) -> list[Scalar]:
        """Every node this one depends on, once each, inputs before the nodes using them.

        Leaves come first and `self` is last. Iterative, so a graph of any depth works.
        """
        order: list[Scalar] = []
        visited: set[Scalar] = set()  # Scalar hashes by identity
        # (node, True) means "its inputs are all in `order`; append it now".
        stack: list[tuple[Scalar, bool]] = [(self, False)]
        push, pop, emit = stack.append, stack.pop, order.append
        with _gc_paused():
            while stack:
                node, inputs_done = pop()
                if inputs_done:
                    emit(node)
                elif node not in visited:
                    visited.add(node)
                    push((node, True))
                    for ref in node.refs:
                        if ref not in visited:
                            push((ref, False))
        return order

    def backward(self) -> None:
        """Fill `.grad` of every node below with d(self)/d(node), as the seed does.

        Sets self.grad = 1 and accumulates into the others; like the seed it does not
        zero them first, so zero the parameters' grads between training steps.
        """
        order = self.topological_order()
        self.grad = 1.0
        with _gc_paused():
            for node in reversed(order):
                if node.refs:
                    g = node.grad
                    for ref, local in zip(node.refs, node.grads, strict=True):
                        ref.grad += g * local


def _as_scalar(x: Scalar | float) -> Scalar:
    return x if isinstance(x, Scalar) else Scalar(float(x))


class Neuron:
    """relu(b + sum_i w_i * x_i), or without the relu when `relu` is False.

    Weights are uniform in [-1, 1) from `rng`; the bias starts at 0, as in the seed.
    """

    def __init__(self, n_inputs: int, rng: random.Random, relu: bool = True):
        self.w = [Scalar(rng.random() * 2 - 1) for _ in range(n_inputs)]
        self.b = Scalar(0.0)
        self.relu = relu

    def parameters(self) -> list[Scalar]:
        """Weights, then the bias (the seed's order)."""
        return [*self.w, self.b]

    def __call__(self, x: Sequence[Scalar]) -> Scalar:
        total = self.b
        for xi, wi in zip(x, self.w, strict=True):
            total = total + xi * wi
        return total.relu() if self.relu else total


class Layer:
    """A dense layer of `n_outputs` neurons, each reading all `n_inputs` inputs."""

    def __init__(self, n_inputs: int, n_outputs: int, rng: random.Random, relu: bool = True):
        self.neurons = [Neuron(n_inputs, rng, relu) for _ in range(n_outputs)]

    def parameters(self) -> list[Scalar]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __call__(self, x: Sequence[Scalar]) -> list[Scalar]:
        return [neuron(x) for neuron in self.neurons]


class MLP:
    """The seed's multi-layer perceptron over Scalars.

    sizes: layer sizes, inputs first, e.g. [2, 8, 4, 1].
    Hidden neurons use ReLU. The output layer is linear by default; the seed puts ReLU
    on the output too, which `seed_exact=True` (or `linear_output=False`) reproduces.
    Weights come from random.Random(seed), layer by layer, neuron by neuron.
    """

    def __init__(self, sizes: Sequence[int], seed: int = 1, linear_output: bool = True,
                 seed_exact: bool = False):
        if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
            raise ValueError(f"MLP sizes must be at least two positive whole numbers: {sizes}")
        self.sizes = [int(n) for n in sizes]
        self.seed_exact = seed_exact
        relu_output = seed_exact or not linear_output
        rng = random.Random(seed)
        last = len(self.sizes) - 2
        self.layers = [
            Layer(self.sizes[k], self.sizes[k + 1], rng, relu=(k < last or relu_output))
            for k in range(len(self.sizes) - 1)
        ]

    def parameters(self) -> list[Scalar]:
        """Per layer, per neuron: weights then bias (the seed's params() order)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, x: Sequence[Scalar | float]) -> list[Scalar]:
        """One input vector (sizes[0] numbers or Scalars) -> list of sizes[-1] Scalars."""
        if len(x) != self.sizes[0]:
            raise ValueError(f"MLP expects {self.sizes[0]} inputs, got {len(x)}")
        out = [_as_scalar(v) for v in x]
        for layer in self.layers:
            out = layer(out)
        return out

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def train_step(self, X: Sequence[Sequence[float]], Y: Sequence, learning_rate: float) -> float:
        """One full-batch gradient step, exactly the seed's train(); returns the loss.

        X: n input vectors. Y: n target vectors (or n numbers for one output).
        loss = sum over samples and outputs of (y - out)^2, divided by n (the number of
        samples, as in the seed); then p.val -= p.grad * learning_rate for every parameter.
        """
        if len(X) != len(Y) or not X:
            raise ValueError(f"train_step needs as many targets as inputs (>0): "
                             f"{len(X)} inputs, {len(Y)} targets")
        outputs = [self(x) for x in X]
        total = Scalar(0.0)
        for y, out in zip(Y, outputs, strict=True):
            targets = [y] if isinstance(y, numbers.Number) else y
            sample = Scalar(0.0)
            for target, o in zip(targets, out, strict=True):
                sample = sample.add(Scalar(float(target)).sub(o).pow(2))
            total = total.add(sample)
        loss = total.div(Scalar(float(len(outputs))))
        params = self.parameters()
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.val -= p.grad * learning_rate
        return loss.val

    def load_weights(self, weights: Sequence, biases: Sequence) -> None:
        """Set parameters from weights[k] of shape (fan_in, fan_out) and biases[k] (fan_out,).

        Nested lists or NumPy arrays; the tensor engine's layout (x @ W + b).
        """
        if len(weights) != len(self.layers) or len(biases) != len(self.layers):
            raise ValueError(f"need {len(self.layers)} weight matrices and bias vectors, "
                             f"got {len(weights)} and {len(biases)}")
        for k, layer in enumerate(self.layers):
            fan_in, fan_out = self.sizes[k], self.sizes[k + 1]
            w, b = weights[k], biases[k]
            if len(w) != fan_in or any(len(row) != fan_out for row in w) or len(b) != fan_out:
                raise ValueError(f"layer {k}: weights must be ({fan_in}, {fan_out}) and "
                                 f"biases ({fan_out},)")
            for j, neuron in enumerate(layer.neurons):
                for i in range(fan_in):
                    neuron.w[i].val = float(w[i][j])
                neuron.b.val = float(b[j])

    def weights_as_lists(self) -> tuple[list[list[list[float]]], list[list[float]]]:
        """(weights, biases): weights[k] is (fan_in, fan_out) nested lists, biases[k] (fan_out,)."""
        weights, biases = [], []
        for layer in self.layers:
            fan_in = len(layer.neurons[0].w)
            weights.append([[n.w[i].val for n in layer.neurons] for i in range(fan_in)])
            biases.append([n.b.val for n in layer.neurons])
        return weights, biases
