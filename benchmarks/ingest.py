"""Ingest benchmark: `talks build` over 1k, 10k and 100k generated dumps, and near-duplicate
clustering of 1M generated articles.

    python benchmarks/ingest.py [--sizes 1000 10000 100000] [--repeats 3] [--workers 2]
        [--cluster-articles 1000000] [--formats txt html]

`--formats html` builds generated HTML pages (about 35 KB each, most of it a head's style and
script, as CMS pages are) instead of, or beside, the text dumps; MB/s count the files' bytes.

For each size it generates the dumps once (benchmarks/_work/, ignored by git), then, in the same
run, times merely reading every file and times the full build in a fresh process, `repeats`
times each, and reports medians: MB/s, articles/s, the build/read time ratio, and the peak
resident memory of the build process alone and with its worker processes. The clustering run
times signatures (both cores) and clustering beside reading the same bodies. Figures also go
to benchmarks/_work/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumpgen import generate, generate_articles  # noqa: E402

WORK = HERE / "_work"
SAMPLER = """
import json, os, sys, threading, time
from pathlib import Path

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

def sampled(work):
    # work()'s result, seconds and peak resident MB (this process, and with its children).
    peak = {"tree": 0.0, "main": 0.0}
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            tree, main = tree_rss_mb(os.getpid())
            peak["tree"], peak["main"] = max(peak["tree"], tree), max(peak["main"], main)
            stop.wait(0.2)
    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    stop.set()
    return result, seconds, peak
"""

BUILD_CHILD = (
    SAMPLER
    + """
from istanbul_talks.dataset.build import build

if __name__ == "__main__":
    result, seconds, peak = sampled(
        lambda: build(Path(sys.argv[1]), Path(sys.argv[2]), workers=int(sys.argv[3]))
    )
    totals = result.report["totals"]
    print(json.dumps({
        "seconds": seconds,
        "bytes": totals["bytes"],
        "articles": totals["articles_kept"],
        "peak_rss_mb": peak["main"],
        "tree_peak_rss_mb": peak["tree"],
    }))
"""
)

CLUSTER_CHILD = (
    SAMPLER
    + """
import hashlib, multiprocessing
import numpy as np
import pyarrow.parquet as pq
from istanbul_talks.dataset.dedupe import (
    DedupeConfig, SignatureFile, cluster_roots, content_digests, signatures
)

CONFIG = DedupeConfig()

def sign(job):
    # What a build worker does per chunk: signatures and content digests of its bodies.
    path, group = job
    bodies = pq.ParquetFile(path).read_row_group(group, columns=["body"])["body"].to_pylist()
    hashes = [hashlib.sha256(b.encode()).hexdigest() for b in bodies]
    return content_digests(hashes), signatures(bodies, CONFIG)

def sign_all(path, sig_path, workers):
    digests = [np.zeros((0, 2), dtype=np.uint64)]
    groups = pq.ParquetFile(path).num_row_groups
    pool = multiprocessing.get_context("forkserver").Pool(workers)
    with open(sig_path, "wb") as out, pool:
        for part_digests, sigs in pool.imap(sign, [(path, g) for g in range(groups)]):
            digests.append(part_digests)
            out.write(np.ascontiguousarray(sigs).tobytes())
    return np.concatenate(digests)

if __name__ == "__main__":
    path, sig_path, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    digests, sign_s, sign_peak = sampled(lambda: sign_all(path, sig_path, workers))
    sigs = SignatureFile(sig_path, CONFIG.num_perm)  # read as the build reads it
    roots, cluster_s, cluster_peak = sampled(lambda: cluster_roots(digests, sigs, CONFIG))
    print(json.dumps({
        "articles": len(roots),
        "clusters": len(np.unique(roots)),
        "signatures_s": sign_s,
        "cluster_s": cluster_s,
        "peak_rss_mb": max(sign_peak["main"], cluster_peak["main"]),
        "tree_peak_rss_mb": max(sign_peak["tree"], cluster_peak["tree"]),
    }))
"""
)


# What each input format's corpus folder is called, and its files' suffix.
FORMATS = {"txt": ("dumps", "txt"), "html": ("pages", "html")}


def corpus(size: int, fmt: str = "txt") -> Path:
    name, _ = FORMATS[fmt]
    folder = WORK / f"{name}-{size}"
    done = folder / ".complete"
    if not done.exists():
        print(f"generating {size} {name} ...", flush=True)
        generate(folder, size, seed=0, html=fmt == "html")
        done.write_text("ok")
    return folder


def read_only(folder: Path, fmt: str = "txt") -> tuple[float, int]:
    start = time.perf_counter()
    total = sum(len(p.read_bytes()) for p in sorted(folder.glob(f"*.{FORMATS[fmt][1]}")))
    return time.perf_counter() - start, total


def in_fresh_process(code: str, *args: object) -> dict:
    """Run a child script in a new interpreter; its last output line is a JSON result."""
    script = WORK / "child.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, str(script), *map(str, args)], check=True, capture_output=True, text=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_once(folder: Path, workers: int) -> dict:
    return in_fresh_process(BUILD_CHILD, folder, WORK / f"out-{folder.name}", workers)


def articles_corpus(count: int) -> Path:
    path = WORK / f"articles-{count}.parquet"
    if not path.exists():
        print(f"generating {count} articles ...", flush=True)
        generate_articles(path.with_suffix(".tmp"), count, seed=0)
        path.with_suffix(".tmp").rename(path)
    return path


def read_bodies(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    file = pq.ParquetFile(path)
    total = sum(
        pc.sum(pc.binary_length(file.read_row_group(g, columns=["body"])["body"])).as_py()
        for g in range(file.num_row_groups)
    )
    return time.perf_counter() - start, total


def clustering(count: int, repeats: int, workers: int) -> dict:
    """Near-duplicate clustering of `count` generated articles: signatures (both cores, as the
    build's workers compute them), then LSH, verification and components (one process)."""
    path = articles_corpus(count)
    read_bodies(path)
    reads, runs = [], []
    for _ in range(repeats):
        reads.append(read_bodies(path)[0])
        runs.append(in_fresh_process(CLUSTER_CHILD, path, WORK / "signatures.u32", workers))
        print(
            f"  {count} articles: signatures {runs[-1]['signatures_s']:.1f} s, clustering "
            f"{runs[-1]['cluster_s']:.1f} s, read {reads[-1]:.2f} s",
            flush=True,
        )
    (WORK / "signatures.u32").unlink(missing_ok=True)
    sign = statistics.median(r["signatures_s"] for r in runs)
    clus = statistics.median(r["cluster_s"] for r in runs)
    read = statistics.median(reads)
    return {
        "articles": count,
        "mb": round(read_bodies(path)[1] / 1e6, 1),
        "clusters": runs[0]["clusters"],
        "signatures_s": round(sign, 2),
        "cluster_s": round(clus, 2),
        "total_s": round(statistics.median(r["signatures_s"] + r["cluster_s"] for r in runs), 2),
        "read_s": round(read, 3),
        "total_to_read_ratio": round((sign + clus) / read, 1),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs)),
        "tree_peak_rss_mb": round(max(r["tree_peak_rss_mb"] for r in runs)),
        "repeats": repeats,
        "workers": workers,
    }


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive count, not {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_positive, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--repeats", type=_positive, default=3)
    parser.add_argument("--workers", type=_positive, default=2)
    parser.add_argument(
        "--cluster-articles",
        type=_positive,
        nargs="*",
        default=[1_000_000],
        help="article counts for the clustering benchmark (none: skip it)",
    )
    parser.add_argument(
        "--formats",
        choices=sorted(FORMATS),
        nargs="+",
        default=["txt"],
        help="input formats to build: text dumps, generated HTML pages (dumpgen's `page`)",
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    rows = []
    for fmt, size in ((fmt, size) for fmt in args.formats for size in args.sizes):
        folder = corpus(size, fmt)
        read_only(folder, fmt)  # warm the page cache so both timings read from memory
        reads, builds = [], []
        for _ in range(args.repeats):
            reads.append(read_only(folder, fmt)[0])
            builds.append(build_once(folder, args.workers))
            print(
                f"  {size} {fmt}: build {builds[-1]['seconds']:.1f} s, read {reads[-1]:.2f} s",
                flush=True,
            )
        seconds = statistics.median(b["seconds"] for b in builds)
        read = statistics.median(reads)
        mb = builds[0]["bytes"] / 1e6
        rows.append(
            {
                "format": fmt,
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
        "\n| format | dumps | MB | build s | read s | build MB/s | read MB/s | build/read "
        "| articles/s | peak RSS MB (build) | peak RSS MB (build + workers) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['format']} | {r['dumps']} | {r['mb']} | {r['build_s']} | {r['read_s']} | "
            f"{r['build_mb_per_s']} | {r['read_mb_per_s']} | {r['build_to_read_ratio']} | "
            f"{r['articles_per_s']} | {r['peak_rss_mb']} | {r['tree_peak_rss_mb']} |"
        )
    clusters = [clustering(n, args.repeats, args.workers) for n in args.cluster_articles]
    if clusters:
        print(
            "\n| articles | MB | clusters | signatures s | clustering s | total s | read s "
            "| total/read | peak RSS MB | peak RSS MB (with workers) |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in clusters:
        print(
            f"| {r['articles']} | {r['mb']} | {r['clusters']} | {r['signatures_s']} | "
            f"{r['cluster_s']} | {r['total_s']} | {r['read_s']} | {r['total_to_read_ratio']} | "
            f"{r['peak_rss_mb']} | {r['tree_peak_rss_mb']} |"
        )
    (WORK / "ingest.json").write_text(
        json.dumps({"build": rows, "clustering": clusters}, indent=1) + "\n"
    )


if __name__ == "__main__":
    main()
