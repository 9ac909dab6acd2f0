"""Training steps on a device (CuPy, or any Array API namespace) that never wait for it.

The autograd step asks the device two questions each step (is the loss finite? are the
new weights?), and each answer makes the host wait for the GPU. Here those checks stay
on the device: every step updates as usual, then keeps its result only while a device
flag `alive` says every step so far was finite, else puts back the weights and optimizer
state from before it. The host reads one pair of numbers per chunk of steps (how many
ran, and why they stopped), where the session needs a number anyway: at the end of an
epoch, for its history. Numbers and stopping point equal the autograd path's.
"""

from __future__ import annotations

from engine import compiled_source
from engine.backend import astype, to_host
from engine.optim import Momentum, Nesterov, regularization_grad
from engine.tensor import Tensor

NO_PROBLEM, GRADIENT_NOT_FINITE, WEIGHTS_NOT_FINITE = 0, 1, 2
REASONS = {GRADIENT_NOT_FINITE: compiled_source.GRADIENT_NOT_FINITE,
           WEIGHTS_NOT_FINITE: compiled_source.WEIGHTS_NOT_FINITE}


def run_chunk(model, optimizer, loss_fn, x_train, y_train, batches, rates,
              regularization: str = "none", rate: float = 0.0) -> tuple[int, str | None]:
    """Train one step per entry of `batches` (index arrays, or None for all points) at
    the learning rates `rates`; returns (steps that ran, None or why training diverged).
    Parameters and optimizer state end as after the last step that ran."""
    xp = model.backend.xp
    params = model.parameters()
    alive = xp.asarray(True)
    done = xp.asarray(0)
    problem = xp.asarray(NO_PROBLEM)
    weights_problem, gradient_problem = xp.asarray(WEIGHTS_NOT_FINITE), \
        xp.asarray(GRADIENT_NOT_FINITE)
    steps_before = optimizer.steps
    for index, learning_rate in zip(batches, rates, strict=True):
        x = x_train if index is None else xp.take(x_train, index, axis=0)
        y = y_train if index is None else xp.take(y_train, index, axis=0)
        optimizer.learning_rate = learning_rate
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor(x)), y)
        loss.backward()
        if regularization != "none" and rate > 0:
            for w in model.weights:
                w.grad = w.grad + regularization_grad(regularization, rate, w.data)
        gradient_ok = xp.isfinite(loss.data + sum(xp.sum(p.grad) for p in params))
        old = _copies(xp, params, optimizer)
        optimizer.step()
        if learning_rate > 1.0 or isinstance(optimizer, Momentum | Nesterov):
            weights_ok = xp.isfinite(sum(xp.sum(p.data) for p in params))
        else:
            weights_ok = xp.asarray(True)
        ok = alive & gradient_ok & weights_ok
        _keep_where(xp, ok, params, optimizer, old)
        new_problem = xp.where(gradient_ok, weights_problem, gradient_problem)
        problem = xp.where(alive & ~ok, new_problem, problem)
        done = done + astype(ok, done.dtype)
        alive = ok
    ran, why = (int(v) for v in to_host(xp.stack([done, problem])))
    # The autograd path counts the step whose update overflowed, too.
    optimizer.steps = steps_before + ran + (why == WEIGHTS_NOT_FINITE)
    return ran, REASONS.get(why)


def _copies(xp, params, optimizer) -> list:
    """Every parameter and optimizer state array, copied, in a fixed order."""
    arrays = [p.data for p in params]
    for p in params:
        arrays += list(optimizer.state.get(p, {}).values())
    return [xp.asarray(a, copy=True) for a in arrays]


def _keep_where(xp, ok, params, optimizer, old) -> None:
    """Keep the new arrays where `ok` (a device bool), else put the `old` ones back.
    State the step created (none before it) goes back to zeros."""
    arrays = [p.data for p in params]
    for p in params:
        arrays += list(optimizer.state.get(p, {}).values())
    for new, before in zip(arrays, old + [None] * (len(arrays) - len(old)), strict=True):
        new[...] = xp.where(ok, new, xp.zeros_like(new) if before is None else before)
