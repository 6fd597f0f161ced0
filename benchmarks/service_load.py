"""A bounded load test of `silhouette serve`: latency, throughput and memory.

Run from the project root (needs the serve extra: pip install -e '.[serve]'):

    .venv/bin/python benchmarks/service_load.py                 # 200 requests, 1 and 2 workers
    .venv/bin/python benchmarks/service_load.py --requests 40   # a quick look

Starts `silhouette serve` on 127.0.0.1 (a free port), waits until the model
has loaded, then sends the sample photos with a person, round-robin, from
`--concurrency` client threads (httpx): exactly `--requests` requests, each
with a 120 s timeout, so the test always ends. Reports p50/p95/max latency,
throughput, every status other than 200, and the resident memory of the
server's processes before the load and after it. Prints a Markdown table for
docs/performance.md. Traffic goes to the loopback address only.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = [
    ROOT / "sample_images" / n
    for n in (
        "arsalan_front.jpg",
        "saif_front_arms_down.jpg",
        "render_back.jpg",
        "render_front_hip_popped.jpg",
    )
]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), MB."""
    total = 0.0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                pids += [int(c) for c in children]
        except (OSError, AttributeError):
            continue
    return total


def start(workers: int) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "silhouette", "serve", "--port", "0", "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 180
    url = None
    while time.monotonic() < deadline and proc.poll() is None:
        m = next(
            (re.search(r"(http://127\.0\.0\.1:\d+)", x) for x in lines if "listening" in x), None
        )
        if m:
            url = m.group(1)
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    # Every worker process has loaded its model once it answers a photo.
                    for _ in range(2 * workers):
                        httpx.post(f"{url}/v1/analyze", files={"file": PHOTOS[0].read_bytes()})
                    return proc, url, lines
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start:\n" + "".join(lines))


def load(url: str, requests: int, concurrency: int) -> tuple[list[float], dict[int, int], float]:
    bodies = [p.read_bytes() for p in PHOTOS]
    statuses: dict[int, int] = {}
    with httpx.Client(timeout=120) as client:

        def one(k: int) -> float:
            t0 = time.perf_counter()
            try:
                r = client.post(f"{url}/v1/analyze", files={"file": bodies[k % len(bodies)]})
                code = r.status_code
            except httpx.HTTPError:
                code = -1
            statuses[code] = statuses.get(code, 0) + 1
            return time.perf_counter() - t0

        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, range(requests)))
        wall = time.perf_counter() - t0
    return sorted(1000 * t for t in latencies), statuses, wall


def sequential_ms(analyse, repeat: int = 3) -> float:
    """Median time of one photo at a time, over the photos ``repeat`` times, ms."""
    bodies = [p.read_bytes() for p in PHOTOS]
    for body in bodies:  # warm-up
        analyse(body)
    times = []
    for _ in range(repeat):
        for body in bodies:
            t0 = time.perf_counter()
            analyse(body)
            times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    from silhouette import Analyzer

    with Analyzer() as analyzer:
        base = sequential_ms(analyzer.analyze)
    rows, single = [], []
    for workers in args.workers:
        proc, url, _ = start(workers)
        try:
            with httpx.Client(timeout=120) as client:
                one = sequential_ms(
                    lambda body, c=client, u=url: c.post(f"{u}/v1/analyze", files={"file": body})
                )
            single.append(f"{one:.0f} ms with {workers} worker(s) ({one / base:.2f}x)")
            before = tree_rss_mb(proc.pid)
            ms, statuses, wall = load(url, args.requests, args.concurrency)
            after = tree_rss_mb(proc.pid)
        finally:
            proc.send_signal(2)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        p95 = ms[round(0.95 * (len(ms) - 1))]
        errors = {k: v for k, v in statuses.items() if k != 200}
        rows.append(
            f"| {workers} | {args.requests} at {args.concurrency} | "
            f"{statistics.median(ms):.0f} ms | {p95:.0f} ms | {ms[-1]:.0f} ms | "
            f"{args.requests / wall:.1f} /s | {errors or 'none'} | "
            f"{before:.0f} MB -> {after:.0f} MB |"
        )
    print(
        "| workers | requests at concurrency | p50 | p95 | max | throughput | errors "
        "| server RSS before -> after |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"\nOne request at a time: Analyzer.analyze in this process {base:.0f} ms; "
        f"over HTTP {', '.join(single)}"
    )


if __name__ == "__main__":
    main()
