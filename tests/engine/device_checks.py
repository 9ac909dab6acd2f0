"""The device training path (engine/device_steps.py) against NumPy's autograd reference:
on the strict Array API namespace here, and on CuPy where a GPU is found."""

import numpy as np

from engine.backend import to_host
from engine.config import SessionConfig
from engine.session import TrainingSession

DEVICE_CONFIGS = [
    SessionConfig(),
    SessionConfig(optimizer="adam", batch_size=7, schedule="cosine", schedule_steps=9,
                  regularization="l1", regularization_rate=0.01),
    SessionConfig(dataset="spiral", classes=3, optimizer="momentum", hidden=(6,),
                  activations=("sin",), batch_size=0),
    # diverges: both sides must stop at the same step, on the last finite weights
    SessionConfig(problem="regression", dataset="plane", learning_rate=100.0, batch_size=0,
                  hidden=(8, 8), activations=("linear", "linear")),
]


def assert_device_trains_like_autograd(config: SessionConfig, backend: str,
                                       rtol: float) -> TrainingSession:
    """40 steps on `backend` in float64 and through NumPy's autograd: the same steps,
    counters, message, history and parameters (to `rtol`); the device session."""
    reference = TrainingSession(config, precision="float64")
    reference.use_compiled = False
    device = TrainingSession(config, backend=backend, precision="float64")
    assert device.step(40) == reference.step(40)
    assert (device.step_count, device.epoch, device.diverged, device.optimizer.steps) == (
        reference.step_count, reference.epoch, reference.diverged, reference.optimizer.steps)
    assert device.message == reference.message
    np.testing.assert_allclose(device.history.array(0), reference.history.array(0),
                               rtol=rtol, atol=1e-12)
    for p, q in zip(reference.model.parameters(), device.model.parameters(), strict=True):
        np.testing.assert_allclose(to_host(q.data), to_host(p.data), rtol=rtol, atol=1e-12)
        assert np.all(np.isfinite(to_host(q.data)))
    return device
