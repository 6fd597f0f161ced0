"""Analyse a folder of progress photos: in parallel, resumable, nothing lost.

Each photo becomes one record (see :mod:`silhouette.apps.records`) the moment it is
done. Photos whose content is already recorded in the output folder are
skipped, so a re-run only adds new photos and a killed run picks up where it
stopped. A photo that cannot be read becomes an error record; the batch goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analyzer import Analyzer, AnalyzerOptions
from ..errors import InvalidInputError, SilhouetteError
from ..files import atomic_write_bytes, printable
from ..io import read_image
from .dates import photo_date
from .photos import file_sha256, find_photos
from .records import BatchRecord, Failure, Status
from .store import ResultStore

__all__ = ["BatchSummary", "run_batch"]

#: Height of the overlay thumbnails shown in the report, pixels.
THUMB_HEIGHT = 360


@dataclass
class BatchSummary:
    """What a batch run did.

    ``failed`` counts error records of this run; ``failed_total`` those in the
    whole output folder (earlier runs included). ``errors`` lists this run's
    failures; ``records`` every record of the output folder, earlier runs'
    included, in the order they were written (what a report is made from).
    """

    found: int = 0
    skipped: int = 0
    duplicates: int = 0
    measured: int = 0
    no_person: int = 0
    failed: int = 0
    failed_total: int = 0
    errors: list[Failure] = field(default_factory=list)
    records: list[BatchRecord] = field(default_factory=list)

    @property
    def new(self) -> int:
        return self.measured + self.no_person + self.failed


@dataclass(frozen=True)
class _Job:
    path: str
    rel: str
    key: str
    out_dir: str
    height_cm: float | None
    overlays: bool


def run_batch(
    folder: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    workers: int | None = None,
    recursive: bool = False,
    height_cm: float | None = None,
    overlays: bool = False,
    retry_errors: bool = False,
    options: AnalyzerOptions | None = None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
) -> BatchSummary:
    """Analyse every photo of a folder that is not yet in ``out_dir``.

    Parameters
    ----------
    folder : path
        Folder of photos.
    out_dir : path
        Output folder: ``results.jsonl``, ``results.csv``, ``thumbs/`` and,
        with ``overlays``, ``overlays/``. The HTML report is separate (see
        :func:`silhouette.apps.report.write_report`).
    workers : int, optional
        Worker processes, each loading the model once; default all cores.
        With 1, photos are analysed in this process.
    recursive : bool
        Include sub-folders.
    height_cm : float, optional
        The person's height, for depths in centimetres.
    overlays : bool
        Also write a full-size annotated PNG of every photo.
    retry_errors : bool
        Try again the photos recorded as errors by earlier runs.
    options : AnalyzerOptions, optional
    progress : callable, optional
        Called with 1 after every photo finished (e.g. ``tqdm.update``).
    on_total : callable, optional
        Called once with the number of photos to analyse.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InvalidInputError
        ``folder`` is not a folder.
    OSError
        The output folder cannot be written.

    Examples
    --------
    >>> from silhouette import run_batch
    >>> summary = run_batch("progress/", "progress/results", workers=2)  # doctest: +SKIP
    >>> summary.measured, [f.file for f in summary.errors]               # doctest: +SKIP
    (12, [])
    """
    folder = Path(folder)
    out = Path(out_dir)
    if not folder.is_dir():
        raise InvalidInputError(f"{printable(str(folder))}: not a folder")
    options = options or AnalyzerOptions()
    summary = BatchSummary()
    out.mkdir(parents=True, exist_ok=True)
    (out / "thumbs").mkdir(exist_ok=True)
    if overlays:
        (out / "overlays").mkdir(exist_ok=True)
    with ResultStore(out, drop_errors=retry_errors) as store:
        jobs: list[_Job] = []
        queued: set[str] = set()
        photos = find_photos(folder, recursive=recursive, exclude=out)
        summary.found = len(photos)
        for path in photos:
            rel = printable(path.relative_to(folder).as_posix())
            try:
                key = file_sha256(path)
            except OSError as exc:
                key = f"unreadable:{rel}"
                if key not in store:
                    _record(store, summary, BatchRecord.failed(rel, key, _os_message(exc)))
                else:
                    summary.skipped += 1
                continue
            if key in store:
                summary.skipped += 1
            elif key in queued:
                summary.duplicates += 1
            else:
                queued.add(key)
                jobs.append(_Job(str(path), rel, key, str(out), height_cm, overlays))
        if on_total is not None:
            on_total(len(jobs))
        for record in _analyse(jobs, workers, options):
            _record(store, summary, record)
            if progress is not None:
                progress(1)
        summary.failed_total = sum(r.status is Status.ERROR for r in store.records)
        summary.records = list(store.records)
    return summary


def _record(store: ResultStore, summary: BatchSummary, record: BatchRecord) -> None:
    store.append(record)
    if record.status is Status.MEASURED:
        summary.measured += 1
    elif record.status is Status.NO_PERSON:
        summary.no_person += 1
    else:
        summary.failed += 1
        summary.errors.append(record.failure)


def _analyse(
    jobs: list[_Job], workers: int | None, options: AnalyzerOptions
) -> Iterable[BatchRecord]:
    """Records of the jobs, in the order they finish."""
    if not jobs:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        with Analyzer(options) as analyzer:
            for job in jobs:
                yield _process(job, analyzer)
        return
    pool_kw = dict(mp_context=_worker_context(), initializer=_init_worker, initargs=(options,))
    done: set[str] = set()
    with cf.ProcessPoolExecutor(workers, **pool_kw) as pool:
        futures = {pool.submit(_work, job): job for job in jobs}
        try:
            for fut in cf.as_completed(futures):
                record = fut.result()
                done.add(record.sha256)
                yield record
        except cf.process.BrokenProcessPool:
            pass  # a worker died: out of memory, or a crash in native code
    # After a crash, one photo at a time in a fresh worker: the photo that
    # kills its worker is recorded as an error and the others go on. When two
    # photos in a row kill theirs, the workers themselves cannot run here (a
    # start method this program does not support): the rest are analysed in
    # this process instead.
    rest = [job for job in jobs if job.key not in done]
    crashed_in_a_row = 0
    while rest and crashed_in_a_row < 2:
        with cf.ProcessPoolExecutor(1, **pool_kw) as pool:
            while rest:
                job = rest.pop(0)
                try:
                    yield pool.submit(_work, job).result()
                    crashed_in_a_row = 0
                except cf.process.BrokenProcessPool:
                    crashed_in_a_row += 1
                    yield BatchRecord.failed(
                        job.rel, job.key, "the analysis process crashed on this photo"
                    )
                    break  # this pool is dead; start another for the rest
    if rest:
        with Analyzer(options) as analyzer:
            for job in rest:
                yield _process(job, analyzer)


def _worker_context():
    """How workers start: never a fork of a process that may hold model threads.

    A fork server that has already imported silhouette and MediaPipe (but
    created no model) hands out ready workers in milliseconds; spawning each
    one would import everything again, a couple of seconds per worker. Where
    there is no fork server (Windows), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "mediapipe"])
    return ctx


# --------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------

_worker_analyzer: Analyzer | None = None


def _init_worker(options: AnalyzerOptions) -> None:
    """Runs once in each worker process: quiet native logs, load the model."""
    global _worker_analyzer
    import cv2

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # MediaPipe's C++ start-up chatter; errors come back as values
    # Parallelism comes from the worker processes; OpenCV's own threads in
    # each of them would only fight over the same cores.
    cv2.setNumThreads(1)
    _worker_analyzer = Analyzer(options)


def _work(job: _Job) -> BatchRecord:
    assert _worker_analyzer is not None, "worker not initialised"
    return _process(job, _worker_analyzer)


def _process(job: _Job, analyzer: Analyzer) -> BatchRecord:
    """Analyse one photo into a record; never raises for a bad photo."""
    from ..draw import OVERLAY_MAX_SIDE, annotate

    path = Path(job.path)
    try:
        when = photo_date(path)
        date, source = when.when.isoformat(timespec="seconds"), when.source
    except OSError as exc:
        return BatchRecord.failed(job.rel, job.key, _os_message(exc))
    try:
        # One decode at the working size serves the analysis and the thumbnail.
        decoded = read_image(path, max_side=analyzer.options.max_side)
        result = analyzer.analyze(decoded, height_cm=job.height_cm)
        out = Path(job.out_dir)
        thumb = Path("thumbs") / f"{job.key[:16]}.jpg"
        small = _fit_height(decoded.rgb, THUMB_HEIGHT)
        _save(out / thumb, annotate(small, result, labels=False), quality=85)
        overlay = None
        if job.overlays:
            # A file name safe on every system, whatever the photo was called.
            stem = re.sub(r"[^\w.-]+", "_", printable(path.stem)).strip("._") or "photo"
            overlay = Path("overlays") / f"{stem[:80]}_{job.key[:8]}.png"
            full = read_image(path, max_side=OVERLAY_MAX_SIDE).rgb
            _save(out / overlay, annotate(_fit_height(full, OVERLAY_MAX_SIDE), result))
    except SilhouetteError as exc:
        # The record names the photo by its path in the folder, never the
        # absolute path (which says more about the computer than needed).
        message = printable(str(exc)).replace(f"{printable(str(path))}: ", "")
        return BatchRecord.failed(job.rel, job.key, message, date, source)
    except MemoryError:
        return BatchRecord.failed(
            job.rel, job.key, "not enough memory for this photo", date, source
        )
    except Exception as exc:  # the batch goes on; the record says what happened
        return BatchRecord.failed(
            job.rel, job.key, f"internal error: {type(exc).__name__}: {exc}", date, source
        )
    return BatchRecord(
        job.rel,
        job.key,
        Status.MEASURED if result.person_found else Status.NO_PERSON,
        date,
        source,
        thumbnail=thumb.as_posix(),
        overlay=None if overlay is None else overlay.as_posix(),
        result=result.to_dict(),
    )


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fit_height(rgb, height: int):
    """Shrink so that the height is at most ``height`` (never enlarge)."""
    import cv2

    h, w = rgb.shape[:2]
    if h <= height:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)


def _save(path: Path, rgb, **kw) -> None:
    import io

    from PIL import Image

    # Pixels only: a fresh image carries no EXIF, GPS or camera metadata.
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG" if path.suffix == ".jpg" else "PNG", **kw)
    atomic_write_bytes(path, buf.getvalue())
