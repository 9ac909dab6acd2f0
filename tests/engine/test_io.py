import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import SessionConfig
from engine.history import History
from engine.io import (
    SessionFileError,
    decode_history,
    encode_history,
    load_session,
    make_custom_dataset,
    save_session,
    session_from_dict,
    session_to_dict,
)
from engine.session import TrainingSession


def trained(**changes):
    s = TrainingSession(SessionConfig().replace(**changes))
    s.run_epochs(3)
    return s


def test_round_trip_is_exact(tmp_path):
    s = trained(hidden=(5, 3), activations=("tanh", "relu"), optimizer="adam")
    path = tmp_path / "run.json"
    save_session(s, path)
    t = load_session(path)
    assert t.config == s.config
    assert (t.step_count, t.epoch) == (s.step_count, s.epoch)
    for a, b in zip(s.snapshot().weights, t.snapshot().weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(t.history) == len(s.history)
    np.testing.assert_allclose(np.array(t.history), np.array(s.history), equal_nan=True)
    np.testing.assert_array_equal(t.snapshot().boundary, s.snapshot().boundary)


def test_custom_points_round_trip(tmp_path):
    pts = np.array([[0.1, 0.2], [-0.5, 0.4], [0.9, -0.9], [0.3, 0.3]])
    data = make_custom_dataset(pts, np.array([0, 1, 1, 0]), "classification")
    s = TrainingSession(SessionConfig(dataset="custom", train_fraction=1.0), data=data)
    path = tmp_path / "drawn.json"
    save_session(s, path)
    t = load_session(path)
    np.testing.assert_array_equal(t.data.points, pts)
    np.testing.assert_array_equal(t.data.labels, [0, 1, 1, 0])


def doc():
    return session_to_dict(trained())


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(version=99), "newer"),
    (lambda d: d.update(format="something"), "not a Neuroplay session"),
    (lambda d: d.pop("weights"), "weights"),
    (lambda d: d["weights"][0].pop(), "weights"),
    (lambda d: d["config"].update(hidden=[64]), "settings"),
    (lambda d: d["config"].update(learning_rate=-1), "learning_rate"),
    (lambda d: d.update(step=-4), "step"),
    (lambda d: d.update(history=[[1, 2]]), "history"),
    (lambda d: d["weights"][0][0].__setitem__(0, "x"), "weights"),
])
def test_bad_documents_are_refused_clearly(mutate, words):
    d = doc()
    mutate(d)
    with pytest.raises(SessionFileError, match=words):
        session_from_dict(d)


def test_bad_files_are_refused(tmp_path):
    good = tmp_path / "good.json"
    save_session(trained(), good)
    text = good.read_text()
    cases = {
        "truncated.json": text[: len(text) // 2],
        "empty.json": "",
        "nan.json": text.replace('"step":', '"step":NaN,"x":', 1),
        "deep.json": "[" * 100000 + "]" * 100000,
        "list.json": "[1, 2, 3]",
    }
    for name, body in cases.items():
        p = tmp_path / name
        p.write_text(body)
        with pytest.raises(SessionFileError):
            load_session(p)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SessionFileError, match="not a text file"):
        load_session(binary)
    with pytest.raises(SessionFileError, match="cannot be read"):
        load_session(tmp_path / "missing.json")


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    import engine.io
    monkeypatch.setattr(engine.io, "MAX_FILE_BYTES", 100)
    p = tmp_path / "big.json"
    p.write_text(json.dumps({"pad": "x" * 200}))
    with pytest.raises(SessionFileError, match="limit"):
        load_session(p)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                               max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(["config", "weights", "biases", "history", "step", "epoch",
                            "data", "version", "diverged"]), value=json_values)
def test_fuzzed_fields_raise_only_the_clear_error(key, value):
    d = BASE_DOC.copy()
    d[key] = value
    try:
        session = session_from_dict(json.loads(json.dumps(d)))
    except SessionFileError as e:
        assert str(e)
        return
    assert all(math.isfinite(float(np.sum(w))) for w in session.snapshot().weights)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_fuzzed_text_raises_only_the_clear_error(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("fuzz") / "f.json"
    p.write_text(text)
    try:
        load_session(p)
    except SessionFileError:
        pass


BASE_DOC = session_to_dict(TrainingSession(SessionConfig(n_points=20)))


# ------------------------------------------------------------------ hostile files (issue 13)

def test_deep_nesting_is_refused_with_a_clear_message(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 5000)
    with pytest.raises(SessionFileError, match="nested too deeply: 5000 levels; the limit is"):
        load_session(p)


def special_files(tmp_path):
    """A FIFO, a symbolic link to it and (when root may) a /dev/zero-like device node, all
    inside tmp_path: never a system path."""
    import os
    import stat

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    link = tmp_path / "link.json"
    link.symlink_to(fifo)
    found = {"fifo": fifo, "link to fifo": link}
    try:
        os.mknod(tmp_path / "zero.json", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        found["device"] = tmp_path / "zero.json"
    except (PermissionError, OSError):
        pass  # not root, or a container without CAP_MKNOD: the FIFO still covers it
    return found


def test_pipes_devices_and_links_to_them_are_not_read(tmp_path):
    import os
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs POSIX FIFOs")
    from engine.datasets import CSVError, load_csv
    from engine.lessons import LessonError, load_lesson

    for kind, path in special_files(tmp_path).items():
        with pytest.raises(SessionFileError, match="not a file"):
            load_session(path)
        with pytest.raises(CSVError, match="not a file"):
            load_csv(path)
        with pytest.raises(LessonError, match="not a file"):
            load_lesson(path)
        assert kind  # each kind refused without hanging or reading forever


def test_saving_refuses_special_files_and_writes_through_links(tmp_path):
    import os
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs POSIX FIFOs")
    s = trained()
    for kind, path in special_files(tmp_path).items():
        mode = os.lstat(path).st_mode
        with pytest.raises(OSError, match="not a file"):
            save_session(s, path)
        assert os.lstat(path).st_mode == mode, kind  # left as it was, not replaced
    with pytest.raises(OSError, match="folder"):
        save_session(s, tmp_path)
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "shortcut.json"
    link.symlink_to(target)
    save_session(s, link)
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert load_session(target).step_count == s.step_count  # the target is the new file
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == []


def test_a_diverged_session_with_overflowed_optimizer_state_saves_and_reopens(tmp_path):
    s = trained(optimizer="momentum")
    first = s.model.parameters()[0]
    s.optimizer.state[first]["velocity"][...] = np.inf
    s.diverged = True
    save_session(s, tmp_path / "diverged.json")
    t = load_session(tmp_path / "diverged.json")
    assert t.diverged and t.step_count == s.step_count
    assert t.training_state()["optimizer_state"][0] == {}  # that slot starts again from 0


def test_a_byte_order_mark_is_accepted(tmp_path):
    s = trained()
    p = tmp_path / "bom.json"
    save_session(s, p)
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert load_session(p).step_count == s.step_count


def test_duplicate_keys_are_refused(tmp_path):
    p = tmp_path / "twice.json"
    save_session(trained(), p)
    p.write_text(p.read_text().replace('{"format":', '{"step": 1, "format":', 1))
    with pytest.raises(SessionFileError, match="'step' appears twice"):
        load_session(p)


def list_history(doc: dict) -> list:
    """The document's history as version 1's list of rows (null for NaN), to edit."""
    rows = decode_history(doc["history"]).array().tolist()
    doc["history"] = [[None if math.isnan(v) else v for v in row] for row in rows]
    return doc["history"]


def encoded_history(doc: dict, row: int, column: int, value: float) -> None:
    """Set one value inside the document's encoded (version 2) history."""
    history = decode_history(doc["history"])
    rows = history.array().copy()
    rows[row, column] = value
    doc["history"] = encode_history(History.restore(rows, history.thinned_rows,
                                                    history.bucket_epochs))


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d["weights"][0][0].__setitem__(0, "0.5"), "weights"),
    (lambda d: d["biases"][0].__setitem__(0, True), "where a number belongs"),
    (lambda d: list_history(d)[0].__setitem__(2, -0.5), "train_loss must be 0 or more"),
    (lambda d: list_history(d)[0].__setitem__(4, 1.5), "train_accuracy must be from 0 to 1"),
    (lambda d: list_history(d)[-1].__setitem__(0, 0), "goes back"),
    (lambda d: list_history(d)[-1].__setitem__(0, "9"), "step is \"9\", not a number"),
    (lambda d: encoded_history(d, 0, 2, -0.5), "train_loss must be 0 or more"),
    (lambda d: encoded_history(d, -1, 0, 0.0), "goes back"),
    (lambda d: d.update(step=1, epoch=3), "'epoch' \\(3\\) is larger than its 'step'"),
    (lambda d: d.update(diverged="yes"), "diverged"),
    (lambda d: d["training_state"].update(epoch_step=True), "epoch_step"),
    (lambda d: d["training_state"]["shuffle"].update(state="zz"), "shuffle.state"),
    (lambda d: d["training_state"]["optimizer_state"][0].update(mean=[[1.0]]), "shape"),
    (lambda d: d["training_state"].update(optimizer_steps=-1), "optimizer_steps"),
    (lambda d: d["training_state"].update(order=[0, 0, 1]), "order"),
    (lambda d: d.pop("training_state"), "training_state"),
])
def test_wrong_types_and_impossible_values_are_refused(mutate, words):
    d = session_to_dict(trained(optimizer="adam", batch_size=7))
    mutate(d)
    with pytest.raises(SessionFileError, match=words):
        session_from_dict(d)


def test_custom_data_and_config_must_agree_on_the_classes():
    pts = np.array([[0.1, 0.2], [-0.5, 0.4], [0.9, -0.9], [0.3, 0.3], [0.0, 0.5]])
    data = make_custom_dataset(pts, np.array([0, 1, 2, 3, 4]), "classification")
    s = TrainingSession(SessionConfig(dataset="custom", classes=5, train_fraction=1.0),
                        data=data)
    d = session_to_dict(s)
    d["config"]["classes"] = 2
    d["config"]["hidden"], d["config"]["activations"] = [3], ["tanh"]
    with pytest.raises(SessionFileError, match=r"'data.n_classes' \(5.*'config.classes' \(2\)"):
        session_from_dict(d)
    d = session_to_dict(s)
    d["data"]["problem"] = "regression"
    with pytest.raises(SessionFileError, match="'data.problem'.*'config.problem'"):
        session_from_dict(d)


def test_control_characters_from_a_file_are_escaped(tmp_path):
    d = session_to_dict(trained())
    d["config"]["\x1b[2Jevil\x07"] = 1
    with pytest.raises(SessionFileError) as caught:
        session_from_dict(d)
    assert "\x1b" not in str(caught.value) and "\\x1b[2Jevil\\x07" in str(caught.value)


# ------------------------------------------------------------------ exact resume

OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]


def resume_config(optimizer: str, batch_size: int, schedule: str) -> SessionConfig:
    return SessionConfig(n_points=20, hidden=(4,), activations=("tanh",), optimizer=optimizer,
                         batch_size=batch_size, schedule=schedule, schedule_steps=30,
                         learning_rate=0.05)


def same_state(a: TrainingSession, b: TrainingSession) -> bool:
    sa, sb = a.snapshot(), b.snapshot()
    arrays = all(np.array_equal(x, y) for x, y in zip(sa.weights + sa.biases,
                                                       sb.weights + sb.biases, strict=True))
    return arrays and (a.step_count, a.epoch) == (b.step_count, b.epoch) and a.history == b.history


@pytest.mark.parametrize("schedule", ["constant", "linear", "step", "cosine"])
@pytest.mark.parametrize("batch_size", [0, 5])
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_fifty_and_fifty_epochs_equal_a_hundred(tmp_path, optimizer, batch_size, schedule):
    config = resume_config(optimizer, batch_size, schedule)
    straight = TrainingSession(config)
    straight.run_epochs(100)
    first = TrainingSession(config)
    first.run_epochs(50)
    save_session(first, tmp_path / "half.json")
    second = load_session(tmp_path / "half.json")
    second.run_epochs(50)
    assert same_state(straight, second)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_resume_in_the_middle_of_an_epoch_is_exact(tmp_path, optimizer):
    config = resume_config(optimizer, 3, "cosine")  # 16 training points: 6 steps an epoch
    straight = TrainingSession(config)
    straight.step(40)
    first = TrainingSession(config)
    first.step(17)
    save_session(first, tmp_path / "mid.json")
    second = load_session(tmp_path / "mid.json")
    assert second.training_state()["epoch_step"] == 5
    second.step(23)
    assert same_state(straight, second)


def test_a_version_1_file_still_opens(tmp_path):
    s = trained(optimizer="adam")
    d = session_to_dict(s)
    d["version"] = 1
    del d["training_state"]
    t = session_from_dict(json.loads(json.dumps(d)))
    assert t.step_count == s.step_count and t.config == s.config
    t.run_epochs(1)  # trains on, from a fresh optimizer state as version 1 always did


def test_the_readers_table_names_every_limit():
    from pathlib import Path

    from engine import limits
    table = (Path(__file__).resolve().parents[2] / "docs" / "readers.md").read_text()
    missing = [name for name in limits.__all__
               if name not in table and name not in ("READ_CHUNK", "MAX_NEURONS")]
    assert missing == []
