"""Speed and memory of silhouette against the bare model and a naive script.

Run from the project root:

    .venv/bin/python benchmarks/speed.py            # full run, a few minutes
    .venv/bin/python benchmarks/speed.py --quick    # smaller, for a smoke test
    .venv/bin/python benchmarks/speed.py --sections overhead,stages

Absolute times on a shared machine are noisy, so every comparison is a ratio
of two things measured in the same run, interleaved photo by photo, each the
median of several repeats. Prints Markdown tables (paste them into
docs/performance.md with the command that made them), and the machine's load
average before and after, since other work on it slows everything down.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import re
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
from silhouette.files import usable_cores  # noqa: E402
from silhouette.io import fit_within as _fit  # noqa: E402

#: What SOURCES.tsv's notes say of a photo with several people in it (the
#: groups, the bystanders; an audience in the background is not counted).
SEVERAL = re.compile(
    r"several people|\b(two|three|four|five) (men|women|people|children)\b|bystanders", re.I
)


def shared_photos() -> list[dict[str, str]]:
    sources = SHARED / "photos" / "SOURCES.tsv"
    if not sources.exists():
        return []
    with open(sources, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def photos() -> list[Path]:
    """Photos with one standing person: the samples, the shared front and back
    views of a straight stance (not the groups), and ten renders."""
    paths = [
        SAMPLES / n
        for n in (
            "arsalan_front.jpg",
            "saif_front_arms_down.jpg",
            "render_back.jpg",
            "render_front_hip_popped.jpg",
        )
    ]
    for r in shared_photos():
        if r["view"] in ("front", "back") and r["stance"] == "straight":
            if not SEVERAL.search(r["notes"]):
                paths.append(SHARED / "photos" / r["file"])
    synth = sorted((SHARED / "synth").glob("synth_0[0-4]?.jpg"))
    return paths + synth[:10]


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux or macOS
        return "?"


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


def thorough_analyzer():
    """An Analyzer that also segments the whole photo to notice other people."""
    from silhouette.backends.mediapipe import MediaPipePeople

    people = MediaPipePeople()
    return Analyzer(people_backend=people), people


def bench_overhead(paths, repeat):
    """1. Bare pose + segmentation vs Analyzer.analyze on the same decoded image."""
    from silhouette.backends.mediapipe import MediaPipePose

    pose = bare_pose()
    full = Analyzer()
    thorough, people = thorough_analyzer()
    lean = Analyzer(AnalyzerOptions(check_people=False))
    one_thread = Analyzer(AnalyzerOptions(threads=1))
    # The analyzer's own model as it runs it (two threads where two cores are usable).
    model = MediaPipePose(threads=full.options.threads or min(2, usable_cores()))
    rows = []
    for p in paths:
        rgb = _fit(load_image(p), full.options.max_side)
        calls = [
            lambda x=rgb: pose.process(x),
            lambda x=rgb: full.analyze(x),
            lambda x=rgb: thorough.analyze(x),
            lambda x=rgb: lean.analyze(x),
            lambda x=rgb: model(x),
            lambda x=rgb: one_thread.analyze(x),
        ]
        for fn in calls:
            fn()  # warm up
        times = [[] for _ in calls]
        for _ in range(repeat):  # interleaved
            for fn, t in zip(calls, times, strict=True):
                t.append(median_ms(fn, 1))
        rows.append(tuple(statistics.median(t) for t in times))
    people.close()
    model.close()
    ms = [statistics.median(c) for c in zip(*rows, strict=True)]
    ratio = [statistics.median(r[k] / r[0] for r in rows) for k in range(len(ms))]
    own = statistics.median(r[1] / r[4] for r in rows)
    return [
        ("bare MediaPipe pose+segmentation, decoded photo", f"{ms[0]:.0f} ms", "1.00x", ""),
        (
            "Analyzer.analyze (default: other people from the pose detector)",
            f"{ms[1]:.0f} ms",
            f"{ratio[1]:.2f}x",
            "target <= 1.2x",
        ),
        (
            "Analyzer.analyze, people_backend=MediaPipePeople() (second model on every photo)",
            f"{ms[2]:.0f} ms",
            f"{ratio[2]:.2f}x",
            "",
        ),
        (
            "Analyzer.analyze, check_people=False",
            f"{ms[3]:.0f} ms",
            f"{ratio[3]:.2f}x",
            "",
        ),
        (
            "Analyzer.analyze, threads=1 (the model on one thread, as MediaPipe's Pose)",
            f"{ms[5]:.0f} ms",
            f"{ratio[5]:.2f}x",
            "",
        ),
        (
            "the analyzer's model alone (MediaPipePose, threads as the analyzer's)",
            f"{ms[4]:.0f} ms",
            f"{ratio[4]:.2f}x",
            f"Analyzer.analyze over it: {own:.2f}x",
        ),
    ], len(rows)


class CountingPose:
    """The bundled pose backend, counting its calls."""

    def __init__(self):
        from silhouette.backends.mediapipe import MediaPipePose

        self.pose, self.calls = MediaPipePose(), 0

    def __call__(self, rgb):
        self.calls += 1
        return self.pose(rgb)

    def close(self):
        self.pose.close()


def bench_people():
    """2. Other people: what each way of looking for them notices, and what it costs."""
    from silhouette.backends.mediapipe import MediaPipePeople

    rows = shared_photos()
    if not rows:
        return []
    pose = CountingPose()
    people = MediaPipePeople()
    variants = {
        "pose model's detector (default)": Analyzer(pose_backend=pose),
        "whole-image segmentation on every photo (people_backend)": Analyzer(
            pose_backend=pose, people_backend=people
        ),
    }
    singles = [p for p in photos() if p.parent == SHARED / "photos"]
    out = []
    for name, analyzer in variants.items():
        noticed, found, missed = 0, 0, []
        flagged = 0
        pose.calls = 0
        for r in rows:
            if not SEVERAL.search(r["notes"]):
                continue
            res = analyzer.analyze(SHARED / "photos" / r["file"])
            if not res.person_found:
                continue
            found += 1
            if "several_people" in res.warning_codes():
                noticed += 1
            else:
                missed.append(r["file"])
        group_calls = pose.calls / max(1, found)
        pose.calls = 0
        for p in singles:
            flagged += "several_people" in analyzer.analyze(p).warning_codes()
        single_calls = pose.calls / max(1, len(singles))
        out.append(
            (
                name,
                f"{noticed}/{found}",
                ", ".join(missed) or "none",
                f"{flagged}/{len(singles)}",
                f"{single_calls:.2f} / {group_calls:.2f}",
            )
        )
    people.close()
    pose.close()
    return out


#: The stages timed by --stages: (module, function, label); nested ones are
#: indented. Functions another version of the code lacks are skipped.
STAGES = [
    ("silhouette.analyzer", "largest_person", "other people: the pose model asked again"),
    ("silhouette.core.measure", "select_person", "person mask region (select_person)"),
    ("silhouette.core.measure", "plausible_person", "plausible person check"),
    ("silhouette.core.measure", "refine_around_hips", "guided filter beside the hips"),
    ("silhouette.core.measure", "trace_hip", "both hips' outlines (trace_hip)"),
    ("silhouette.core.hips", "side_profile", "  rays (remap, crossings, clearance)"),
    ("silhouette.core.hips", "arm_overlap", "  arm and hand checks"),
    ("silhouette.core.hips", "dip_of_profile", "  dip (hull, held depth)"),
    ("silhouette.core.measure", "estimate_posture", "posture"),
    ("silhouette.core.posture", "outline_angles", "  its outline (two more traces, matched)"),
    ("silhouette.core.posture", "waistband_angle", "  its waistband"),
    ("silhouette.core.measure", "_outline_evidence", "clothing evidence (colour strips)"),
    ("silhouette.core.measure", "hips_lab", "  L*a*b* patches"),
    ("silhouette.core.measure", "score_side", "scoring"),
]


def bench_stages(paths, repeat):
    """3. Where Analyzer.analyze spends its time, per stage (median over photos)."""
    import importlib

    acc: dict[str, float] = {}
    patched = []

    def timed(fn, label):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[label] = acc.get(label, 0.0) + time.perf_counter() - t0

        return wrapper

    for mod_name, fn_name, label in STAGES:
        mod = importlib.import_module(mod_name)
        if hasattr(mod, fn_name):
            patched.append((mod, fn_name, getattr(mod, fn_name)))
            setattr(mod, fn_name, timed(getattr(mod, fn_name), label))
    analyzer = Analyzer()
    pose = analyzer._pose
    analyzer._pose = timed(pose, "pose model (MediaPipe)")
    per_photo: list[dict[str, float]] = []  # median ms of each stage, per photo
    try:
        for p in paths:
            rgb = _fit(load_image(p), analyzer.options.max_side)
            analyzer.analyze(rgb)  # warm up
            runs = []
            for _ in range(repeat):
                acc.clear()
                t0 = time.perf_counter()
                analyzer.analyze(rgb)
                acc["whole analysis"] = time.perf_counter() - t0
                runs.append(dict(acc))
            labels = {k for r in runs for k in r}
            # A stage that does not run on a photo counts as 0 ms there.
            per_photo.append(
                {k: 1000 * statistics.median(r.get(k, 0.0) for r in runs) for k in labels}
            )
    finally:
        for mod, fn_name, fn in patched:
            setattr(mod, fn_name, fn)
        analyzer._pose = pose
        analyzer.close()
    top = ["pose model (MediaPipe)"] + [s[2] for s in STAGES if not s[2].startswith(" ")]
    for d in per_photo:
        d["the rest (frame, view, widths, notices, result, rescaling)"] = d["whole analysis"] - sum(
            d.get(k, 0.0) for k in top
        )
    order = ["whole analysis", "pose model (MediaPipe)"] + [s[2] for s in STAGES]
    order.append("the rest (frame, view, widths, notices, result, rescaling)")
    total = statistics.median(d["whole analysis"] for d in per_photo)
    model = statistics.median(d["pose model (MediaPipe)"] for d in per_photo)
    out = []
    for label in order:
        if any(label in d for d in per_photo):
            vals = [d.get(label, 0.0) for d in per_photo]
            med = statistics.median(vals)
            share = "" if label.startswith(" ") else f"{med / model:.2f}"
            out.append((label, f"{med:.1f}", f"{statistics.mean(vals):.1f}", share))
    return out, total


def bench_phone_jpeg(repeat, tmp: Path):
    """4. A 12-megapixel JPEG: naive full decode + model vs silhouette on the path."""
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
    """5. Batch throughput with one worker and with all cores."""
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
from silhouette.io import fit_within as _fit
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
    """6. Resident memory over many photos in one process."""
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
    """7. Whole-process cold start: the CLI on one photo vs importing mediapipe."""
    sample = str(SAMPLES / "arsalan_front.jpg")
    # What the `silhouette` console script runs, from this tree's src/.
    cli = [
        sys.executable,
        "-c",
        "import sys; from silhouette.apps.cli import main; sys.exit(main())",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def run(cmd, ok=(0,)):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        if p.returncode not in ok:
            raise RuntimeError(f"{cmd} exited {p.returncode}: {p.stderr.decode()[-500:]}")
        return time.perf_counter() - t0

    imp, ours, helps = [], [], []
    for _ in range(repeat):  # interleaved
        imp.append(run([sys.executable, "-c", "import mediapipe"]))
        ours.append(run([*cli, sample, "--json"]))
        helps.append(run([*cli, "--version"]))
    i, o, h = (1000 * statistics.median(x) for x in (imp, ours, helps))
    return [
        ('python -c "import mediapipe"', f"{i:.0f} ms", "1.00x", ""),
        (
            "silhouette PHOTO --json (whole process)",
            f"{o:.0f} ms",
            f"{o / i:.2f}x",
            "target <= 1.2x",
        ),
        ("silhouette --version", f"{h:.0f} ms", f"{h / i:.2f}x", ""),
    ]


SECTIONS = ("overhead", "people", "stages", "phone", "batch", "memory", "cold")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer photos and repeats")
    ap.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of: {', '.join(SECTIONS)} (default: all)",
    )
    args = ap.parse_args()
    run = set(args.sections.split(","))
    if run - set(SECTIONS):
        ap.error(f"unknown sections: {', '.join(sorted(run - set(SECTIONS)))}")
    repeat = 3 if args.quick else 7
    paths = photos()[: 6 if args.quick else None]
    load_before = load_average()
    rows, people, stages = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "overhead" in run:
            rows += bench_overhead(paths, repeat)[0]
        if "people" in run:
            people = bench_people()
        if "stages" in run:
            stages = bench_stages(paths, repeat)
        if "phone" in run:
            rows += bench_phone_jpeg(repeat, tmp)
        if "batch" in run:
            rows += bench_batch(paths, 16 if args.quick else 60, tmp)
        if "memory" in run:
            rows += bench_memory(paths, 100 if args.quick else 1000)
        if "cold" in run:
            rows += bench_cold_start(3 if args.quick else 5)
    print(
        f"Photos for per-photo timings: {len(paths)}; repeats: {repeat}; "
        f"cores: {os.cpu_count()}; python {sys.version.split()[0]}; "
        f"load average (1/5/15 min) before {load_before}, after {load_average()}\n"
    )
    if rows:
        print("| measurement | value | ratio | target |")
        print("|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()
    if people:
        print(
            "| other people noticed by | photos with several people noticed "
            "(a person found) | missed | one-person photos flagged | "
            "pose model calls per photo, one person / several |"
        )
        print("|---|---|---|---|---|")
        for r in people:
            print("| " + " | ".join(r) + " |")
        print()
    if stages:
        table, total = stages
        print(f"Per stage, Analyzer.analyze on a decoded photo (whole: {total:.0f} ms median):\n")
        print("| stage | median ms | mean ms | median over the pose model's |")
        print("|---|---|---|---|")
        for r in table:
            print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
