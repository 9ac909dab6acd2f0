"""Qt tests run headless: choose the offscreen platform before anything loads Qt.

The offscreen screen is 1920x1080, a common desktop, instead of Qt's 800x800: the window
fits itself to its screen, and the tests of other sizes set their sizes themselves.
"""

import json
import os
import tempfile

SCREEN = {"name": "test screen", "x": 0, "y": 0, "width": 1920, "height": 1080,
          "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}

if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _config = os.path.join(tempfile.gettempdir(), f"neuroplay-test-screen-{os.getpid()}.json")
    with open(_config, "w", encoding="utf-8") as f:
        json.dump({"screens": [SCREEN]}, f)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_config}"

import pytest  # noqa: E402 - the platform above is chosen before anything loads Qt
from window_helpers import close_window, shown_window  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown window (modules with their own needs define their own `window`)."""
    made = shown_window(qtbot, tmp_path)
    yield made
    close_window(made)


@pytest.fixture
def chart(qtbot):
    """A shown LossChart, 500x300."""
    from app.views.loss_chart import LossChart

    made = LossChart()
    qtbot.addWidget(made)
    made.resize(500, 300)
    made.show()
    qtbot.waitExposed(made)
    return made
