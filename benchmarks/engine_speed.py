"""Training speed: the compiled step and the autograd path against the NumPy floor.

Run: python -m benchmarks.engine_speed [--quick] [--blas-threads N]
1. Full-batch SGD steps, MSE, float32, ReLU hidden layers, one BLAS thread (unless asked):
   the engine's compiled step (engine/compiled.py) and its autograd path against the
   written-out floor (benchmarks/numpy_floor.py), with ../shared/perf/fused_np.py's FusedMLP
   side by side where it is found (to show the floor is at least as fast), and PyTorch
   eager on the CPU with one thread where installed (pip install '.[bench]').
2. `TrainingSession.step` at the window's batch of 10 against the floor on 10 points.
3. The window's headless steps/s (benchmarks/window_speed.py's session), compiled against
   autograd.
Every time is the best of several turns taken in turn, in one process, so load from
elsewhere hits all alike; nothing is asserted. Targets (issue 12): compiled <= 1.5x floor
at the two small cases, <= 1.1x at the two large; session <= 2x floor; window headless
>= 3x; >= 10x faster than PyTorch eager at [2,8,4,1].
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import best_time, best_times, print_table, write_json
from benchmarks.numpy_floor import floor_step
from engine.backend import get_backend
from engine.compiled import CompiledStep, loss_targets
from engine.config import SessionConfig
from engine.losses import get_loss
from engine.nn import MLP
from engine.optim import make_optimizer
from engine.session import TrainingSession
from engine.tensor import Tensor, no_grad

FULL_BATCH = (  # layer sizes, points
    ((2, 8, 4, 1), 200),
    ((2, 8, 8, 8, 8, 8, 8, 1), 500),
    ((2, 256, 256, 1), 10_000),
    ((784, 128, 10), 10_000),
)
SESSIONS = (  # name, config: moons, 200 points, batch 10, binary cross-entropy
    ("default [2,8,4,1]", SessionConfig()),
    ("8x32 relu", SessionConfig(hidden=(32,) * 8, activations=("relu",) * 8)),
)
WINDOW = SessionConfig(n_points=500, hidden=(8,) * 6, activations=("tanh",) * 6)
LEARNING_RATE = 0.01


def _fused_mlp():
    """FusedMLP from shared/perf/fused_np.py next to the repository, or None."""
    root = Path(__file__).resolve().parent.parent
    for folder in (root.parent / "shared" / "perf", root.parent.parent / "shared" / "perf"):
        path = folder / "fused_np.py"
        if path.exists():
            spec = importlib.util.spec_from_file_location("fused_np", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.FusedMLP
    return None


def make_data(sizes, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, sizes[0])).astype(np.float32),
            rng.normal(size=(n, sizes[-1])).astype(np.float32))


def model_for(sizes, backend: str = "numpy") -> MLP:
    return MLP(sizes, ["relu"] * (len(sizes) - 2), init="he", seed=1,
               backend=get_backend(backend, "float32"))


def compiled_step_fn(sizes, x, y):
    model = model_for(sizes)
    optimizer = make_optimizer("sgd", model.parameters(), LEARNING_RATE)
    step = CompiledStep(model, optimizer, "mse", x, loss_targets("mse", y, sizes[-1],
                                                                 np.float32))
    return lambda: step.run(None, LEARNING_RATE)


def autograd_step_fn(sizes, x, y):
    model = model_for(sizes)
    optimizer = make_optimizer("sgd", model.parameters(), LEARNING_RATE)
    loss_fn = get_loss("mse")
    inputs = Tensor(x)

    def step():
        optimizer.zero_grad()
        loss_fn(model(inputs), y).backward()
        optimizer.step()
    return step


def floor_fn(sizes, x, y, loss: str = "mse"):
    model = model_for(sizes)
    step, _ = floor_step([np.array(w.data) for w in model.weights],
                         [np.array(b.data) for b in model.biases], x, y, LEARNING_RATE, loss)
    return step


def fused_fn(fused_mlp, sizes, x, y):
    model = model_for(sizes)
    weights = [(np.array(w.data).T, np.array(b.data))
               for w, b in zip(model.weights, model.biases, strict=True)]
    return fused_mlp(list(sizes), x, y, lr=LEARNING_RATE, dtype=np.float32,
                     weights=weights).make_step(True)


def torch_step_fn(sizes, x, y, device: str = "cpu"):
    import torch

    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    inputs, target = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(inputs), target).backward()
        optimizer.step()
    return step


def full_batch_table(min_seconds: float, have_torch: bool) -> list[dict]:
    fused_mlp = _fused_mlp()
    rows, results = [], []
    for sizes, n in FULL_BATCH:
        x, y = make_data(sizes, n)
        fns = [compiled_step_fn(sizes, x, y), floor_fn(sizes, x, y),
               autograd_step_fn(sizes, x, y)]
        if fused_mlp is not None:
            fns.append(fused_fn(fused_mlp, sizes, x, y))
        if have_torch:
            fns.append(torch_step_fn(sizes, x, y))
        small = n < 5000
        times = best_times(fns, min_seconds if small else 3 * min_seconds,
                           repeats=9 if small else 5)
        compiled, floor, autograd = times[:3]
        fused = times[3] if fused_mlp is not None else None
        torch_time = times[-1] if have_torch else None
        name = "[" + ",".join(map(str, sizes)) + "]"
        row = {"network": name, "points": n, "compiled_us": compiled * 1e6,
               "floor_us": floor * 1e6, "autograd_us": autograd * 1e6,
               "fused_mlp_us": None if fused is None else fused * 1e6,
               "torch_us": None if torch_time is None else torch_time * 1e6,
               "compiled_over_floor": compiled / floor,
               "floor_over_fused_mlp": None if fused is None else floor / fused,
               "torch_over_compiled": None if torch_time is None else torch_time / compiled}
        results.append(row)
        rows.append([name, n, row["compiled_us"], row["floor_us"], row["compiled_over_floor"],
                     row["autograd_us"], row["fused_mlp_us"], row["floor_over_fused_mlp"],
                     row["torch_us"], row["torch_over_compiled"]])
    print("Full-batch SGD steps, MSE, float32, ReLU hidden layers (us per step, best of 9 "
          "turns; 5 at 10,000 points)")
    print_table(["network", "points", "compiled", "floor", "compiled/floor", "autograd",
                 "FusedMLP", "floor/FusedMLP", "torch", "torch/compiled"], rows)
    return results


def session_step_fn(config: SessionConfig, compiled: bool, steps: int = 16):
    session = TrainingSession(config)
    session.use_compiled = compiled
    session.step(steps)
    return lambda: session.step(steps)


def session_table(min_seconds: float) -> list[dict]:
    rows, results = [], []
    for name, config in SESSIONS:
        session = TrainingSession(config)
        x = session.train.points[:10].astype(np.float32)
        y = session.train.labels[:10].astype(np.float32).reshape(-1, 1)
        fns = [session_step_fn(config, True), session_step_fn(config, False),
               floor_fn(config.layer_sizes, x, y, "bce")]
        compiled, autograd, floor = best_times(fns, min_seconds, repeats=15)
        compiled, autograd = compiled / 16, autograd / 16  # one epoch: 16 steps of 10
        row = {"network": name, "batch": config.batch_size, "session_us": compiled * 1e6,
               "autograd_session_us": autograd * 1e6, "floor_us": floor * 1e6,
               "session_over_floor": compiled / floor, "speedup": autograd / compiled}
        results.append(row)
        rows.append([name, 10, row["session_us"], row["floor_us"], row["session_over_floor"],
                     row["autograd_session_us"], row["speedup"]])
    print("\nTrainingSession.step on two moons (200 points, 160 train), batch 10, BCE, "
          "float32 (us per step, history every epoch included)")
    print_table(["network", "batch", "session", "floor", "session/floor",
                 "autograd session", "speedup"], rows)
    return results


def window_headless(seconds: float) -> dict:
    """Steps/s of the window's session headless, in chunks of 20 as its worker runs."""
    rates = {}
    for compiled in (True, False, True, False):
        session = TrainingSession(WINDOW)
        session.use_compiled = compiled
        session.step(50)
        start, steps = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            steps += session.step(20)
        rate = steps / (time.perf_counter() - start)
        rates[compiled] = max(rates.get(compiled, 0.0), rate)
    result = {"compiled_steps_per_s": rates[True], "autograd_steps_per_s": rates[False],
              "speedup": rates[True] / rates[False]}
    print(f"\nWindow session headless ([2,8x6,1] tanh, 500 points, batch 10): compiled "
          f"{rates[True]:,.0f} steps/s, autograd {rates[False]:,.0f} steps/s, "
          f"{result['speedup']:.1f}x")
    return result


def grid_eval_seconds(min_seconds: float) -> float:
    """Forward of a 200 x 200 grid (40,000 points) under no_grad."""
    model = MLP((2, 8, 8, 8, 8, 8, 8, 1), ["relu"] * 6, seed=1)
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-2, 2, 200)), -1)
    points = Tensor(model.backend.asarray(grid.reshape(-1, 2)))

    def evaluate():
        with no_grad():
            return model(points).data
    return best_time(evaluate, min_seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads (default 1, as the targets are stated)")
    args = parser.parse_args(argv)
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(args.blas_threads):
        # BLAS reads its thread count once, at load: set it and start again.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.blas_threads)
        arguments = sys.argv[1:] if argv is None else list(argv)
        os.execv(sys.executable, [sys.executable, "-m", "benchmarks.engine_speed", *arguments])
    min_seconds = 0.05 if args.quick else 0.2
    try:
        import torch

        torch.set_num_threads(args.blas_threads)
        have_torch = True
    except ImportError:
        have_torch = False
    load_before = os.getloadavg()
    full = full_batch_table(min_seconds, have_torch)
    sessions = session_table(min_seconds)
    window = window_headless(1.0 if args.quick else 3.0)
    grid = grid_eval_seconds(min_seconds)
    print(f"\n200x200 boundary grid, [2,8,8,8,8,8,8,1] forward under no_grad: "
          f"{grid * 1e3:.2f} ms")
    print(f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores)")
    write_json("engine_speed", {"full_batch": full, "sessions": sessions,
                                "window_headless": window, "grid_eval_ms": grid * 1e3,
                                "torch": have_torch, "blas_threads": args.blas_threads,
                                "load_average_before": load_before})


if __name__ == "__main__":
    main()
