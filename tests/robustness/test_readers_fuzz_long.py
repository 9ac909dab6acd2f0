"""The long fuzzing run: 100,000 hostile inputs through each file reader (`make test-slow`).

Inputs and the allowed outcomes are those of tests/engine/test_readers_fuzz.py (made in
tests/engine/fuzz_inputs.py from seeds, so a failure names the seed that reproduces it).
Two worker processes, one per core; NEUROPLAY_FUZZ_COUNT changes the count per reader.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "engine"))
from fuzz_inputs import run_batch  # noqa: E402

COUNT = int(os.environ.get("NEUROPLAY_FUZZ_COUNT", "100000"))
FIRST_SEED = 10**9  # away from the seeds the quick tests draw
CHUNK = 2500


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["session", "lesson", "csv", "settings"])
def test_a_hundred_thousand_hostile_inputs_per_reader(reader):
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="neuroplay-fuzz-", dir=shm if shm.is_dir() else None))
    try:
        folders = [root / str(k) for k in range(0, COUNT, CHUNK)]
        for folder in folders:
            folder.mkdir()
        spawn = multiprocessing.get_context("spawn")  # no Qt state carried into workers
        with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
            results = list(pool.map(
                run_batch, [reader] * len(folders),
                [FIRST_SEED + k for k in range(0, COUNT, CHUNK)],
                [min(CHUNK, COUNT - k) for k in range(0, COUNT, CHUNK)],
                [str(f) for f in folders]))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    failures = [r["failure"] for r in results if "failure" in r]
    assert not failures, f"{len(failures)} chunks failed; the first ones:\n" + "\n".join(
        failures[:5])
    totals: dict = {}
    for r in results:
        for outcome, n in r.items():
            totals[outcome] = totals.get(outcome, 0) + n
    print(f"\n{reader}: {COUNT} inputs: {totals}")
    assert sum(totals.values()) == COUNT
    assert len(totals) == 2  # both outcomes reached: the inputs get past the parser
