"""Milliseconds per show_snapshot for each live view, offscreen, at the window's sizes.

"update" times show_snapshot alone; "frame" adds the repaint Qt does next (of what
changed, as in the window), which is what a frame on screen costs. Snapshots come two
ways: "moving" fake ones whose weights all drift a lot between frames (the worst case
for the diagram's line caches),
and "training" ones from real sessions of the window benchmark's two networks, taken as
far apart as the window draws the diagram (about 15 times a second). Prints a table and
writes benchmarks/results/views_speed.json (with the load average: the machine is shared).
Run: python -m benchmarks.views_speed
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.main import limit_blas_threads  # noqa: E402

limit_blas_threads()

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.views.boundary import BoundaryView  # noqa: E402
from app.views.fake import fake_dataset, fake_snapshot, input_maps  # noqa: E402
from app.views.loss_chart import LossChart  # noqa: E402
from app.views.network_diagram import NetworkView  # noqa: E402
from benchmarks.common import print_table, write_json  # noqa: E402
from engine.config import SessionConfig  # noqa: E402
from engine.session import TrainingSession  # noqa: E402

NETWORKS = {"default 2-8-4-1": (2, 8, 4, 1), "largest 7-32x8-1": (7, *[32] * 8, 1)}
BENCHMARK = SessionConfig(n_points=500, hidden=(8,) * 6, activations=("tanh",) * 6)
BIGGEST = SessionConfig(n_points=2000, hidden=(32,) * 8, activations=("tanh",) * 8)
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
# Plot sizes in a 1280 x 800 window (the boundary view adds its colour legend).
SIZES = {"network": (480, 400), "boundary": (390, 360), "loss": (390, 200)}
STEPS_BETWEEN_DIAGRAMS = 100  # ~1 500 steps/s while drawing the diagram 15 times a second
REPEATS = 60


def median_ms(view, snapshots, repaint: bool, clock=time.perf_counter) -> float:
    times = []
    app = QApplication.instance()
    for k in range(REPEATS):
        t0 = clock()
        view.show_snapshot(snapshots[k % len(snapshots)])
        if repaint:
            app.processEvents()  # one pass paints the changed region
        times.append(clock() - t0)
        if not repaint:
            app.processEvents()  # untimed: no backlog of paints for the next call
    return 1000 * float(np.median(times[3:]))


def moving_snapshots(sizes, grid):
    names = FEATURES[: sizes[0]]
    return [fake_snapshot(100 + 10 * k, layer_sizes=sizes, feature_names=names, grid=grid)
            for k in range(REPEATS)]


def training_snapshots(session: TrainingSession) -> list:
    out = []
    for _ in range(REPEATS):
        session.step(STEPS_BETWEEN_DIAGRAMS)
        out.append(session.snapshot(history_start=session.step_count))
    return out


def main() -> None:
    app = QApplication.instance() or QApplication([])
    boundary, network, chart = BoundaryView(), NetworkView(), LossChart()
    for view, size in ((network, SIZES["network"]), (boundary, SIZES["boundary"]),
                       (chart, SIZES["loss"])):
        view.resize(*size)
        view.show()
    boundary.set_data(fake_dataset(400), fake_dataset(100, seed=2))
    boundary.set_show_test(True)
    app.processEvents()
    rows = []

    def measure(view_name, view, network_name, snapshots_name, snaps, grid):
        rows.append({"view": view_name, "network": network_name, "snapshots": snapshots_name,
                     "grid": grid, "update_ms": median_ms(view, snaps, False),
                     "frame_ms": median_ms(view, snaps, True),
                     "frame_cpu_ms": median_ms(view, snaps, True, clock=time.thread_time)})

    session = TrainingSession(BENCHMARK)
    session.step(200)  # past the first wild steps
    sizes = BENCHMARK.layer_sizes
    network.set_network(sizes, list(BENCHMARK.features), input_maps(list(BENCHMARK.features)))
    trained = training_snapshots(session)
    measure("NetworkView", network, "window 2-8x6-1", "training", trained, 0)
    measure("NetworkView", network, "window 2-8x6-1", "moving", moving_snapshots(sizes, 4), 0)
    measure("BoundaryView", boundary, "window 2-8x6-1", "training", trained, 100)
    # The biggest network as it trains: weights drift, some cross a line bucket each frame.
    big = TrainingSession(BIGGEST)
    big.step(200)
    network.set_network(BIGGEST.layer_sizes, list(BIGGEST.features),
                        input_maps(list(BIGGEST.features)))
    measure("NetworkView", network, "window 2-32x8-1", "training", training_snapshots(big), 0)
    for net_name, sizes in NETWORKS.items():
        names = FEATURES[: sizes[0]]
        network.set_network(sizes, names, input_maps(names))
        measure("NetworkView", network, net_name, "moving", moving_snapshots(sizes, 4), 0)
    measure("BoundaryView", boundary, "default 2-8-4-1", "moving",
            moving_snapshots((2, 8, 4, 1), 200), 200)
    # The loss chart after a long run: 50 000 history rows held, 40 new rows a frame.
    chart.show_snapshot(fake_snapshot(50_000, grid=4, neuron_grid=2))
    snaps = [fake_snapshot(50_000 + 40 * (k + 1), grid=4, neuron_grid=2,
                           history_start=50_000 + 40 * k) for k in range(REPEATS)]
    measure("LossChart", chart, "-", "50k rows", snaps, 0)
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores, shared); cpu ms: the GUI "
          "thread's CPU time for a frame, which the machine's other work does not inflate")
    print_table(["view", "network", "snapshots", "grid", "update ms", "frame ms",
                 "frame cpu ms"],
                [(r["view"], r["network"], r["snapshots"], r["grid"] or "-", r["update_ms"],
                  r["frame_ms"], r["frame_cpu_ms"]) for r in rows])
    write_json("views_speed", {"repeats": REPEATS, "sizes": SIZES, "rows": rows})
    for view in (boundary, network, chart):  # tear down before the interpreter does
        view.close()
        view.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
