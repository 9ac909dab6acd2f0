"""The array namespace the engine computes with, and the dtype policy.

Engine code calls `backend.xp` (NumPy, CuPy or the strict Array API namespace used in
tests), never `numpy` directly, so the same code runs on a GPU. float32 is the default
for speed; float64 is for gradient checks.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import numpy as np

BACKENDS = ("numpy", "cupy", "array_api_strict")
# `auto` measures work as multiply-adds of one forward pass, batch x sum(fan_in x
# fan_out). A GPU step costs its kernel launches (CuPy: 1.6-3.6 ms a step on an H200 for
# the window's networks, where NumPy takes 0.02-0.06 ms) and gains only on big matrices.
# Measured there beside 16 cores (benchmarks/gpu_speed.py), no single threshold splits
# the cases: NumPy won at 1.2e7 (8x32 on 1,600 points), the GPU at 3.8e6 (one layer of 16
# on 80,000 points). So between these two bounds `auto` times both where it can (the
# command line does); outside them one side won every case by 3x or more. GPU_MIN_WORK
# is the guess where no timing is at hand.
GPU_MIN_WORK = 10_000_000
AUTO_MEASURE_FROM, AUTO_MEASURE_TO = 1_000_000, 100_000_000
PRECISIONS = ("float32", "float64")


class BackendError(ValueError):
    """The asked-for backend or precision is unknown or not installed."""


@dataclass(frozen=True)
class Backend:
    """An array namespace and the float dtype every engine array uses."""

    name: str  # "numpy", "cupy", "array_api_strict"
    xp: ModuleType
    dtype: object  # xp.float32 or xp.float64

    @property
    def precision(self) -> str:
        return "float64" if self.dtype == self.xp.float64 else "float32"

    def asarray(self, x):
        """Host data (NumPy array, nested lists, numbers) -> a new backend array of `dtype`."""
        if self.name == "numpy":
            return np.array(x, dtype=self.dtype)
        if self.name == "cupy":
            return self.xp.array(x, dtype=self.dtype)
        if not isinstance(x, np.ndarray) and hasattr(x, "__array_namespace__"):
            return self.xp.astype(x, self.dtype, copy=True)
        return self.xp.asarray(np.array(x, dtype=self.precision), dtype=self.dtype)

    def zeros(self, shape: tuple[int, ...]):
        return self.xp.zeros(shape, dtype=self.dtype)


def get_backend(name: str = "numpy", precision: str = "float32") -> Backend:
    """The backend called `name` ("numpy", "cupy", "array_api_strict") at `precision`."""
    if isinstance(name, Backend):
        return name
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise BackendError(f"unknown precision {precision!r}: choose float32 or float64")
    try:
        xp = importlib.import_module(name)
    except ImportError as error:
        if name == "cupy":
            raise BackendError("CuPy is not installed; install neuroplay[gpu] or use the "
                               "NumPy backend") from error
        raise BackendError(f"{name} is not installed; install neuroplay[test] or use the "
                           f"NumPy backend") from error
    return Backend(name, xp, getattr(xp, precision))


def gpu_available() -> bool:
    """Whether CuPy is installed and finds a GPU."""
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # not installed, no driver, no device
        return False


def step_work(layer_sizes, batch: int) -> int:
    """Multiply-adds of one forward pass over `batch` points."""
    sizes = tuple(layer_sizes)
    return batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def resolve_backend(name: str, layer_sizes, batch: int, measure=None) -> str:
    """`name`, or for "auto": "numpy" without a GPU; with one, by the work of a step of
    `batch` points through `layer_sizes`: "numpy" below AUTO_MEASURE_FROM, "cupy" from
    AUTO_MEASURE_TO, and in between what `measure()` says is faster (a backend's name),
    or without it, "cupy" from GPU_MIN_WORK."""
    if name != "auto":
        return name
    if not gpu_available():
        return "numpy"
    work = step_work(layer_sizes, batch)
    if measure is not None and AUTO_MEASURE_FROM <= work < AUTO_MEASURE_TO:
        return measure()
    return "cupy" if work >= GPU_MIN_WORK else "numpy"


def namespace(x) -> ModuleType:
    """The array namespace an array belongs to (NumPy for NumPy arrays and scalars)."""
    if isinstance(x, np.ndarray | np.generic):
        return np
    module = type(x).__module__
    if module.startswith("cupy"):
        return importlib.import_module("cupy")
    if hasattr(x, "__array_namespace__"):
        return x.__array_namespace__()
    raise TypeError(f"expected an array, not {type(x).__name__}")


def astype(x, dtype):
    """`x` as `dtype`; the standard's function where the array has no `.astype` method."""
    if hasattr(x, "astype"):
        return x.astype(dtype)
    return namespace(x).astype(x, dtype)


def to_host(x) -> np.ndarray:
    """Any backend array (or Tensor) -> a NumPy copy that nothing else writes to."""
    data = getattr(x, "data", x) if hasattr(x, "requires_grad") else x
    if isinstance(data, np.ndarray | np.generic | int | float):
        return np.array(data)
    if type(data).__module__.startswith("cupy"):
        return data.get()
    try:
        return np.array(np.from_dlpack(data))
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.array(data)
