"""The exported Python and JavaScript models give what TrainingSession.predict gives."""

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine.config import SessionConfig
from engine.export import (
    ExportError,
    history_csv,
    javascript_model,
    output_mapping,
    python_model,
    read_history_csv,
)
from engine.io import session_to_dict
from engine.session import TrainingSession
from engine.snapshot import HISTORY_COLUMNS

CONFIGS = {
    "binary": dict(dataset="moons", features=("x1", "x2", "x1^2", "sin x1"),
                   hidden=(6, 4), activations=("tanh", "leaky_relu")),
    "binary_mse_sigmoid_out": dict(dataset="circles", loss="mse", output_activation="sigmoid",
                                   features=("x1", "x2", "x2^2", "x1*x2"),
                                   hidden=(5,), activations=("gaussian",)),
    "binary_hinge": dict(dataset="xor", loss="hinge", hidden=(4, 3),
                         activations=("sin", "sigmoid"), features=("x1", "x2", "sin x2")),
    "multiclass": dict(dataset="gaussians", classes=3, hidden=(7,), activations=("relu",),
                       features=("x1", "x2", "x1*x2")),
    "multiclass_mse": dict(dataset="spiral", classes=4, loss="mse", hidden=(6, 5),
                           activations=("tanh", "linear")),
    "regression": dict(problem="regression", dataset="plane", hidden=(5, 3),
                       activations=("tanh", "gaussian"),
                       features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")),
    "seed_exact": dict(dataset="xor", seed_exact=True, loss="mse", hidden=(8, 4),
                       activations=("relu", "relu")),
}


def trained(name: str) -> TrainingSession:
    s = TrainingSession(SessionConfig().replace(n_points=100, **CONFIGS[name]))
    s.run_epochs(3)
    return s


def random_points(n: int = 50) -> np.ndarray:
    return np.random.default_rng(7).uniform(-3, 3, size=(n, 2))


def run_ok(args: list[str], stdin: str = "") -> str:
    run = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def parts(s: TrainingSession):
    d = session_to_dict(s)
    return s.config, d["weights"], d["biases"]


@pytest.fixture(scope="module", params=list(CONFIGS))
def session(request):
    return trained(request.param)


def test_python_export_matches_predict(session, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(python_model(*parts(session)))
    pts = random_points()
    text = "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in pts)
    out = run_ok([sys.executable, str(path)], text)
    got = np.array([[float(v) for v in line.split(",")] for line in out.split()])
    want = session.predict(pts)
    np.testing.assert_allclose(got.reshape(want.shape), want, atol=1e-5, rtol=0)


def test_python_export_reads_argv_pairs(tmp_path):
    s = trained("binary")
    path = tmp_path / "model.py"
    path.write_text(python_model(*parts(s)))
    out = run_ok([sys.executable, str(path), "0.5", "-1", "2,0.25"])
    got = [float(v) for v in out.split()]
    np.testing.assert_allclose(got, s.predict(np.array([[0.5, -1], [2, 0.25]])), atol=1e-5)
    odd = subprocess.run([sys.executable, str(path), "0.5"], capture_output=True, text=True,
                         timeout=60)
    assert odd.returncode != 0 and "pairs" in odd.stderr


def test_python_export_needs_only_numpy(tmp_path):
    source = python_model(*parts(trained("regression")))
    imports = {line.split()[1] for line in source.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports == {"sys", "numpy"}
    assert "pickle" not in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_export_matches_predict(session, tmp_path):
    path = tmp_path / "model.js"
    path.write_text(javascript_model(*parts(session)))
    pts = random_points()
    script = ("const nn = require(process.argv[1]);"
              "const pts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(pts.map(nn)));")
    out = run_ok([shutil.which("node"), "-e", script, str(path)], json.dumps(pts.tolist()))
    got = np.array(json.loads(out))
    want = session.predict(pts)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def seed_xor_network():
    """The seed article's XOR net: W1 per neuron [[-1, -1], [-0.7, -0.7]], b1 [1, 1.3]."""
    config = SessionConfig(dataset="xor", seed_exact=True, loss="mse", hidden=(2,),
                           activations=("relu",))
    weights = [[[-1.0, -0.7], [-1.0, -0.7]], [[-1.8], [1.3]]]  # (fan_in, fan_out)
    biases = [[1.0, 1.3], [0.0]]
    # By hand: (0,0) -> relu(-1.8*1 + 1.3*1.3) = 0; (0,1) -> h = (0, 0.6) -> 0.78;
    # (1,1) -> h = (0, 0) -> 0.
    return config, weights, biases, [0.0, 0.78, 0.78, 0.0]


def test_python_export_of_hand_made_network(tmp_path):
    config, weights, biases, want = seed_xor_network()
    namespace: dict = {}
    exec(compile(python_model(config, weights, biases), "model.py", "exec"), namespace)
    got = namespace["predict"](np.array([[0, 0], [0, 1], [1, 0], [1, 1]]))
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_export_of_hand_made_network(tmp_path):
    config, weights, biases, want = seed_xor_network()
    source = javascript_model(config, weights, biases)
    assert "const nn = X =>" in source and "const relu = x =>" in source
    assert "W1 = [[-1, -1], [-0.7, -0.7]]" in source  # per neuron, like the article
    script = source + "\nconsole.log(JSON.stringify([[0,0],[0,1],[1,0],[1,1]].map(nn)));"
    out = run_ok([shutil.which("node"), "-e", script])
    np.testing.assert_allclose(json.loads(out), want, atol=1e-12)


def test_output_mapping_follows_the_loss():
    assert output_mapping(SessionConfig()) == "sigmoid"
    assert output_mapping(SessionConfig(loss="hinge")) == "hinge"
    assert output_mapping(SessionConfig(dataset="spiral", classes=3)) == "softmax"
    assert output_mapping(SessionConfig(dataset="spiral", classes=3, loss="mse")) == "clip"
    assert output_mapping(SessionConfig(problem="regression", dataset="plane")) == "identity"


def test_weights_that_do_not_fit_are_refused():
    config, weights, biases, _ = seed_xor_network()
    with pytest.raises(ExportError, match="layer 1"):
        python_model(config, weights, [[1.0, 1.3], [0.0, 1.0]])
    with pytest.raises(ExportError, match="layers"):
        javascript_model(config, weights[:1], biases[:1])
    with pytest.raises(ExportError, match="NaN"):
        python_model(config, [weights[0], [[math.nan], [1.0]]], biases)


def test_loss_history_csv_round_trip():
    s = trained("regression")  # accuracy columns are NaN for regression
    text = history_csv(s.history)
    assert text.splitlines()[0] == ",".join(HISTORY_COLUMNS)
    assert len(text.splitlines()) == len(s.history) + 1
    back = read_history_csv(text)
    np.testing.assert_array_equal(np.array(back), np.array(s.history))


def test_loss_history_csv_from_a_session_file_with_nulls():
    rows = [[0, 0, 0.7, None, 0.5, None], [10, 1, 0.25, None, 0.875, None]]
    back = read_history_csv(history_csv(rows))
    assert back[1][:3] == (10.0, 1.0, 0.25) and math.isnan(back[1][3])
