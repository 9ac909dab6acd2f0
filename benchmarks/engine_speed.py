"""Training speed of the tensor engine against a hand-fused NumPy step (and PyTorch).

Run: python -m benchmarks.engine_speed [--quick]
Full-batch SGD steps in float32 with ReLU hidden layers. The hand-fused step does the
same forward, backward and update in plain NumPy with no autograd: the best a NumPy
engine can do. Times are the best of several runs on this machine; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from benchmarks.common import best_time, best_times, print_table, write_json
from engine.backend import get_backend
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import make_optimizer
from engine.tensor import Tensor, no_grad

CASES = (  # layer sizes, points, loss
    ((2, 8, 4, 1), 200, "bce"),
    ((2, 8, 8, 8, 8, 8, 8, 1), 500, "bce"),
    ((2, 256, 256, 1), 10_000, "bce"),
    ((784, 128, 10), 10_000, "softmax_ce"),
)
LEARNING_RATE = 0.01


def make_data(sizes, n: int, loss: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, sizes[0])).astype(np.float32)
    if loss == "softmax_ce":
        y = rng.integers(0, sizes[-1], n)
    else:
        y = (rng.random((n, 1)) < 0.5).astype(np.float32)
    return x, y


def engine_step_fn(sizes, x, y, loss: str):
    backend = get_backend("numpy", "float32")
    model = MLP(sizes, ["relu"] * (len(sizes) - 2), init="he", seed=1, backend=backend)
    optimizer = make_optimizer("sgd", model.parameters(), LEARNING_RATE)
    loss_fn = get_loss(loss)
    inputs = Tensor(x)

    def step():
        optimizer.zero_grad()
        value = loss_fn(model(inputs), y)
        value.backward()
        optimizer.step()
        return value
    return step


def fused_numpy_step_fn(sizes, x, y, loss: str):
    """Forward, backward and SGD update written out in NumPy, in place where it helps."""
    model = MLP(sizes, ["relu"] * (len(sizes) - 2), init="he", seed=1)
    weights = [np.array(w.data) for w in model.weights]
    biases = [np.array(b.data) for b in model.biases]
    n = x.shape[0]
    one_hot = np.eye(sizes[-1], dtype=np.float32)[y] if loss == "softmax_ce" else None
    lr = np.float32(LEARNING_RATE)
    last = len(weights) - 1

    def step():
        acts = [x]
        a = x
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = a @ w
            z += b
            if k < last:
                np.maximum(z, 0, out=z)
            acts.append(z)
            a = z
        if loss == "softmax_ce":
            z = a - a.max(axis=1, keepdims=True)
            e = np.exp(z)
            total = e.sum(axis=1, keepdims=True)
            value = -(one_hot * (z - np.log(total))).sum() / n
            d = e / total
            d -= one_hot
        else:  # bce from logits
            value = (np.maximum(a, 0) - a * y + np.log1p(np.exp(-np.abs(a)))).mean()
            d = 1 / (1 + np.exp(-a))
            d -= y
        d /= n
        for k in range(last, -1, -1):
            grad_w = acts[k].T @ d
            grad_b = d.sum(axis=0)
            if k > 0:
                d = d @ weights[k].T
                d *= acts[k] > 0
            weights[k] -= lr * grad_w
            biases[k] -= lr * grad_b
        return value
    return step


def torch_step_fn(sizes, x, y, loss: str):
    import torch

    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    inputs = torch.from_numpy(x)
    if loss == "softmax_ce":
        target, loss_fn = torch.from_numpy(y), torch.nn.functional.cross_entropy
    else:
        target = torch.from_numpy(y)
        loss_fn = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        optimizer.zero_grad()
        value = loss_fn(model(inputs), target)
        value.backward()
        optimizer.step()
        return value
    return step


def grid_eval_seconds(min_seconds: float) -> float:
    """Forward of a 200 x 200 grid (40,000 points) under no_grad."""
    sizes = (2, 8, 8, 8, 8, 8, 8, 1)
    model = MLP(sizes, ["relu"] * 6, seed=1)
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200)), -1)
    points = Tensor(model.backend.asarray(grid.reshape(-1, 2)))

    def evaluate():
        with no_grad():
            return model(points).data
    return best_time(evaluate, min_seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="restart with this many BLAS threads (OPENBLAS_NUM_THREADS)")
    args = parser.parse_args(argv)
    if args.blas_threads is not None and "OPENBLAS_NUM_THREADS" not in os.environ:
        # BLAS reads its thread count once, at load: set it and start again.
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
        os.environ["OMP_NUM_THREADS"] = str(args.blas_threads)
        arguments = sys.argv[1:] if argv is None else list(argv)
        os.execv(sys.executable, [sys.executable, "-m", "benchmarks.engine_speed", *arguments])
    min_seconds = 0.05 if args.quick else 0.3
    try:
        import torch

        torch.set_num_threads(max(torch.get_num_threads(), 1))
        have_torch = True
    except ImportError:
        have_torch = False
    rows, results = [], []
    for sizes, n, loss in CASES:
        x, y = make_data(sizes, n, loss)
        fns = [engine_step_fn(sizes, x, y, loss), fused_numpy_step_fn(sizes, x, y, loss)]
        if have_torch:
            fns.append(torch_step_fn(sizes, x, y, loss))
        engine, fused, *rest = best_times(fns, min_seconds)
        torch_time = rest[0] if rest else None
        name = "[" + ",".join(map(str, sizes)) + "]"
        row = {"network": name, "points": n, "loss": loss,
               "engine_us": engine * 1e6, "fused_numpy_us": fused * 1e6,
               "torch_us": None if torch_time is None else torch_time * 1e6,
               "engine_steps_per_s": 1 / engine, "fused_numpy_steps_per_s": 1 / fused,
               "engine_over_fused": engine / fused}
        results.append(row)
        cells = [name, n, loss, row["engine_steps_per_s"], row["engine_us"],
                 row["fused_numpy_steps_per_s"], row["fused_numpy_us"],
                 row["engine_over_fused"]]
        if have_torch:
            cells.append(row["torch_us"])
        rows.append(cells)
    columns = ["network", "points", "loss", "engine steps/s", "engine us/step",
               "numpy steps/s", "numpy us/step", "engine/numpy"]
    if have_torch:
        columns.append("torch us/step")
    print("Full-batch SGD steps, float32, ReLU hidden layers (best of 7, taken in turns)")
    print_table(columns, rows)
    grid = grid_eval_seconds(min_seconds)
    print(f"\n200x200 boundary grid, [2,8,8,8,8,8,8,1] forward under no_grad: "
          f"{grid * 1e3:.2f} ms")
    write_json("engine_speed", {"steps": results, "grid_eval_ms": grid * 1e3,
                                "torch": have_torch,
                                "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")})


if __name__ == "__main__":
    main()
