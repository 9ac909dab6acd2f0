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
    (["--layers", "2,64,1", "--backend", "numpy"], "hidden"),  # auto allows it on a GPU
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


# ------------------------------------------------------------------ issue 13

def test_seed_exact_alone_trains_with_the_seed_loss(tmp_path):
    out = tmp_path / "seed.json"
    assert main(["--seed-exact", "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    config = load_session(out).config
    assert config.seed_exact and config.resolved_loss == "mse"


def test_seed_exact_with_another_loss_names_the_flags(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--seed-exact", "--loss", "bce"])
    assert caught.value.code == 2
    assert "--seed-exact" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--out", ""], ["--from", ""], ["--from", "  "]])
def test_empty_file_names_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--epochs", "1"])
    assert caught.value.code == 2 and "needs a file name" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["missing-folder/run.json", "."])
def test_an_unwritable_out_is_found_before_training(tmp_path, capsys, target):
    with pytest.raises(SystemExit) as caught:
        main(["--epochs", "5", "--out", str(tmp_path / target)])
    captured = capsys.readouterr()
    assert caught.value.code == 2 and "cannot write" in captured.err
    assert "epochs 5" not in captured.out  # refused before any training


def test_divergence_prints_no_warning_and_command_line_words(capfd):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy RuntimeWarning fails the run
        code = main(["--dataset", "plane", "--lr", "100", "--optimizer", "momentum",
                     "--epochs", "20", "--quiet"])
    captured = capfd.readouterr()
    assert code == 3
    assert "RuntimeWarning" not in captured.err and "press Reset" not in captured.err
    assert "--lr" in captured.err


def test_from_applies_live_flags_and_refuses_the_others(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["--epochs", "2", "--points", "40", "--quiet", "--out", str(out)]) == 0
    assert main(["--from", str(out), "--epochs", "1", "--lr", "0.5", "--optimizer", "adam",
                 "--batch-size", "4", "--quiet", "--out", str(out)]) == 0
    s = load_session(out)
    assert (s.config.learning_rate, s.config.optimizer, s.config.batch_size) == (0.5, "adam", 4)
    assert s.epoch == 3 and s.config.n_points == 40
    for flag, value in [("--dataset", "xor"), ("--layers", "2,3,1"), ("--points", "10"),
                        ("--seed", "4")]:
        with pytest.raises(SystemExit) as caught:
            main(["--from", str(out), flag, value])
        assert caught.value.code == 2 and flag in capsys.readouterr().err


def weights_of(path) -> list:
    s = load_session(path)
    return [w.tolist() for w in s.snapshot().weights + s.snapshot().biases]


@pytest.mark.parametrize("flags", [
    ["--optimizer", "adam", "--schedule", "cosine"],
    ["--optimizer", "momentum", "--batch-size", "7", "--schedule", "step"],
    ["--optimizer", "rmsprop", "--batch-size", "0"],
])
def test_from_fifty_and_fifty_epochs_equal_a_hundred(tmp_path, flags):
    common = ["--points", "20", "--layers", "2,4,1", "--activation", "tanh", "--quiet", *flags]
    assert main([*common, "--epochs", "100", "--out", str(tmp_path / "a.json")]) == 0
    assert main([*common, "--epochs", "50", "--out", str(tmp_path / "b.json")]) == 0
    assert main(["--from", str(tmp_path / "b.json"), "--epochs", "50", "--quiet",
                 "--out", str(tmp_path / "c.json")]) == 0
    assert weights_of(tmp_path / "a.json") == weights_of(tmp_path / "c.json")


def test_control_characters_from_a_file_reach_the_terminal_escaped(tmp_path, capsys):
    import json
    out = tmp_path / "run.json"
    assert main(["--epochs", "1", "--quiet", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    doc["config"]["\x1b]0;owned\x07"] = 1
    out.write_text(json.dumps(doc))
    with pytest.raises(SystemExit):
        main(["--from", str(out)])
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;owned\\x07" in err
