"""The worker pools of infonotes/parallel.py: results in the order of the items, whatever
process made them; problems for people come back as they are; nothing is left running."""
from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import pytest

from infonotes.output.parallel import map_beside, map_chunks
from infonotes.problems import InputError, Problem


def _squares_with_pids(items: list[int]) -> list[tuple[int, int]]:
    return [(item * item, os.getpid()) for item in items]


def _refuse_13(items: list[int]) -> list[int]:
    if 13 in items:
        raise InputError([Problem("thirteen.md", 3, "unlucky")])
    return items


def test_map_beside_runs_the_job_here_and_shares_the_items():
    items = list(range(2000))
    def job():
        time.sleep(0.3)  # long enough for the worker to start and take chunks
        return "index", os.getpid()

    results, job = map_beside(_squares_with_pids, items, job, workers=1)
    assert job == ("index", os.getpid())
    assert [square for square, _ in results] == [i * i for i in items]
    made_by = {pid for _, pid in results}
    assert len(made_by) <= 2 and made_by - {os.getpid()}, "a worker made some of them"


def test_map_beside_without_a_worker_to_spare_runs_everything_here():
    results, job = map_beside(_squares_with_pids, list(range(100)), lambda: 7, workers=0)
    assert job == 7 and {pid for _, pid in results} == {os.getpid()}


_TEST_PROCESS = os.getpid()
_WORKER_STARTED = Path(tempfile.gettempdir()) / f"infonotes-test-worker-{_TEST_PROCESS}"


def _squares_once_a_worker_took_a_chunk(items: list[int]) -> list[tuple[int, int, int]]:
    # This process waits until a worker has taken a chunk, however late the worker starts
    # on a busy machine: then both must have taken some.
    if os.getpid() != _TEST_PROCESS:
        _WORKER_STARTED.touch()
    else:
        deadline = time.monotonic() + 30
        while not _WORKER_STARTED.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
    return [(item * item, os.getpid(), len(items)) for item in items]


def test_map_chunks_shares_chunks_of_the_given_size_between_this_process_and_workers():
    _WORKER_STARTED.unlink(missing_ok=True)
    items = list(range(2000))
    try:
        results = map_chunks(_squares_once_a_worker_took_a_chunk, items, workers=2, chunk=50)
    finally:
        _WORKER_STARTED.unlink(missing_ok=True)
    assert [square for square, _, _ in results] == [i * i for i in items]
    assert {size for _, _, size in results} == {50}
    made_by = {pid for _, pid, _ in results}
    assert len(made_by) == 2 and os.getpid() in made_by


def test_map_chunks_with_one_process_runs_everything_here():
    results = map_chunks(_squares_with_pids, list(range(200)), workers=1, chunk=50)
    assert {pid for _, pid in results} == {os.getpid()}


@pytest.mark.parametrize("mapper", ["chunks", "beside"])
def test_a_workers_input_error_reaches_the_caller_as_it_is(mapper):
    items = list(range(300))
    with pytest.raises(InputError) as raised:
        if mapper == "chunks":
            map_chunks(_refuse_13, items, workers=2)
        else:
            map_beside(_refuse_13, items, lambda: None, workers=1)
    assert raised.value.problems == [Problem("thirteen.md", 3, "unlucky")]


def test_a_failing_job_stops_the_workers():
    import multiprocessing

    def job():
        raise ValueError("the index failed")

    with pytest.raises(ValueError, match="the index failed"):
        map_beside(_squares_with_pids, list(range(5000)), job, workers=1)
    assert not multiprocessing.active_children()


def test_reading_and_rendering_notes_makes_no_reference_cycles(tmp_path):
    """The notes step turns the cycle collector off (build._no_cycle_collection): safe only
    while reading, checking and rendering notes, good or broken, leaves no cycles behind."""
    from infonotes.archive.catalog import load_catalog
    from infonotes.archive.load import find_note_files
    from infonotes.archive.markdown import make_markdown
    from infonotes.commands.build import NotePageWriter, _read_batch
    from infonotes.config import load_config
    from infonotes.output.write import PagesInMemory
    from infonotes.pages.render import NotePages
    from infonotes.pages.urls import Links

    from conftest import ROOT, gen_notes

    config = load_config(ROOT / "site.toml")
    catalog = load_catalog(config.data_dir, str(config.data_dir))
    pages = NotePages(config, Links(config.base_url, config.base_path))
    files = find_note_files(gen_notes(tmp_path / "notes", 120, broken=10)) + find_note_files(ROOT / "notes")
    written = PagesInMemory()

    markdown = make_markdown()  # made once per build, before the step: it holds cycles of its own
    gc.collect()
    gc.disable()
    try:
        results = _read_batch(catalog, markdown, NotePageWriter(written, pages, drafts=True), True, files)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert len(written.files) >= 110 and sum(1 for note, _ in results if note is None) >= 5
    assert unreachable == 0
