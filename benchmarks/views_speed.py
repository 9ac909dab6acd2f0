"""Milliseconds per show_snapshot for each live view, offscreen.

"update" times show_snapshot alone; "frame" adds an immediate repaint of the plot,
which is what a frame on screen costs. Prints a table and writes
benchmarks/results/views_speed.json. Run: python benchmarks/views_speed.py
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.views.boundary import BoundaryView  # noqa: E402
from app.views.fake import fake_dataset, fake_snapshot, input_maps  # noqa: E402
from app.views.loss_chart import LossChart  # noqa: E402
from app.views.network_diagram import NetworkView  # noqa: E402

NETWORKS = {"default 2-8-4-1": (2, 8, 4, 1), "largest 7-32x8-1": (7, *[32] * 8, 1)}
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
REPEATS = 60


def median_ms(view, snapshots, repaint: bool) -> float:
    times = []
    viewport = view.plot_widget.viewport()
    for k in range(REPEATS):
        t0 = time.perf_counter()
        view.show_snapshot(snapshots[k % len(snapshots)])
        if repaint:
            viewport.repaint()
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times[3:]))


def snapshots_for(sizes, grid, history=False):
    names = FEATURES[: sizes[0]]
    out = []
    for k in range(8):
        step = 100 + 10 * k
        out.append(fake_snapshot(step, layer_sizes=sizes, feature_names=names, grid=grid,
                                 history_start=step - 10 if history else 0))
    return out


def main() -> None:
    app = QApplication.instance() or QApplication([])
    rows = []
    boundary = BoundaryView()
    boundary.resize(600, 640)
    boundary.show()
    boundary.set_data(fake_dataset(400), fake_dataset(100, seed=2))
    boundary.set_show_test(True)
    network = NetworkView()
    network.resize(800, 500)
    network.show()
    chart = LossChart()
    chart.resize(600, 300)
    chart.show()
    app.processEvents()
    for net_name, sizes in NETWORKS.items():
        names = FEATURES[: sizes[0]]
        network.set_network(sizes, names, input_maps(names))
        for grid in (100, 200):
            snaps = snapshots_for(sizes, grid)
            for view_name, view in (("BoundaryView", boundary), ("NetworkView", network)):
                if view_name == "NetworkView" and grid == 200:
                    continue  # the network view does not use the boundary grid
                rows.append({"view": view_name, "network": net_name, "grid": grid,
                             "update_ms": median_ms(view, snaps, False),
                             "frame_ms": median_ms(view, snaps, True)})
    # The loss chart after a long run: 50 000 history rows held, 10 new rows a frame.
    chart.show_snapshot(fake_snapshot(50_000, grid=4, neuron_grid=2))
    snaps = [fake_snapshot(50_000 + 10 * (k + 1), grid=4, neuron_grid=2,
                           history_start=50_000 + 10 * k) for k in range(REPEATS)]
    rows.append({"view": "LossChart", "network": "-", "grid": 0,
                 "update_ms": median_ms(chart, snaps, False),
                 "frame_ms": median_ms(chart, snaps, True)})
    print(f"{'view':<13} {'network':<18} {'grid':>5} {'update ms':>10} {'frame ms':>9}")
    for r in rows:
        grid = r["grid"] or "-"
        print(f"{r['view']:<13} {r['network']:<18} {grid:>5} {r['update_ms']:>10.2f} "
              f"{r['frame_ms']:>9.2f}")
    out = Path(__file__).resolve().parent / "results" / "views_speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                               "repeats": REPEATS, "rows": rows}, indent=2))
    print(f"wrote {out}")
    for view in (boundary, network, chart):  # tear down before the interpreter does
        view.close()
        view.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
