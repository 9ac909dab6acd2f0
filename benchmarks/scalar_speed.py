"""Speed of the scalar autograd against a micrograd-style one, on the seed's workload.

Run: python -m benchmarks.scalar_speed [--quick]
Workload: MLP([2, 8, 4, 1]) (ReLU hidden, linear output), 200 two-moons points, one
full-batch step of the seed's train() per step. The micrograd-style engine below keeps
a `_backward` closure per node and sorts the graph recursively, as micrograd does; both
start from the same weights and must reach the same loss. Nothing is asserted on times.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.common import best_time, print_table, write_json
from engine.datasets import make_dataset
from engine.scalar import MLP, Scalar


class Value:
    """micrograd's Value, written again: one closure per node, recursive topological sort."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        out = Value(self.data ** n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __radd__(self, other):
        return self + other

    def __truediv__(self, other):
        return self * other ** -1

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class ValueMLP:
    """The same network over Value, weights copied from a scalar MLP."""

    def __init__(self, weights, biases):
        self.layers = [([[Value(w) for w in row] for row in W], [Value(b) for b in B])
                       for W, B in zip(weights, biases, strict=True)]

    def parameters(self):
        return [p for W, B in self.layers for p in [*(v for row in W for v in row), *B]]

    def __call__(self, x):
        a = [Value(v) for v in x]
        for k, (W, B) in enumerate(self.layers):
            z = []
            for j, b in enumerate(B):
                total = b
                for i, ai in enumerate(a):
                    total = total + ai * W[i][j]
                z.append(total if k == len(self.layers) - 1 else total.relu())
            a = z
        return a

    def train_step(self, X, Y, learning_rate):
        loss = Value(0.0)
        for x, y in zip(X, Y, strict=True):
            (out,) = self(x)
            loss = loss + (y - out) ** 2
        loss = loss / len(X)
        params = self.parameters()
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= p.grad * learning_rate
        return loss.data


def chain_backward_seconds(make_leaf, n: int) -> float | None:
    """Seconds to build a chain of n additions and run backward; None on RecursionError."""
    start = time.perf_counter()
    y = make_leaf(0.0)
    for _ in range(n):
        y = y + 1.0
    try:
        y.backward()
    except RecursionError:
        return None
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    args = parser.parse_args(argv)
    min_seconds = 0.3 if args.quick else 1.0
    repeats = 3 if args.quick else 5
    # micrograd's recursive sort goes about as deep as the loss's chain of 200 sums.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))

    data = make_dataset("moons", 200, noise=0.1, seed=1)
    X, Y = data.points.tolist(), [float(y) for y in data.labels]
    rate = 0.2  # the seed's rate for the moons
    ours = MLP([2, 8, 4, 1], seed=1)
    theirs = ValueMLP(*ours.weights_as_lists())
    check = [(ours.train_step(X, Y, rate), theirs.train_step(X, Y, rate)) for _ in range(5)]
    loss_gap = max(abs(a - b) for a, b in check)

    t_ours = best_time(lambda: ours.train_step(X, Y, rate), min_seconds, repeats)
    t_theirs = best_time(lambda: theirs.train_step(X, Y, rate), min_seconds, repeats)

    chain_n = 100_000
    chain_ours = chain_backward_seconds(Scalar, chain_n)
    chain_theirs = chain_backward_seconds(Value, chain_n)

    rows = [
        ["Scalar (engine/scalar.py)", 1000 * t_ours, 1 / t_ours, t_theirs / t_ours],
        ["micrograd-style Value", 1000 * t_theirs, 1 / t_theirs, 1.0],
    ]
    print("Seed workload: MLP [2, 8, 4, 1], 200 moons points, full-batch train_step")
    table = print_table(["engine", "ms/step", "steps/s", "speed-up"], rows)
    print(f"largest loss difference over 5 steps: {loss_gap:.3g}")
    print(f"chain of {chain_n:,} additions, build + backward: "
          f"Scalar {chain_ours:.2f} s, Value "
          + ("RecursionError" if chain_theirs is None else f"{chain_theirs:.2f} s"))
    write_json("scalar_speed", {
        "workload": {"sizes": [2, 8, 4, 1], "points": 200, "learning_rate": rate},
        "results": [{"engine": r[0], "ms_per_step": r[1], "steps_per_second": r[2],
                     "speed_up": r[3]} for r in rows],
        "loss_difference": loss_gap,
        "chain": {"additions": chain_n, "scalar_seconds": chain_ours,
                  "value_seconds": chain_theirs},
        "table": table,
    })


if __name__ == "__main__":
    main()
