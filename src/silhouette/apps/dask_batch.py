"""Run a batch's photos on a ``dask.distributed`` cluster instead of local processes.

``silhouette batch FOLDER --scheduler tcp://HOST:8786`` (or
``run_batch(..., scheduler="tcp://HOST:8786")``) plans the run here as usual
(which photos are new, which are renamed or copies) and keeps the result store,
the progress bar and the report here; only the analysis of each photo moves
to the cluster's workers:

- every worker process loads one analyzer, once (a worker plugin, also run
  on workers that join later or are restarted);
- each photo travels as its bytes inside its task, so the workers need no
  view of the folder; its thumbnails come back as bytes and are written here;
- one photo per worker thread is in flight, so neither this process nor
  the scheduler ever holds the whole folder;
- records come back as they finish and go into the store at once: whatever
  happens to the cluster afterwards, finished photos are kept;
- a worker that dies mid-photo (killed, out of memory) is replaced by its
  nanny and the scheduler gives its photos to another worker. Dask gives up
  on a photo whose workers died ``distributed.scheduler.allowed-failures`` + 1
  times (3 + 1 by default), counting every photo queued on them; such a
  photo is tried once more with no other photo on the cluster, and only if
  it takes its workers down then too does it become an error record, as a
  photo that crashes a local worker does.

Nothing here imports ``dask`` or ``distributed`` until a cluster is asked for,
and both come from the optional ``[dask]`` extra.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import SilhouetteError
from ..files import atomic_write_bytes, printable
from .dates import photo_date
from .records import BatchRecord

__all__ = ["CONNECT_TIMEOUT", "ClusterError", "DaskCluster", "DaskMissingError"]

#: Seconds to wait for the scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for a first worker when the scheduler has none.
WORKER_TIMEOUT = 60.0
#: Photos in flight per worker thread: the photo being analysed and the next.
IN_FLIGHT_PER_THREAD = 2

#: What a worker may send back: a file in thumbs/ or overlays/, no other path.
_OUTPUT_FILE = re.compile(r"(thumbs|overlays)/[^/\\]+")


class DaskMissingError(SilhouetteError, ImportError):
    """``dask.distributed`` is not installed (the ``[dask]`` extra)."""


class ClusterError(SilhouetteError, ConnectionError):
    """The Dask cluster cannot be used: scheduler unreachable or lost, no
    workers, or workers that cannot run silhouette."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise DaskMissingError(
            "running on a Dask cluster needs the dask extra: pip install 'silhouette[dask]'"
        ) from None
    return distributed


class DaskCluster:
    """A connection to a Dask scheduler that analyses the photos of a batch.

    Parameters
    ----------
    scheduler : str or distributed.Client
        The scheduler's address (``tcp://host:8786``), or a client of yours
        (then left open by :meth:`close`).
    timeout : float, optional
        Seconds to wait for the scheduler to answer; default ``CONNECT_TIMEOUT``.

    Raises
    ------
    DaskMissingError
        The ``[dask]`` extra is not installed.
    ClusterError
        The scheduler does not answer.

    Examples
    --------
    >>> with DaskCluster("tcp://127.0.0.1:8786") as cluster:  # doctest: +SKIP
    ...     for record in cluster.analyse(jobs, factory):
    ...         store.append(record)
    """

    def __init__(self, scheduler: Any, *, timeout: float | None = None) -> None:
        distributed = _distributed()
        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        self._quiet = _Quiet()
        if isinstance(scheduler, distributed.Client):
            self.client, self._owns = scheduler, False
            self.address = str(scheduler.scheduler.address)
            return
        self.address = str(scheduler)
        try:
            _probe(self.address, timeout)
        except ClusterError:
            self._quiet.restore()
            raise
        try:
            self.client = distributed.Client(
                self.address, timeout=timeout, set_as_default=False, name="silhouette-batch"
            )
        except (OSError, TimeoutError, ValueError) as exc:
            self._quiet.restore()
            raise ClusterError(
                f"cannot reach the Dask scheduler at {printable(self.address)}: "
                f"{printable(' '.join(str(exc).split()) or type(exc).__name__)}"
            ) from None
        self._owns = True

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect (a client passed in stays open)."""
        client, self.client = getattr(self, "client", None), None
        try:
            if client is not None and self._owns:
                client.close(timeout=5)
        except Exception:  # a scheduler that is gone: nothing left to close
            pass
        finally:
            self._quiet.restore()

    def analyse(self, jobs: list[Any], factory: Callable[[], Any]) -> Iterator[BatchRecord]:
        """Records of ``jobs`` in the order they finish; their images written.

        Parameters
        ----------
        jobs : list of silhouette.apps.batch._Job
        factory : callable
            Makes the analyzer of each worker (see ``run_batch``).

        Raises
        ------
        ClusterError
            No worker came, the workers cannot run silhouette, or the
            scheduler was lost. Records yielded before are final.
        """
        if not jobs:
            return
        if self.client is None:
            raise ClusterError("this cluster connection is closed")
        from .. import __version__
        from . import dask_worker

        distributed = _distributed()
        name = f"silhouette-analyzer-{uuid.uuid4().hex[:12]}"
        futures: dict[Any, Any] = {}
        registered = False
        try:
            with self._talking():
                self._wait_for_workers()
            try:
                registered = True  # on the workers where it started, if not on all
                self.client.register_plugin(
                    dask_worker.AnalyzerPlugin(factory, __version__), name=name
                )
            except Exception as exc:
                raise ClusterError(
                    f"the Dask workers cannot run silhouette: {_one_line(exc)} (install the "
                    "same version of silhouette, with the same Python, on every worker)"
                ) from None
            pending = deque(jobs)
            # Photos whose workers died under them; each is tried once more
            # alone on the cluster, where a death can only be its own doing.
            suspects: deque[Any] = deque()
            tried_alone: set[str] = set()
            alone = False
            done = distributed.as_completed(loop=self.client.loop)
            limit = _Limit(self.client)
            while pending or futures or suspects:
                sending = []
                if suspects and not futures:
                    sending, alone = [suspects.popleft()], True
                elif not suspects and not alone:
                    while pending and len(futures) + len(sending) < limit():
                        sending.append(pending.popleft())
                for job in sending:
                    try:
                        data, mtime = _read(job.path)
                    except OSError as exc:
                        alone = False
                        yield BatchRecord.failed(job.rel, job.key, exc.strerror or str(exc))
                        continue
                    with self._talking():
                        fut = self._submit(dask_worker.analyse_photo, name, job, data, mtime)
                    futures[fut] = job
                    done.add(fut)
                if not futures:
                    continue
                with self._talking():
                    fut = next(done)
                job = futures.pop(fut)
                alone = False if not futures else alone
                record = self._collect(fut, job, distributed)
                if record is not None:
                    yield record
                elif job.key in tried_alone:
                    yield BatchRecord.failed(
                        job.rel,
                        job.key,
                        "the analysis process died on this photo on every worker that tried it, "
                        "also with no other photo on the cluster (out of memory?)",
                    )
                else:
                    tried_alone.add(job.key)
                    suspects.append(job)
        finally:
            if futures and self.client is not None:
                try:
                    self.client.cancel(list(futures), force=True)
                except Exception:
                    pass
            if registered and self.client is not None:
                try:  # each worker's analyzer is closed; the cluster lives on
                    self.client.unregister_worker_plugin(name)
                except Exception:
                    pass

    @contextlib.contextmanager
    def _talking(self) -> Iterator[None]:
        """Around a call to the scheduler: a lost connection is a :class:`ClusterError`."""
        try:
            yield
        except ClusterError:
            raise
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"lost the Dask scheduler at {printable(self.address)}: {_one_line(exc)}; {_KEPT}"
            ) from None

    def _wait_for_workers(self) -> None:
        if self.client.nthreads():
            return
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except (TimeoutError, OSError):
            raise ClusterError(
                f"no Dask worker joined the scheduler at {printable(self.address)} within "
                f"{WORKER_TIMEOUT:g} s; start some with: dask worker {printable(self.address)}"
            ) from None

    def _submit(self, fn, *args):
        with warnings.catch_warnings():
            # Photos are large task arguments on purpose (they travel inside
            # their task); Dask warns about graphs of several megabytes.
            warnings.simplefilter("ignore", UserWarning)
            return self.client.submit(fn, *args, pure=False)

    def _collect(self, fut, job, distributed) -> BatchRecord | None:
        """The record of a finished task, its images written to the output folder.

        None when the task's workers kept dying (Dask's ``KilledWorker``):
        Dask blames every photo queued on a worker that dies, not only the
        one it was analysing.
        """
        if fut.status == "finished":
            try:
                record, files = fut.result()
            except Exception as exc:  # lost between finishing and arriving
                raise ClusterError(f"lost the Dask cluster: {_one_line(exc)}; {_KEPT}") from None
            finally:
                fut.release()
            out = Path(job.out_dir)
            for rel, data in files.items():
                if not _OUTPUT_FILE.fullmatch(rel) or rel.split("/")[-1].startswith("."):
                    raise ClusterError(f"a worker sent back an unexpected file: {printable(rel)}")
                atomic_write_bytes(out / rel, data)
            return _local_date(record, job)
        if fut.status == "error":
            exc = fut.exception()
            fut.release()
            if isinstance(exc, distributed.KilledWorker):
                return None
            raise ClusterError(f"a Dask worker failed: {_one_line(exc)}; {_KEPT}")
        raise ClusterError(
            f"lost the Dask scheduler at {printable(self.address)} (the photo "
            f"{printable(job.rel)} was {fut.status}); {_KEPT}"
        )


_KEPT = "the photos finished before are saved; run the same command again to go on"


def _probe(address: str, timeout: float) -> None:
    """Fail at once, with the reason, when nothing listens at a TCP address.

    (Dask's own client retries until its timeout whatever the reason.)
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, where = parse_address(address)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme not in ("tcp", "tls", "ws", "wss"):
            return  # Dask's client says what it makes of the others
        host, port = parse_host_port(where)
    except ValueError as exc:
        raise ClusterError(
            f"{printable(address)} is not a Dask scheduler address ({printable(str(exc))}); "
            "write it as tcp://HOST:PORT"
        ) from None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise ClusterError(
            f"cannot reach the Dask scheduler at {printable(address)}: {printable(why)}"
        ) from None


def _read(path: str) -> tuple[bytes, float | None]:
    """A photo's bytes and modification time."""
    with open(path, "rb") as fh:
        mtime = os.fstat(fh.fileno()).st_mtime
        return fh.read(), mtime


def _local_date(record: BatchRecord, job: Any) -> BatchRecord:
    """A date from the file time, as this computer's clock reads it.

    A worker turns the file time into a local date in its own time zone;
    the date of a local run is the one this computer gives.
    """
    if record.date_source != "mtime":
        return record
    import dataclasses

    try:
        when = photo_date(job.path)
    except OSError:
        return record
    if when.source != "mtime" or when.when is None:
        return record
    return dataclasses.replace(record, date=when.when.isoformat(timespec="seconds"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return printable(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


class _Limit:
    """Photos to keep in flight: a few per worker thread, re-read every few seconds."""

    def __init__(self, client) -> None:
        self.client = client
        self.at = -1e9
        self.value = IN_FLIGHT_PER_THREAD

    def __call__(self) -> int:
        now = time.monotonic()
        if now - self.at > 5.0:
            self.at = now
            try:
                threads = sum(self.client.nthreads().values())
            except Exception:
                threads = 0
            self.value = max(IN_FLIGHT_PER_THREAD, IN_FLIGHT_PER_THREAD * threads)
        return self.value


class _Quiet:
    """Keep Dask's own log lines (reconnection attempts, closing) off the terminal.

    Failures reach the caller as :class:`ClusterError`; the level is put
    back when the connection closes.
    """

    def __init__(self) -> None:
        self.logger = logging.getLogger("distributed")
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)

    def restore(self) -> None:
        if self.logger is not None:
            self.logger.setLevel(self.level)
            self.logger = None
