"""Tests read the engine's own session: ask for its document, wait, rebuild it.

The app never waits for the engine; tests may. Requests are answered in order, so the
session read reflects every request sent before it.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication

from engine.io import session_from_dict
from engine.protocol import DocumentReady

WAIT_S = 20.0


def engine_session(window_or_presenter, timeout_s: float = WAIT_S):
    """A TrainingSession rebuilt from the engine's document, after all requests so far."""
    presenter = getattr(window_or_presenter, "presenter", window_or_presenter)
    answers = []
    wanted = []

    def on_answer(answer) -> None:
        if wanted and getattr(answer, "id", None) == wanted[0]:
            answers.append(answer)

    presenter.answered.connect(on_answer)
    try:
        wanted.append(presenter.request_document())
        deadline = time.monotonic() + timeout_s
        while not answers:
            if time.monotonic() > deadline:
                raise TimeoutError("the engine did not send its document in time")
            QApplication.processEvents()
            time.sleep(0.002)
    finally:
        presenter.answered.disconnect(on_answer)
    # The window redraws a session change over a few event-loop turns: what the test
    # reads next of the views shows every request so far too.
    settled = getattr(window_or_presenter, "settled", None)
    while settled is not None and not settled():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not show the session in time")
        QApplication.processEvents()
        time.sleep(0.002)
    answer = answers[0]
    if not isinstance(answer, DocumentReady):
        raise RuntimeError(f"the engine answered {answer!r}")
    return session_from_dict(answer.document)


def run_in_engine(window, fn, timeout_s: float = WAIT_S):
    """fn(the engine's session as it is now): read-only, on a rebuilt copy."""
    return fn(engine_session(window, timeout_s))


def wait_for_mirror(window, timeout_s: float = WAIT_S) -> None:
    """Wait until the presenter's mirror shows the engine's current step (a frame came)."""
    target = engine_session(window, timeout_s).step_count
    deadline = time.monotonic() + timeout_s
    while window.presenter.mirror.step_count != target:
        if time.monotonic() > deadline:
            raise TimeoutError("no frame showed the engine's step in time")
        QApplication.processEvents()
        time.sleep(0.002)
