"""Run one function over slices of a list in forked worker processes.

Forking (not spawning) lets each worker inherit what the function needs, the catalog
or the whole site model, without pickling it; only the results travel back.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback

from .problems import InputError


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def map_slices(function, items: list, workers: int | None = None, minimum: int = 64) -> list:
    """[function(slice) for each slice], run in parallel; results in slice order.

    `function` takes a list and returns a list. Small inputs run in this process:
    a fork costs more than it saves below `minimum` items.
    """
    with start_slices(function, items, workers, minimum) as running:
        return running.results()


def start_slices(function, items: list, workers: int | None = None, minimum: int = 64) -> "Running":
    """`map_slices` that returns at once, so that this process can do other work while the
    workers run; `results()` waits for them. Use it as a context manager: leaving the block
    early (an error in that other work) stops the workers."""
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(items) < minimum or not _can_fork():
        return Running(done=function(items))
    context = multiprocessing.get_context("fork")
    running = Running(total=len(items))
    # A worker shares this process's memory until it writes to it, and a garbage
    # collection writes to every object it visits: frozen objects it leaves alone, so
    # the workers do not each end up with a copy of the whole site model.
    gc.freeze()
    try:
        for part in (items[i::workers] for i in range(workers)):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_run, args=(function, part, sender), daemon=True)
            process.start()
            sender.close()
            running.pipes.append(receiver)
            running.processes.append(process)
    finally:
        gc.unfreeze()  # here, in the parent, everything is collectable again
    return running


class Running:
    """Worker processes, each on one slice of a list (or, for small lists, the result
    already made in this process)."""

    def __init__(self, total: int = 0, done: list | None = None):
        self.total = total
        self.done = done
        self.pipes: list = []
        self.processes: list = []

    def __enter__(self) -> "Running":
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()

    def results(self) -> list:
        """Every slice's results, merged back into the order of the items."""
        if self.done is not None:
            return self.done
        results = []
        failure = None
        for receiver, process in zip(self.pipes, self.processes):
            try:
                ok, value = receiver.recv()
            except EOFError:
                ok, value = False, "a worker process died without a result"
            process.join()
            if ok:
                results.append(value)
            else:
                failure = failure or value
        if isinstance(failure, InputError):
            raise failure
        if failure:
            raise RuntimeError(f"worker failed:\n{failure}")
        self.done = _interleave(results, self.total)
        return self.done


def _run(function, part, sender) -> None:
    try:
        sender.send((True, function(part)))
    except InputError as error:  # a problem for people: the parent reports it as it is
        sender.send((False, error))
    except BaseException:  # the parent re-raises it; a worker must always answer
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()


def _interleave(results: list[list], total: int) -> list:
    """Undo the round-robin slicing so results line up with the items."""
    merged = [None] * total
    workers = len(results)
    for offset, part in enumerate(results):
        merged[offset::workers] = part
    return merged


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
