#!/usr/bin/env python3
"""Time cold full builds of generated archives and measure their peak memory.

    python bench.py [--n 1000 5000 10000] [--runs 1] [--jobs N] [--keep]
    python bench.py --bundle [500 5000 10000] [--runs 1]
    python bench.py --serve [1000 5000 10000]

For each N, ../shared/tools/gen_notes.py writes N notes into a temporary folder; then
`build.py build --notes DIR --out OUT` runs K times from scratch, each after a build
with `--no-search`, each into a new OUT (see `fresh_folder`), timed with nothing else
running; then once more of each kind with the memory sampled; and `build.py check DIR`
K times. Prints a Markdown table (median seconds, the peak memory of the sampled
builds), the search index and store figures (their sizes as built, raw and
gzipped, in total and per note, and the build's "search index" step), the search page's
figures in headless Chromium (time until it is ready to search, query times), the build's own step
timings (median per step) and the targets.

Memory is sampled every 20 ms (in builds of their own: the sampling slows the build
down) over the build process and all its descendants (the
forked workers), in MB of 10^6 bytes:
  peak PSS sum      the largest sum of Pss (/proc/PID/smaps_rollup): pages shared
                    copy-on-write between parent and workers counted once, split
                    between them; the closest figure to the memory really used.
  peak RSS sum      the largest sum of VmRSS (/proc/PID/status): shared pages counted
                    once per process, so it overstates use.
  max single RSS    ru_maxrss of the build as returned by wait4 (its largest process,
                    workers included), a cross-check on the sampling.
With --bundle, `build.py bundle` instead: its time, the zip's size and files, and
whether every run gave the same sha256 (see bench_bundles).
With --serve, `build.py serve` on a generated archive instead: save -> end of rebuild and
-> reload event (median of 10 one-word body edits; a State added; a note added, deleted;
a template edit), save -> search index written, and the idle server's CPU (see bench_serve).
Figures only: this is not a test, and it exits 1 only when a step fails.
"""
import argparse
import gzip
import hashlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent
GEN = PROJECT.parent / "shared/tools/gen_notes.py"
POLL = 0.02
TIME_TARGETS = {5000: 4.0, 10000: 8.0}   # seconds, without the search index (`build --no-search`)
MEMORY_TARGET = (10000, 400)             # at N notes, peak MB
SEARCH_TIME_TARGET = (5000, 6.0)         # at N notes, the whole build with the search index, seconds
INDEX_SIZE_TARGET = 300                  # search/index.js, gzipped bytes per note
SEARCH_FILES = ("search/index.js", "search/store.js")
SEARCH_PAGE_TARGETS = (5000, 1000, 50)     # at N notes, search page ready (ms) and median query (ms)


class BenchError(Exception):
    """A step failed; the message says which, with the tail of its output."""


def main() -> int:
    args = parse_args()
    if args.bundle is not None:
        return bench_bundles(args.bundle or list(BUNDLE_SIZES), args.runs)
    if args.serve is not None:
        return bench_serve(args.serve or [5000])
    if args.compare_with is not None:
        return bench_compare(Path(args.compare_with), args.n[0] if args.n != [1000, 5000, 10000] else 5000,
                             max(args.runs, 3))
    work = Path(tempfile.mkdtemp(prefix="infonotes-bench-"))
    try:
        rows = [bench_one(n, work, args.runs, args.jobs) for n in args.n]
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    print_search(rows)
    print_search_page(rows)
    print_steps(rows)
    print_targets(rows)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 10000],
                        help="archive sizes, in notes")
    parser.add_argument("--runs", type=int, default=1, help="builds per size (median time)")
    parser.add_argument("--jobs", type=int, help="passed to build.py build --jobs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--bundle", type=int, nargs="*", metavar="N",
                        help="time `build.py bundle` instead (default sizes: 500 5000 10000)")
    parser.add_argument("--serve", type=int, nargs="*", metavar="N",
                        help="time `build.py serve` instead: edit, reload, search index, idle CPU "
                             "(default size: 5000)")
    parser.add_argument("--compare-with", metavar="CHECKOUT",
                        help="time full builds of this checkout and of CHECKOUT (say, main) on the same "
                             "archive, alternating (--n: its size, default 5000; --runs: pairs, at least 3)")
    return parser.parse_args()


def bench_compare(other: Path, n: int, pairs: int) -> int:
    """Median full-build time of this checkout and of `other`, run in turns on one archive,
    each into a new folder, so that both meet the same machine load; prints the ratio."""
    work = Path(tempfile.mkdtemp(prefix="infonotes-compare-"))
    try:
        notes = work / "notes"
        run_checked([sys.executable, str(GEN), "--count", str(n), "--out", str(notes)], "gen_notes")
        times: dict[str, list[float]] = {"this": [], "other": []}
        for run in range(pairs):
            for name, root in (("this", PROJECT), ("other", other)):
                out = fresh_folder(work, f"{name}-{run}")
                cmd = [str(root / ".venv" / "bin" / "python"), str(root / "build.py"), "--config",
                       str(root / "site.toml"), "build", "--notes", str(notes), "--out", str(out)]
                times[name].append(time_build(cmd, f"{name} build")["seconds"])
                shutil.rmtree(out, ignore_errors=True)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    this, that = statistics.median(times["this"]), statistics.median(times["other"])
    print(f"{n:,} notes, {pairs} alternating pairs: this checkout {this:.2f} s, {other} {that:.2f} s "
          f"(median), ratio {this / that:.3f}")
    print("  this:  " + ", ".join(f"{t:.2f}" for t in times["this"]))
    print("  other: " + ", ".join(f"{t:.2f}" for t in times["other"]))
    return 0


def bench_one(n: int, work: Path, runs: int, jobs: int | None) -> dict:
    """Generate N notes, build and check them; one table row.

    Times come from `runs` builds of each kind (`--no-search`, then with search, in
    turn) that nothing watches: sampling the memory costs the build a tenth of its time
    at 5,000 notes on two cores. Memory comes from one more build of each kind, sampled
    (see `measure_memory`). Each build writes a folder of its own (see `fresh_folder`).
    """
    notes = work / f"notes-{n}"
    run_checked([sys.executable, str(GEN), "--count", str(n), "--out", str(notes)], f"gen_notes N={n}")

    def build(measure, *extra: str) -> tuple[Path, dict]:
        out = fresh_folder(work, f"out-{n}")
        cmd = [sys.executable, "build.py", "build", "--notes", str(notes), "--out", str(out), *extra]
        label = " ".join(["build", *extra, f"N={n}"])
        return out, measure(cmd + (["--jobs", str(jobs)] if jobs else []), label)

    builds, bare_builds = [], []
    for _ in range(runs):
        bare_builds.append(build(time_build, "--no-search")[1])
        builds.append(build(time_build)[1])
    bare_memory = build(measure_memory, "--no-search")[1]
    out, memory = build(measure_memory)
    checks = [timed_check(notes, n) for _ in range(runs)]
    files, size = files_in(out)
    return {
        "n": n, "build": statistics.median(b["seconds"] for b in builds),
        "bare": statistics.median(b["seconds"] for b in bare_builds),
        "bare_pss": bare_memory["pss"], "pss": memory["pss"], "rss": memory["rss"],
        "single": memory["single"], "files": files, "bytes": size,
        "check": statistics.median(checks), "steps": median_steps(b["steps"] for b in builds),
        "search_files": search_file_sizes(out),
        "browser": search_page_timings(out),
    }


def fresh_folder(work: Path, name: str) -> Path:
    """A new output folder under `work`, never used before.

    Builds do not reuse a folder that the last build wrote and the bench removed: this
    machine's ext4 has no journal, and without one, ext4 will not give out again an
    inode freed less than 30 seconds ago. It walks past each of those one by one for
    every file it creates, so a build that follows the removal of 10,000 files pays for
    it (up to a second and a half of kernel time at 5,000 notes, growing with each
    round). All the outputs are removed with `work` at the end.
    """
    for number in range(1, 10_000):
        folder = work / f"{name}-{number}"
        if not folder.exists():
            return folder
    raise BenchError(f"no free folder name for {name} under {work}")


def search_file_sizes(out: Path) -> dict[str, tuple[int, int]]:
    """(raw bytes, gzipped bytes) of each search file as built; (0, 0) if missing."""
    sizes = {}
    for name in SEARCH_FILES:
        path = out / name
        data = path.read_bytes() if path.is_file() else b""
        sizes[name] = (len(data), len(gzip.compress(data, compresslevel=9, mtime=0)) if data else 0)
    return sizes


SEARCH_QUERIES = ["export", "nuclear security", "laboratory", "customs", "biosecurity", "toxin*",
                  "title:workshop", "+nuclear +security", "2663 op17", "viet nam", "wiesbaden",
                  "parliamentary briefings"]
"""Queries timed on the search page: common and rare words, phrases, wildcards, fields."""
PAGE_LOADS = 3


def search_page_timings(out: Path) -> dict[str, float]:
    """On the built search page served over http:// in headless Chromium, in ms: until the
    page is ready to search (index.js and store.js downloaded and run, lunr's index
    computed and loaded; median of PAGE_LOADS cold loads) and the part of it spent
    computing and loading the index; then the median and slowest lunr query of
    SEARCH_QUERIES, and the median of the whole search as the page runs it (query,
    facets, first results shown)."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright
    sys.path.insert(0, str(PROJECT / "tests"))
    from conftest import CHROMIUM_ARGS

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search/"
    ready, index = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(PAGE_LOADS):
                context = browser.new_context()  # a cold cache each time
                page = context.new_page()
                page.goto(url, wait_until="load", timeout=120_000)
                page.wait_for_function("() => document.getElementById('search').dataset.state !== 'loading'",
                                       timeout=120_000)
                ready.append(page.evaluate("performance.getEntriesByName('search-ready')[0].startTime"))
                index.append(page.evaluate("performance.getEntriesByName('search-index-load')[0].duration"))
                if len(ready) < PAGE_LOADS:
                    context.close()
            queries = page.evaluate("""queries => queries.map(q => {
                const times = [];
                for (let i = 0; i < 3; i++) {
                  const start = performance.now();
                  window.SEARCH_LUNR.index.search(q);
                  times.push(performance.now() - start);
                }
                return Math.min(...times);
            })""", SEARCH_QUERIES)
            runs = []
            for q in SEARCH_QUERIES:
                page.fill("#search-q", q)
                page.press("#search-q", "Enter")
                runs.append(page.evaluate("performance.getEntriesByName('search-run').pop().duration"))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"ready": statistics.median(ready), "index": statistics.median(index),
            "query": statistics.median(queries), "slowest": max(queries), "run": statistics.median(runs)}


def time_build(cmd: list[str], label: str) -> dict:
    """Run the build and time it, watching nothing else."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(failure(label, proc.returncode, proc.stdout + proc.stderr))
    return {"seconds": seconds, "steps": parse_steps(proc.stdout)}


def measure_memory(cmd: list[str], label: str) -> dict:
    """Run the build, sampling the memory of its process tree until it exits."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=stdout, stderr=stderr, text=True)
        peak_rss = peak_pss = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # not poll(): keep the rusage
            if pid:
                break
            rss, pss = tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(POLL)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0), stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if proc.returncode != 0:
        raise BenchError(failure(label, proc.returncode, output + errors))
    return {"rss": peak_rss * 1024, "pss": peak_pss * 1024, "single": usage.ru_maxrss * 1024}


def tree_memory(root: int) -> tuple[int, int]:
    """Sum of VmRSS and of Pss, in kB, over `root` and all its descendants."""
    rss = pss = 0
    for pid in descendants(root):
        rss += read_kb(f"/proc/{pid}/status", "VmRSS:")
        pss += read_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    return rss, pss


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from /proc/PID/task/TID/children."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:  # the thread or process ended meanwhile
                pass
    return found


def read_kb(path: str, field: str) -> int:
    """The value in kB of `field` in a /proc file; 0 if the process is gone."""
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed_check(notes: Path, n: int) -> float:
    start = time.perf_counter()
    run_checked([sys.executable, "build.py", "check", str(notes)], f"check N={n}")
    return time.perf_counter() - start


def run_checked(cmd: list[str], label: str) -> None:
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(failure(label, proc.returncode, proc.stdout + proc.stderr))


def failure(label: str, code: int, output: str, lines: int = 20) -> str:
    tail = "\n".join(output.strip().splitlines()[-lines:])
    return f"{label} failed with exit status {code}; last lines of its output:\n{tail}"


def files_in(folder: Path) -> tuple[int, int]:
    """How many files under `folder`, and their total size in bytes."""
    count = size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            count += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return count, size


def parse_steps(output: str) -> dict[str, float]:
    """The step timings of the build's last line: "[catalogs 0.01s, find 0.02s, ...]"."""
    bracket = re.search(r"\[([^\]]*)\]\s*$", output.strip())
    pairs = re.findall(r"([\w -]+?) ([\d.]+)s", bracket.group(1)) if bracket else []
    return {name.strip(): float(seconds) for name, seconds in pairs}


def median_steps(runs) -> dict[str, float]:
    runs = list(runs)
    return {name: statistics.median(run.get(name, 0.0) for run in runs) for name in runs[0]}


def mb(size: float) -> str:
    return f"{size / 1e6:,.0f}"


def print_table(rows: list[dict]) -> None:
    print("| N | build s | peak PSS MB | peak RSS sum MB | max single RSS MB | files | MB written | check s "
          "| build --no-search s | its peak PSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['build']:.2f} | {mb(r['pss'])} | {mb(r['rss'])} | {mb(r['single'])} "
              f"| {r['files']:,} | {r['bytes'] / 1e6:,.1f} | {r['check']:.2f} | {r['bare']:.2f} | {mb(r['bare_pss'])} |")


def print_search(rows: list[dict]) -> None:
    print("\nSearch files as built (gzip -9; KB = 10^3 bytes) and the build's \"search index\" step:")
    print("| N | file | raw KB | gzipped KB | raw B/note | gzipped B/note | search step s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        step = r["steps"].get("search index")
        for name, (raw, packed) in r["search_files"].items():
            print(f"| {r['n']:,} | {name} | {raw / 1e3:,.0f} | {packed / 1e3:,.0f} | {raw / r['n']:,.0f} "
                  f"| {packed / r['n']:,.0f} | {'' if step is None else f'{step:.2f}'} |")


def print_search_page(rows: list[dict]) -> None:
    print("\nThe search page in headless Chromium over http:// (ms; load: median of "
          f"{PAGE_LOADS} cold loads; queries: {len(SEARCH_QUERIES)}, each the best of 3):")
    print("| N | page ready to search | of which index computed and loaded | median query | slowest query "
          "| median search shown |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        b = r["browser"]
        print(f"| {r['n']:,} | {b['ready']:,.0f} | {b['index']:,.0f} | {b['query']:.1f} | {b['slowest']:.1f} "
              f"| {b['run']:.1f} |")


def print_steps(rows: list[dict]) -> None:
    print("\nBuild steps (median seconds, as the build prints them):")
    for r in rows:
        steps = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in r["steps"].items())
        print(f"- N={r['n']:,}: {steps or '(none printed)'}")


def print_targets(rows: list[dict]) -> None:
    print("\nTargets (memory judged on peak PSS sum; MB = 10^6 bytes):")
    by_n = {r["n"]: r for r in rows}
    for n, limit in TIME_TARGETS.items():
        if n in by_n:
            seconds = by_n[n]["bare"]
            print(f"- {n:,} notes build without the search index (`build --no-search`) ≤ {limit:g} s: "
                  f"{seconds:.2f} s, {verdict(seconds <= limit)}")
    n, limit = SEARCH_TIME_TARGET
    if n in by_n:
        print(f"- {n:,} notes build with the search index ≤ {limit:g} s: {by_n[n]['build']:.2f} s "
              f"(search step {by_n[n]['steps'].get('search index', 0.0):.2f} s), {verdict(by_n[n]['build'] <= limit)}")
    for r in rows:
        packed = r["search_files"]["search/index.js"][1] / r["n"]
        both = sum(packed for _, packed in r["search_files"].values()) / r["n"]
        print(f"- {r['n']:,} notes: search index ≤ {INDEX_SIZE_TARGET} B gzipped per note: {packed:,.0f} B, "
              f"{verdict(0 < packed <= INDEX_SIZE_TARGET)}; with the store: {both:,.0f} B, "
              f"{verdict(0 < both <= INDEX_SIZE_TARGET)}")
    n, load_limit, query_limit = SEARCH_PAGE_TARGETS
    if n in by_n:
        b = by_n[n]["browser"]
        print(f"- {n:,} notes: search page ready ≤ {load_limit:,} ms: {b['ready']:,.0f} ms, "
              f"{verdict(b['ready'] <= load_limit)}; median query ≤ {query_limit} ms: {b['query']:.1f} ms, "
              f"{verdict(b['query'] <= query_limit)}")
    n, limit = MEMORY_TARGET
    if n in by_n:
        r = by_n[n]
        print(f"- {n:,} notes peak memory ≤ {limit} MB: PSS sum {mb(r['pss'])} MB, "
              f"{verdict(r['pss'] <= limit * 1e6)} (RSS sum {mb(r['rss'])} MB, "
              f"{verdict(r['rss'] <= limit * 1e6)})")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


# --- build.py bundle ---------------------------------------------------------------------------

BUNDLE_SIZES = (500, 5000, 10000)
BUNDLE_TIME_TARGET = (5000, 8.0)         # at N notes, the whole `build.py bundle`, seconds


def bench_bundles(sizes: list[int], runs: int) -> int:
    """Generate each archive into a temporary folder and time `build.py bundle` on it
    `runs` times (a new zip each time); print the median time, the zip's size and files,
    whether every run gave the same sha256, and the command's own step timings.

    "CPU s" is the user and system time of the command and its workers: on a busy machine
    the wall time grows with the load, the CPU time much less."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="infonotes-bench-bundle-") as work:
        try:
            rows = [bench_bundle(n, Path(work), runs) for n in sizes]
        except BenchError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
    print("| N | bundle s | CPU s | zip MB | files | zip KB per note | same sha256 every run |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['size'] / 1e6:,.1f} | {r['files']:,} "
              f"| {r['size'] / 1e3 / r['n']:,.1f} | {'yes' if r['same'] else 'NO'} ({r['runs']} runs) |")
    print("\nBundle steps (median seconds, as the command prints them):")
    for r in rows:
        print(f"- N={r['n']:,}: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in r["steps"].items()))
    n, limit = BUNDLE_TIME_TARGET
    for r in rows:
        if r["n"] == n:
            print(f"\nTarget: {n:,} notes bundled in ≤ {limit:g} s: {r['seconds']:.2f} s, {verdict(r['seconds'] <= limit)}")
    return 0


def bench_bundle(n: int, work: Path, runs: int) -> dict:
    notes = work / f"notes-{n}"
    run_checked([sys.executable, str(GEN), "--count", str(n), "--out", str(notes)], f"gen_notes N={n}")
    seconds, cpu, sums, steps = [], [], set(), []
    for run in range(runs):
        out = work / f"bundle-{n}-{run}.zip"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "build.py", "bundle", "--notes", str(notes), "--out", str(out)],
                              cwd=PROJECT, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise BenchError(failure(f"bundle N={n}", proc.returncode, proc.stdout + proc.stderr))
        data = out.read_bytes()
        sums.add(hashlib.sha256(data).hexdigest())
        steps.append(parse_steps(proc.stdout.strip().splitlines()[0]))
        out.unlink()
    files = re.search(r"\(([\d,]+) files\)", proc.stdout)
    return {"n": n, "seconds": statistics.median(seconds), "cpu": statistics.median(cpu), "size": len(data),
            "runs": runs,
            "files": int(files[1].replace(",", "")) if files else 0, "same": len(sums) == 1,
            "steps": median_steps(steps)}


# --- bench.py --serve: the live preview ------------------------------------------------

SERVE_EDITS = 10
SERVE_TARGETS = {"reload": 0.150, "search": 2.0, "idle cpu": 1.0}  # s, s, % of one core at 5,000 notes


def bench_serve(sizes: list[int]) -> int:
    """Time `build.py serve` on generated archives: save -> end of rebuild and -> reload
    event (median of one-word body edits), a State added, a note added and deleted, a
    template edit, until the search index reflects an edit, and the idle server's CPU."""
    work = Path(tempfile.mkdtemp(prefix="infonotes-bench-serve-"))
    rows = []
    try:
        for n in sizes:
            rows.append(bench_serve_one(n, work / str(n)))
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| N | start s | change | save → rebuild end ms | save → reload event ms | save → search index s | files written |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        for name, figures in row["changes"].items():
            print(f"| {row['n']:,} | {row['start']:.1f} | {name} | {figures['rebuilt'] * 1000:,.0f} "
                  f"| {figures['reload'] * 1000:,.0f} | {_seconds(figures['search'])} | {figures['written']} |")
    print("\nIdle server (no change, one browser event stream open), CPU over 10 s:")
    for row in rows:
        print(f"- N={row['n']:,}: {row['idle']:.2f} % of one core")
    by_n = {row["n"]: row for row in rows}
    if 5000 in by_n:
        edit = by_n[5000]["changes"][f"body edit (median of {SERVE_EDITS})"]
        print(f"\nTargets at 5,000 notes: edit → reload ≤ {SERVE_TARGETS['reload'] * 1000:.0f} ms: "
              f"{edit['reload'] * 1000:.0f} ms, {verdict(edit['reload'] <= SERVE_TARGETS['reload'])}; "
              f"search index ≤ {SERVE_TARGETS['search']:g} s: {_seconds(edit['search'])} s, "
              f"{verdict(edit['search'] is not None and edit['search'] <= SERVE_TARGETS['search'])}; "
              f"idle CPU < {SERVE_TARGETS['idle cpu']:g} %: {by_n[5000]['idle']:.2f} %, "
              f"{verdict(by_n[5000]['idle'] < SERVE_TARGETS['idle cpu'])}")
    return 0


def _seconds(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def bench_serve_one(n: int, folder: Path) -> dict:
    project = _serve_project(folder, n)
    port = _free_port()
    log = open(folder / "serve.log", "wb")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "--config", str(project / "site.toml"),
                             "serve", "--port", str(port)], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: __import__("signal").signal(2, __import__("signal").SIG_DFL))
    try:
        _serve_status(port, proc, folder, timeout=600)
        started = time.perf_counter() - start
        events = _EventStream(port)
        _serve_settle(port, proc, folder)
        changes = _serve_changes(project, port, proc, folder, events)
        _serve_settle(port, proc, folder)
        idle = _idle_cpu(proc.pid, 10.0)
        events.close()
    finally:
        proc.send_signal(2)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return {"n": n, "start": started, "changes": changes, "idle": idle}


def _serve_project(folder: Path, n: int) -> Path:
    project = folder / "project"
    project.mkdir(parents=True)
    for name in ("data", "templates", "theme"):
        shutil.copytree(PROJECT / name, project / name)
    (project / "site.toml").write_text(
        'title = "Bench archive"\nbase_url = "https://example.org/"\n[paths]\n'
        'notes = "notes"\ndata = "data"\ntemplates = "templates"\ntheme = "theme"\noutput = "public"\n',
        encoding="utf-8")
    run_checked([sys.executable, str(GEN), "--count", str(n), "--out", str(project / "notes")], f"gen_notes N={n}")
    return project


def _serve_changes(project: Path, port: int, proc, folder: Path, events) -> dict:
    notes = sorted((project / "notes").rglob("*.md"))
    changes = {}
    edits = []
    for i in range(SERVE_EDITS):
        note = notes[(i * 7919) % len(notes)]
        edits.append(_timed_change(port, proc, folder, events,
                                   lambda: _append(note, f"\nA benchword{i}x more.\n")))
    changes[f"body edit (median of {SERVE_EDITS})"] = {
        key: statistics.median(e[key] for e in edits) if all(e[key] is not None for e in edits) else None
        for key in edits[0]}
    with_states = next(p for p in notes if "\nstates:\n" in p.read_text(encoding="utf-8"))
    changes["State added"] = _timed_change(port, proc, folder, events, lambda: _replace(
        with_states, "\nstates:\n", "\nstates:\n- Tuvalu\n"))
    added = project / "notes" / "2024" / "2024-06-06-bench-added-note.md"
    text = ("---\ntitle: An added note\ndate: 2024-06-06\ncountry: Fiji\nstates: [Samoa, Tonga]\n"
            "organizations: [UNODA]\nparagraphs: [2663 OP17]\n---\n\nSome text.\n")
    changes["note added"] = _timed_change(port, proc, folder, events, lambda: _write(added, text))
    changes["note deleted"] = _timed_change(port, proc, folder, events, added.unlink)
    base = project / "templates" / "base.html"
    changes["template edit"] = _timed_change(port, proc, folder, events, lambda: _replace(
        base, "</footer>", "</footer>\n<!-- bench -->"))
    return changes


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(text)


def _replace(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _timed_change(port: int, proc, folder: Path, events, action) -> dict:
    """Seconds from the save to the end of the rebuild (the server's clock, as it reports
    it), to the reload event (seen by a client), and to the search index written."""
    before = _serve_status(port, proc, folder)
    saved = time.time()
    action()
    reload_at = events.wait_for("reload", lambda data: data["epoch"] > before["epoch"], timeout=600)
    after = _serve_settle(port, proc, folder, builds=before["builds"])
    last = after["last"]
    search = last.get("search_done") if last.get("search_done", 0) > saved else None
    if last.get("full"):
        search = last["finished"]  # a full rebuild writes the index with the pages
    return {"rebuilt": last["finished"] - saved, "reload": reload_at - saved,
            "search": None if search is None else search - saved, "written": last["written"]}


def _serve_status(port: int, proc, folder: Path, timeout: float = 10) -> dict:
    import http.client
    import json
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise BenchError(failure("serve", proc.returncode, (folder / "serve.log").read_text(errors="replace")))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", "/__live/status")
            return json.loads(connection.getresponse().read())
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"serve did not answer on port {port}") from None
            time.sleep(0.1)


def _serve_settle(port: int, proc, folder: Path, builds: int = -1, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _serve_status(port, proc, folder)
        if status["builds"] > builds and not status["busy"]:
            return status
        time.sleep(0.02)
    raise BenchError("serve did not finish a rebuild in time")


class _EventStream:
    """The server's Server-Sent Events, each with the time it arrived, read on a thread."""

    def __init__(self, port: int):
        import socket
        import threading
        self.events: list[tuple[float, str, dict]] = []
        self.arrived = threading.Condition()
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.sendall(b"GET /__live/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        import json
        name = None
        for line in self.socket.makefile("rb"):
            text = line.decode("utf-8").rstrip("\r\n")
            if text.startswith("event: "):
                name = text[7:]
            elif text.startswith("data: ") and name:
                with self.arrived:
                    self.events.append((time.time(), name, json.loads(text[6:])))
                    self.arrived.notify_all()

    def wait_for(self, name: str, test, timeout: float) -> float:
        with self.arrived:
            found = self.arrived.wait_for(lambda: next((t for t, n, d in self.events if n == name and test(d)), None),
                                          timeout)
        if found is None:
            raise BenchError(f"no {name} event within {timeout} s")
        return found

    def close(self) -> None:
        self.socket.close()


def _idle_cpu(pid: int, seconds: float) -> float:
    """CPU time of the process (all its threads) over `seconds` of idleness, in % of one core."""
    def used() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    time.sleep(1)
    before, start = used(), time.perf_counter()
    time.sleep(seconds)
    return 100 * (used() - before) / (time.perf_counter() - start)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
