"""Helpers shared by the engine tests: central differences as the gradient oracle."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def central_differences(f: Callable[..., float], arrays: list[np.ndarray], which: int,
                        eps: float = 1e-6) -> np.ndarray:
    """d f / d arrays[which], one element at a time: (f(x + eps) - f(x - eps)) / 2 eps."""
    x = arrays[which]
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        up = f(*arrays)
        x[index] = original - eps
        down = f(*arrays)
        x[index] = original
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.fixture(scope="session")
def numeric_grad():
    return central_differences
