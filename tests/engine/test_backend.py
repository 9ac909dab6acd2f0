"""Backend selection, dtype policy and host copies."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from engine.backend import BackendError, get_backend, to_host
from engine.tensor import Tensor


def test_numpy_float32_by_default_float64_on_request():
    backend = get_backend()
    assert backend.name == "numpy" and backend.xp is np and backend.dtype == np.float32
    assert backend.precision == "float32"
    assert get_backend("numpy", "float64").dtype == np.float64


def test_asarray_converts_and_copies():
    backend = get_backend()
    host = np.array([[1.0, 2.0]], dtype=np.float32)
    array = backend.asarray(host)
    assert array.dtype == np.float32
    host[0, 0] = 99.0
    assert array[0, 0] == 1.0
    assert backend.asarray([[1, 2], [3, 4]]).dtype == np.float32


def test_array_api_strict_backend():
    backend = get_backend("array_api_strict", "float64")
    import array_api_strict

    assert backend.xp is array_api_strict
    array = backend.asarray(np.array([[1.5, -2.0]]))
    assert array.dtype == array_api_strict.float64
    again = backend.asarray(array)  # a backend array is copied, not shared
    again[0, 0] = 7.0
    np.testing.assert_array_equal(to_host(array), [[1.5, -2.0]])
    assert get_backend("array_api_strict").asarray([1.0]).dtype == array_api_strict.float32


def test_to_host_returns_numpy_copies_from_every_backend():
    strict = get_backend("array_api_strict", "float64")
    x = strict.asarray([[1.0, 2.0], [3.0, 4.0]])
    host = to_host(x)
    assert isinstance(host, np.ndarray) and host.dtype == np.float64
    np.testing.assert_array_equal(host, [[1.0, 2.0], [3.0, 4.0]])
    source = np.ones(3)
    copy = to_host(source)
    copy[0] = 5.0
    assert source[0] == 1.0
    np.testing.assert_array_equal(to_host(Tensor(source)), [1.0, 1.0, 1.0])
    assert to_host(np.float32(2.5)).shape == ()


def test_clear_errors(monkeypatch):
    with pytest.raises(BackendError, match="unknown backend 'torch'"):
        get_backend("torch")
    with pytest.raises(BackendError, match="unknown precision 'float16'"):
        get_backend("numpy", "float16")
    monkeypatch.setitem(sys.modules, "cupy", None)  # as if CuPy were not installed
    with pytest.raises(BackendError, match=r"CuPy is not installed; install neuroplay\[gpu\]"):
        get_backend("cupy")
    assert issubclass(BackendError, ValueError)
