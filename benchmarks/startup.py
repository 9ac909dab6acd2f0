"""Start-up time and package sizes of the installed app against the app run from source.

Start-up: seconds from spawning `neuroplay --smoke-test` until it prints its first-frame line
(measured here, outside the process), and the app's own figure (process start to the first
drawn frame); median of --runs runs, taken in turns. The packaged app is the .deb from
`make package`, unpacked with dpkg-deb -x as dpkg would install it. Offscreen Qt platform.
Targets: each package under 90 MB; packaged start-up under 3 s.

    .venv/bin/python -m benchmarks.startup [--runs 3]     (after `make package`)

Prints a table and writes benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import print_table, write_json  # noqa: E402

TARGET_PACKAGE_MB = 90.0
TARGET_STARTUP_S = 3.0


def packages() -> dict[str, Path]:
    """The .deb and .tar.xz that `make package` wrote for the current version."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    return {"deb": ROOT / "dist" / f"neuroplay_{version}_{arch}.deb",
            "tar.xz": ROOT / "dist" / f"neuroplay-{version}-linux-{platform.machine()}.tar.xz"}


def time_smoke(command: list[str], shot: Path) -> tuple[float, float, float]:
    """Run one smoke test. Returns (seconds to the first-frame line seen from outside,
    the app's own launch-to-first-frame seconds, seconds to exit)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    start = time.perf_counter()
    proc = subprocess.Popen([*command, "--smoke-test", "--screenshot", str(shot)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = inside = None
    for line in proc.stdout:
        if line.startswith("first frame:") and seen is None:
            seen = time.perf_counter() - start
            inside = float(line.split(":")[1].split()[0])
    proc.wait()
    total = time.perf_counter() - start
    if proc.returncode != 0 or seen is None:
        raise RuntimeError(f"{command[0]} --smoke-test failed: {proc.stderr.read().strip()}")
    return seen, inside, total


def folder_mb(path: Path) -> float:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="start-ups per variant (median)")
    args = parser.parse_args(argv)
    built = packages()
    missing = [str(p.relative_to(ROOT)) for p in built.values() if not p.is_file()]
    if missing:
        print(f"missing {', '.join(missing)}: run `make package` first", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        subprocess.run(["dpkg-deb", "-x", str(built["deb"]), str(root)], check=True)
        variants = {"packaged (.deb)": [str(root / "opt/neuroplay/neuroplay")],
                    "from source": [sys.executable, "-m", "app.main"]}
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        for k in range(args.runs):  # in turns, so load from elsewhere hits both alike
            for name, command in variants.items():
                runs[name].append(time_smoke(command, Path(tmp) / f"shot-{k}.png"))
        unpacked_mb = folder_mb(root / "opt/neuroplay")

    rows, startup = [], {}
    for name, results in runs.items():
        outside, inside, total = (statistics.median(r[i] for r in results) for i in range(3))
        startup[name] = {"first_frame_s": outside, "first_frame_in_app_s": inside,
                         "smoke_test_total_s": total, "runs": results}
        rows.append([name, outside, inside, total])
    print(f"Start-up, median of {args.runs} (offscreen; target: packaged under "
          f"{TARGET_STARTUP_S:g} s)")
    print_table(["variant", "first frame s", "in-app s", "whole smoke test s"], rows)

    sizes = {name: path.stat().st_size / 1e6 for name, path in built.items()}
    print(f"\nSizes (target: each package under {TARGET_PACKAGE_MB:g} MB)")
    print_table(["artifact", "MB"], [*[[f"{n} ({built[n].name})", mb] for n, mb in sizes.items()],
                                     ["installed /opt/neuroplay", unpacked_mb]])
    write_json("startup", {
        "runs": args.runs, "startup": startup, "package_mb": sizes,
        "installed_mb": unpacked_mb, "targets": {"package_mb": TARGET_PACKAGE_MB,
                                                 "packaged_startup_s": TARGET_STARTUP_S}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
