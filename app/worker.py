"""The worker thread: carries requests to the engine host and its responses back.

The GUI calls `send(request)` (thread-safe, never waits: the request is queued and the
worker woken) and receives every response through the queued `received` signal; the
presenter (app/presenter.py) is its only subscriber.

The engine runs in one of two hosts behind the same protocol (engine/protocol.py):
- "process" (the default): a child process (spawn start method; it imports no Qt) that
  trains on its own core while the GUI draws on another. The worker thread pipes requests
  to it and responses back. If the process dies, `engine_lost` says so and the worker
  waits for `restart(document)` to start a fresh one from the state the GUI holds.
- "thread": the EngineCore runs in the worker thread itself (tests, and platforms where
  a child process cannot start). Training then shares the interpreter lock with the GUI,
  so the core takes turns: it waits while the GUI draws a frame.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue
import threading
from concurrent.futures import Future
from multiprocessing.connection import wait

from PySide6.QtCore import QObject, QThread, Signal

from engine import protocol as p
from engine.host import EngineCore, serve
from engine.io import session_from_dict, session_to_dict
from engine.protocol import Frame, SessionInfo  # noqa: F401 - re-exported for the app
from engine.session import TrainingSession

HOSTS = ("process", "thread")
HOST_NAMES = {"process": "its own process", "thread": "the window's training thread"}
STOP_WAIT_S = 3.0  # for the engine process to end on its own before it is terminated


def default_host() -> str:
    """NEUROPLAY_ENGINE=thread keeps the engine in the app's process."""
    host = os.environ.get("NEUROPLAY_ENGINE", "process")
    return host if host in HOSTS else "process"


class EngineWorker(QObject):
    """Runs the engine host and relays its messages. Create on the GUI thread; `start()`.

    Signals (queued to the GUI): received(Response), engine_lost(str), stopped().
    """

    received = Signal(object)
    engine_lost = Signal(str)
    stopped = Signal()

    def __init__(self, session: TrainingSession, host: str = "process",
                 backend: str = "numpy"):
        super().__init__()
        if host not in HOSTS:
            raise ValueError(f"host must be one of {HOSTS}, not {host!r}")
        self.host = host
        self.backend = backend
        self._session = session
        self._start_document: p.OpenDocument | None = (
            p.OpenDocument(session_to_dict(session)) if host == "process" else None)
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = multiprocessing.Pipe(duplex=False)
        self._wake_lock = threading.Lock()
        self._woken = False
        self._stop = threading.Event()
        self._restart: queue.SimpleQueue = queue.SimpleQueue()
        self._process = None
        self._heard = False
        self._neurons: tuple | None = None  # the last frame's neuron pictures (worker thread)
        self._documents: dict[int, Future] = {}  # GetDocument id -> its Future
        self._documents_lock = threading.Lock()
        self.thread = _LoopThread(self._run)
        self.thread.setObjectName("neuroplay-engine")

    # ------------------------------------------------------------ GUI thread
    def start(self) -> None:
        self.thread.start()

    def send(self, request: p.Request) -> bool:
        """Queue `request` for the engine; False once the worker is stopping."""
        if self._stop.is_set():
            return False
        self._requests.put(request)
        self._wake()
        return True

    def document_future(self) -> Future:
        """Ask the engine for its whole document (training state included, for exact
        resume). The Future is answered on the worker thread, so the GUI thread may wait on
        it (Save, closing) without the answer needing the GUI's event loop; it is cancelled
        if the engine stops or is lost first."""
        future: Future = Future()
        request = p.GetDocument()
        with self._documents_lock:
            self._documents[request.id] = future
        if not self.send(request):
            self._cancel_documents()
        return future

    def _cancel_documents(self) -> None:
        with self._documents_lock:
            pending, self._documents = self._documents, {}
        for future in pending.values():
            future.cancel()

    def restart(self, start: p.OpenDocument) -> None:
        """After engine_lost: start a fresh engine process from `start`."""
        self._restart.put(start)
        self._wake()

    def engine_pid(self) -> int | None:
        """The engine process's id (None in-thread or before it started)."""
        process = self._process
        return process.pid if process is not None else None

    def close(self, timeout_ms: int = 10000) -> bool:
        """Stop the engine and the thread and wait for both; True when they ended."""
        if not self.thread.isRunning():
            return True
        self._stop.set()
        self._restart.put(None)
        self._wake()
        return bool(self.thread.wait(timeout_ms))

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def _wake(self) -> None:
        with self._wake_lock:
            if self._woken:
                return
            self._woken = True
            try:
                self._wake_writer.send_bytes(b"")
            except OSError:  # the worker has ended and closed its end
                pass

    # ------------------------------------------------------------ worker thread
    def _take_wake(self) -> None:
        with self._wake_lock:
            while self._wake_reader.poll(0):
                self._wake_reader.recv_bytes()
            self._woken = False

    def _pending(self) -> list[p.Request]:
        self._take_wake()
        requests = []
        while True:
            try:
                requests.append(self._requests.get_nowait())
            except queue.Empty:
                return requests

    def _deliver(self, response: p.Response) -> None:
        if isinstance(response, p.Frame):
            if response.neurons_kept and self._neurons is not None:
                snap = dataclasses.replace(response.snapshot, neuron_outputs=self._neurons)
                response = dataclasses.replace(response, snapshot=snap, neurons_kept=False)
            p.read_only(response.snapshot)
            self._neurons = response.snapshot.neuron_outputs
        elif isinstance(response, p.DocumentReady):
            with self._documents_lock:
                future = self._documents.pop(response.id, None)
            if future is not None:
                future.set_result(response.document)
                return  # asked for by document_future, not by the presenter
        self.received.emit(response)

    def _run(self) -> None:
        try:
            if self.host == "thread":
                self._run_here(self._session)
            else:
                self._run_process()
        finally:
            self._cancel_documents()
            self.stopped.emit()

    def _run_here(self, session: TrainingSession) -> None:
        core = EngineCore(self._deliver, session, take_turns=True, backend=self.backend)
        self._session = None  # the core owns it now
        core.start()
        while not self._stop.is_set() and not core.finished:
            wait([self._wake_reader], core.idle_timeout())
            for request in self._pending():
                core.handle(request)
            core.work()

    def _fall_back(self, start: p.OpenDocument) -> None:
        """No working child process here: run the engine in this thread instead."""
        self.host = "thread"
        try:
            session = session_from_dict(start.document, backend=self.backend)
        except ValueError:
            session = TrainingSession(backend=self.backend)
        self._run_here(session)

    def _run_process(self) -> None:
        context = multiprocessing.get_context("spawn")
        start = self._start_document
        while start is not None and not self._stop.is_set():
            ours, theirs = context.Pipe()
            process = context.Process(target=serve, args=(theirs, start, self.backend),
                                      name="neuroplay-engine", daemon=True)
            try:
                process.start()
            except (OSError, RuntimeError, ImportError):  # no child processes here
                theirs.close()
                ours.close()
                self._fall_back(start)
                return
            theirs.close()
            self._process = process
            self._heard = False
            lost = self._pump(process, ours)
            self._end(process, ours)
            if lost is None:
                return
            if not self._heard:  # it died before saying anything: it cannot start here
                self._pending()
                self._cancel_documents()
                self._fall_back(start)
                return
            self._pending()  # requests made for the lost engine are dropped
            self._cancel_documents()  # their answers died with the process
            self.engine_lost.emit(lost)
            start = self._restart.get()  # the presenter answers with the GUI's last state

    def _pump(self, process, connection) -> str | None:
        """Relay until stopped (None) or until the engine is lost (why, for the user)."""
        while not self._stop.is_set():
            wait([connection, self._wake_reader, process.sentinel])
            try:
                for request in self._pending():
                    connection.send(request)
                while connection.poll(0):
                    self._deliver(connection.recv())
                    self._heard = True
            except (EOFError, OSError):
                return self._why(process)
            if not process.is_alive() and not connection.poll(0):
                return self._why(process)
        return None

    @staticmethod
    def _why(process) -> str:
        process.join(1.0)
        code = process.exitcode
        if code is not None and code < 0:
            return f"the engine process was ended by signal {-code}"
        return f"the engine process stopped (exit code {code})"

    def _end(self, process, connection) -> None:
        try:
            connection.send(p.Shutdown())
        except (OSError, ValueError):
            pass
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.terminate()
            process.join(STOP_WAIT_S)
        connection.close()
        self._process = None


class _LoopThread(QThread):
    """A QThread that runs one function (a plain loop that waits on pipes, not Qt events)."""

    def __init__(self, target):
        super().__init__()
        self._target = target

    def run(self) -> None:  # noqa: D102 - Qt's name
        self._target()
