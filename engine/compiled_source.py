"""The source lines of a compiled training step (see engine/compiled.py).

Each function returns Python lines for one part of the step, written for one network,
loss, optimizer and regularization, naming the arrays the step binds (the names are
listed in engine/compiled.py's `_names`). The lines follow engine/tensor.py, losses.py
and optim.py operation by operation, so the step computes what the autograd path does.

Points are columns: layer k reads a{k} (inputs + 1, n), ones in the last row (x for the
first layer), and writes z{k} / y{k} (units, n); d{k} holds d loss / d y{k}.
"""

from __future__ import annotations

from engine.optim import SGD, Adam, Momentum, Nesterov, RMSprop

IN_PLACE = ("linear", "relu", "tanh")  # activations done on the layer's own output
# The divergence reasons, worded once for the compiled, autograd and device steps.
GRADIENT_NOT_FINITE = "the loss grew too large to compute"
WEIGHTS_NOT_FINITE = "the weights grew too large to compute"


def forward_lines(activations: tuple[str, ...]) -> list[str]:
    lines = []
    for k, activation in enumerate(activations):
        a = "x" if k == 0 else f"a{k}"
        lines.append(f"dot(Bt{k}, {a}, out=z{k})")  # weights and bias: ones row of a
        if activation == "relu":
            lines.append(f"maximum(z{k}, zeros{k}, out=z{k})")
        elif activation == "tanh":
            lines.append(f"tanh(z{k}, out=z{k})")
        elif activation != "linear":
            lines.append(f"copyto(y{k}, forward{k}(np, z{k}))")
    return lines


def loss_lines(loss: str, last: int) -> list[str]:
    """d loss / d output into d{last}; `value` is finite when the loss is: the loss
    itself, but for mse the squared errors and for bce the outputs (bce is finite for
    any finite output)."""
    out, d = f"y{last}", f"d{last}"
    if loss == "mse":
        return [f"subtract({out}, t, out={d})",
                f"value = vdot({d}, {d})",
                f"multiply({d}, mse_scale, out={d})"]
    if loss == "bce":  # sigmoid(z) - y; 1 / (1 + exp(-z)) overflows to 0 far below 0
        return [f"negative({out}, out=t1)", "exp(t1, out=t1)", "add(t1, 1.0, out=t1)",
                f"divide(1.0, t1, out={d})",
                f"subtract({d}, t, out={d})",
                f"multiply({d}, scale, out={d})",
                f"value = {out}.sum()"]
    if loss == "hinge":  # t holds the signs -1/+1
        return [f"multiply(t, {out}, out=t1)", "subtract(1.0, t1, out=t1)",
                f"multiply(where(t1 > 0, -t, 0.0), scale, out={d})",
                "value = maximum(t1, 0.0).sum()"]
    # softmax_ce over the classes (rows), t one-hot: log_probs = z - max - log(sum(exp))
    return [f"amax({out}, axis=0, keepdims=True, out=row)",
            f"subtract({out}, row, out=t1)", "exp(t1, out=e)",
            "sum_(e, axis=0, keepdims=True, out=row)", "log(row, out=row)",
            "subtract(t1, row, out=t1)",
            f"exp(t1, out={d})", f"subtract({d}, t, out={d})",
            f"multiply({d}, scale, out={d})",
            "value = vdot(t, t1)"]


def backward_lines(activations: tuple[str, ...], outputs: tuple[int, ...]) -> list[str]:
    """outputs[k]: layer k's units."""
    lines = []
    for k in range(len(activations) - 1, -1, -1):
        activation = activations[k]
        if activation == "relu":
            # y >= 0 after ReLU, so sign(y) is the 0/1 mask, as floats: multiplying by a
            # bool mask makes NumPy cast it element by element, slower on small arrays
            lines += [f"sign(y{k}, out=s{k})", f"multiply(d{k}, s{k}, out=d{k})"]
        elif activation == "tanh":
            lines += [f"multiply(y{k}, y{k}, out=s{k})", f"subtract(1.0, s{k}, out=s{k})",
                      f"multiply(d{k}, s{k}, out=d{k})"]
        elif activation != "linear":
            lines.append(f"copyto(d{k}, backward{k}(np, d{k}, z{k}, y{k}))")
        a = "x" if k == 0 else f"a{k}"
        lines.append(f"dot({a}, dT{k}, out=G{k})")  # weights' gradient, the bias's last
        if k > 0:
            # one output: d loss / d input is an outer product, cheaper broadcast
            product = "multiply" if outputs[k] == 1 else "dot"
            lines.append(f"{product}(w{k}, d{k}, out=d{k - 1})")
    return lines


def regularization_lines(kind: str, layers: int) -> list[str]:
    """Weights' gradients += l1: rate * sign(w); l2: rate * w. Biases go free."""
    lines = []
    for k in range(layers):
        if kind == "l1":
            lines += [f"sign(w{k}, out=r{k})", f"multiply(r{k}, rate, out=r{k})"]
        else:
            lines.append(f"multiply(w{k}, rate, out=r{k})")
        lines.append(f"add(gw{k}, r{k}, out=gw{k})")
    return lines


def update_lines(kind: type) -> list[str]:
    """The optimizer's rule (engine/optim.py) on the flat arrays p, g, in its order."""
    if kind is SGD:
        return ["multiply(g, eta, out=u)"]
    if kind in (Momentum, Nesterov):
        lines = ["multiply(state0, optimizer.momentum, out=state0)",
                 "add(state0, g, out=state0)"]
        if kind is Momentum:
            return [*lines, "multiply(state0, eta, out=u)"]
        return [*lines, "multiply(state0, optimizer.momentum, out=u)", "add(u, g, out=u)",
                "multiply(u, eta, out=u)"]
    if kind is RMSprop:
        return ["rho = optimizer.momentum",
                "multiply(state0, rho, out=state0)",
                "multiply(g, g, out=u)", "multiply(u, 1.0 - rho, out=u)",
                "add(state0, u, out=state0)",
                "sqrt(state0, out=u2)", "add(u2, EPSILON, out=u2)",
                "multiply(g, eta, out=u)", "divide(u, u2, out=u)"]
    if kind is Adam:
        return ["b1, b2, step = optimizer.momentum, optimizer.beta2, optimizer.steps",
                "multiply(state0, b1, out=state0)",
                "multiply(g, 1.0 - b1, out=u)", "add(state0, u, out=state0)",
                "multiply(state1, b2, out=state1)",
                "multiply(g, g, out=u)", "multiply(u, 1.0 - b2, out=u)",
                "add(state1, u, out=state1)",
                "multiply(state1, 1.0 / (1.0 - b2 ** step), out=u2)",
                "sqrt(u2, out=u2)", "add(u2, EPSILON, out=u2)",
                "multiply(state0, eta * (1.0 / (1.0 - b1 ** step)), out=u)",
                "divide(u, u2, out=u)"]
    raise ValueError(f"no compiled update for {kind.__name__}")


def step_lines(activations: tuple[str, ...], outputs: tuple[int, ...], loss: str,
               regularization: str, kind: type, gather: bool) -> list[str]:
    """The body of step(index, eta) -> None, or why training diverged."""
    lines = ["take(index, axis=1, out=batch)"] if gather else []
    lines += forward_lines(activations)
    lines += loss_lines(loss, len(activations) - 1)
    lines += backward_lines(activations, outputs)
    if regularization != "none":
        lines += regularization_lines(regularization, len(activations))
    # The loss and every gradient in one sum, checked before anything changes.
    # (vdot with ones: a sum through BLAS, several times faster than .sum() on large nets)
    lines += ["if not isfinite(float(value) + float(vdot(g, ones))):",
              f"    return {GRADIENT_NOT_FINITE!r}"]
    lines.append("optimizer.steps += 1")
    lines += update_lines(kind)
    # Any update can overflow the weights (Adam's too, near the dtype's largest numbers):
    # the new weights go to u first, one sum checks them, and only finite ones are kept.
    lines += ["subtract(p, u, out=u)",
              "if not isfinite(float(vdot(u, ones))):",
              f"    return {WEIGHTS_NOT_FINITE!r}",
              "copyto(p, u)",
              "return None"]
    return lines
