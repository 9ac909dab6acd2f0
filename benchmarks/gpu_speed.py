"""GPU speed: the CuPy backend against NumPy and PyTorch on CUDA (issue 12's GPU targets).

Run on a machine with a GPU: python -m benchmarks.gpu_speed [--quick]
(`--dry-run` runs every table on NumPy with small sizes, to check the script off a GPU.)
1. Full-batch SGD steps, MSE, float32, ReLU hidden layers, ms a step:
   - session: `TrainingSession` on CuPy (2-D points only, so not at 784 inputs; the
     command line's GPU limits, so not past 1,024 neurons), its history every epoch;
   - engine: the device chunk the session runs (engine/device_steps.run_chunk), bare;
   - torch: PyTorch on CUDA, the same network and update;
   - numpy: the compiled NumPy step with every BLAS thread (what the command line runs).
2. `--backend auto`: sessions from the window's sizes up, steps/s on NumPy and on CuPy,
   and which one `resolve_backend` picks (timing both where the size cannot tell), beside
   what the work threshold alone would pick.
Each time is the best of several turns, the GPU synchronised at each turn's end; nothing
is asserted. Targets (issue 12): session and engine within 1.3x of each other and of
torch at the three large cases; auto never picks the slower device.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from benchmarks.common import best_time, print_table, write_json
from benchmarks.engine_speed import (
    LEARNING_RATE,
    compiled_step_fn,
    make_data,
    model_for,
    torch_step_fn,
)
from engine.backend import (
    AUTO_MEASURE_FROM,
    AUTO_MEASURE_TO,
    GPU_MIN_WORK,
    resolve_backend,
    step_work,
)
from engine.cli import faster_backend
from engine.config import SessionConfig, gpu_limits
from engine.device_steps import run_chunk
from engine.losses import get_loss
from engine.optim import make_optimizer
from engine.session import TrainingSession

CHUNK = 10  # steps timed together: the session runs them as one device chunk
LARGE = (  # layer sizes, points: issue 12's three cases
    ((2, 256, 256, 1), 10_000),
    ((784, 1024, 1024, 10), 60_000),
    ((2, 2048, 2048, 1), 100_000),
)
DRY_LARGE = (((2, 16, 16, 1), 500), ((30, 32, 32, 4), 600), ((2, 64, 64, 1), 4000))
AUTO = (  # name, hidden sizes, points, batch (0 = all training points)
    ("window default", (8, 4), 200, 10),
    ("window 8x6, 500 pts", (8,) * 6, 500, 10),
    ("window largest", (32,) * 8, 2000, 10),
    ("8x32, 2,000 pts, full", (32,) * 8, 2000, 0),
    ("64x64, 2,000 pts, full", (64, 64), 2000, 0),
    ("32x32, 10k pts, full", (32, 32), 10_000, 0),
    ("128x128, 10k pts, full", (128, 128), 10_000, 0),
    ("256x256, 10k pts, batch 10", (256, 256), 10_000, 10),
    ("256x256, 10k pts, batch 100", (256, 256), 10_000, 100),
    ("256x256, 10k pts, full", (256, 256), 10_000, 0),
    ("1024x1024, 2k pts, batch 32", (1024, 1024), 2000, 32),
    ("16, 100k pts, full", (16,), 100_000, 0),
)


def engine_fn(device: str, sizes, x, y, chunk: int):
    """`chunk` bare device steps (run_chunk), one read-back at the end."""
    model = model_for(sizes, device)
    optimizer = make_optimizer("sgd", model.parameters(), LEARNING_RATE)
    loss_fn = get_loss("mse")
    xd, yd = model.backend.asarray(x), model.backend.asarray(y)
    batches, rates = [None] * chunk, [LEARNING_RATE] * chunk

    def steps():
        ran, why = run_chunk(model, optimizer, loss_fn, xd, yd, batches, rates)
        assert ran == chunk and why is None, (ran, why)
    return steps


def session_for(hidden, points: int, batch: int, device: str) -> TrainingSession:
    config = SessionConfig(dataset="moons", n_points=points, hidden=hidden,
                           activations=("relu",) * len(hidden), batch_size=batch,
                           loss="mse", learning_rate=LEARNING_RATE, train_fraction=0.8)
    return TrainingSession(config, backend=device)


def large_table(device: str, cases, min_seconds: float, torch_device: str | None,
                sync) -> list[dict]:
    rows, results = [], []
    for sizes, n in cases:
        x, y = make_data(sizes, n)
        fns = {"engine": engine_fn(device, sizes, x, y, CHUNK)}
        if sizes[0] == 2 and max(sizes[1:-1]) <= 1024:
            with gpu_limits():
                session = session_for(sizes[1:-1], int(n / 0.8), 0, device)
            fns["session"] = lambda s=session: s.step(CHUNK)
        if torch_device is not None:
            step = torch_step_fn(sizes, x, y, torch_device)
            fns["torch"] = lambda s=step: [s() for _ in range(CHUNK)]
        times = {name: best_time(fn, min_seconds, 5, sync) / CHUNK * 1e3
                 for name, fn in fns.items()}
        times["numpy"] = best_time(compiled_step_fn(sizes, x, y), min_seconds, 2) * 1e3
        row = {"network": "[" + ",".join(map(str, sizes)) + "]", "points": n,
               **{f"{k}_ms": v for k, v in times.items()}}
        for a, b in (("session", "engine"), ("engine", "torch"), ("session", "torch")):
            if a in times and b in times:
                row[f"{a}_over_{b}"] = times[a] / times[b]
        row["numpy_over_engine"] = times["numpy"] / times["engine"]
        results.append(row)
        rows.append([row["network"], n, times.get("session"), times["engine"],
                     times.get("torch"), times["numpy"], row.get("session_over_engine"),
                     row.get("engine_over_torch"), row.get("session_over_torch"),
                     row["numpy_over_engine"]])
    print(f"Full-batch SGD, MSE, float32, ReLU ({device}; ms a step, best of 5 turns; "
          f"the session's history every epoch)")
    print_table(["network", "points", "session", "engine", "torch", "numpy", "session/engine",
                 "engine/torch", "session/torch", "numpy/engine"], rows)
    return results


def auto_table(device: str, cases, min_seconds: float, sync) -> list[dict]:
    rows, results = [], []
    for name, hidden, points, batch in cases:
        rates = {}
        for backend in ("numpy", device):
            with gpu_limits():
                session = session_for(hidden, points, batch, backend)
            steps = max(1, min(session.steps_per_epoch, 50))
            seconds = best_time(lambda s=session, k=steps: s.step(k), min_seconds, 3,
                                sync if backend != "numpy" else (lambda: None))
            rates[backend] = steps / seconds
        train = int(points * 0.8)
        sizes = (2, *hidden, 1)
        used = batch or train
        faster = max(rates, key=rates.get)
        if device == "cupy":
            with gpu_limits():
                picked = resolve_backend("auto", sizes, used, measure=lambda h=hidden, p=points,
                                         b=batch: faster_backend(lambda d: session_for(h, p, b, d)))
            threshold = "cupy" if step_work(sizes, used) >= GPU_MIN_WORK else "numpy"
        else:
            picked = threshold = "numpy"
        row = {"case": name, "work": step_work(sizes, used), "numpy_steps_s": rates["numpy"],
               "gpu_steps_s": rates[device], "auto": picked, "threshold_alone": threshold,
               "faster": faster, "right": picked == faster}
        results.append(row)
        rows.append([name, row["work"], rates["numpy"], rates[device], threshold, picked,
                     faster, "yes" if row["right"] else "NO"])
    print(f"\n--backend auto: sessions on moons, MSE, ReLU, steps/s (NumPy vs {device}); "
          f"auto times both from {AUTO_MEASURE_FROM:.0e} to {AUTO_MEASURE_TO:.0e} work")
    print_table(["case", "work", "numpy", device, "threshold alone", "auto picks", "faster",
                 "right"], rows)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    parser.add_argument("--dry-run", action="store_true",
                        help="NumPy in the GPU's place and small sizes: checks the script")
    parser.add_argument("--only", choices=("large", "auto"), help="one table")
    args = parser.parse_args(argv)
    min_seconds = 0.05 if args.quick or args.dry_run else 0.3
    device, torch_device, sync = "numpy", None, (lambda: None)
    if not args.dry_run:
        import cupy

        device = "cupy"
        sync = cupy.cuda.Device().synchronize
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        print(f"GPU: {name}, CuPy {cupy.__version__}")
    try:
        import torch

        if not args.dry_run and torch.cuda.is_available():
            torch_device = "cuda"
            sync_cupy = sync

            def sync():
                sync_cupy()
                torch.cuda.synchronize()
        elif args.dry_run:
            torch_device = "cpu"
        print(f"PyTorch {torch.__version__} on {torch_device}")
    except ImportError:
        print("PyTorch is not installed: no torch column")
    print(f"NumPy {np.__version__}, {os.cpu_count()} cores\n")
    large = auto = None
    if args.only != "auto":
        large = large_table(device, DRY_LARGE if args.dry_run else LARGE, min_seconds,
                            torch_device, sync)
    if args.only != "large":
        auto = auto_table(device, AUTO[:4] if args.dry_run else AUTO, min_seconds / 2, sync)
    name = "gpu_speed" + (f"_{args.only}" if args.only else "")
    write_json(name + "_dry_run" if args.dry_run else name,
               {"device": device, "torch_device": torch_device, "large": large,
                "auto": auto})


if __name__ == "__main__":
    main()
