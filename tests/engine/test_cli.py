import importlib.util
import subprocess
import sys

import pytest

from engine.cli import main
from engine.io import load_session


def test_trains_and_writes_a_session(tmp_path, capsys):
    out = tmp_path / "run.json"
    code = main(["--dataset", "moons", "--layers", "2,8,4,1", "--activation", "relu",
                 "--lr", "0.2", "--epochs", "20", "--seed", "1", "--batch-size", "0",
                 "--loss", "mse", "--seed-exact", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "train loss" in printed and "accuracy" in printed
    s = load_session(out)
    assert s.epoch == 20 and s.config.seed_exact and s.config.learning_rate == 0.2
    assert s.config.layer_sizes == (2, 8, 4, 1)


def test_continue_from_a_file(tmp_path):
    out = tmp_path / "run.json"
    assert main(["--epochs", "2", "--out", str(out)]) == 0
    assert main(["--from", str(out), "--epochs", "3", "--out", str(out)]) == 0
    assert load_session(out).epoch == 5


@pytest.mark.parametrize("args, words", [
    (["--layers", "3,8,1"], "layers"),
    (["--layers", "2,64,1"], "hidden"),
    (["--lr", "-1"], "learning_rate"),
    (["--dataset", "nope"], "invalid choice"),
    (["--activation", "swish"], "activations"),
    (["--epochs", "-3"], "epochs"),
    (["--layers", "2,x,1"], "whole numbers"),
    (["--backend", "cupy"], "CuPy"),
])
def test_bad_arguments_exit_2_with_one_line(args, words):
    if "cupy" in args and importlib.util.find_spec("cupy"):
        pytest.skip("CuPy is installed here")
    proc = subprocess.run([sys.executable, "-m", "engine.cli", *args, "--epochs", "1"]
                          if "--epochs" not in args else [sys.executable, "-m", "engine.cli",
                                                          *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
