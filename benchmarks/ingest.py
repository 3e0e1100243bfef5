"""Ingest benchmark: `talks build` over 1k, 10k and 100k generated dumps.

    python benchmarks/ingest.py [--sizes 1000 10000 100000] [--repeats 3] [--workers 2]

For each size it generates the dumps once (benchmarks/_work/, ignored by git), then, in the same
run, times merely reading every file and times the full build in a fresh process, `repeats`
times each, and reports medians: MB/s, articles/s, the build/read time ratio, and the peak
resident memory of the build process alone and with its worker processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumpgen import generate  # noqa: E402

WORK = HERE / "_work"
CHILD = """
import json, os, sys, threading, time
from pathlib import Path
from istanbul_talks.dataset.build import build

def tree_rss_mb(root):
    # Resident memory of the build and every process below it (workers, forkserver).
    parents, rss = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/statm") as f:
                rss[int(pid)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    def under(pid):
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False
    return sum(v for p, v in rss.items() if under(p)) / 2**20, rss.get(root, 0) / 2**20

if __name__ == "__main__":
    peak = {"tree": 0.0, "main": 0.0}
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            tree, main = tree_rss_mb(os.getpid())
            peak["tree"], peak["main"] = max(peak["tree"], tree), max(peak["main"], main)
            stop.wait(0.2)
    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    result = build(Path(sys.argv[1]), Path(sys.argv[2]), workers=int(sys.argv[3]))
    seconds = time.perf_counter() - start
    stop.set()
    totals = result.report["totals"]
    print(json.dumps({
        "seconds": seconds,
        "bytes": totals["bytes"],
        "articles": totals["articles_kept"],
        "peak_rss_mb": peak["main"],
        "tree_peak_rss_mb": peak["tree"],
    }))
"""


def corpus(size: int) -> Path:
    folder = WORK / f"dumps-{size}"
    done = folder / ".complete"
    if not done.exists():
        print(f"generating {size} dumps ...", flush=True)
        generate(folder, size, seed=0)
        done.write_text("ok")
    return folder


def read_only(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    total = sum(len(p.read_bytes()) for p in sorted(folder.glob("*.txt")))
    return time.perf_counter() - start, total


def build_once(folder: Path, workers: int) -> dict:
    script = WORK / "child.py"
    script.write_text(CHILD)
    out = WORK / f"out-{folder.name}"
    proc = subprocess.run(
        [sys.executable, str(script), str(folder), str(out), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    rows = []
    for size in args.sizes:
        folder = corpus(size)
        read_only(folder)  # warm the page cache so both timings read from memory
        reads, builds = [], []
        for _ in range(args.repeats):
            reads.append(read_only(folder)[0])
            builds.append(build_once(folder, args.workers))
            print(
                f"  {size}: build {builds[-1]['seconds']:.1f} s, read {reads[-1]:.2f} s", flush=True
            )
        seconds = statistics.median(b["seconds"] for b in builds)
        read = statistics.median(reads)
        mb = builds[0]["bytes"] / 1e6
        rows.append(
            {
                "dumps": size,
                "mb": round(mb, 1),
                "build_s": round(seconds, 2),
                "read_s": round(read, 3),
                "build_mb_per_s": round(mb / seconds, 2),
                "read_mb_per_s": round(mb / read, 1),
                "build_to_read_ratio": round(seconds / read, 1),
                "articles_per_s": round(builds[0]["articles"] / seconds),
                "peak_rss_mb": round(max(b["peak_rss_mb"] for b in builds)),
                "tree_peak_rss_mb": round(max(b["tree_peak_rss_mb"] for b in builds)),
                "repeats": args.repeats,
                "workers": args.workers,
            }
        )
    print(
        "\n| dumps | MB | build s | read s | build MB/s | read MB/s | build/read | articles/s "
        "| peak RSS MB (build) | peak RSS MB (build + workers) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['dumps']} | {r['mb']} | {r['build_s']} | {r['read_s']} | "
            f"{r['build_mb_per_s']} | {r['read_mb_per_s']} | {r['build_to_read_ratio']} | "
            f"{r['articles_per_s']} | {r['peak_rss_mb']} | {r['tree_peak_rss_mb']} |"
        )
    (WORK / "ingest.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
