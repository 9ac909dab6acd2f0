"""Save a picture of the window after a few hundred training steps (for the README).

    python -m app.screenshot OUT.png [--steps N] [--size 1280x800] [--dark]

Runs offscreen unless a display platform is set; never touches the user's settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from app.main import limit_blas_threads

limit_blas_threads()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.screenshot",
                                     description="Save a screenshot of the Neuroplay window.")
    parser.add_argument("out", help="where to write the PNG")
    parser.add_argument("--steps", type=int, default=600, help="training steps first")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--dark", action="store_true", help="use the dark theme")
    args = parser.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 1280x800, not {args.size!r}")
    args.width, args.height = width, height
    if args.steps < 0:
        parser.error("--steps must be zero or more")
    return args


def take_screenshot(out: str, steps: int = 600, size: tuple[int, int] = (1280, 800),
                    dark: bool = False, timeout_s: float = 60.0) -> str:
    """Build the window with the default session, train `steps` steps, save it to `out`."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.classroom import Classroom
    from app.draw_tools import DrawingController
    from app.parts import window_parts
    from app.settings import Settings
    from app.window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = Settings()  # in memory: the screenshot never changes saved settings
    settings.save_bool("dark", dark)
    window = MainWindow(settings=settings)
    # What a user sees, without the File menu's autosave and questions on closing.
    parts = window_parts(window)
    DrawingController.build(parts)
    Classroom(parts)
    # The asked-for size, not the window fitted (maybe maximised) to the offscreen screen.
    window.setWindowState(Qt.WindowNoState)
    window.resize(*size)
    window.show()
    try:
        target = window.presenter.mirror.step_count + steps
        window.presenter.step(steps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            app.processEvents()
            frame = window.last_frame()
            if frame is not None and frame.snapshot.step >= target:
                break
            time.sleep(0.01)
        for _ in range(5):  # let layouts and plots settle
            app.processEvents()
            time.sleep(0.02)
        if not window.grab().save(out):
            raise OSError(f"could not write the screenshot to {out}")
    finally:
        window.close()
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = take_screenshot(args.out, args.steps, (args.width, args.height), args.dark)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
