"""What runs on the Dask workers of a batch (see :mod:`silhouette.apps.dask_batch`).

Each worker process gets one :class:`AnalyzerPlugin`, which loads the model
once when the worker starts or joins, and then runs :func:`analyse_photo` for
the photos the scheduler gives it. A photo arrives as its bytes: the workers
need no view of the photo folder. It is analysed by the very function a local
batch uses (``silhouette.apps.batch._process``), on a copy in the worker's
scratch folder that is deleted at once; the thumbnails and overlays it makes
travel back as bytes with the record, and the client writes them.

This module imports ``distributed``; only the Dask runner imports it.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker

from .. import __version__
from .batch import _process
from .records import BatchRecord

__all__ = ["AnalyzerPlugin", "analyse_photo"]


class AnalyzerPlugin(WorkerPlugin):
    """One :class:`~silhouette.Analyzer` per worker process, loaded once.

    Parameters
    ----------
    factory : callable
        Makes the analyzer (pickled to the workers: a module-level function
        or a ``functools.partial`` of one).
    version : str
        The client's silhouette version; a worker with another one refuses
        to start the plugin (results would not match a local run).
    """

    def __init__(self, factory, version: str) -> None:
        self.factory = factory
        self.version = version
        self.analyzer = None

    def setup(self, worker) -> None:
        if __version__ != self.version:
            raise RuntimeError(
                f"this worker has silhouette {__version__} and the client {self.version}; "
                "install the same version on every worker"
            )
        import cv2

        # Parallelism comes from the worker processes (one thread each, as
        # in the local pool); OpenCV's own threads would fight over the cores.
        cv2.setNumThreads(1)
        self.analyzer = self.factory()

    def teardown(self, worker) -> None:
        analyzer, self.analyzer = self.analyzer, None
        if analyzer is not None:
            analyzer.close()


def analyse_photo(
    plugin: str, job: Any, data: bytes, mtime: float | None
) -> tuple[BatchRecord, dict[str, bytes]]:
    """Analyse one photo sent as bytes; its record and the images made for it.

    Parameters
    ----------
    plugin : str
        Name under which the :class:`AnalyzerPlugin` of this run was registered.
    job : silhouette.apps.batch._Job
        The photo's job, as a local batch has it (paths of the client).
    data : bytes
        The photo file's content.
    mtime : float or None
        The photo file's modification time (a date source of last resort).

    Returns
    -------
    record : BatchRecord
        Exactly what the local batch records for this photo.
    files : dict of str to bytes
        The thumbnails (and overlay) by their path in the output folder.

    Raises
    ------
    RuntimeError
        The worker has no analyzer (its plugin failed to start). A bad
        photo never raises: it is an error record.
    """
    worker = get_worker()
    holder = worker.plugins.get(plugin)
    analyzer = getattr(holder, "analyzer", None)
    if analyzer is None:
        raise RuntimeError(
            "this worker has no analyzer: its silhouette plugin failed to start "
            "(see the worker's log)"
        )
    scratch = getattr(worker, "local_directory", None)
    with tempfile.TemporaryDirectory(prefix="silhouette-", dir=scratch) as tmp:
        photo = _materialise(Path(tmp) / "in", Path(job.path).name, data, mtime)
        out = Path(tmp) / "out"
        for sub in ("thumbs", "overlays"):
            (out / sub).mkdir(parents=True)
        record = _process(dataclasses.replace(job, path=str(photo), out_dir=str(out)), analyzer)
        files = {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")
        }
    return record, files


def _materialise(folder: Path, name: str, data: bytes, mtime: float | None) -> Path:
    """The photo as a file of its own name (names appear in messages and overlays)."""
    folder.mkdir()
    path = folder / name
    try:
        path.write_bytes(data)
    except (OSError, ValueError):  # a name this file system cannot hold
        path = folder / f"photo{Path(name).suffix[:16]}"
        path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path
