"""Fake data sets and snapshots for the views' demos, tests and benchmarks.

`fake_snapshot` runs a small random tanh network over the plane with NumPy, so the
boundary, the neuron maps and the weights shown together are consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.features import feature_matrix, grid_points
from engine.snapshot import HISTORY_COLUMNS, Snapshot

try:  # the engine's type when it exists; the views only read these five fields
    from engine.datasets import DataSet
except ImportError:  # pragma: no cover - engine still being written

    @dataclass(frozen=True)
    class DataSet:  # type: ignore[no-redef]
        points: np.ndarray  # (n, 2) float64
        labels: np.ndarray  # (n,) int64 classes or float64 targets
        problem: str
        n_classes: int
        extent: tuple[float, float, float, float]


EXTENT = (-6.0, 6.0, -6.0, 6.0)


def fake_dataset(n: int = 200, problem: str = "classification", n_classes: int = 2,
                 seed: int = 1, extent: tuple[float, float, float, float] = EXTENT) -> DataSet:
    """n points uniform in the middle of `extent`: XOR classes, angle sectors, or x1*x2 targets."""
    rng = np.random.default_rng(seed)
    x1min, x1max, x2min, x2max = extent
    points = np.column_stack([
        rng.uniform(x1min * 0.85, x1max * 0.85, n),
        rng.uniform(x2min * 0.85, x2max * 0.85, n),
    ])
    if problem == "regression":
        labels = points[:, 0] * points[:, 1] / (x1max * x2max)
        return DataSet(points, labels.astype(np.float64), problem, 1, extent)
    if n_classes <= 2:
        labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    else:
        angle = np.arctan2(points[:, 1], points[:, 0]) + np.pi
        labels = np.minimum((angle / (2 * np.pi) * n_classes).astype(np.int64), n_classes - 1)
    return DataSet(points, labels, problem, n_classes, extent)


def input_maps(names: list[str], g: int = 24,
               extent: tuple[float, float, float, float] = EXTENT) -> np.ndarray:
    """(k, g, g) each feature over the plane, as NetworkView.set_network wants."""
    values = feature_matrix(grid_points(extent, g), names)
    return values.T.reshape(len(names), g, g).astype(np.float32)


def fake_weights(layer_sizes: tuple[int, ...], t: float = 0.0, seed: int = 1):
    """Weights (fan_in, fan_out) and biases (fan_out,) drifting smoothly with time t."""
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        base = rng.normal(0.0, 1.5 / np.sqrt(fan_in), (fan_in, fan_out))
        phase = rng.uniform(0, 2 * np.pi, (fan_in, fan_out))
        weights.append((base * (1 + 0.6 * np.sin(t + phase))).astype(np.float32))
        biases.append((0.3 * np.sin(t + rng.uniform(0, 6, fan_out))).astype(np.float32))
    return tuple(weights), tuple(biases)


def forward(points: np.ndarray, names: list[str], weights, biases) -> list[np.ndarray]:
    """Each layer's output (n, units); tanh hidden layers, linear output."""
    h = feature_matrix(points, names) / 3.0
    outs = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        h = h @ w + b
        if k < len(weights) - 1:
            h = np.tanh(h)
        outs.append(h)
    return outs


def fake_history(start: int, stop: int, steps_per_epoch: int = 16,
                 with_test: bool = True) -> np.ndarray:
    """(stop - start, 6) rows like Snapshot.history: a loss decaying with noise."""
    steps = np.arange(start, stop, dtype=np.float64)
    rng = np.random.default_rng(start)
    epoch = np.floor(steps / steps_per_epoch)
    train = 0.7 * np.exp(-steps / 400.0) + 0.05 + 0.02 * rng.random(len(steps))
    test = train * 1.15 + 0.01 if with_test else np.full(len(steps), np.nan)
    acc = 1.0 - train
    rows = np.column_stack([steps, epoch, train, test, acc, acc - 0.03])
    assert rows.shape[1] == len(HISTORY_COLUMNS)
    return rows


def fake_snapshot(step: int = 0, layer_sizes: tuple[int, ...] = (2, 8, 4, 1),
                  feature_names: list[str] | None = None, grid: int = 100,
                  neuron_grid: int = 24, problem: str = "classification", n_classes: int = 2,
                  extent: tuple[float, float, float, float] = EXTENT,
                  history_start: int = 0, boundary: np.ndarray | None = None) -> Snapshot:
    """A consistent Snapshot at training step `step` (the time of the drifting weights).

    `boundary` (grid, grid) overrides the computed one (tests use hand-made boundaries).
    For n_classes > 2 the last layer must have n_classes units.
    """
    names = feature_names or ["x1", "x2"][: layer_sizes[0]]
    weights, biases = fake_weights(layer_sizes, t=step / 60.0)
    coarse = forward(grid_points(extent, neuron_grid), names, weights, biases)
    neuron_outputs = tuple(
        o.T.reshape(o.shape[1], neuron_grid, neuron_grid).astype(np.float32) for o in coarse)
    confidence = None
    if boundary is None:
        out = forward(grid_points(extent, grid), names, weights, biases)[-1]
        if problem == "regression":
            boundary = out[:, 0].reshape(grid, grid)
        elif n_classes > 2:
            z = np.exp(out - out.max(axis=1, keepdims=True))
            p = z / z.sum(axis=1, keepdims=True)
            boundary = p.argmax(axis=1).reshape(grid, grid).astype(np.float32)
            confidence = p.max(axis=1).reshape(grid, grid).astype(np.float32)
        else:
            boundary = (1.0 / (1.0 + np.exp(-3.0 * out[:, 0]))).reshape(grid, grid)
    elif n_classes > 2 and problem == "classification":
        confidence = np.ones_like(boundary, dtype=np.float32)
    history = fake_history(history_start, step)
    last = history[-1] if len(history) else np.full(6, np.nan)
    return Snapshot(
        step=step, epoch=int(step // 16), learning_rate=0.03,
        train_loss=float(last[2]), test_loss=float(last[3]),
        train_accuracy=float(last[4]), test_accuracy=float(last[5]),
        weights=weights, biases=biases,
        boundary=np.asarray(boundary, dtype=np.float32), boundary_confidence=confidence,
        neuron_outputs=neuron_outputs, extent=extent, history=history,
        history_start=history_start, diverged=False, message="",
    )
