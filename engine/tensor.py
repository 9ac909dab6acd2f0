"""A small tensor autograd over an array namespace (NumPy, CuPy, strict Array API).

Every op computes its result and defines its local backward right next to it: a function
from the output's gradient to one gradient per input (None where no gradient is needed).
Inputs that were broadcast get their gradient summed back to their own shape.
`Tensor.backward()` walks the graph in topological order, iteratively, so a chain of any
length works. Inside `with no_grad():` no graph is built.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from engine.backend import namespace, to_host


class _GradMode(threading.local):
    enabled = True


# Per thread, so that inference on one thread never switches off training on another.
_grad_mode = _GradMode()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inference: ops inside build no graph and keep nothing for backward (this thread)."""
    previous = _grad_mode.enabled
    _grad_mode.enabled = False
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def is_grad_enabled() -> bool:
    return _grad_mode.enabled


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


class Tensor:
    """An array with an optional gradient and the op that made it.

    data: a backend array of any shape. grad: an array of the same shape after
    `backward()`, or None. Leaves (tensors no op made) add up gradients over several
    `backward()` calls until `grad` is cleared; intermediate results start afresh.
    """

    __slots__ = ("data", "grad", "requires_grad", "op", "xp", "_parents", "_backward")
    __array_ufunc__ = None  # NumPy arrays on the left defer to our reflected operators

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, int | float | list | tuple):
            data = np.asarray(data, dtype=np.float64)
        elif isinstance(data, np.generic):
            data = np.asarray(data)
        self.data = data
        self.xp = namespace(data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.op = ""
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Tensor(shape={self.shape}, op={self.op!r}, requires_grad={self.requires_grad})"

    def item(self) -> float:
        return float(to_host(self.data))

    def numpy(self) -> np.ndarray:
        return to_host(self.data)

    def detach(self) -> Tensor:
        return Tensor(self.data)

    def _lift(self, other) -> Tensor:
        return other if isinstance(other, Tensor) else Tensor(other)

    # ----------------------------------------------------------------- backward
    def backward(self, gradient=None) -> None:
        """Fill `.grad` of every tensor this one depends on with d(self)/d(tensor).

        gradient: d(final)/d(self), same shape as `data`; may be left out for a
        one-element tensor (it is then 1).
        """
        xp = self.xp
        if gradient is None:
            if math.prod(self.shape) != 1:
                raise ValueError(f"backward() without a gradient needs a one-element tensor, "
                                 f"not shape {self.shape}")
            gradient = xp.ones_like(self.data)
        elif isinstance(gradient, Tensor):
            gradient = gradient.data
        order = topological_order(self)
        for node in order:
            if node._parents:
                node.grad = None
        self.grad = gradient if self.grad is None or self._parents else self.grad + gradient
        for node in reversed(order):
            if node._backward is None or node.grad is None:
                continue
            for parent, g in zip(node._parents, node._backward(node.grad), strict=True):
                if g is None or not parent.requires_grad:
                    continue
                parent.grad = g if parent.grad is None else parent.grad + g

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other) -> Tensor:
        if _is_number(other):
            return tensor_from_op(self.data + float(other), (self,), lambda g: (g,), "+")
        a, b = self, self._lift(other)

        def backward(g):
            return _unbroadcast(a.xp, g, a.shape), _unbroadcast(a.xp, g, b.shape)
        return tensor_from_op(a.data + b.data, (a, b), backward, "+")

    __radd__ = __add__

    def __sub__(self, other) -> Tensor:
        if _is_number(other):
            return tensor_from_op(self.data - float(other), (self,), lambda g: (g,), "-")
        a, b = self, self._lift(other)

        def backward(g):
            return _unbroadcast(a.xp, g, a.shape), _unbroadcast(a.xp, -g, b.shape)
        return tensor_from_op(a.data - b.data, (a, b), backward, "-")

    def __rsub__(self, other) -> Tensor:
        if _is_number(other):
            return tensor_from_op(float(other) - self.data, (self,), lambda g: (-g,), "-")
        return self._lift(other) - self

    def __mul__(self, other) -> Tensor:
        if _is_number(other):
            c = float(other)
            return tensor_from_op(self.data * c, (self,), lambda g: (g * c,), "*")
        a, b = self, self._lift(other)

        def backward(g):
            return (_unbroadcast(a.xp, g * b.data, a.shape) if a.requires_grad else None,
                    _unbroadcast(a.xp, g * a.data, b.shape) if b.requires_grad else None)
        return tensor_from_op(a.data * b.data, (a, b), backward, "*")

    __rmul__ = __mul__

    def __truediv__(self, other) -> Tensor:
        if _is_number(other):
            c = float(other)
            return tensor_from_op(self.data / c, (self,), lambda g: (g / c,), "/")
        a, b = self, self._lift(other)

        def backward(g):
            return (_unbroadcast(a.xp, g / b.data, a.shape) if a.requires_grad else None,
                    _unbroadcast(a.xp, -g * a.data / (b.data * b.data), b.shape)
                    if b.requires_grad else None)
        return tensor_from_op(a.data / b.data, (a, b), backward, "/")

    def __rtruediv__(self, other) -> Tensor:
        if _is_number(other):
            c, a = float(other), self

            def backward(g):
                return (-c * g / (a.data * a.data),)
            return tensor_from_op(c / a.data, (a,), backward, "/")
        return self._lift(other) / self

    def __neg__(self) -> Tensor:
        return tensor_from_op(-self.data, (self,), lambda g: (-g,), "neg")

    def __pow__(self, exponent) -> Tensor:
        if not _is_number(exponent):
            raise TypeError(f"the exponent must be a plain number, not {type(exponent).__name__}")
        p, a = float(exponent), self

        def backward(g):
            return (g * p * a.data ** (p - 1.0),)
        return tensor_from_op(a.data ** p, (a,), backward, "**")

    def __rpow__(self, base):
        raise TypeError("a tensor can only be raised to a constant power, not used as one")

    def __matmul__(self, other) -> Tensor:
        """(n, k) @ (k, m) -> (n, m); a 1-D operand is a row (left) or a column (right)."""
        a, b = self, self._lift(other)
        xp = a.xp
        if not (1 <= a.ndim <= 2 and 1 <= b.ndim <= 2):
            raise ValueError(f"matmul takes 1-D or 2-D tensors, not shapes {a.shape} and "
                             f"{b.shape}")

        def backward(g):
            left = a.data if a.ndim == 2 else xp.reshape(a.data, (1, -1))
            right = b.data if b.ndim == 2 else xp.reshape(b.data, (-1, 1))
            g2 = xp.reshape(g, (left.shape[0], right.shape[1]))
            return (xp.reshape(xp.matmul(g2, right.T), a.shape) if a.requires_grad else None,
                    xp.reshape(xp.matmul(left.T, g2), b.shape) if b.requires_grad else None)
        return tensor_from_op(xp.matmul(a.data, b.data), (a, b), backward, "@")

    def __rmatmul__(self, other) -> Tensor:
        return self._lift(other) @ self

    matmul = __matmul__

    # ----------------------------------------------------------------- reductions
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes when None); keepdims keeps them as size 1."""
        a, xp = self, self.xp
        axes = _axes(axis, a.ndim)

        def backward(g):
            kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
            return (xp.reshape(g, kept) + xp.zeros_like(a.data),)
        return tensor_from_op(xp.sum(a.data, axis=axes, keepdims=keepdims), (a,), backward, "sum")

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        count = math.prod(self.shape[i] for i in _axes(axis, self.ndim))
        return self.sum(axis, keepdims) * (1.0 / max(count, 1))

    def reshape(self, *shape) -> Tensor:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        a, xp = self, self.xp
        return tensor_from_op(xp.reshape(a.data, shape), (a,),
                              lambda g: (xp.reshape(g, a.shape),), "reshape")

    # ----------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        y = self.xp.exp(self.data)
        return tensor_from_op(y, (self,), lambda g: (g * y,), "exp")

    def log(self) -> Tensor:
        a = self
        return tensor_from_op(a.xp.log(a.data), (a,), lambda g: (g / a.data,), "log")

    def relu(self) -> Tensor:
        return self._activation("relu")

    def leaky_relu(self) -> Tensor:
        return self._activation("leaky_relu")

    def tanh(self) -> Tensor:
        return self._activation("tanh")

    def sigmoid(self) -> Tensor:
        return self._activation("sigmoid")

    def sin(self) -> Tensor:
        return self._activation("sin")

    def gaussian(self) -> Tensor:
        """exp(-x^2)."""
        return self._activation("gaussian")

    def _activation(self, name: str) -> Tensor:
        xp, z = self.xp, self.data
        forward, backward_of = ACTIVATIONS[name]
        y = forward(xp, z)
        return tensor_from_op(y, (self,), lambda g: (backward_of(xp, g, z, y),), name)

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        """Values limited to [low, high]; the gradient is 0 where a limit was applied."""
        a, xp = self, self.xp

        def backward(g):
            inside = xp.ones_like(a.data) > 0
            if low is not None:
                inside = inside & (a.data >= low)
            if high is not None:
                inside = inside & (a.data <= high)
            return (xp.where(inside, g, 0.0),)
        return tensor_from_op(xp.clip(a.data, low, high), (a,), backward, "clip")

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum exp(x) along `axis`, computed after subtracting the maximum."""
        xp = self.xp
        s = _softmax(xp, self.data, axis)

        def backward(g):
            return (s * (g - xp.sum(g * s, axis=axis, keepdims=True)),)
        return tensor_from_op(s, (self,), backward, "softmax")

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log(sum exp(x)) along `axis`, computed after subtracting the maximum."""
        xp = self.xp
        out = log_softmax_array(xp, self.data, axis)

        def backward(g):
            return (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),)
        return tensor_from_op(out, (self,), backward, "log_softmax")


# --------------------------------------------------------------------- activations
# name -> (forward(xp, z) -> y, backward(xp, g, z, y) -> g * dy/dz); shared by the
# elementwise ops above and the fused dense layer below.
LEAKY_SLOPE = 0.01


def _where_positive(xp, y, g):
    """g where y > 0, else 0."""
    if xp is np:
        return g * (y > 0)  # NumPy multiplies by a bool mask faster than `where`
    return xp.where(y > 0, g, 0.0)


def _sigmoid(xp, z):
    e = xp.exp(-xp.abs(z))  # never overflows
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "linear": (lambda xp, z: z, lambda xp, g, z, y: g),
    "relu": (lambda xp, z: xp.maximum(z, 0.0), lambda xp, g, z, y: _where_positive(xp, y, g)),
    "leaky_relu": (lambda xp, z: xp.where(z > 0, z, z * LEAKY_SLOPE),
                   lambda xp, g, z, y: xp.where(z > 0, g, g * LEAKY_SLOPE)),
    "tanh": (lambda xp, z: xp.tanh(z), lambda xp, g, z, y: g * (1.0 - y * y)),
    "sigmoid": (_sigmoid, lambda xp, g, z, y: g * (y * (1.0 - y))),
    "sin": (lambda xp, z: xp.sin(z), lambda xp, g, z, y: g * xp.cos(z)),
    "gaussian": (lambda xp, z: xp.exp(-(z * z)), lambda xp, g, z, y: g * (-2.0 * z * y)),
}


def _softmax(xp, x, axis: int):
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def log_softmax_array(xp, x, axis: int = -1):
    """log softmax of a plain array along `axis`, stable for any finite input."""
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------- fused dense layer
def dense(x, weight: Tensor, bias: Tensor | None, activation: str = "linear") -> Tensor:
    """activation(x @ weight + bias) as one op: x (n, fan_in), weight (fan_in, fan_out),
    bias (fan_out,) -> (n, fan_out). One graph node per layer keeps training fast."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    xp = weight.xp
    forward, backward_of = ACTIVATIONS[activation]
    z = xp.matmul(x.data, weight.data)
    if xp is np and activation in ("relu", "tanh", "linear"):
        # NumPy fast path: the fresh product is updated in place; these derivatives
        # need only the output, so z may be overwritten.
        if bias is not None:
            _add_bias_in_place(z, bias.data)
        y = z if activation == "linear" else (
            _relu_in_place(z) if activation == "relu" else np.tanh(z, out=z))
    else:
        if bias is not None:
            z = z + bias.data
        y = forward(xp, z)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def backward(g):
        dz = backward_of(xp, g, z, y)
        grads = (xp.matmul(dz, weight.data.T) if x.requires_grad else None,
                 xp.matmul(x.data.T, dz) if weight.requires_grad else None)
        if bias is None:
            return grads
        return (*grads, sum_rows(xp, dz) if bias.requires_grad else None)
    return tensor_from_op(y, parents, backward, f"dense {activation}")


def _add_bias_in_place(z: np.ndarray, bias: np.ndarray) -> None:
    """z (n, m) += bias (m,), NumPy only. For narrow layers over many rows, rows are
    viewed k at a time as (n/k, k*m) so NumPy's inner loop is long (about 4x faster)."""
    n, m = z.shape
    if m >= 64 or n * m < 16384 or not z.flags.c_contiguous:
        z += bias
        return
    k = 1024 // m
    whole = n - n % k
    block = z[:whole].reshape(-1, k * m)
    np.add(block, np.tile(bias, k), out=block)
    z[whole:] += bias


_CONSTANTS: dict[tuple, np.ndarray] = {}  # a few read-only NumPy arrays of one value


def _constant(value: float, shape: tuple[int, ...], dtype) -> np.ndarray:
    key = (value, shape, dtype)
    array = _CONSTANTS.get(key)
    if array is None:
        if len(_CONSTANTS) >= 16:
            _CONSTANTS.clear()
        array = _CONSTANTS[key] = np.full(shape, value, dtype)
        array.flags.writeable = False
    return array


def _relu_in_place(z: np.ndarray) -> np.ndarray:
    """max(z, 0) into z, NumPy only: against a zero array, not the scalar 0, because
    NumPy's vector loop for two arrays is about 3x faster than the broadcast one."""
    return np.maximum(z, _constant(0.0, z.shape, z.dtype), out=z)


def sum_rows(xp, a):
    """Sum over axis 0: (n, m) -> (m,). On NumPy a narrow array is summed as
    ones @ a, several times faster than NumPy's reduction along the first axis."""
    if xp is not np:
        return xp.sum(a, axis=0)
    n, m = a.shape
    if m < 64 and n >= 32:
        return _constant(1.0, (n,), a.dtype) @ a
    return a.sum(axis=0)


# --------------------------------------------------------------------- graph plumbing
def tensor_from_op(data, parents: tuple[Tensor, ...], backward: Callable, op: str) -> Tensor:
    """The result of an op: data (the forward value), its inputs, and backward(g) ->
    one gradient per input. No graph is kept under no_grad or without a grad input."""
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(data) if isinstance(data, np.generic) else data
    out.xp = parents[0].xp
    out.grad = None
    out.op = op
    needs_grad = False
    if _grad_mode.enabled:
        for p in parents:
            if p.requires_grad:
                needs_grad = True
                break
    out.requires_grad = needs_grad
    out._parents = parents if needs_grad else ()
    out._backward = backward if needs_grad else None
    return out


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on through grad-requiring ops, inputs before results.
    Iterative depth-first search, so deep graphs do not hit the recursion limit."""
    order: list[Tensor] = []
    visited: set[Tensor] = set()  # tensors hash by identity
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        if not node._parents:
            order.append(node)  # a leaf waits for nothing
            continue
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and parent not in visited:
                stack.append((parent, False))
    return order


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _unbroadcast(xp, g, shape: tuple[int, ...]):
    """Sum a gradient of the broadcast shape back down to an input's `shape`."""
    if tuple(g.shape) == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)
