"""Reading the smoke test's "engine:" line, for the source and the packaged app alike."""

from __future__ import annotations

import os
import sys

import pytest


def engine_line(out: str) -> dict:
    """The smoke test's "engine:" line: where training ran, the two pids, Qt in the engine."""
    line = next(t for t in out.splitlines() if t.startswith("engine: in "))
    where = line[len("engine: in "):line.index(" (")]
    fields = dict(part.rsplit(" ", 1) for part in line[line.index("(") + 1:-1].split(", "))
    return {"where": where, "engine pid": int(fields["engine pid"]),
            "app pid": int(fields["app pid"]), "qt": fields["Qt in engine:"]}


def assert_engine_ran_in_a_child(out: str, frozen: bool = False) -> None:
    """Training ran in a child process (not the window's thread, which the worker falls
    back to when the child cannot start), that process loaded no Qt GUI, and it ended.

    Frozen, PyInstaller's PySide6 run-time hook imports QtCore in every process the
    executable starts (to embed its qt.conf), the engine's too, before our code runs."""
    engine = engine_line(out)
    assert engine["where"] == "its own process", out
    assert engine["engine pid"] != engine["app pid"]
    if sys.platform.startswith("linux"):
        assert engine["qt"] == ("QtCore" if frozen else "none"), out
    with pytest.raises(ProcessLookupError):  # nothing outlives its window
        os.kill(engine["engine pid"], 0)
