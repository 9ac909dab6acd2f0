"""Start Neuroplay: `neuroplay [FILE] [--smoke-test] [--reset-settings]`.

`python -m app.main` and `make run` come here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the features load in build_features, after the checks main() makes
    from app.classroom import Classroom
    from app.draw_tools import DrawingController
    from app.files import FileController, Prompts
    from app.settings import Settings
    from app.window import MainWindow

APP_NAME = "Neuroplay"
# Our matrices are tiny (at most 32 wide): BLAS worker threads only fight the GUI and
# training threads for cores (a 10000x8 by 8x8 product went from 0.07 ms to 12 ms on a
# busy two-core machine). Set before NumPy loads; a user's own setting wins.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads() -> None:
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


limit_blas_threads()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="neuroplay", description="Build small neural networks and watch them learn.")
    parser.add_argument("file", nargs="?", help="a session file to open")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the window, train briefly, check it works, and quit")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="with --smoke-test: where to save the window's picture")
    parser.add_argument("--reset-settings", action="store_true",
                        help="forget the remembered window layout and settings first")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Features:
    """What a window gets besides its own layout, built by build_features."""

    drawing: DrawingController
    files: FileController
    classroom: Classroom


def build_features(window: MainWindow, prompts: Prompts | None = None,
                   autosave_folder: Callable[[Settings], Path | None] | None = None
                   ) -> Features:
    """Build the features of a new MainWindow, in this order, each with the window's parts
    (app/parts.py) and the features it uses: the drawing tools under the plot; the File
    menu with autosave (it takes drawing mode off for a new session); the classroom.

    `prompts`: the File menu's dialogs (default: files.make_prompts, the real ones);
    `autosave_folder(settings)`: where the autosave lives, None for no autosave (default:
    autosave.data_folder, which follows where the settings live)."""
    from app import autosave, files
    from app.classroom import Classroom
    from app.draw_tools import DrawingController
    from app.parts import window_parts

    parts = window_parts(window)
    drawing = DrawingController.build(parts)
    if prompts is None:
        prompts = files.make_prompts(window)
    folder = (autosave_folder or autosave.data_folder)(parts.settings)
    file_controller = files.FileController(parts, prompts, folder, drawing)
    classroom = Classroom(parts)
    return Features(drawing, file_controller, classroom)


def end_by_signal(window: MainWindow, features: Features | None) -> None:
    """End like a quit that cannot ask: autosave, close, leave the event loop."""
    from PySide6.QtWidgets import QApplication

    if features is not None:
        features.files.finish()  # logout or shutdown: nobody to ask, unsaved work is kept
    window.close()
    QApplication.quit()  # also ends a file dialog's own loop


def install_signal_handlers(window: MainWindow, features: Features | None,
                            signals=None) -> None:
    """SIGTERM (logout, shutdown, `kill`) and SIGINT (Ctrl+C) end Neuroplay through
    end_by_signal. Python runs a handler only when it next gets control, never while Qt's
    loop waits in C++: a timer gives it that chance. The handler only schedules the quit,
    so a save in progress finishes first."""
    import signal

    from PySide6.QtCore import QTimer

    def on_signal(_signum, _frame) -> None:
        QTimer.singleShot(0, window, lambda: end_by_signal(window, features))

    for number in signals or (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, on_signal)
    wakeup = QTimer(window)
    wakeup.timeout.connect(lambda: None)
    wakeup.start(200)


def main(argv: list[str] | None = None) -> int:
    # A frozen (PyInstaller) executable started as the engine's child process runs the
    # engine here and exits, instead of opening a second window.
    import multiprocessing

    multiprocessing.freeze_support()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Qt's own answer to missing X11 libraries names none of them, then aborts.
    from app.platform_check import check_display_libraries

    problem = check_display_libraries()
    if problem:
        print(problem, file=sys.stderr)
        return 1

    if args.smoke_test:
        from app import smoke

        return int(smoke.run(args) or 0)

    from PySide6.QtWidgets import QApplication

    from app.icon import app_icon
    from app.settings import Settings
    from app.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(app_icon())

    settings = Settings.for_user()
    if args.reset_settings:
        settings.clear()
    window = MainWindow(settings=settings)
    features = build_features(window)
    install_signal_handlers(window, features)
    window.show()

    if args.file:
        features.files.open_path(args.file)
    else:
        # Closing never asks: the work a closed (or crashed) window kept is offered here.
        features.files.offer_kept_session()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
