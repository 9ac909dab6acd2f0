"""Qt tests run headless: choose the offscreen platform before anything loads Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
