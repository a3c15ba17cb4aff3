#!/usr/bin/env python3
"""Time cold full builds of generated archives and measure their peak memory.

    python bench.py [--n 1000 5000 10000] [--runs 1] [--jobs N] [--keep]

For each N, ../shared/tools/gen_notes.py writes N notes into a temporary folder; then
`build.py build --notes DIR --out OUT` runs K times from scratch (OUT removed first) and
`build.py check DIR` K times. Prints a Markdown table (median seconds, largest memory
over the runs), the search index and store figures (their sizes as built, raw and
gzipped, in total and per note, and the build's "search" step), the build's own step
timings (median per step) and the targets.

Memory is sampled every 20 ms over the build process and all its descendants (the
forked workers), in MB of 10^6 bytes:
  peak PSS sum      the largest sum of Pss (/proc/PID/smaps_rollup): pages shared
                    copy-on-write between parent and workers counted once, split
                    between them; the closest figure to the memory really used.
  peak RSS sum      the largest sum of VmRSS (/proc/PID/status): shared pages counted
                    once per process, so it overstates use.
  max single RSS    ru_maxrss of the build as returned by wait4 (its largest process,
                    workers included), a cross-check on the sampling.
Figures only: this is not a test, and it exits 1 only when a step fails.
"""
import argparse
import gzip
import os
import re
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
TIME_TARGETS = {5000: 4.0, 10000: 8.0}   # seconds, without search index (build minus its "search" step)
MEMORY_TARGET = (10000, 400)             # at N notes, peak MB
SEARCH_TIME_TARGET = (5000, 6.0)         # at N notes, the whole build with the search index, seconds
INDEX_SIZE_TARGET = 300                  # search/index.js, gzipped bytes per note
SEARCH_FILES = ("search/index.js", "search/store.js")


class BenchError(Exception):
    """A step failed; the message says which, with the tail of its output."""


def main() -> int:
    args = parse_args()
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
    return parser.parse_args()


def bench_one(n: int, work: Path, runs: int, jobs: int | None) -> dict:
    """Generate N notes, build and check them `runs` times; one table row."""
    notes, out = work / f"notes-{n}", work / f"out-{n}"
    run_checked([sys.executable, str(GEN), "--count", str(n), "--out", str(notes)], f"gen_notes N={n}")
    build_cmd = [sys.executable, "build.py", "build", "--notes", str(notes), "--out", str(out)]
    if jobs:
        build_cmd += ["--jobs", str(jobs)]
    builds = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        builds.append(measure_build(build_cmd, f"build N={n}"))
    checks = [timed_check(notes, n) for _ in range(runs)]
    files, size = files_in(out)
    return {
        "n": n, "build": statistics.median(b["seconds"] for b in builds),
        "pss": max(b["pss"] for b in builds), "rss": max(b["rss"] for b in builds),
        "single": max(b["single"] for b in builds), "files": files, "bytes": size,
        "check": statistics.median(checks), "steps": median_steps(b["steps"] for b in builds),
        "search_files": search_file_sizes(out),
    }


def search_file_sizes(out: Path) -> dict[str, tuple[int, int]]:
    """(raw bytes, gzipped bytes) of each search file as built; (0, 0) if missing."""
    sizes = {}
    for name in SEARCH_FILES:
        path = out / name
        data = path.read_bytes() if path.is_file() else b""
        sizes[name] = (len(data), len(gzip.compress(data, compresslevel=9, mtime=0)) if data else 0)
    return sizes


def measure_build(cmd: list[str], label: str) -> dict:
    """Run the build, sampling the memory of its process tree until it exits."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=stdout, stderr=stderr, text=True)
        peak_rss = peak_pss = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # not poll(): keep the rusage
            if pid:
                break
            rss, pss = tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(POLL)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0), stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if proc.returncode != 0:
        raise BenchError(failure(label, proc.returncode, output + errors))
    return {"seconds": seconds, "rss": peak_rss * 1024, "pss": peak_pss * 1024,
            "single": usage.ru_maxrss * 1024, "steps": parse_steps(output)}


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
    print("| N | build s | peak PSS MB | peak RSS sum MB | max single RSS MB | files | MB written | check s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['build']:.2f} | {mb(r['pss'])} | {mb(r['rss'])} | {mb(r['single'])} "
              f"| {r['files']:,} | {r['bytes'] / 1e6:,.1f} | {r['check']:.2f} |")


def print_search(rows: list[dict]) -> None:
    print("\nSearch files as built (gzip -9; KB = 10^3 bytes) and the build's \"search\" step:")
    print("| N | file | raw KB | gzipped KB | raw B/note | gzipped B/note | search step s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        step = r["steps"].get("search")
        for name, (raw, packed) in r["search_files"].items():
            print(f"| {r['n']:,} | {name} | {raw / 1e3:,.0f} | {packed / 1e3:,.0f} | {raw / r['n']:,.0f} "
                  f"| {packed / r['n']:,.0f} | {'' if step is None else f'{step:.2f}'} |")


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
            seconds = by_n[n]["build"] - by_n[n]["steps"].get("search", 0.0)
            print(f"- {n:,} notes build without the search step ≤ {limit:g} s: {seconds:.2f} s, {verdict(seconds <= limit)}")
    n, limit = SEARCH_TIME_TARGET
    if n in by_n:
        print(f"- {n:,} notes build with the search index ≤ {limit:g} s: {by_n[n]['build']:.2f} s "
              f"(search step {by_n[n]['steps'].get('search', 0.0):.2f} s), {verdict(by_n[n]['build'] <= limit)}")
    for r in rows:
        packed = r["search_files"]["search/index.js"][1] / r["n"]
        print(f"- {r['n']:,} notes: search index ≤ {INDEX_SIZE_TARGET} B gzipped per note: {packed:,.0f} B, "
              f"{verdict(0 < packed <= INDEX_SIZE_TARGET)}")
    n, limit = MEMORY_TARGET
    if n in by_n:
        r = by_n[n]
        print(f"- {n:,} notes peak memory ≤ {limit} MB: PSS sum {mb(r['pss'])} MB, "
              f"{verdict(r['pss'] <= limit * 1e6)} (RSS sum {mb(r['rss'])} MB, "
              f"{verdict(r['rss'] <= limit * 1e6)})")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
