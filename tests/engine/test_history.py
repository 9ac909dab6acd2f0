"""History: the session's loss rows in one array, read back like the list it replaced."""

import math

import numpy as np
import pytest

from engine.history import History


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
