"""History: the session's loss rows in one array, read back like the list it replaced."""

import math

import numpy as np
import pytest

import engine.history as history_module
from engine.history import History, thin


def row(i: float, test_loss: float = 0.5) -> tuple[float, ...]:
    return (float(i), float(i), 1.0 / (i + 1), test_loss, 0.9, math.nan)


def test_rows_read_back_as_tuples_of_floats_through_growth():
    h = History()
    rows = [row(i) for i in range(1000)]  # past the first few doublings
    for r in rows:
        h.append(r)
    assert len(h) == 1000 and h[0][:3] == rows[0][:3] and h[-1][:3] == rows[-1][:3]
    assert all(type(v) is float for v in h[5])
    assert [r[0] for r in h[10:13]] == [10.0, 11.0, 12.0]
    np.testing.assert_array_equal(h.array(998)[:, 0], [998, 999])
    assert [r[0] for r in h] == list(range(1000))


def test_pop_set_and_compare_with_nan():
    h = History([row(0, math.nan), row(1, math.nan)])
    assert h == History([row(0, math.nan), row(1, math.nan)])  # NaN rows still equal
    assert h != History([row(0, math.nan)])
    assert h.pop()[0] == 1.0 and len(h) == 1
    h[-1] = row(7)
    assert h[0][0] == 7.0 and h == [row(7)]
    assert History() == [] and not History()


def test_bad_rows_and_indexes_fail_clearly():
    h = History([row(0)])
    with pytest.raises(ValueError, match="6 numbers"):
        h.append((1.0, 2.0))
    with pytest.raises(IndexError):
        h[1]
    with pytest.raises(IndexError):
        History().pop()


def test_a_session_keeps_its_history_compactly():
    from engine.config import SessionConfig
    from engine.session import TrainingSession

    s = TrainingSession(SessionConfig(n_points=40))
    s.run_epochs(30)
    assert len(s.history) == 31 and isinstance(s.history, History)
    snap = s.snapshot(history_start=29)
    np.testing.assert_array_equal(snap.history, s.history.array(29))
    assert snap.history_start == 29 and snap.train_loss == s.history[-1][2]


# ------------------------------------------------------------------ bounded resolution


def noisy_run(epochs: int, seed: int = 0) -> np.ndarray:
    """(epochs, 6) rows like a long run: a falling, noisy loss; no test set (NaN)."""
    rng = np.random.default_rng(seed)
    e = np.arange(epochs, dtype=np.float64)
    train = 1.0 / (1.0 + e / 100) + 0.01 * rng.random(epochs)
    return np.column_stack([4 * e, e, train, np.full(epochs, np.nan), np.clip(1 - train, 0, 1),
                            np.full(epochs, np.nan)])


@pytest.fixture
def small(monkeypatch):
    """Thin early: 50 recent rows, 10 old buckets."""
    monkeypatch.setattr(history_module, "RECENT_ROWS", 50)
    monkeypatch.setattr(history_module, "OLD_BUCKETS", 10)


def test_a_long_run_stays_bounded_and_keeps_its_shape(small):
    rows = noisy_run(20_000)
    rows[7_777, 2] = 50.0  # a spike deep in the old part
    h = History()
    for r in rows:
        h.append(r)
    kept = h.array()
    assert len(h) <= 2 * 50 + 4 * 10 + 1
    np.testing.assert_array_equal(kept[-50:], rows[-50:])  # the recent part is exact
    np.testing.assert_array_equal(kept[0], rows[0])  # the untrained network stays
    assert kept[:, 2].max() == 50.0 and kept[:, 2].min() == rows[:, 2].min()
    assert np.isnan(kept[:, 3]).all()  # no test set: still a gap, not made-up numbers
    assert np.all(np.diff(kept[:, 1]) > 0)  # in order, each row once
    # Every bucket of the whole run is still drawn: no gap wider than two buckets.
    assert np.diff(kept[: h.thinned_rows + 1, 1]).max() <= 2 * h.bucket_epochs
    assert h.bucket_epochs * 10 >= 20_000 - 50 - 50


def test_thinning_keeps_each_buckets_extremes_of_both_losses():
    rows = noisy_run(64)
    rows[:, 3] = np.linspace(2, 1, 64)
    rows[10, 3] = np.nan
    rows[5, 3], rows[20, 3] = 9.0, -1.0
    kept = thin(rows, 32)
    first, second = kept[kept[:, 1] < 32], kept[kept[:, 1] >= 32]
    for part, source in ((first, rows[:32]), (second, rows[32:])):
        for column in (2, 3):
            assert np.nanmin(part[:, column]) == np.nanmin(source[:, column])
            assert np.nanmax(part[:, column]) == np.nanmax(source[:, column])
    assert len(kept) <= 2 * 4 + 1


def test_a_reader_following_by_index_always_holds_the_same_rows(small):
    """The chart's contract: rows from read_start(held) on replace what it held."""
    h = History([noisy_run(1)[0]])
    mirror = np.empty((0, 6))
    rows = noisy_run(5_000, seed=1)
    for i, r in enumerate(rows[1:]):
        h.append(r)
        if i % 37 == 0:
            start = h.read_start(len(mirror))
            mirror = np.concatenate([mirror[:start], h.array(start)])
            np.testing.assert_array_equal(mirror, h.array())
    start = h.read_start(len(mirror))
    mirror = np.concatenate([mirror[:start], h.array(start)])
    np.testing.assert_array_equal(mirror, h.array())
    assert h.read_start(len(mirror)) == len(mirror)  # nothing rewritten since


def test_restore_gives_back_the_same_history(small):
    h = History(noisy_run(3_000))
    again = History.restore(h.array(), h.thinned_rows, h.bucket_epochs)
    assert again == h and again.thinned_rows == h.thinned_rows
    for more in noisy_run(4_000)[3_000:]:
        h.append(more)
        again.append(more)
    assert again == h  # and they go on thinning alike
    with pytest.raises(ValueError, match="power of two"):
        History.restore(h.array(), 0, 3)
    with pytest.raises(ValueError, match="thinned rows"):
        History.restore(h.array(), len(h) + 1, 1)


def test_real_limits_hold_an_hour_at_max_speed_in_little_memory():
    """XOR at Max trains about 2500 epochs a second: an hour is 9 million rows."""
    h = History()
    rows = noisy_run(1_000_000)
    for start in range(0, len(rows), 20_000):
        h.extend(rows[start: start + 20_000])
    assert len(h) <= 2 * history_module.RECENT_ROWS + 4 * history_module.OLD_BUCKETS + 1
    assert h.array()[0, 1] == 0 and h.array()[-1, 1] == 999_999


def test_a_sessions_snapshots_follow_thinning(small):
    from engine.config import SessionConfig
    from engine.session import TrainingSession

    s = TrainingSession(SessionConfig(n_points=40, batch_size=0))
    held = np.empty((0, 6))
    for _ in range(30):
        s.run_epochs(17)
        snap = s.snapshot(history_start=len(held))
        held = np.concatenate([held[: snap.history_start], snap.history])
    assert s.history.thinned_rows > 0
    np.testing.assert_array_equal(held, s.history.array())


# ------------------------------------------------------------------ in session files


def test_the_history_travels_compactly_and_exactly_through_a_file(tmp_path, small):
    import json

    from engine.config import SessionConfig
    from engine.io import VERSION, load_session, save_session
    from engine.session import TrainingSession

    s = TrainingSession(SessionConfig(n_points=40))
    rows = noisy_run(3_000)
    rows[5, 2] = np.inf  # a diverging moment is kept as it was
    s.history = History(rows)
    s.step_count, s.epoch = int(rows[-1, 0]), int(rows[-1, 1])
    save_session(s, tmp_path / "s.json")
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["version"] == VERSION >= 2 and doc["history"]["rows"] == len(s.history)
    back = load_session(tmp_path / "s.json")
    assert back.history == s.history
    assert (back.history.thinned_rows, back.history.bucket_epochs) == (
        s.history.thinned_rows, s.history.bucket_epochs)


def test_an_hour_at_max_speed_saves_under_5_mb(tmp_path):
    from engine.config import SessionConfig
    from engine.io import load_session, save_session
    from engine.session import TrainingSession

    s = TrainingSession(SessionConfig(dataset="xor"))
    rows = noisy_run(1_000_000)
    for start in range(0, len(rows), 50_000):
        s.history.extend(rows[start: start + 50_000])
    s.step_count, s.epoch = int(rows[-1, 0]), int(rows[-1, 1])
    save_session(s, tmp_path / "long.json")
    assert (tmp_path / "long.json").stat().st_size < 5 * 2**20
    assert load_session(tmp_path / "long.json").history == s.history


def test_version_1_files_with_a_list_history_still_open(tmp_path):
    import json

    from engine.config import SessionConfig
    from engine.io import load_session, session_to_dict
    from engine.session import TrainingSession

    doc = session_to_dict(TrainingSession(SessionConfig(n_points=40)))
    doc.update(version=1, step=4, epoch=1,
               history=[[0, 0, 0.7, None, 0.5, None], [4, 1, 0.6, None, 0.6, None]])
    (tmp_path / "v1.json").write_text(json.dumps(doc))
    h = load_session(tmp_path / "v1.json").history
    assert len(h) == 2 and h[1][:3] == (4.0, 1.0, 0.6) and math.isnan(h[1][3])


@pytest.mark.parametrize("change", [
    {"data": "not base64!"}, {"rows": 4}, {"rows": -1}, {"rows": True},
    {"encoding": "float16"}, {"thinned": 99}, {"bucket_epochs": 3}, {"data": 5},
])
def test_a_damaged_encoded_history_is_refused_clearly(change):
    from engine.config import SessionConfig
    from engine.io import SessionFileError, session_from_dict, session_to_dict
    from engine.session import TrainingSession

    s = TrainingSession(SessionConfig(n_points=40))
    s.run_epochs(2)
    doc = session_to_dict(s)
    doc["history"].update(change)
    with pytest.raises(SessionFileError, match="loss history"):
        session_from_dict(doc)
    doc = session_to_dict(s)
    doc["history"]["columns"] = ["epoch"]
    with pytest.raises(SessionFileError, match="columns"):
        session_from_dict(doc)


def test_extend_and_truncate_hold_what_append_and_pop_hold(monkeypatch):
    """The GUI's mirror takes each frame's rows with truncate + extend, the engine's history
    grows row by row: both must thin at the same rows and end the same, bucket for bucket."""
    monkeypatch.setattr(history_module, "RECENT_ROWS", 50)
    monkeypatch.setattr(history_module, "OLD_BUCKETS", 40)
    rng = np.random.default_rng(3)
    rows = np.column_stack([np.arange(1, 1501), np.arange(1, 1501), rng.random((1500, 4))])
    by_row, at_once = History(), History()
    done = 0
    while done < len(rows):
        part = rows[done: done + int(rng.integers(1, 230))]
        redo = int(rng.integers(0, 3))  # a frame may rewrite the last rows it sent
        for _ in range(min(redo, len(by_row))):
            by_row.pop()
        at_once.truncate(len(at_once) - min(redo, len(at_once)))
        for row in part:
            by_row.append(row)
        at_once.extend(part)
        done += len(part)
        assert len(at_once) == len(by_row)
    assert by_row.thinned_rows > 0 and by_row.bucket_epochs > 1
    assert at_once.thinned_rows == by_row.thinned_rows
    assert at_once.bucket_epochs == by_row.bucket_epochs
    np.testing.assert_array_equal(at_once.array(), by_row.array())
