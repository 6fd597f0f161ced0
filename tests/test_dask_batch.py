"""A batch on a real Dask cluster: a LocalCluster of 2 worker processes on the loopback.

The cluster's workers are separate processes (each restarted by its nanny
when it dies) that get the photos as bytes; the results must be exactly those
of a local run. Tests that kill workers use a stand-in pose model that reads
the synthetic body of ``support.bodies`` (no MediaPipe, milliseconds a photo).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from silhouette import Analyzer, PoseEstimate, run_batch
from silhouette.apps import dask_batch
from silhouette.apps.cli import main
from silhouette.apps.dask_batch import ClusterError, DaskMissingError
from support.bodies import image_for, scene

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed (pip install -e '.[dask]')"
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_images"


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and 2 single-thread worker processes, on 127.0.0.1 only.

    A photo may take down 2 workers (1 allowed failure) before it counts as
    the photo's fault, to keep the tests short; the default is 3 + 1.
    """
    import dask

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,
        ) as lc,
    ):
        yield lc.scheduler_address


# --------------------------------------------------------------------------
# A stand-in model, importable by the workers (they get tests/ on sys.path).
# --------------------------------------------------------------------------


class ScenePose:
    """The pose of the shared synthetic body for its own photo; nobody elsewhere.

    Photos (by the mark in their first pixel) in ``always`` kill the process
    analysing them, as a crash in native code would; those in ``once`` only
    the first time (a file in the folder ``marks`` remembers it).
    """

    def __init__(self, always=(), once=(), marks: str | None = None) -> None:
        mask, lm = scene()
        self.estimate = PoseEstimate(lm, np.array(mask))
        self.always, self.once, self.marks = always, once, marks

    def __call__(self, rgb):
        if rgb.shape[:2] != self.estimate.mask.shape:
            return None
        mark = int(rgb[0, 0, 2])
        if mark in self.once:
            died = Path(self.marks) / f"died-{mark}"
            if not died.exists():
                died.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        if mark in self.always:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)  # a little work, so that photos overlap on the workers
        return self.estimate

    def close(self) -> None:
        pass


def scene_analyzer(always=(), once=(), marks: str | None = None) -> Analyzer:
    return Analyzer(pose_backend=ScenePose(always, once, marks))


def scene_photos(folder: Path, n: int) -> Path:
    """``n`` photos of the synthetic body, each with its own bytes (a mark 1..n)."""
    folder.mkdir()
    mask, _ = scene()
    for k in range(1, n + 1):
        rgb = image_for(np.array(mask))
        rgb[0, 0, 2] = k
        Image.fromarray(rgb).save(folder / f"IMG_202401{k:02d}_0800.png")
    return folder


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def same_outputs(a: Path, b: Path) -> None:
    """The two output folders hold the same results and the same images, byte for byte."""
    assert (a / "results.jsonl").read_bytes() == (b / "results.jsonl").read_bytes()
    assert (a / "results.csv").read_bytes() == (b / "results.csv").read_bytes()
    for sub in ("thumbs", "overlays"):
        left = {p.name: p.read_bytes() for p in sorted((a / sub).glob("*"))}
        right = {p.name: p.read_bytes() for p in sorted((b / sub).glob("*"))}
        assert left.keys() == right.keys(), sub
        assert left == right, sub


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@pytest.mark.model
def test_a_batch_on_the_cluster_writes_exactly_what_a_local_run_writes(cluster, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("arsalan_front.jpg", "empty_room.jpg", "render_back.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(SAMPLES / "render_back.jpg", folder / "render_back copy.jpg")  # a duplicate
    (folder / "notes.jpg").write_bytes(b"not a photo")  # an error row
    (folder / "empty.png").write_bytes(b"")
    local = run_batch(folder, tmp_path / "local", workers=1, height_cm=170.0, overlays=True)
    args = ["--out", str(tmp_path / "dask"), "--height-cm", "170", "--overlays"]
    code = main(["batch", str(folder), "--scheduler", cluster, *args])

    assert code == 5  # some photos could not be read, as in a local run
    same_outputs(tmp_path / "local", tmp_path / "dask")
    assert (local.measured, local.no_person, local.failed, local.duplicates) == (2, 1, 2, 1)
    assert (tmp_path / "dask" / "report.html").exists()
    # A re-run on the cluster finds everything done.
    again = run_batch(folder, tmp_path / "dask", scheduler=cluster, height_cm=170.0, overlays=True)
    assert (again.new, again.skipped) == (0, 5)


def test_workers_killed_mid_run_lose_nothing_and_only_a_photo_that_always_kills_fails(
    cluster, tmp_path
):
    folder = scene_photos(tmp_path / "photos", 8)
    (tmp_path / "marks").mkdir()
    # Photo 4 kills the first worker that analyses it (the next one succeeds);
    # photo 6 kills every worker that tries it.
    dying = functools.partial(scene_analyzer, (6,), (4,), str(tmp_path / "marks"))
    done: list[int] = []

    summary = run_batch(
        folder, tmp_path / "dask", scheduler=cluster, analyzer_factory=dying, progress=done.append
    )

    assert (tmp_path / "marks" / "died-4").exists()  # a worker did die on photo 4
    assert summary.measured == 7 and summary.failed == 1
    (error,) = summary.errors
    assert error.file == "IMG_20240106_0800.png"
    assert "died on this photo" in error.message
    assert len(done) == 8  # every photo came back exactly once
    rows = records(tmp_path / "dask")
    assert sorted(r["file"] for r in rows) == sorted(p.name for p in folder.iterdir())
    # The others are the records of a local run.
    run_batch(folder, tmp_path / "local", workers=1, analyzer_factory=scene_analyzer)
    local = {r["file"]: r for r in records(tmp_path / "local")}
    assert [r for r in rows if r["status"] != "error"] == [
        local[r["file"]] for r in rows if r["status"] != "error"
    ]


# --------------------------------------------------------------------------
# When there is no cluster to run on
# --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_cluster_error_before_anything_is_written(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(dask_batch, "CONNECT_TIMEOUT", 1.0)
    folder = scene_photos(tmp_path / "photos", 2)
    t0 = time.monotonic()
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0"):
        run_batch(folder, tmp_path / "out", scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert time.monotonic() - t0 < 30
    assert not (tmp_path / "out" / "results.jsonl").exists()


def test_without_the_dask_extra_a_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    folder = scene_photos(tmp_path / "photos", 1)
    with pytest.raises(DaskMissingError, match=r"pip install 'silhouette\[dask\]'"):
        run_batch(folder, tmp_path / "out", scheduler="tcp://127.0.0.1:8786")


def test_the_command_line_says_why_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dask_batch, "CONNECT_TIMEOUT", 1.0)
    folder = scene_photos(tmp_path / "photos", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["batch", str(folder), "--scheduler", address]) == 8
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"silhouette batch: error: cannot reach the Dask scheduler at {address}")
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["batch", str(folder), "--scheduler", address]) == 7
    assert capsys.readouterr().err.strip().splitlines() == [
        "silhouette batch: error: running on a Dask cluster needs the dask extra: "
        "pip install 'silhouette[dask]'"
    ]


def test_a_local_batch_never_imports_dask(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    probe = (
        "import sys\n"
        "from silhouette.apps.cli import main\n"
        f"main(['batch', {str(folder)!r}, '--workers', '1'])\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_losing_the_scheduler_mid_run_keeps_every_finished_photo(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_batch, "CONNECT_TIMEOUT", 2.0)  # how long to try to reconnect
    folder = scene_photos(tmp_path / "photos", 12)
    slow = functools.partial(scene_analyzer)
    lc = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.CRITICAL,
    )
    done: list[int] = []
    stopper = threading.Timer(0, lambda: None)

    def tick(n: int) -> None:
        done.append(n)
        if len(done) == 3:  # the scheduler goes away after three photos
            stopper.function = lc.close
            stopper.start()

    try:
        with pytest.raises(ClusterError, match="Dask"):
            run_batch(
                folder,
                tmp_path / "out",
                scheduler=lc.scheduler_address,
                analyzer_factory=slow,
                progress=tick,
            )
    finally:
        stopper.join(30)
        with contextlib.suppress(Exception):
            lc.close()
    kept = records(tmp_path / "out")
    assert len(kept) == len(done) >= 3
    assert all(r["status"] == "measured" for r in kept)
