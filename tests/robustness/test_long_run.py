"""A session left training stays light: XOR at Max with the autosave on, for 4 minutes
(the hour-long figures come from `python -m benchmarks.long_run`). The loss history
stops growing once it reaches its bound, and with it the autosave file and the memory."""

from __future__ import annotations

import pytest

from benchmarks.long_run import long_run, report
from engine import history

MAX_ROWS = 2 * history.RECENT_ROWS + 4 * history.OLD_BUCKETS + 1


@pytest.mark.slow
def test_four_minutes_at_max_stop_growing(qapp, tmp_path):
    result = long_run(minutes=4, period_s=30, autosave_s=15, folder=tmp_path)
    report(result)
    periods = result["periods"]
    assert periods[-1]["epoch"] > MAX_ROWS, "too few epochs to reach the history's bound"
    assert all(p["session_rows"] <= MAX_ROWS and p["chart_rows"] <= MAX_ROWS for p in periods)
    assert all(p["autosaves"] >= 1 for p in periods)
    sizes = [p["file_mb"] for p in periods]
    assert all(size is not None and size < 5 for size in sizes)
    half = len(periods) // 2
    # Once the history is at its bound the file only breathes as old buckets merge.
    assert max(sizes[half:]) <= 1.25 * max(sizes[:half])
    rss = [p["rss_mb"] for p in periods]
    assert max(rss[half:]) - rss[half - 1] < 30, rss  # flat, not about 200 bytes an epoch
    assert result["kept_file_mb"] is not None and result["kept_file_mb"] < 5
