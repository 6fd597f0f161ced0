"""``silhouette serve``: run the HTTP service (:mod:`silhouette.apps.service`) under uvicorn.

``silhouette serve [--host 127.0.0.1] [--port 8000] [--workers N] [--max-upload-mb 40]
[--queue 16] [--api-key KEY] [--no-docs]``

Exit codes: 0 stopped (Ctrl-C or SIGTERM), 2 usage error, 6 the address
cannot be listened on (in use, or not this computer's), 7 the ``[serve]``
extra is not installed, 1 the service could not start (the model failed to
load, say; the log says why).

This module imports neither FastAPI nor uvicorn until the server starts, so
that ``silhouette serve --help`` works without the extra.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys

from ..files import model_threads, printable
from .cli import _at_least_one, _Parser

__all__ = ["exposure_warning", "is_loopback", "main", "parser"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_ADDRESS = 6
EXIT_NO_EXTRA = 7

_PROG = "silhouette serve"


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of megabytes, got {text!r}") from None
    if not 0 < value <= 4096:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 4096, got {value:g}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``silhouette serve``."""
    p = _Parser(
        prog=_PROG,
        description=(
            "Serve silhouette over HTTP: POST /v1/analyze takes a photo (multipart field "
            "'file', optional 'height_cm') and answers the JSON of `silhouette PHOTO --json`, "
            "or with ?overlay=1 the annotated PNG. GET /healthz, /version, /docs. Photos are "
            "kept in memory only and never logged."
        ),
        epilog=(
            "Exit codes: 0 stopped, 2 usage, 6 cannot listen on the address, 7 the serve "
            "extra is not installed (pip install 'silhouette[serve]'), 1 could not start."
        ),
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only); any other "
        "address warns unless an API key is set",
    )
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers",
        type=_at_least_one,
        default=1,
        metavar="N",
        help="worker processes, each with its own model (about 0.4 GB each; default 1)",
    )
    p.add_argument(
        "--max-upload-mb",
        type=_megabytes,
        default=40,
        metavar="MB",
        help="largest upload accepted, megabytes (default 40); larger ones get 413",
    )
    p.add_argument(
        "--queue",
        type=_count,
        default=16,
        metavar="N",
        help="requests that may wait per worker while one photo is analysed (default 16); "
        "more get 503",
    )
    p.add_argument(
        "--api-key",
        metavar="KEY",
        help="require 'Authorization: Bearer KEY' (default: the SILHOUETTE_API_KEY "
        "environment variable, which other users cannot see in the process list)",
    )
    p.add_argument("--no-docs", action="store_true", help="do not serve /docs and /openapi.json")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info"],
        help="uvicorn's log level (default info; the access log shows paths and status "
        "codes, never photos or results)",
    )
    return p


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this computer only (127.0.0.0/8, ::1, localhost).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("192.168.1.5"), is_loopback("example.org")
    (False, False, False)
    """
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, api_key: str | None) -> str | None:
    """What to say when the service listens beyond this computer with no key, or None."""
    if is_loopback(host) or api_key is not None:
        return None
    return (
        f"listening on {printable(host)} without an API key: anyone who can reach this port "
        "can send photos to it. Set SILHOUETTE_API_KEY (or --api-key) to require "
        "'Authorization: Bearer KEY'."
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``silhouette serve``; returns the exit code when the server stops."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        import fastapi  # noqa: F401
        import python_multipart  # noqa: F401
        import uvicorn
    except ImportError:
        _error("the HTTP service needs the serve extra: pip install 'silhouette[serve]'")
        return EXIT_NO_EXTRA
    from ..errors import InvalidInputError
    from .service import API_KEY_ENV, ServiceSettings, settings_env

    api_key = args.api_key if args.api_key is not None else os.environ.get(API_KEY_ENV) or None
    try:
        settings = ServiceSettings(
            max_upload_bytes=int(args.max_upload_mb * 2**20),
            queue=args.queue,
            api_key=api_key,
            docs=not args.no_docs,
            threads=model_threads(args.workers),
        )
    except InvalidInputError as exc:
        _error(str(exc))
        return EXIT_USAGE
    warning = exposure_warning(args.host, api_key)
    if warning is not None:
        print(f"{_PROG}: warning: {warning}", file=sys.stderr)
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        _error(f"cannot listen on {printable(args.host)} port {args.port}: {exc.strerror or exc}")
        return EXIT_ADDRESS
    # The worker processes read their settings from the environment.
    os.environ.update(settings_env(settings))
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"{_PROG}: listening on http://{shown}:{port} with {args.workers} worker(s); Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        "silhouette.apps.service:app_from_env",
        factory=True,
        workers=args.workers,
        log_level=args.log_level,
        server_header=False,
        # Beyond each worker's queue a request gets 503 from the service
        # itself; this only caps idle and slow connections.
        limit_concurrency=max(64, 4 * (args.queue + 1)),
        timeout_graceful_shutdown=10,
    )
    try:
        if args.workers == 1:
            server = uvicorn.Server(config)
            server.run(sockets=[sock])
            return EXIT_OK if server.started else EXIT_INTERNAL
        import inspect

        from uvicorn.supervisors import Multiprocess

        # uvicorn's supervisor of worker processes (what `uvicorn --workers`
        # runs), on the socket bound above; older releases take a target.
        if "target" in inspect.signature(Multiprocess).parameters:
            Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock]).run()
        else:
            Multiprocess(config, sockets=[sock]).run()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK
    except SystemExit as exc:  # uvicorn's own exits (the application failed to start)
        return EXIT_OK if not exc.code else EXIT_INTERNAL
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, as uvicorn would bind it."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _error(message: str) -> None:
    print(f"{_PROG}: error: {printable(message)}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
