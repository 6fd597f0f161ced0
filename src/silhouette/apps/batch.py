"""Analyse a folder of progress photos: in parallel, resumable, nothing lost.

Each photo becomes one record (see :mod:`silhouette.apps.records`) the moment it is
done. Photos whose content is already recorded in the output folder, with the
options this run asks for, are skipped, so a re-run only adds new photos and a
killed run picks up where it stopped. A photo that cannot be read becomes an
error record; the batch goes on. The records follow the folder: a renamed
photo keeps its record under the new name, a deleted or changed one loses its
old record, and a byte-identical copy is recorded as a duplicate.

Workers are processes, each with its own model. They die with the main
process, however it ends (Ctrl-C, SIGTERM, SIGKILL), and an interrupted run
keeps every finished record.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..analyzer import Analyzer, AnalyzerOptions
from ..errors import InvalidInputError, SilhouetteError, SilhouetteWarning
from ..files import (
    FolderLock,
    atomic_write_bytes,
    atomic_write_text,
    model_threads,
    printable,
    usable_cores,
)
from ..io import read_image
from .dates import photo_date
from .photos import OUTPUT_MARKER, file_sha256, find_photos
from .records import BatchRecord, Failure, Status
from .series import judge_series
from .store import ResultStore, date_order, read_records

__all__ = ["BatchInterrupted", "BatchSummary", "run_batch"]

#: Height of the overlay thumbnails shown in the report, pixels.
THUMB_HEIGHT = 360
#: Long side of the close-up of the hips shown in the report, pixels.
CLOSEUP_SIDE = 480
#: The lock file that keeps two runs from writing one output folder.
LOCK_NAME = ".silhouette.lock"
#: The series' settings that outlive a run (the reference photo), in the output folder.
SERIES_FILE = "series.json"


@dataclass
class BatchSummary:
    """What a batch run did.

    ``failed`` counts error records of this run; ``failed_total`` those in the
    whole output folder (earlier runs included). ``errors`` lists this run's
    failures; ``records`` every record of the output folder, earlier runs'
    included, in date order (what a report is made from). ``notes`` are
    sentences for the user about what the run passed over or kept.
    """

    found: int = 0
    skipped: int = 0
    duplicates: int = 0
    measured: int = 0
    no_person: int = 0
    failed: int = 0
    failed_total: int = 0
    redone: int = 0
    renamed: int = 0
    removed: int = 0
    errors: list[Failure] = field(default_factory=list)
    records: list[BatchRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return self.measured + self.no_person + self.failed


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted (Ctrl-C, or SIGTERM in the command line).

    Every photo finished before the interrupt is recorded; ``summary`` says
    what the run did, with every record of the output folder, so that a
    report can still be written.
    """

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__("batch interrupted")
        self.summary = summary


@dataclass(frozen=True)
class _Job:
    path: str
    rel: str
    key: str
    out_dir: str
    height_cm: float | None
    overlays: bool


def per_worker(options: AnalyzerOptions, workers: int) -> AnalyzerOptions:
    """``options`` for one of ``workers`` processes: its share of the cores.

    More model threads than cores only make the workers wait for each other.
    Threads set by the caller are kept.
    """
    if options.threads is not None:
        return options
    return replace(options, threads=model_threads(workers))


def _default_analyzer(options: AnalyzerOptions) -> Analyzer:
    """The analyzer each worker uses: the bundled model."""
    return Analyzer(options)


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
    analyzer_factory: Callable[[], Analyzer] | None = None,
    scheduler: Any = None,
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
    reference: str | None = None,
    include_posed: bool = False,
) -> BatchSummary:
    """Analyse every photo of a folder that is not yet in ``out_dir``.

    Parameters
    ----------
    folder : path
        Folder of photos.
    out_dir : path
        Output folder (it may be ``folder`` itself): ``results.jsonl``,
        ``results.csv``, ``thumbs/`` and, with ``overlays``, ``overlays/``.
        The HTML report is separate (see
        :func:`silhouette.apps.report.write_report`).
    workers : int, optional
        Worker processes, each loading the model once; default all cores.
        With 1, photos are analysed in this process.
    recursive : bool
        Include sub-folders (never output folders of silhouette).
    height_cm : float, optional
        The person's height, for depths in centimetres. Photos recorded with
        another height (or none) are analysed again.
    overlays : bool
        Also write a full-size annotated PNG of every photo; recorded photos
        without one are analysed again.
    retry_errors : bool
        Try again the photos recorded as errors by earlier runs.
    options : AnalyzerOptions, optional
    analyzer_factory : callable, optional
        Makes the :class:`~silhouette.Analyzer` each worker uses (once per
        worker); default ``Analyzer(options)``. With several workers it is
        sent to them, so it must be picklable (a module-level function or a
        ``functools.partial`` of one).
    scheduler : str or distributed.Client, optional
        Analyse on a Dask cluster instead of local processes: the
        scheduler's address (``tcp://host:8786``) or a client. Needs the
        ``[dask]`` extra; ``workers`` is then ignored. See
        :mod:`silhouette.apps.dask_batch`.
    progress : callable, optional
        Called with 1 after every photo finished (e.g. ``tqdm.update``).
    on_total : callable, optional
        Called once with the number of photos to analyse.
    reference : str, optional
        The photo (its name inside ``folder``) every photo of its view is
        compared with; default the earliest photo of each view taken with a
        straight stance and the body's own outline
        (:func:`silhouette.apps.series.judge_series`). Each measured record's
        ``comparison`` says whether it compares, and why not.
    include_posed : bool, optional
        A hip-popped stance alone does not make a photo not comparable.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InvalidInputError
        ``folder`` is not a folder, or ``reference`` is not a measured front
        or back photo of it (raised after every photo is analysed and recorded).
    silhouette.files.LockHeldError
        Another run is writing to ``out_dir`` (an ``OSError``).
    OSError
        The output folder cannot be written.
    silhouette.apps.dask_batch.DaskMissingError
        ``scheduler`` was given but the ``[dask]`` extra is not installed.
    silhouette.apps.dask_batch.ClusterError
        The scheduler cannot be reached, has no workers or was lost (an
        ``OSError``); the photos finished before are recorded.
    BatchInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``), after the workers have stopped;
        every finished photo is recorded and the exception carries the summary.

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
    if scheduler is not None and options.threads is None:
        # A cluster runs one worker process per core (docs/cluster.md).
        options = replace(options, threads=1)
    options = per_worker(options, workers or usable_cores())
    factory = analyzer_factory or functools.partial(_default_analyzer, options)
    out.mkdir(parents=True, exist_ok=True)
    cluster = _connect(scheduler)  # first: an unreachable scheduler fails fast
    with cluster or contextlib.nullcontext(), FolderLock(out, LOCK_NAME):
        _prepare(out, overlays)
        named_now = reference is not None
        saved_key = None
        if not named_now:
            reference, saved_key = _series_reference(out)
        summary = BatchSummary()
        with ResultStore(out, drop_errors=retry_errors) as store:
            jobs = _plan(folder, out, store, summary, recursive, height_cm, overlays)
            if on_total is not None:
                on_total(len(jobs))
            if cluster is None:
                analysed = _analyse(jobs, workers, factory)
            else:
                analysed = cluster.analyse(jobs, factory)
            try:
                for record in analysed:
                    _record(store, summary, record)
                    if progress is not None:
                        progress(1)
            except KeyboardInterrupt:
                analysed.close()  # stops the workers now
                store.close()
                summary.records = _judged(
                    date_order(read_records(store.jsonl_path)), reference, include_posed
                )
                summary.failed_total = sum(r.status is Status.ERROR for r in summary.records)
                raise BatchInterrupted(summary) from None
            # Both files once more, in date order (appended in finishing order),
            # each photo judged against the series' reference.
            ordered = date_order(store.records)
            if saved_key is not None and all(r.file != reference for r in ordered):
                # Renamed since: its record keeps its content key.
                reference = next(
                    (r.file for r in ordered if r.key == saved_key and not r.duplicate_of),
                    reference,
                )
            try:
                judged = judge_series(ordered, reference=reference, include_posed=include_posed)
            except InvalidInputError:
                if named_now:
                    store.rewrite(ordered)
                    raise
                # Named by an earlier run, and since deleted or no longer measured.
                summary.notes.append(
                    f"the reference photo {printable(reference)} named by an earlier run is no "
                    "measured front or back photo of the folder now; each photo is compared "
                    "with its view's default reference (name another with --reference)"
                )
                judged = judge_series(ordered, include_posed=include_posed)
            else:
                if reference is not None:
                    # Kept once it proved a reference: a wrong name is never kept.
                    _save_reference(out, reference, judged)
            store.rewrite(judged)
            summary.failed_total = sum(r.status is Status.ERROR for r in store.records)
            summary.records = store.records
    return summary


def _series_reference(out: Path) -> tuple[str | None, str | None]:
    """The reference photo of the series as named by an earlier run: name, content key.

    Kept in ``series.json`` in the output folder, so that a reference chosen
    once holds for the runs after it without being named again (and follows
    the photo when it is renamed).
    """
    path = out / SERIES_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        name, key = saved.get("reference"), saved.get("key")
    except (OSError, ValueError, AttributeError):
        return None, None
    if not isinstance(name, str):
        return None, None
    return name, key if isinstance(key, str) else None


def _save_reference(out: Path, named: str, records: list[BatchRecord]) -> None:
    """Keep the reference named now, with its content key, for the runs after this one."""
    refs = {r.comparison["reference"] for r in records if r.comparison is not None}
    named = printable(named)
    copy = next((r.duplicate_of for r in records if r.file == named and r.duplicate_of), None)
    file = copy or named
    key = next((r.key for r in records if r.file == file and file in refs), None)
    atomic_write_text(out / SERIES_FILE, json.dumps({"reference": file, "key": key}) + "\n")


def _judged(
    records: list[BatchRecord], reference: str | None, include_posed: bool
) -> list[BatchRecord]:
    """``judge_series`` for the records of an interrupted run: a reference not
    analysed yet is no error there."""
    try:
        return judge_series(records, reference=reference, include_posed=include_posed)
    except InvalidInputError:
        return judge_series(records, include_posed=include_posed)


def _connect(scheduler: Any):
    """A connection to the Dask scheduler, or None to analyse in local processes."""
    if scheduler is None:
        return None
    from .dask_batch import DaskCluster  # dask itself is imported only here

    return DaskCluster(scheduler)


def _prepare(out: Path, overlays: bool) -> None:
    """Output folders, the marker that keeps scans out, no stale temporaries."""
    (out / "thumbs").mkdir(exist_ok=True)
    if overlays:
        (out / "overlays").mkdir(exist_ok=True)
    (out / OUTPUT_MARKER).touch()
    # A worker killed mid-write leaves its temporary file (atomic writes).
    for sub in (out, out / "thumbs", out / "overlays"):
        if sub.is_dir():
            for tmp in sub.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def _plan(
    folder: Path,
    out: Path,
    store: ResultStore,
    summary: BatchSummary,
    recursive: bool,
    height_cm: float | None,
    overlays: bool,
) -> list[_Job]:
    """Bring the records in line with the folder; the photos left to analyse."""
    scan = find_photos(folder, recursive=recursive, exclude=(out / "thumbs", out / "overlays"))
    for name, why in scan.skipped:
        summary.notes.append(f"{name}: skipped ({why}).")
    summary.found = len(scan.photos)
    # What the folder holds now: content key -> its files, in name order.
    files: dict[str, list[tuple[str, Path]]] = {}
    key_of: dict[str, str] = {}
    for path in scan.photos:
        rel = printable(path.relative_to(folder).as_posix())
        try:
            key = file_sha256(path)
        except OSError:
            key = f"unreadable:{rel}"
        files.setdefault(key, []).append((rel, path))
        key_of[rel] = key

    def in_scope(rel: str) -> bool:
        # A record of a sub-folder photo is only judged by a run that searched it.
        return recursive or "/" not in rel

    # Records of photos that are gone, changed or copies: dropped (copies are
    # recorded afresh below); renamed photos keep their record.
    kept: list[BatchRecord] = []
    for r in store.records:
        if r.status is Status.DUPLICATE:
            if not in_scope(r.file):
                kept.append(r)
            continue
        here = files.get(r.key)
        if here is None:
            if in_scope(r.file) or r.file in key_of:
                summary.removed += 1  # deleted, or now different content
                continue
            kept.append(r)
            continue
        names = [rel for rel, _ in here]
        if r.file not in names:
            r = r.renamed(names[0])
            summary.renamed += 1
        kept.append(r)
    primary = {r.key: r.file for r in kept if r.status is not Status.DUPLICATE}
    jobs: list[_Job] = []
    heights: dict[Any, int] = {}
    for key, here in files.items():
        first = primary.get(key, here[0][0])
        for rel, _ in here:
            if rel != first:
                kept.append(BatchRecord.duplicate(rel, key, first))
                summary.duplicates += 1
        rel, path = next((f for f in here if f[0] == first), here[0])
        rec = store.get(key) if key in primary else None
        if key.startswith("unreadable:"):
            if rec is None:
                kept.append(BatchRecord.failed(rel, key, "the file cannot be read"))
                summary.failed += 1
                summary.errors.append(Failure(rel, "the file cannot be read"))
            else:
                summary.skipped += 1
            continue
        job = _Job(str(path), rel, key, str(out), height_cm, overlays)
        if rec is None:
            jobs.append(job)
        elif _redo(rec, out, height_cm, overlays):
            jobs.append(job)
            summary.redone += 1
        else:
            summary.skipped += 1
            if rec.status is Status.MEASURED:
                recorded = rec.options.get("height_cm")
                heights[recorded] = heights.get(recorded, 0) + 1
    if height_cm is None and any(h is not None for h in heights):
        with_height = sum(n for h, n in heights.items() if h is not None)
        used = ", ".join(f"{h:g}" for h in sorted(h for h in heights if h is not None))
        summary.notes.append(
            f"{with_height} earlier photo(s) keep their centimetres from --height-cm {used}; "
            "photos analysed without --height-cm have none. Give --height-cm to measure "
            "them all alike."
        )
    store.rewrite(date_order(kept))
    return jobs


def _redo(rec: BatchRecord, out: Path, height_cm: float | None, overlays: bool) -> bool:
    """Whether a recorded photo lacks what this run asks for."""
    if rec.status is Status.ERROR:
        return False  # tried again with --retry-errors only
    if height_cm is not None and rec.options.get("height_cm") != height_cm:
        return True
    if overlays and rec.status is Status.MEASURED and not _exists(out, rec.overlay):
        return True
    if rec.status is Status.MEASURED and (rec.result or {}).get("capture") is None:
        return True  # measured by a version without capture signatures
    return not _exists(out, rec.thumbnail)


def _exists(out: Path, rel: str | None) -> bool:
    return rel is not None and (out / rel).is_file()


def _record(store: ResultStore, summary: BatchSummary, record: BatchRecord) -> None:
    store.append(record, replace=True)
    if record.status is Status.MEASURED:
        summary.measured += 1
    elif record.status is Status.NO_PERSON:
        summary.no_person += 1
    else:
        summary.failed += 1
        summary.errors.append(record.failure)


# --------------------------------------------------------------------------
# The workers
# --------------------------------------------------------------------------


def _analyse(
    jobs: list[_Job], workers: int | None, factory: Callable[[], Analyzer]
) -> Iterator[BatchRecord]:
    """Records of the jobs, in the order they finish."""
    if not jobs:
        return
    workers = max(1, min(workers or usable_cores(), len(jobs)))
    pending = deque(jobs)
    if workers > 1:
        yield from _in_workers(pending, workers, factory)
    if pending:  # one worker, or workers cannot start here
        with factory() as analyzer:
            while pending:
                yield _process(pending.popleft(), analyzer)


class _Worker:
    def __init__(self, ctx, factory: Callable[[], Analyzer]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, factory, os.getpid()), daemon=True
        )
        self.process.start()
        child.close()  # the worker holds the only other end: EOF when it dies
        self.job: _Job | None = None
        self.ready = False

    def stop(self, *, now: bool) -> None:
        if now:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(2.0 if not now else 5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5.0)
        self.conn.close()


# Signals that mean "stop" when they end a worker: the job it held was not at fault.
_STOPPED = {-signal.SIGTERM, -signal.SIGINT, -getattr(signal, "SIGHUP", signal.SIGTERM)}


def _in_workers(
    pending: deque[_Job], n: int, factory: Callable[[], Analyzer]
) -> Iterator[BatchRecord]:
    """Run ``pending`` jobs in ``n`` worker processes, one job at a time each.

    A worker that dies on a photo (out of memory, a crash in native code)
    makes that photo an error record and is replaced. When workers die before
    they are ready twice in a row, they cannot run here: the jobs left in
    ``pending`` are for the caller to run in this process.
    """
    ctx = _worker_context()
    live: list[_Worker] = []
    failed_starts = 0
    try:
        live = [_Worker(ctx, factory) for _ in range(n)]
        while live and (pending or any(w.job for w in live)):
            for w in live:
                if w.ready and w.job is None and pending:
                    w.job = pending.popleft()
                    w.conn.send(w.job)
            ready = multiprocessing.connection.wait(
                [w.conn for w in live] + [w.process.sentinel for w in live]
            )
            for w in list(live):
                message = None
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        message = None
                if message == "ready":
                    w.ready, failed_starts = True, 0
                    continue
                if isinstance(message, BatchRecord):
                    w.job = None
                    yield message
                    continue
                if w.conn in ready or w.process.sentinel in ready:
                    # The worker is gone.
                    w.process.join(5.0)
                    live.remove(w)
                    w.conn.close()
                    if w.job is not None:
                        if w.process.exitcode in _STOPPED:
                            pending.appendleft(w.job)  # stopped from outside: not its fault
                        else:
                            yield _crashed(w.job, w.process.exitcode)
                    if not w.ready:
                        failed_starts += 1
                    if failed_starts < 2 and (pending or any(x.job for x in live)):
                        live.append(_Worker(ctx, factory))
    except KeyboardInterrupt:
        # Photos finished just now are kept; then every worker stops at once.
        done = []
        for w in live:
            try:
                while w.conn.poll(0):
                    message = w.conn.recv()
                    if isinstance(message, BatchRecord):
                        done.append(message)
            except (EOFError, OSError):
                pass
        for w in live:
            w.stop(now=True)
        live = []
        yield from done
        raise
    finally:
        for w in live:
            w.stop(now=bool(pending) or any(x.job for x in live))


def _crashed(job: _Job, exitcode: int | None) -> BatchRecord:
    why = "the analysis process crashed on this photo"
    if exitcode == -signal.SIGKILL:
        why = "the analysis process was killed on this photo (out of memory?)"
    elif exitcode is not None and exitcode < 0:
        why += f" ({signal.Signals(-exitcode).name})"
    return BatchRecord.failed(job.rel, job.key, why)


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


def _worker_main(conn, factory: Callable[[], Analyzer], parent_pid: int) -> None:
    """A worker: load the model, then analyse the jobs sent until told to stop."""
    # The main process decides when to stop; Ctrl-C in a terminal reaches
    # the whole process group, and a worker must not die mid-write on it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent_pid)
    import cv2

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # MediaPipe's C++ start-up chatter; errors come back as values
    # Parallelism comes from the worker processes; OpenCV's own threads in
    # each of them would only fight over the same cores.
    cv2.setNumThreads(1)
    with factory() as analyzer:
        conn.send("ready")
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return  # the main process is gone
            if job is None:
                return
            try:
                conn.send(_process(job, analyzer))
            except (BrokenPipeError, OSError):
                return


def _die_with(parent_pid: int) -> None:
    """End this process as soon as ``parent_pid`` ends, however it ends.

    A worker's parent is the fork server, which lives as long as any worker
    does; so the worker watches the main process itself. On Linux a pidfd
    becomes readable the moment that process exits (SIGKILL included);
    elsewhere it is polled twice a second.
    """

    def watch() -> None:
        try:
            fd = os.pidfd_open(parent_pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            import select

            select.select([fd], [], [])
            os._exit(1)
        while True:
            if not _alive(parent_pid):
                os._exit(1)
            threading.Event().wait(0.5)

    if not _alive(parent_pid):
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # another user's process: it exists
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
        return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")
    except (OSError, ValueError, IndexError):
        return True  # no /proc here: kill(pid, 0) is all there is


def _process(job: _Job, analyzer: Analyzer) -> BatchRecord:
    """Analyse one photo into a record; never raises for a bad photo."""
    from ..draw import OVERLAY_MAX_SIDE, annotate, hips_box

    path = Path(job.path)
    try:
        when = photo_date(path)
    except OSError as exc:
        return BatchRecord.failed(job.rel, job.key, _os_message(exc))
    date = None if when.when is None else when.when.isoformat(timespec="seconds")
    source, notes = when.source, [when.note] if when.note else []
    options = {"height_cm": job.height_cm}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # One decode at the working size serves the analysis and the images.
            decoded = read_image(path, max_side=analyzer.options.max_side)
        notes += [
            _note(w.message, path) for w in caught if issubclass(w.category, SilhouetteWarning)
        ]
        result = analyzer.analyze(decoded, height_cm=job.height_cm)
        out = Path(job.out_dir)
        thumb = Path("thumbs") / f"{job.key[:16]}.jpg"
        small = _fit_height(decoded.rgb, THUMB_HEIGHT)
        _save(out / thumb, annotate(small, result, labels=False), quality=85)
        closeup = None
        box = hips_box(result, decoded.rgb.shape)
        if box is not None:
            closeup = Path("thumbs") / f"{job.key[:16]}_hips.jpg"
            x0, y0, x1, y1 = box
            drawn = annotate(decoded.rgb, result, labels=False)[y0:y1, x0:x1]
            _save(out / closeup, _fit_side(drawn, CLOSEUP_SIDE), quality=88)
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
        return BatchRecord.failed(job.rel, job.key, _note(exc, path), date, source, tuple(notes))
    except MemoryError:
        return BatchRecord.failed(
            job.rel, job.key, "not enough memory for this photo", date, source, tuple(notes)
        )
    except Exception as exc:  # the batch goes on; the record says what happened
        return BatchRecord.failed(
            job.rel,
            job.key,
            f"internal error: {type(exc).__name__}: {_note(exc, path)}",
            date,
            source,
            tuple(notes),
        )
    return BatchRecord(
        job.rel,
        job.key,
        Status.MEASURED if result.person_found else Status.NO_PERSON,
        date,
        source,
        notes=tuple(notes),
        options=options,
        thumbnail=thumb.as_posix(),
        closeup=None if closeup is None else closeup.as_posix(),
        overlay=None if overlay is None else overlay.as_posix(),
        result=result.to_dict(),
    )


def _note(message: object, path: Path) -> str:
    """A message without the photo's absolute path, on one printable line."""
    text = printable(str(message)).replace(f"{printable(str(path))}: ", "")
    return " ".join(text.replace(printable(str(path)), path.name).split())


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fit_height(rgb, height: int):
    """Shrink so that the height is at most ``height`` (never enlarge)."""
    import cv2

    h, w = rgb.shape[:2]
    if h <= height:
        return rgb
    return cv2.resize(rgb, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)


def _fit_side(rgb, side: int):
    """Shrink so that the long side is at most ``side`` (never enlarge)."""
    import cv2

    h, w = rgb.shape[:2]
    k = side / max(h, w)
    if k >= 1.0:
        return rgb
    size = (max(1, round(w * k)), max(1, round(h * k)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _save(path: Path, rgb, **kw) -> None:
    import io

    from PIL import Image

    # Pixels only: a fresh image carries no EXIF, GPS or camera metadata.
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG" if path.suffix == ".jpg" else "PNG", **kw)
    atomic_write_bytes(path, buf.getvalue())
