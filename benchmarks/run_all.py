"""Run the benchmarks one after another, each in a process of its own.

A process each, because BLAS thread counts and the Qt application are set once per process.
Each benchmark prints its table and writes benchmarks/results/<name>.json; this prints a
summary of which ran and how long each took. `make bench` runs it.

    .venv/bin/python -m benchmarks.run_all [--quick] [--only engine_speed,window_speed]

The start-up benchmark needs `make package` first and the soak takes ten minutes or more,
so both run only when named with --only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (arguments, arguments for --quick)
BENCHMARKS = {
    "engine_speed": ([], ["--quick"]),
    "scalar_speed": ([], ["--quick"]),
    "views_speed": ([], []),
    "window_speed": ([], ["--seconds", "4"]),
}
ON_REQUEST = {
    "startup": ([], ["--runs", "1"]),
    "soak": (["both"], ["session", "--steps", "100000"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, rougher numbers")
    parser.add_argument("--only", default="", help="comma-separated benchmark names; "
                        f"choose from {', '.join([*BENCHMARKS, *ON_REQUEST])}")
    args = parser.parse_args(argv)
    known = {**BENCHMARKS, **ON_REQUEST}
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")

    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    summary = []
    for name in names:
        full, quick = known[name]
        command = [sys.executable, "-m", f"benchmarks.{name}", *(quick if args.quick else full)]
        print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        status = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        summary.append((name, status, time.perf_counter() - start))

    print("\nbenchmark        status  seconds")
    for name, status, seconds in summary:
        print(f"{name:<16} {'ok' if status == 0 else f'exit {status}':<7} {seconds:7.1f}")
    return 0 if all(status == 0 for _, status, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
