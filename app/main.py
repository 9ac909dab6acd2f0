"""Start Neuroplay: `neuroplay [FILE] [--smoke-test] [--reset-settings]`.

`python -m app.main` and `make run` come here.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

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


def _optional_module(name: str):
    """The module `name` when it exists (later features plug in here), else None."""
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


# Features built on the window, each added by a function of its module when present:
# the File menu (with the drawing tools and autosave) and the classroom (lessons, explainer).
FEATURES = (("app.files", "attach"), ("app.classroom", "attach"))


def attach_features(window, features=FEATURES) -> None:
    """Add the optional features, (module, function) pairs, to a new MainWindow."""
    for module_name, function in features:
        module = _optional_module(module_name)
        if module is not None:
            getattr(module, function)(window)


def offer_kept_session(window) -> None:
    """Closing never asks: the work a closed (or crashed) window kept is offered back here,
    by app/files.py when present."""
    files = _optional_module("app.files")
    if files is not None:
        files.offer_kept_session(window)


def end_by_signal(window) -> None:
    """End like a quit that cannot ask: autosave (app.files), close, leave the event loop."""
    from PySide6.QtWidgets import QApplication

    files = getattr(window, "files", None)
    if files is not None and hasattr(files, "end_unasked"):
        files.end_unasked()
    window.close()
    QApplication.quit()  # also ends a file dialog's own loop


def install_signal_handlers(window, signals=None) -> None:
    """SIGTERM (logout, shutdown, `kill`) and SIGINT (Ctrl+C) end Neuroplay through
    end_by_signal. Python runs a handler only when it next gets control, never while Qt's
    loop waits in C++: a timer gives it that chance. The handler only schedules the quit,
    so a save in progress finishes first."""
    import signal

    from PySide6.QtCore import QTimer

    def on_signal(_signum, _frame) -> None:
        QTimer.singleShot(0, window, lambda: end_by_signal(window))

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
        # Hook: app/smoke.py (another module) runs the end-to-end check.
        smoke = _optional_module("app.smoke")
        if smoke is None:
            print("neuroplay: --smoke-test is not available in this build "
                  "(app/smoke.py is missing)", file=sys.stderr)
            return 2
        return int(smoke.run(args) or 0)

    from PySide6.QtWidgets import QApplication

    from app.settings import Settings
    from app.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    icon_module = _optional_module("app.icon")
    if icon_module is not None:
        app.setWindowIcon(icon_module.app_icon())

    settings = Settings.for_user()
    if args.reset_settings:
        settings.clear()
    window = MainWindow(settings=settings)
    attach_features(window)
    install_signal_handlers(window)
    window.show()

    if args.file:
        # Hook: app/files.py (another module) opens session files into the window.
        files = _optional_module("app.files")
        if files is None:
            window.banner.show_message(
                f"Cannot open {args.file}: opening files is not available in this build.",
                "error", 0)
        else:
            files.open_path(window, args.file)
    else:
        offer_kept_session(window)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
