"""Speed and memory of silhouette against the bare model and a naive script.

Run from the project root:

    .venv/bin/python benchmarks/speed.py            # full run, a few minutes
    .venv/bin/python benchmarks/speed.py --quick    # smaller, for a smoke test

Absolute times on a shared machine are noisy, so every comparison is a ratio
of two things measured in the same run, interleaved photo by photo, each the
median of several repeats. Prints a Markdown table (paste it into
docs/performance.md with the command that made it).
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_images"
SHARED = ROOT.parent / "shared"

sys.path.insert(0, str(ROOT / "src"))
from silhouette import Analyzer, AnalyzerOptions, load_image  # noqa: E402
from silhouette.analyzer import _fit  # noqa: E402


def photos() -> list[Path]:
    """Photos with one standing person: the samples, plus the shared front views."""
    paths = [
        SAMPLES / n
        for n in (
            "arsalan_front.jpg",
            "saif_front_arms_down.jpg",
            "render_back.jpg",
            "render_front_hip_popped.jpg",
        )
    ]
    sources = SHARED / "photos" / "SOURCES.tsv"
    if sources.exists():
        for line in sources.read_text().splitlines()[1:]:
            f = line.split("\t")
            if f[5] in ("front", "back") and f[6] == "straight":
                paths.append(SHARED / "photos" / f[0])
    synth = sorted((SHARED / "synth").glob("synth_0[0-4]?.jpg"))
    return paths + synth[:10]


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def bare_pose():
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=True, model_complexity=1, enable_segmentation=True
    )


def bench_overhead(paths, repeat):
    """1. Bare pose + segmentation vs Analyzer.analyze on the same decoded image."""
    pose = bare_pose()
    full = Analyzer()
    lean = Analyzer(AnalyzerOptions(check_people=False))
    rows = []
    for p in paths:
        rgb = _fit(load_image(p), full.options.max_side)
        calls = [
            lambda x=rgb: pose.process(x),
            lambda x=rgb: full.analyze(x),
            lambda x=rgb: lean.analyze(x),
        ]
        for fn in calls:
            fn()  # warm up
        rows.append(tuple(median_ms(fn, repeat) for fn in calls))
    bare, ours, nop = (statistics.median(c) for c in zip(*rows, strict=True))
    ratio = statistics.median(r[1] / r[0] for r in rows)
    ratio_nop = statistics.median(r[2] / r[0] for r in rows)
    return [
        ("bare MediaPipe pose+segmentation, decoded photo", f"{bare:.0f} ms", "1.00x", ""),
        (
            "Analyzer.analyze, people check on (default)",
            f"{ours:.0f} ms",
            f"{ratio:.2f}x",
            "target <= 1.2x",
        ),
        (
            "Analyzer.analyze, check_people=False",
            f"{nop:.0f} ms",
            f"{ratio_nop:.2f}x",
            "target <= 1.2x",
        ),
    ], len(rows)


def bench_phone_jpeg(repeat, tmp: Path):
    """2. A 12-megapixel JPEG: naive full decode + model vs silhouette on the path."""
    src = Image.open(SAMPLES / "arsalan_front.jpg")
    path = tmp / "phone_12mp.jpg"
    src.resize((3000, 4000), Image.Resampling.LANCZOS).save(path, quality=92)
    pose = bare_pose()
    analyzer = Analyzer()

    def naive():
        bgr = cv2.imread(str(path))
        pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    naive()
    analyzer.analyze(path)
    times = {"naive": [], "ours": []}
    for _ in range(repeat):  # interleaved
        times["naive"].append(median_ms(naive, 1))
        times["ours"].append(median_ms(lambda: analyzer.analyze(path), 1))
    n, o = (statistics.median(times[k]) for k in ("naive", "ours"))
    return [
        ("naive: cv2.imread 12 MP JPEG + MediaPipe", f"{n:.0f} ms", "1.00x", ""),
        (
            "silhouette: Analyzer.analyze(path), 12 MP JPEG",
            f"{o:.0f} ms",
            f"{o / n:.2f}x",
            "target <= 0.7x",
        ),
    ]


def bench_batch(paths, count: int, tmp: Path):
    """3. Batch throughput with one worker and with all cores."""
    from silhouette.apps.batch import run_batch

    folder = tmp / "folder"
    folder.mkdir()
    # Distinct photos (the batch skips duplicate content): one pixel differs.
    for k in range(count):
        img = np.asarray(Image.open(paths[k % len(paths)]).convert("RGB")).copy()
        img[0, 0] = (k % 256, k // 256, 7)
        name = f"IMG_2024{1 + k % 12:02d}{1 + k % 28:02d}_{k:04d}.png"
        Image.fromarray(img).save(folder / name, compress_level=1)
    cores = os.cpu_count() or 1
    wall, rate = {}, {}
    for workers in (1, cores):
        out = tmp / f"out{workers}"
        done: list[float] = []

        def tick(_, done=done):
            done.append(time.perf_counter())

        t0 = time.perf_counter()
        summary = run_batch(folder, out, workers=workers, progress=tick)
        wall[workers] = time.perf_counter() - t0
        # Throughput while photos are being analysed: start-up (imports, model
        # loading) and the final report are paid once per run, not per photo.
        rate[workers] = (len(done) - 1) / (done[-1] - done[0])
        assert summary.measured + summary.no_person == count, summary
    return [
        (f"batch, {count} photos, 1 worker: throughput", f"{rate[1]:.2f} photos/s", "1.00x", ""),
        (
            f"batch, {count} photos, {cores} workers: throughput",
            f"{rate[cores]:.2f} photos/s",
            f"{rate[cores] / rate[1]:.2f}x",
            "target >= 1.7x",
        ),
        (
            f"batch, {count} photos, end to end (start-up included)",
            f"{wall[1]:.1f} s vs {wall[cores]:.1f} s",
            f"{wall[1] / wall[cores]:.2f}x",
            "",
        ),
    ]


MEMORY_PROBE = """
import re, sys, itertools
sys.path.insert(0, {src!r})
from silhouette import Analyzer, load_image
from silhouette.analyzer import _fit
images = [_fit(load_image(p), 1600) for p in {paths!r}]
def rss():
    s = open("/proc/self/status").read()
    return [int(re.search(k + r":\\s+(\\d+)", s).group(1)) // 1024 for k in ("VmRSS", "VmHWM")]
with Analyzer() as a:
    marks = []
    for i, img in zip(range({n}), itertools.cycle(images)):
        a.analyze(img)
        if (i + 1) % ({n} // 10) == 0:
            marks.append((i + 1, *rss()))
print(marks)
"""


def bench_memory(paths, n: int):
    """4. Resident memory over many photos in one process."""
    code = MEMORY_PROBE.format(src=str(ROOT / "src"), paths=[str(p) for p in paths], n=n)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    marks = ast.literal_eval(out.strip().splitlines()[-1])
    # After the first tenth (allocator warm-up), RSS should only wander: the
    # least-squares slope over the rest says whether it grows.
    n_done = np.array([m[0] for m in marks[1:]], dtype=float)
    settled = np.array([m[1] for m in marks[1:]], dtype=float)
    slope = np.polyfit(n_done, settled, 1)[0] * 100
    peak = marks[-1][2]
    return [
        (f"RSS after {marks[0][0]} photos", f"{marks[0][1]} MB", "", ""),
        (
            f"RSS from {marks[1][0]} to {marks[-1][0]} photos (one Analyzer)",
            f"{settled.min():.0f}-{settled.max():.0f} MB",
            f"trend {slope:+.1f} MB/100 photos",
            "target: flat",
        ),
        (f"peak RSS over {marks[-1][0]} photos", f"{peak} MB", "", "target < 600 MB"),
    ]


def bench_cold_start(repeat):
    """5. Whole-process cold start: the CLI on one photo vs importing mediapipe."""
    sample = str(SAMPLES / "arsalan_front.jpg")
    exe = Path(sys.executable).with_name("silhouette")
    cli = (
        [str(exe), sample, "--json"]
        if exe.exists()
        else [sys.executable, "-m", "silhouette", sample, "--json"]
    )

    def run(cmd):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - t0

    imp, ours, helps = [], [], []
    for _ in range(repeat):
        imp.append(run([sys.executable, "-c", "import mediapipe"]))
        ours.append(run(cli))
        helps.append(run([*cli[:-2], "--version"]))
    i, o, h = (1000 * statistics.median(x) for x in (imp, ours, helps))
    return [
        ('python -c "import mediapipe"', f"{i:.0f} ms", "1.00x", ""),
        ("silhouette PHOTO --json (whole process)", f"{o:.0f} ms", f"{o / i:.2f}x", ""),
        ("silhouette --version", f"{h:.0f} ms", f"{h / i:.2f}x", ""),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer photos and repeats")
    args = ap.parse_args()
    repeat = 3 if args.quick else 7
    paths = photos()[: 6 if args.quick else None]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        overhead, n_photos = bench_overhead(paths, repeat)
        rows += overhead
        rows += bench_phone_jpeg(repeat, tmp)
        rows += bench_batch(paths, 16 if args.quick else 60, tmp)
        rows += bench_memory(paths, 100 if args.quick else 1000)
        rows += bench_cold_start(3 if args.quick else 5)
    print(
        f"Photos for per-photo timings: {n_photos}; repeats: {repeat}; "
        f"cores: {os.cpu_count()}; python {sys.version.split()[0]}\n"
    )
    print("| measurement | value | ratio | target |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
