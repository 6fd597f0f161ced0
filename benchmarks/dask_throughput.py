"""Batch throughput on a Dask cluster of 1 and 2 workers against the local process pool.

Run from the project root (needs the dask extra: pip install -e '.[dask]'):

    .venv/bin/python benchmarks/dask_throughput.py            # 40 photos x 3 rounds, ~5 min
    .venv/bin/python benchmarks/dask_throughput.py --quick    # 16 photos

One run measures everything, so the ratios compare like with like on a shared
machine: the local pool with 1 and with 2 worker processes, and a
LocalCluster (scheduler and worker processes on 127.0.0.1, photos sent as
bytes over TCP exactly as to a remote cluster) with 1 and with 2 workers of
one thread each. Throughput is photos per second from the first to the last
finished photo (start-up is paid once per run); end to end includes the
folder scan and loading the workers' models (not starting the cluster). The
configurations run in interleaved rounds and the medians are reported. Prints
a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from speed import photos  # noqa: E402

from silhouette.apps.batch import run_batch  # noqa: E402


def make_folder(folder: Path, count: int) -> None:
    """Distinct photos (the batch skips duplicate content): one pixel differs."""
    folder.mkdir()
    paths = photos()
    for k in range(count):
        img = np.asarray(Image.open(paths[k % len(paths)]).convert("RGB")).copy()
        img[0, 0] = (k % 256, k // 256, 7)
        name = f"IMG_2024{1 + k % 12:02d}{1 + k % 28:02d}_{k:04d}.png"
        Image.fromarray(img).save(folder / name, compress_level=1)


def timed(folder: Path, out: Path, count: int, **kw) -> tuple[float, float]:
    """(throughput in photos/s, end-to-end seconds) of one batch run."""
    done: list[float] = []
    t0 = time.perf_counter()
    summary = run_batch(folder, out, progress=lambda _: done.append(time.perf_counter()), **kw)
    wall = time.perf_counter() - t0
    assert summary.measured + summary.no_person == count, (summary.new, summary.duplicates)
    return (len(done) - 1) / (done[-1] - done[0]), wall


def worker_rss_mb(client) -> list[float]:
    def rss() -> float:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    return sorted(client.run(rss).values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    count = 16 if args.quick else 40

    import distributed

    configs = {
        "local 1": ("local pool, 1 worker (in this process)", {"workers": 1}),
        "local 2": ("local pool, 2 worker processes", {"workers": 2}),
        "dask 1": ("Dask LocalCluster, 1 worker", None),
        "dask 2": ("Dask LocalCluster, 2 workers", None),
    }
    rate: dict[str, list[float]] = {k: [] for k in configs}
    wall: dict[str, list[float]] = {k: [] for k in configs}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        folder = tmp / "photos"
        make_folder(folder, count)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20  # sent over TCP
        clusters = {}
        for n in (1, 2):
            clusters[n] = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.CRITICAL,
                )
            )
            configs[f"dask {n}"] = (
                configs[f"dask {n}"][0],
                {"scheduler": clusters[n].scheduler_address},
            )
        # Interleaved rounds: the machine's other load falls on every configuration alike.
        for r in range(args.rounds):
            for key, (_, kw) in configs.items():
                out = tmp / f"{key.replace(' ', '')}-{r}"
                ratio, seconds = timed(folder, out, count, **kw)
                rate[key].append(ratio)
                wall[key].append(seconds)
        rss = {}
        for n, cluster in clusters.items():
            with distributed.Client(cluster, set_as_default=False) as client:
                rss[n] = worker_rss_mb(client)
    med = {k: statistics.median(v) for k, v in rate.items()}
    base = med["local 2"]
    print(
        f"{count} photos ({size_mb:.1f} MB of PNG), {os.cpu_count()} cores, "
        f"median of {args.rounds} interleaved rounds\n"
    )
    print("| run | throughput | vs local pool, 2 workers | end to end |")
    print("|---|---|---|---|")
    for key, (label, _) in configs.items():
        print(
            f"| {label} | {med[key]:.2f} photos/s | {med[key] / base:.2f}x "
            f"| {statistics.median(wall[key]):.1f} s |"
        )
    print(f"\nDask, 2 workers vs 1: {med['dask 2'] / med['dask 1']:.2f}x")
    print(f"Dask worker RSS after the runs (MB, model closed): {rss}")


if __name__ == "__main__":
    main()
