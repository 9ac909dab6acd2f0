"""`--backend auto`: the GPU only where a step is big enough to be faster there, and the
command line's larger limits only on a GPU."""

from __future__ import annotations

import pytest

from engine import backend, cli
from engine.config import ConfigError, SessionConfig, gpu_limits


@pytest.mark.parametrize(("sizes", "batch", "gpu", "expected"), [
    ((2, 8, 4, 1), 10, True, "numpy"),  # the window's default: NumPy is faster
    ((2, 32, 32, 32, 32, 32, 32, 32, 32, 1), 10, True, "numpy"),  # the window's largest
    ((2, 256, 256, 1), 10_000, True, "cupy"),
    ((784, 1024, 1024, 10), 60_000, True, "cupy"),
    ((2, 256, 256, 1), 10_000, False, "numpy"),  # no GPU: NumPy whatever the size
])
def test_auto_picks_the_gpu_only_where_it_pays(monkeypatch, sizes, batch, gpu, expected):
    monkeypatch.setattr(backend, "gpu_available", lambda: gpu)
    assert backend.resolve_backend("auto", sizes, batch) == expected
    assert backend.resolve_backend("numpy", sizes, batch) == "numpy"


def test_bigger_networks_only_under_the_gpu_limits():
    big = dict(hidden=(1024,), activations=("relu",), n_points=100_000, batch_size=0)
    with pytest.raises(ConfigError, match="n_points"):
        SessionConfig(**big)
    with pytest.raises(ConfigError, match="hidden"):
        SessionConfig(hidden=(1024,), activations=("relu",))
    with gpu_limits():
        assert SessionConfig(**big).hidden == (1024,)
        with pytest.raises(ConfigError, match="hidden"):
            SessionConfig(**{**big, "hidden": (1025,)})
        with pytest.raises(ConfigError, match="n_points"):
            SessionConfig(**{**big, "n_points": 100_001})
    with pytest.raises(ConfigError):
        SessionConfig(**big)  # the window's limits again outside


def test_the_command_line_trains_on_numpy_by_auto_without_a_gpu(monkeypatch, capsys):
    monkeypatch.setattr(backend, "gpu_available", lambda: False)
    assert cli.build_parser().parse_args([]).backend == "auto"
    assert cli.main(["--epochs", "2", "--quiet"]) == 0
    assert "epochs 2" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--layers", "2,64,1", "--epochs", "1", "--quiet"])
    assert exit_info.value.code == 2
    assert "hidden" in capsys.readouterr().err
