#!/bin/sh
# The GPU checks in one run (a lent GPU machine's time is short): the CuPy tests, the
# GPU speed tables, then every engine test with CuPy importable.
# Usage, from the repository root, where python3 has CuPy, NumPy, pytest and hypothesis:
#     sh benchmarks/gpu_check.sh [folder for the logs and JSON, default benchmarks/results]
set -u
out=${1:-benchmarks/results}
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import sys, numpy, cupy; print(sys.version.split()[0], numpy.__version__, cupy.__version__)"
python3 -m pytest -q -p no:cacheprovider -rs tests/engine/test_cupy.py 2>&1 | tee "$out/gpu_cupy_tests.log"
timeout 300 python3 -m benchmarks.gpu_speed 2>&1 | tee "$out/gpu_speed.log"
[ -f benchmarks/results/gpu_speed.json ] && cp benchmarks/results/gpu_speed.json "$out/" 2>/dev/null
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/engine 2>&1 | tail -15 \
    | tee "$out/gpu_engine_tests.log"
