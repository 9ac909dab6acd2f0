import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config import SessionConfig
from engine.io import (
    SessionFileError,
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
