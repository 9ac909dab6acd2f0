"""`--backend auto`: the GPU only where a step is big enough to be faster there, and the
command line's larger limits only on a GPU."""

from __future__ import annotations

import pytest

from engine import backend, cli
from engine.config import ConfigError, SessionConfig, gpu_limits
from engine.datasets import make_dataset


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


def test_the_gpu_limits_reach_the_data_and_the_session_file(tmp_path):
    """Under the GPU limits a session makes its 12,500 points (the data set's own check
    once stopped at the window's 2,000); the window then refuses the file and says where
    it can go on."""
    from engine.io import SessionFileError, load_session, save_session
    from engine.session import TrainingSession

    config = dict(hidden=(64,), activations=("relu",), n_points=12_500, batch_size=0)
    with pytest.raises(ValueError, match="2000"):
        make_dataset("moons", 12_500)
    with gpu_limits():
        assert len(make_dataset("moons", 12_500).points) == 12_500
        session = TrainingSession(SessionConfig(**config))
        session.run_epochs(1)
        save_session(session, tmp_path / "big.json")
        assert len(load_session(tmp_path / "big.json").data.points) == 12_500
    with pytest.raises(SessionFileError, match="neuroplay-train --from"):
        load_session(tmp_path / "big.json")


def test_auto_times_both_only_where_the_size_cannot_tell(monkeypatch):
    """Measured on an H200, NumPy won at 1.2e7 multiply-adds a step and the GPU at 3.8e6:
    between AUTO_MEASURE_FROM and AUTO_MEASURE_TO `auto` asks a measurement."""
    monkeypatch.setattr(backend, "gpu_available", lambda: True)
    asked = []

    def measure():
        asked.append(True)
        return "numpy"
    assert backend.resolve_backend("auto", (2, 32, 32, 1), 10, measure) == "numpy"  # 1e4
    assert backend.resolve_backend("auto", (2, 256, 256, 1), 10_000, measure) == "cupy"
    assert not asked
    assert backend.resolve_backend("auto", (2,) + (32,) * 8 + (1,), 1600, measure) == "numpy"
    assert asked == [True]  # 1.2e7: without a measurement the threshold said cupy
    assert backend.resolve_backend("auto", (2,) + (32,) * 8 + (1,), 1600) == "cupy"


class _FakeSession:
    """Steps that cost a fixed time on a fake clock."""

    def __init__(self, clock, cost: float):
        self.clock, self.cost, self.steps_per_epoch, self.trained = clock, cost, 160, 0

    def step(self, n: int) -> int:
        self.clock.now += n * self.cost
        self.trained += n
        return n


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("numpy_cost", "gpu_cost", "expected"), [
    (2.8e-3, 5.4e-3, "numpy"), (7.8e-3, 3.5e-3, "cupy")])  # the H200's two surprises
def test_faster_backend_trains_both_and_picks_the_faster(numpy_cost, gpu_cost, expected):
    clock, built = _Clock(), {}

    def build(name):
        built[name] = _FakeSession(clock, numpy_cost if name == "numpy" else gpu_cost)
        return built[name]
    assert cli.faster_backend(build, seconds=0.25, clock=clock) == expected
    assert set(built) == {"numpy", "cupy"}
    for session in built.values():  # a warm-up chunk, then at least 3 chunks and 0.25 s
        assert session.trained >= 16 * 4 and session.trained * session.cost >= 0.25


def test_the_command_line_starts_afresh_after_timing(monkeypatch, tmp_path):
    """In the measuring band the run trains from step 0 on the backend that won, with
    the same numbers as a run that did not measure."""
    monkeypatch.setattr(backend, "gpu_available", lambda: True)
    monkeypatch.setattr(cli, "faster_backend", lambda build: (build("numpy").step(50),
                                                               "numpy")[1])
    args = ["--layers", "2,32,32,32,32,32,32,32,32,1", "--points", "2000", "--batch-size",
            "0", "--epochs", "2", "--quiet"]
    assert cli.main([*args, "--out", str(tmp_path / "auto.json")]) == 0
    assert cli.main([*args, "--backend", "numpy", "--out", str(tmp_path / "np.json")]) == 0
    from engine.io import load_session
    with gpu_limits():
        auto, plain = (load_session(tmp_path / f"{n}.json") for n in ("auto", "np"))
    assert auto.step_count == plain.step_count == 2
    for a, b in zip(auto.model.weights, plain.model.weights, strict=True):
        assert (a.data == b.data).all()
