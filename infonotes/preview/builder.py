"""The builder: the process that makes `serve`'s full rebuilds.

A full build forks worker processes (output/parallel.py). A process forked from one that
runs threads can deadlock: a lock another thread held at the fork (in the allocator, in
an import, in a buffered stream) stays held in the child forever, and Python 3.12+ warns
about such forks. `serve` runs threads (the watcher, rebuilds, search, requests), so it
forks this one process first, while it has no thread but the main one. The builder never
starts a thread: it waits on its pipe for an order, and forks a process of its own for
each build, which runs `build_site` (forking its workers safely) and sends back the
`BuildResult` (the model and the checked notes) pickled. That process ends with its
build, and its memory goes back to the system: the idle builder stays small.

It ends when `serve` stops it (an interrupt: a build in progress is abandoned and its
staging folder removed), and when `serve` is gone (its end of the pipe closes).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from infonotes.commands.build import BuildResult, build_site
from infonotes.config import Config
from infonotes.problems import InputError

STOP_TIMEOUT = 30.0
"""Seconds the builder may take to abandon a build (removing a big staging folder takes a
few) before it is killed."""


@dataclass(frozen=True)
class BuildOrder:
    """What `build_site` is asked to build."""

    config: Config
    notes_dir: Path
    output_dir: Path
    drafts: bool


class BuilderStopped(RuntimeError):
    """The builder process is gone: serve is stopping, or someone ended the process."""


class Builder:
    """`serve`'s end of the builder process. Use as a context manager: leaving the block
    stops the process. `build` is for one thread at a time (the rebuild thread)."""

    def __init__(self, process, connection):
        self._process = process
        self._connection = connection
        self._state = threading.Lock()  # guards the two flags below
        self._building = False
        self._stopped = False

    @classmethod
    def start(cls) -> "Builder":
        """Fork the builder. Call it before this process starts any thread."""
        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe()
        # Not a daemon: multiprocessing forbids daemonic processes to have children, and
        # a build forks its workers. It ends with serve all the same (see the top).
        process = context.Process(target=_take_orders, args=(theirs, mine), name="infonotes-builder")
        process.start()
        theirs.close()
        return cls(process, mine)

    def __enter__(self) -> "Builder":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self._connection.close()

    def build(self, config: Config, *, notes_dir: Path, output_dir: Path, drafts: bool) -> BuildResult:
        """`build_site` with these arguments, run by the builder: its InputError is raised
        here as it is, any other failure as a RuntimeError with the builder's traceback."""
        with self._state:
            if self._stopped:
                raise _stopped()
            self._building = True
        try:
            self._connection.send(BuildOrder(config, notes_dir, output_dir, drafts))
            ok, answer = _unpickled(self._connection.recv_bytes())
        except (EOFError, OSError):
            raise _stopped() from None
        finally:
            with self._state:
                self._building = False
        if ok:
            return answer
        if isinstance(answer, InputError):
            raise answer
        raise RuntimeError(f"the builder failed:\n{answer}")

    def stop(self) -> None:
        """End the builder; a build in progress is abandoned (the thread waiting for it gets
        BuilderStopped)."""
        with self._state:
            self._stopped = True
            building = self._building
        if not building:
            self._connection.close()  # the builder sees the end of the pipe
        elif self._process.is_alive():
            # The rebuild thread reads the pipe (so it stays open): interrupt the build, and
            # the thread sees the end of the pipe once the builder is gone.
            os.kill(self._process.pid, signal.SIGINT)
        self._process.join(STOP_TIMEOUT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _stopped() -> BuilderStopped:
    return BuilderStopped("the builder process has stopped, and full rebuilds need it: restart serve")


def _unpickled(data: bytes):
    # A build's model is a great many objects and no garbage: left on, the cycle collector
    # would walk those made so far again and again while they are made, which is most of
    # the time unpickling takes.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


# --- in the builder process -------------------------------------------------------------


def _take_orders(connection, serves_end) -> None:
    """The builder's life: one build an order, each in a process of its own, until serve
    is gone or interrupts it."""
    serves_end.close()  # else serve's end stays open here too, and serve's exit would not end the pipe
    # Serve stops the builder with SIGINT, also when serve itself was started with it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    context = multiprocessing.get_context("fork")
    build = None
    try:
        while True:
            order = connection.recv()
            # Not a daemon either: it forks the build's workers.
            build = context.Process(target=_build_and_answer, args=(order, connection), name="infonotes-build")
            build.start()
            build.join()
            if build.exitcode != 0:  # it ended without an answer (killed, out of memory, interrupted)
                connection.send_bytes(_pickled((False, f"the build process ended with exit code {build.exitcode}")))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        # Serve is gone, or stops the builder: abandon the build (it removes its staging folder).
        if build is not None and build.is_alive():
            os.kill(build.pid, signal.SIGINT)
            build.join()


def _build_and_answer(order: BuildOrder, connection) -> None:
    """In a build's own process: build, and send the answer."""
    try:
        connection.send_bytes(_pickled(_build(order)))
    except (BrokenPipeError, KeyboardInterrupt):
        raise SystemExit(1) from None  # no answer: serve is gone or stopping (no traceback to show)


def _pickled(answer: tuple[bool, object]) -> bytes:
    return pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)


def _build(order: BuildOrder) -> tuple[bool, object]:
    """(True, the BuildResult), or (False, the InputError or the traceback of a bug)."""
    try:
        return True, build_site(order.config, notes_dir=order.notes_dir, output_dir=order.output_dir,
                                drafts=order.drafts)
    except InputError as error:
        return False, error
    except Exception:
        return False, traceback.format_exc()
