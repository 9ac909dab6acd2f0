"""The compiled training step (NumPy): one configuration's whole step as straight array code.

For one network, loss, optimizer and regularization, `CompiledStep` runs forward, loss,
backward, regularization, the divergence check and the optimizer update as generated
straight-line code (engine/compiled_source.py) over buffers allocated once per batch
size, in place, with no graph. Points are columns and each layer's bias is one more row
of its weights, so one matrix product does both. It computes what the autograd path
computes, operation by operation (tests hold the two equal to 1e-12 in float64; BLAS may
sum the points in another order, so not always to the last bit); the autograd path is
the readable reference.

Parameters and optimizer state stay in the model's and the optimizer's own objects: the
step packs them into flat arrays and points `param.data` and `optimizer.state[param][name]`
at views of those, so one call updates every parameter and the session's optimizer stays
the one copy of its state that is saved and restored. `matches()` tells the session when
something replaced those arrays (a load, a new optimizer): then it builds a new step.
"""

from __future__ import annotations

import math

import numpy as np

from engine.compiled_source import IN_PLACE, step_lines
from engine.optim import EPSILON, SGD, Adam, Momentum, Nesterov, Optimizer, RMSprop
from engine.tensor import ACTIVATIONS, Tensor

# The optimizer's state arrays each rule keeps, by the names engine/optim.py gives them.
STATE_NAMES = {SGD: (), Momentum: ("velocity",), Nesterov: ("velocity",),
               RMSprop: ("square_average",), Adam: ("mean", "square_mean")}


def loss_targets(loss: str, y: np.ndarray, outputs: int, dtype) -> np.ndarray:
    """The training targets as the compiled loss reads them, (outputs, n) `dtype`, one
    column per point: mse and bce: the values; hinge: the signs -1/+1; softmax_ce: one-hot."""
    if loss == "softmax_ce":
        classes = np.asarray(y).reshape(-1).astype(np.int64)
        return np.ascontiguousarray(np.eye(outputs, dtype=dtype)[classes].T)
    values = np.asarray(y, dtype=dtype).reshape(len(y), -1).T
    return np.ascontiguousarray(2.0 * values - 1.0 if loss == "hinge" else values)


class _Buffers:
    """Every array one step at batch size n needs, allocated once. Points are columns
    (feature-major), so each layer's block of rows is contiguous.

    a[k] (inputs of layer k + 1, n): layer k's input with a last row of ones, so one matrix
    product adds the bias too; a[0] is the gathered batch. t (outputs, n): its targets.
    y[k] (units, n): layer k's output, a view of a[k + 1]; z[k]: before the activation
    (y[k] itself where the activation works in place). d[k] (units, n): d loss / d y[k],
    turned into d loss / d z[k] in place.
    """

    def __init__(self, n: int, sizes: tuple[int, ...], activations, dtype):
        self.a = [np.ones((units + 1, n), dtype) for units in sizes[:-1]]
        # the gathered batch: a[0] over t, as CompiledStep.points holds them
        self.points = np.empty((sizes[0] + 1 + sizes[-1], n), dtype)
        self.a[0], self.t = self.points[:sizes[0] + 1], self.points[sizes[0] + 1:]
        self.z, self.y, self.d, self.zeros, self.scratch = [], [], [], [], []
        last = len(activations) - 1
        for k, (units, activation) in enumerate(zip(sizes[1:], activations, strict=True)):
            y = self.a[k + 1][:units] if k < last else np.empty((units, n), dtype)
            self.y.append(y)
            self.z.append(y if activation in IN_PLACE else np.empty_like(y))
            self.d.append(np.empty_like(y))
            # NumPy's two-array loop is several times faster than max(z, scalar 0)
            self.zeros.append(np.zeros((units, n), dtype))
            self.scratch.append(np.empty_like(y))
        out = (sizes[-1], n)
        self.e, self.t1, self.t2 = np.empty(out, dtype), np.empty(out, dtype), np.empty(out, dtype)
        self.row = np.empty((1, n), dtype)


class CompiledStep:
    """One training step for `model` with `optimizer`, compiled for NumPy.

    loss: "mse", "bce", "hinge" or "softmax_ce". targets: (outputs, N) from
    `loss_targets`. x_train: (N, inputs). regularization: "none", "l1", "l2" at `rate`,
    on the weights only. `run(index, learning_rate)` trains one step on the points `index`
    (None: all) and returns None, or why training diverged (nothing is changed then).
    """

    def __init__(self, model, optimizer: Optimizer, loss: str, x_train: np.ndarray,
                 targets: np.ndarray, regularization: str = "none", rate: float = 0.0,
                 source=None):
        self.source = source  # what `targets` were made from, to notice new data
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.kind = type(optimizer)
        self.sizes = tuple(model.layer_sizes)
        self.activations = tuple(model.activations)
        self.x_train = x_train
        self.dtype = x_train.dtype
        # each point's inputs, a one (for the bias) and targets, in one column: one gather
        inputs = x_train.shape[1] + 1
        self.points = np.ones((inputs + targets.shape[0], len(x_train)), self.dtype)
        self.points[:inputs - 1] = x_train.T
        self.points[inputs:] = targets
        self.x_ones, self.targets = self.points[:inputs], self.points[inputs:]
        self.one = np.ones((), self.dtype)  # the gradient backward() starts from
        self.regularization, self.rate = _penalty(regularization, rate)
        self._pack_parameters()
        self._pack_state()
        self._steps: dict[tuple[int, bool], object] = {}  # (batch size, all points) -> step
        self._last_key, self._last_step = -1, None
        self.code = ""  # the last compiled step's source, to read

    # ----------------------------------------------------------------- packing
    def _pack(self, arrays: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One flat array holding copies of `arrays` one after another, and its views."""
        flat = np.empty(sum(a.size for a in arrays), self.dtype)
        views, start = [], 0
        for a in arrays:
            view = flat[start:start + a.size].reshape(a.shape)
            view[...] = a
            views.append(view)
            start += a.size
        return flat, views

    def _pack_parameters(self) -> None:
        """Layer k's weights (in, out) and bias (out,) become one block (in + 1, out) of
        a flat array, the bias its last row; the model's tensors hold views of it."""
        model = self.model
        self.params = model.parameters()
        blocks = [np.concatenate([w.data, b.data[None, :]])
                  for w, b in zip(model.weights, model.biases, strict=True)]
        self.flat, self.blocks = self._pack(blocks)
        self.w = [block[:-1] for block in self.blocks]
        self.b = [block[-1] for block in self.blocks]
        for w, b, w_view, b_view in zip(model.weights, model.biases, self.w, self.b,
                                        strict=True):
            w.data, b.data = w_view, b_view
        self.grad, self.grad_blocks = self._pack([np.zeros_like(b) for b in self.blocks])
        self.gw = [block[:-1] for block in self.grad_blocks]
        self.blocks_t = [block.T for block in self.blocks]
        self.scratch, self.scratch_blocks = self._pack(self.blocks)
        self.scratch2 = np.empty_like(self.flat)
        self.ones = np.ones_like(self.flat)  # the checks' sums: vdot(array, ones)

    def _pack_state(self) -> None:
        """Move the optimizer's state arrays (zeros where it has none yet) into flat ones."""
        self.state: list[np.ndarray] = []
        for name in STATE_NAMES[self.kind]:
            current = [self.optimizer.state.get(p, {}).get(name) for p in self.params]
            flat, views = self._pack([np.zeros_like(p.data) if a is None else np.asarray(a)
                                      for p, a in zip(self.params, current, strict=True)])
            for p, view in zip(self.params, views, strict=True):
                self.optimizer.state.setdefault(p, {})[name] = view
            self.state.append(flat)
        self._state_views = [self.optimizer.state[p][name]
                             for name in STATE_NAMES[self.kind] for p in self.params]

    def matches(self, model, optimizer, loss: str, x_train, source, regularization: str,
                rate: float) -> bool:
        """Whether this step still trains these objects: the same model, optimizer, loss,
        data and regularization, and nobody replaced a parameter's or a state's array."""
        if (model is not self.model or optimizer is not self.optimizer or loss != self.loss
                or x_train is not self.x_train or source is not self.source
                or _penalty(regularization, rate) != (self.regularization, self.rate)):
            return False
        for w, b, w_view, b_view in zip(model.weights, model.biases, self.w, self.b,
                                        strict=True):
            if w.data is not w_view or b.data is not b_view:
                return False
        names = STATE_NAMES[self.kind]
        views = iter(self._state_views)
        return all(optimizer.state.get(p, {}).get(name) is next(views)
                   for name in names for p in self.params)

    # ----------------------------------------------------------------- the step
    def run(self, index, learning_rate: float) -> str | None:
        """One step on the points `index` (int array, or None for all). Returns None, or
        the reason training diverged; then the parameters are the last finite ones.
        Call it under np.errstate(over="ignore"): a diverging sigmoid overflows."""
        key = None if index is None else len(index)
        if key == self._last_key:  # the batch size of the step before: most steps
            return self._last_step(index, learning_rate)
        n = self.x_ones.shape[1] if index is None else len(index)
        step = self._steps.get((n, index is None)) or self._compile(n, index is None)
        self._last_key, self._last_step = key, step
        return step(index, learning_rate)

    def _compile(self, n: int, whole: bool):
        """Build (once per batch size) the step's buffers and its straight-line code."""
        if len(self._steps) >= 4:  # batch sizes come and go; keep a few
            self._steps.clear()
        buf = _Buffers(n, self.sizes, self.activations, self.dtype)
        names = self._names(buf, whole)
        lines = step_lines(self.activations, self.sizes[1:], self.loss, self.regularization,
                           self.kind, gather=not whole)
        code = "def step(index, eta):\n" + "".join(f"    {line}\n" for line in lines)
        # The arrays become the function's closure: the fastest names Python looks up.
        maker = ("def make(names):\n"
                 + "".join(f"    {name} = names[{name!r}]\n" for name in names)
                 + "".join(f"    {line}\n" for line in code.splitlines())
                 + "    return step\n")
        scope: dict = {}
        exec(compile(maker, f"<compiled step n={n}>", "exec"), scope)  # noqa: S102
        step = self._steps[(n, whole)] = scope["make"](names)
        self.code = code
        return step

    def _names(self, buf: _Buffers, whole: bool) -> dict:
        """Every name the step's lines use (engine/compiled_source.py), bound to its object."""
        names = dict(np=np, dot=np.dot, maximum=np.maximum, tanh=np.tanh, copyto=np.copyto,
                     subtract=np.subtract, add=np.add, multiply=np.multiply,
                     divide=np.divide, vdot=np.vdot, abs=np.abs, negative=np.negative,
                     exp=np.exp, log=np.log, where=np.where, amax=np.amax, sum_=np.sum,
                     sign=np.sign, sqrt=np.sqrt,
                     isfinite=math.isfinite, EPSILON=EPSILON, optimizer=self.optimizer,
                     p=self.flat, g=self.grad, u=self.scratch, u2=self.scratch2,
                     ones=self.ones, rate=self.rate, e=buf.e, t1=buf.t1, row=buf.row,
                     take=self.points.take, batch=buf.points)
        names["x"], names["t"] = (self.x_ones, self.targets) if whole else (buf.a[0], buf.t)
        # as the losses scale: the seed gradient (one, of the dtype) times 1 / n
        names["scale"] = self.one * (1.0 / max(buf.t.shape[1], 1))
        names["mse_scale"] = self.one * (2.0 * (1.0 / max(buf.t.size, 1)))
        for i, state in enumerate(self.state):
            names[f"state{i}"] = state
        for k, activation in enumerate(self.activations):
            names.update({f"Bt{k}": self.blocks_t[k], f"a{k}": buf.a[k], f"z{k}": buf.z[k],
                          f"y{k}": buf.y[k], f"d{k}": buf.d[k], f"dT{k}": buf.d[k].T,
                          f"zeros{k}": buf.zeros[k],
                          f"s{k}": buf.scratch[k], f"G{k}": self.grad_blocks[k],
                          f"w{k}": self.w[k], f"gw{k}": self.gw[k],
                          f"r{k}": self.scratch_blocks[k][:-1],
                          f"forward{k}": ACTIVATIONS[activation][0],
                          f"backward{k}": ACTIVATIONS[activation][1]})
        return names


def supported(model, optimizer) -> bool:
    """Whether CompiledStep can run this model and optimizer (NumPy arrays, a known rule)."""
    return (type(optimizer) in STATE_NAMES
            and all(isinstance(p, Tensor) and isinstance(p.data, np.ndarray)
                    for p in model.parameters()))


def _penalty(regularization: str, rate: float) -> tuple[str, float]:
    """(kind, rate) of the weight penalty that applies; a zero rate means none."""
    return (regularization, float(rate)) if rate > 0 and regularization != "none" \
        else ("none", 0.0)
