"""The CuPy backend against NumPy, where a GPU and CuPy are present (skipped elsewhere;
`pip install -e '.[gpu]'` on a CUDA machine runs it)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config import SessionConfig
from engine.session import TrainingSession

cupy = pytest.importorskip("cupy")


def _has_gpu() -> bool:
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device: CuPy imports but cannot run
        return False


pytestmark = pytest.mark.skipif(not _has_gpu(), reason="CuPy is installed but finds no GPU")


@pytest.mark.parametrize("config", [
    SessionConfig(),
    SessionConfig(dataset="spiral", classes=3, hidden=(16, 16), activations=("tanh", "relu"),
                  optimizer="adam", learning_rate=0.01),
])
def test_cupy_session_trains_like_numpy(config):
    cpu, gpu = TrainingSession(config), TrainingSession(config, backend="cupy")
    cpu.run_epochs(5)
    gpu.run_epochs(5)
    a, b = cpu.snapshot(), gpu.snapshot()
    assert b.step == a.step and not b.diverged
    for wa, wb in zip(a.weights, b.weights, strict=True):
        assert isinstance(wb, np.ndarray)  # snapshots hold host copies
        np.testing.assert_allclose(wb, wa, rtol=2e-3, atol=2e-4)
    assert b.train_loss == pytest.approx(a.train_loss, rel=1e-3, abs=1e-5)
    np.testing.assert_allclose(b.boundary, a.boundary, atol=2e-3)
