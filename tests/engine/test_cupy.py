"""The CuPy backend against NumPy, where a GPU and CuPy are present (skipped elsewhere;
`pip install -e '.[gpu]'` on a CUDA machine runs it)."""

from __future__ import annotations

import numpy as np
import pytest
from device_checks import DEVICE_CONFIGS, assert_device_trains_like_autograd

from engine.config import SessionConfig, gpu_limits
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


@pytest.mark.parametrize("config", DEVICE_CONFIGS)
def test_cupy_device_steps_equal_numpy_autograd_in_float64(config):
    """The device path on a real GPU (checks kept on the device, one read-back a chunk)
    against NumPy's autograd reference, step for step (cuBLAS sums in its own order)."""
    gpu = assert_device_trains_like_autograd(config, "cupy", rtol=1e-9)
    assert all(isinstance(p.data, cupy.ndarray) for p in gpu.model.parameters())


def test_cupy_predictions_come_back_as_numpy():
    gpu = TrainingSession(SessionConfig(), backend="cupy")
    gpu.run_epochs(2)
    points = np.array([[0.0, 0.0], [1.0, -0.5]])
    scores = gpu.predict(points)
    assert isinstance(scores, np.ndarray) and scores.shape == (2,)
    cpu = TrainingSession(SessionConfig())
    cpu.set_parameters([w.data.get() for w in gpu.model.weights],
                       [b.data.get() for b in gpu.model.biases])
    np.testing.assert_allclose(scores, cpu.predict(points), atol=1e-5)


def test_auto_picks_the_gpu_for_a_large_network_here():
    from engine.backend import resolve_backend

    assert resolve_backend("auto", (2, 256, 256, 1), 10_000) == "cupy"
    assert resolve_backend("auto", (2, 8, 4, 1), 10) == "numpy"


def test_the_command_line_trains_on_the_gpu_and_saves_a_file_numpy_opens(tmp_path, capsys):
    from engine import cli
    from engine.io import load_session

    out = tmp_path / "big.json"
    assert cli.main(["--layers", "2,256,256,1", "--points", "12500", "--batch-size", "0",
                     "--epochs", "3", "--quiet", "--out", str(out)]) == 0
    assert "epochs 3" in capsys.readouterr().out
    with gpu_limits():  # the window's own limits refuse 12,500 points
        loaded = load_session(out)
    assert loaded.config.hidden == (256, 256) and loaded.epoch == 3
    assert all(isinstance(w.data, np.ndarray) for w in loaded.model.weights)
