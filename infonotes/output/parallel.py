"""Run one function over parts of a list in forked worker processes.

Forking (not spawning) lets each worker inherit what the function needs, the catalog
or the whole site model, without pickling it; only the results travel back.

- `map_chunks`: this process and the workers take chunks of the list from a shared
  counter, so the work evens out whatever each part costs.
- `map_beside`: the same, but this process first does a job of its own.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback

from infonotes.problems import InputError

CHUNK = 8
"""Items per claim, unless the caller says otherwise: small enough to even out the end, large enough that
claiming (a lock and a counter) costs nothing next to the work."""


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def map_chunks(function, items: list, workers: int | None = None, chunk: int = CHUNK) -> list:
    """[function(chunk) for each chunk of `chunk` items], run by this process and
    `workers` - 1 forked ones (default: one process per core); results in item order."""
    workers = worker_count() if workers is None else workers
    return map_beside(function, items, _nothing, workers - 1, chunk=chunk)[0]


def _nothing() -> None:
    return None


def map_beside(function, items: list, job, workers: int | None = None, minimum: int = 64,
               chunk: int = CHUNK) -> tuple[list, object]:
    """(function(items), job()): `job` runs in this process while `workers` forked
    processes (default: one per core but this one) work through `items`; then this
    process helps them finish. `function` takes a list and returns a list; its results
    come back in the order of the items.

    With no worker to spare, or few items, the job and then the function run here.
    """
    workers = worker_count() - 1 if workers is None else workers
    if workers < 1 or len(items) < minimum or not _can_fork():
        done = job()
        return function(items), done
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    context = multiprocessing.get_context("fork")
    claimed = context.Value("i", 0)
    with _Workers() as pool:
        for _ in range(workers):
            pool.start(_work_through, function, chunks, claimed)
        done = job()
        mine = _work_through(function, chunks, claimed)
        parts = [mine, *pool.results()]
    by_chunk = dict(pair for part in parts for pair in part)
    return [result for index in range(len(chunks)) for result in by_chunk[index]], done


def _work_through(function, chunks: list, claimed) -> list[tuple[int, list]]:
    """(chunk number, function(chunk)) for every chunk this process claims first."""
    done = []
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value += 1
        if index >= len(chunks):
            return done
        done.append((index, function(chunks[index])))


class _Workers:
    """Forked processes, each sending back one value; leaving the block early (an error
    here) stops those still running."""

    def __init__(self):
        self.context = multiprocessing.get_context("fork")
        self.pipes: list = []
        self.processes: list = []

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()

    def start(self, target, *args) -> None:
        receiver, sender = self.context.Pipe(duplex=False)
        # A worker shares this process's memory until it writes to it, and a garbage
        # collection writes to every object it visits: frozen objects it leaves alone,
        # so the workers do not each end up with a copy of the whole site model.
        gc.freeze()
        try:
            process = self.context.Process(target=_run, args=(target, *args, sender), daemon=True)
            process.start()
        finally:
            gc.unfreeze()  # here, in the parent, everything is collectable again
        sender.close()
        self.pipes.append(receiver)
        self.processes.append(process)

    def results(self) -> list:
        """Each worker's value, in the order they were started; a worker's InputError is
        raised as it is, any other failure as a RuntimeError with its traceback."""
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
        return results


def _run(function, *args) -> None:
    """In a worker: send back (True, function(*args)), or (False, what went wrong)."""
    *args, sender = args
    try:
        sender.send((True, function(*args)))
    except InputError as error:  # a problem for people: the parent reports it as it is
        sender.send((False, error))
    except BaseException:  # the parent re-raises it; a worker must always answer
        sender.send((False, traceback.format_exc()))
    finally:
        sender.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
