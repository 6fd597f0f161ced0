"""The HTTP service: send a photo, get back what ``silhouette PHOTO --json`` prints.

A FastAPI application, run under uvicorn by ``silhouette serve`` (see
:mod:`silhouette.apps.serve`); needs the optional ``[serve]`` extra.

- ``POST /v1/analyze``: a multipart upload with the photo in the field
  ``file`` and, optionally, ``height_cm``; answers the JSON result (schema in
  ``docs/schema.md``), or with ``?overlay=1`` the annotated PNG.
- ``GET /healthz``, ``GET /version``; ``GET /docs`` (the API, as a page that
  needs no network) and ``GET /openapi.json``.

Each worker process holds one analyzer and analyses one photo at a time; up
to ``queue`` more requests wait their turn, and beyond that the answer is 503
at once. The upload is read into memory only, never onto disk, and refused
with 413 as soon as it passes the size limit (from its Content-Length header
before any of it is read). Every error is ``{"error": {"code", "message"}}``
with no traceback; photos and results are never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import io
import json
import logging
import os
import re
import warnings
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..errors import ImageDecodeError, InvalidInputError, SilhouetteError

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_MAX_UPLOAD_MB",
    "ServiceSettings",
    "app_from_env",
    "create_app",
]

#: Default size limit of an upload, megabytes (MiB).
DEFAULT_MAX_UPLOAD_MB = 40
#: Environment variable holding the API key (also set by ``--api-key``).
API_KEY_ENV = "SILHOUETTE_API_KEY"
#: How ``silhouette serve`` hands its settings to uvicorn's worker processes.
SETTINGS_ENV = "SILHOUETTE_SERVE_SETTINGS"

#: Multipart parts accepted in one request, and the size of a form field's value.
_MAX_PARTS = 8
_MAX_FIELD_BYTES = 64

_log = logging.getLogger("silhouette.service")


@dataclass(frozen=True)
class ServiceSettings:
    """How the service behaves.

    Attributes
    ----------
    max_upload_bytes : int
        Largest request body accepted; larger ones get 413.
    queue : int
        Requests that may wait in each worker process while one photo is
        analysed; more get 503 at once. Memory per worker is bounded by
        about ``(queue + 1) * max_upload_bytes`` plus the analyzer.
    api_key : str or None
        When set, every endpoint but ``/healthz`` requires
        ``Authorization: Bearer <api_key>`` (401 otherwise).
    docs : bool
        Serve ``/docs`` and ``/openapi.json``.
    body_timeout_s : float
        Seconds an upload may take to arrive (408 after that).
    threads : int or None
        Threads each worker's analyzer runs the pose model on
        (``AnalyzerOptions.threads``); ``silhouette serve`` gives each worker
        process its share of the cores.
    """

    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 2**20
    queue: int = 16
    api_key: str | None = None
    docs: bool = True
    body_timeout_s: float = 60.0
    threads: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_upload_bytes, int) or self.max_upload_bytes < 1:
            raise InvalidInputError(
                f"max_upload_bytes must be a positive int, got {self.max_upload_bytes!r}"
            )
        if not isinstance(self.queue, int) or self.queue < 0:
            raise InvalidInputError(f"queue must be an int >= 0, got {self.queue!r}")
        if self.api_key is not None and not self.api_key.strip():
            raise InvalidInputError("the API key must not be empty")
        if not self.body_timeout_s > 0:
            raise InvalidInputError(f"body_timeout_s must be > 0, got {self.body_timeout_s!r}")
        if self.threads is not None:
            from ..analyzer import AnalyzerOptions

            AnalyzerOptions(threads=self.threads)  # its check, its message


class _Problem(Exception):
    """An error answer: status, code and message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def create_app(settings: ServiceSettings | None = None, *, analyzer_factory=None) -> FastAPI:
    """The service as an ASGI application.

    Parameters
    ----------
    settings : ServiceSettings, optional
    analyzer_factory : callable, optional
        Makes the process's :class:`~silhouette.Analyzer` when the
        application starts; default ``Analyzer()``, the bundled model.

    Examples
    --------
    >>> import uvicorn                                                  # doctest: +SKIP
    >>> uvicorn.run(create_app(ServiceSettings(queue=4)), port=8000)    # doctest: +SKIP
    """
    settings = settings or ServiceSettings()
    # python-multipart logs pieces of malformed bodies; the client is told instead.
    logging.getLogger("python_multipart").setLevel(logging.CRITICAL)
    if analyzer_factory is None:
        from ..analyzer import Analyzer, AnalyzerOptions

        analyzer_factory = partial(Analyzer, AnalyzerOptions(threads=settings.threads))
    state: dict[str, Any] = {"waiting": 0}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        analyzer = await anyio.to_thread.run_sync(analyzer_factory)
        state["analyzer"] = analyzer
        state["turn"] = asyncio.Semaphore(1)  # the analyzer takes one photo at a time
        try:
            yield
        finally:
            state.pop("analyzer", None)
            await anyio.to_thread.run_sync(analyzer.close)

    app = FastAPI(
        title="silhouette",
        version=__version__,
        summary="Measure the hip dips of the standing person in a photo.",
        description=(
            "The JSON result is the one of `silhouette PHOTO --json`, documented in "
            'docs/schema.md. Errors are `{"error": {"code": ..., "message": ...}}`.'
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
        lifespan=lifespan,
    )

    @app.exception_handler(_Problem)
    async def problem(request: Request, exc: _Problem) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404:
            message = "no such endpoint"
        return _error(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body"))
            where.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", ""))
        return _error(422, "invalid_request", "; ".join(where) or "invalid request")

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        # The type only: a message could quote what the client sent.
        _log.error("internal error: %s", type(exc).__name__)
        return _error(500, "internal", "internal error")

    if settings.api_key is not None:
        app.add_middleware(_BearerAuth, key=settings.api_key)

    @app.get("/healthz", summary="Whether the service is up", tags=["service"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version", summary="Versions of silhouette and of its JSON result", tags=["service"])
    async def version() -> dict[str, str]:
        from ..results import SCHEMA_VERSION

        return {"silhouette": __version__, "schema_version": SCHEMA_VERSION}

    @app.post(
        "/v1/analyze",
        summary="Analyse one photo",
        description=(
            "Multipart form: `file` (the photo: JPEG, PNG, WebP, TIFF, BMP, HEIC) and "
            "optionally `height_cm` (the person's height, 50-272, for depths in cm). "
            "Answers the JSON of `silhouette PHOTO --json` (no person found is a 200 with "
            "`person_found` false), or with `overlay=1` the photo with the measurement "
            "drawn on it, as PNG."
        ),
        tags=["analysis"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "height_cm": {"type": "number", "minimum": 50, "maximum": 272},
                            },
                        }
                    }
                },
            }
        },
        responses={
            200: {
                "description": "The analysis (JSON), or the overlay (PNG) with overlay=1",
                "content": {"image/png": {}},
            },
            400: {"description": "Not a well-formed form, or no `file` in it"},
            401: {"description": "An API key is required (Authorization: Bearer KEY)"},
            408: {"description": "The upload took too long"},
            413: {"description": "The upload is over the size limit"},
            415: {"description": "Not a multipart/form-data request"},
            422: {"description": "The photo cannot be read, or height_cm is not valid"},
            503: {"description": "Busy: try again shortly (Retry-After)"},
        },
    )
    async def analyze(request: Request, overlay: bool = False) -> Response:
        boundary = _boundary(request.headers.get("content-type", ""))
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise _Problem(400, "bad_request", "Content-Length is not a number")
            if int(length) > settings.max_upload_bytes:
                raise _too_large(settings)
        if state["waiting"] > settings.queue:
            raise _Problem(
                503,
                "busy",
                "the service is busy; try again shortly",
                {"Retry-After": "1"},
            )
        state["waiting"] += 1
        try:
            data, height = await _read_form(request, boundary, settings)
            height_cm = _height(height)
            async with state["turn"]:
                analyzer = state.get("analyzer")
                if analyzer is None:
                    raise _Problem(503, "busy", "the service is stopping", {"Retry-After": "1"})
                return await anyio.to_thread.run_sync(_answer, analyzer, data, height_cm, overlay)
        finally:
            state["waiting"] -= 1

    if settings.docs:

        @app.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return HTMLResponse(
                _docs_page(app.openapi()),
                headers={
                    # Everything is on the page: nothing may be fetched from anywhere.
                    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                },
            )

    return app


def app_from_env() -> FastAPI:
    """The application as ``silhouette serve`` configured it (uvicorn's factory).

    Reads the settings from the environment: ``SILHOUETTE_SERVE_SETTINGS``
    (JSON, set by ``silhouette serve``) and the API key from
    ``SILHOUETTE_API_KEY``.
    """
    raw = json.loads(os.environ.get(SETTINGS_ENV) or "{}")
    raw["api_key"] = os.environ.get(API_KEY_ENV) or None
    return create_app(ServiceSettings(**raw))


def settings_env(settings: ServiceSettings) -> dict[str, str]:
    """The environment that makes :func:`app_from_env` build ``settings``."""
    raw = asdict(settings)
    key = raw.pop("api_key")
    env = {SETTINGS_ENV: json.dumps(raw)}
    if key is not None:
        env[API_KEY_ENV] = key
    return env


# --------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------


def _boundary(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise _Problem(
            415,
            "unsupported_media_type",
            "send the photo as multipart/form-data, in a field named 'file'",
        )
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise _Problem(400, "bad_request", "multipart/form-data without a valid boundary")
    return boundary


def _too_large(settings: ServiceSettings) -> _Problem:
    mb = settings.max_upload_bytes / 2**20
    return _Problem(413, "too_large", f"the upload is larger than the {mb:g} MB limit")


async def _read_form(
    request: Request, boundary: bytes, settings: ServiceSettings
) -> tuple[bytes, bytes | None]:
    """The photo's bytes and the ``height_cm`` field, read in memory only.

    Starlette's own form parser would spool uploads over 1 MB to a
    temporary file; this one keeps them in memory, bounded by the limit.
    """
    form = _Form()
    parser = MultipartParser(boundary, form.callbacks())
    received = 0
    try:
        with anyio.fail_after(settings.body_timeout_s):
            async for chunk in request.stream():
                received += len(chunk)
                if received > settings.max_upload_bytes:
                    raise _too_large(settings)
                parser.write(chunk)
                form.check()
        parser.finalize()
        form.check()
    except TimeoutError:
        raise _Problem(408, "timeout", "the upload took too long") from None
    except ClientDisconnect:
        raise _Problem(400, "bad_request", "the client went away") from None
    except _Problem:
        raise
    except Exception:  # python-multipart's errors on malformed bodies
        raise _Problem(400, "bad_request", "the body is not a well-formed multipart form") from None
    return form.result()


class _Form:
    """Collects the parts of a multipart body (only ``file`` and ``height_cm`` kept)."""

    def __init__(self) -> None:
        self.parts: list[tuple[bytes | None, bytes | None, bytearray]] = []
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._keep = True
        self.problem: _Problem | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
        }

    def _begin(self) -> None:
        self._headers = {}
        if len(self.parts) >= _MAX_PARTS:
            self.problem = _Problem(400, "bad_request", f"more than {_MAX_PARTS} form fields")

    def _header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name, filename = params.get(b"name"), params.get(b"filename")
        self._keep = name in (b"file", b"height_cm")
        self.parts.append((name, filename, bytearray()))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.parts or not self._keep:
            return
        name, _, buf = self.parts[-1]
        buf.extend(data[start:end])
        if name == b"height_cm" and len(buf) > _MAX_FIELD_BYTES:
            self.problem = _Problem(422, "invalid_height", "height_cm must be a number")

    def check(self) -> None:
        if self.problem is not None:
            raise self.problem

    def result(self) -> tuple[bytes, bytes | None]:
        files = [p for p in self.parts if p[0] == b"file"]
        heights = [p for p in self.parts if p[0] == b"height_cm"]
        if not files:
            raise _Problem(400, "bad_request", "no photo: send it in a form field named 'file'")
        if len(files) > 1 or len(heights) > 1:
            raise _Problem(400, "bad_request", "one photo, and one height_cm, per request")
        return bytes(files[0][2]), (bytes(heights[0][2]) if heights else None)


def _height(raw: bytes | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    from ..analyzer import _height as checked

    try:
        return checked(raw.decode("ascii").strip())
    except (UnicodeDecodeError, InvalidInputError):
        raise _Problem(
            422, "invalid_height", "height_cm must be a number between 50 and 272"
        ) from None


def _answer(analyzer, data: bytes, height_cm: float | None, overlay: bool) -> Response:
    """Analyse the photo (in a worker thread): the JSON result, or the overlay PNG."""
    from ..io import load_image

    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    try:
        with warnings.catch_warnings():
            # A damaged EXIF tag and the like: worked around, as in the CLI.
            warnings.simplefilter("ignore")
            result = analyzer.analyze(data, height_cm=height_cm)
            if not overlay:
                body = json.dumps(result.to_dict())
                return Response(body, media_type="application/json", headers=headers)
            from ..draw import OVERLAY_MAX_SIDE, annotate

            image = load_image(data, max_side=OVERLAY_MAX_SIDE)
            return Response(_png(annotate(image, result)), media_type="image/png", headers=headers)
    except ImageDecodeError as exc:
        raise _Problem(422, "unreadable_image", _message(exc)) from None
    except SilhouetteError as exc:
        raise _Problem(422, "invalid_input", _message(exc)) from None
    except MemoryError:
        _log.error("not enough memory for a photo")
        raise _Problem(503, "out_of_memory", "not enough memory for this photo now") from None


def _message(exc: Exception) -> str:
    from ..files import printable

    text = " ".join(printable(str(exc)).split())
    return text.removeprefix("image data: ") or "the photo cannot be read"


def _png(rgb) -> bytes:
    from PIL import Image

    # A fresh image from pixels only: no EXIF, GPS or other metadata.
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


class _BearerAuth:
    """Requires ``Authorization: Bearer <key>`` on every path but ``/healthz``."""

    def __init__(self, app, key: str) -> None:
        self.app = app
        self.key = key.encode("utf-8")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("path") != "/healthz":
            given = b""
            for name, value in scope.get("headers", ()):
                if name == b"authorization":
                    given = value
            scheme, _, token = given.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), self.key):
                response = _error(
                    401,
                    "unauthorized",
                    "an API key is required: Authorization: Bearer KEY",
                    {"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------
# The API page
# --------------------------------------------------------------------------


def _docs_page(spec: dict[str, Any]) -> str:
    """The OpenAPI description as one self-contained page (no scripts, no CDN)."""

    def e(text: str) -> str:  # escaped, with `code` spans shown as code
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))

    info = spec.get("info", {})
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(info.get('title', 'API'))} API</title>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52em;margin:2em auto;"
        "padding:0 1em;color:#222}code,pre{background:#f3f3f3;padding:0 .25em}"
        "h2{margin-top:2em;border-bottom:1px solid #ddd}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;"
        "text-align:left;vertical-align:top}</style></head><body>",
        f"<h1>{e(info.get('title', ''))} {e(info.get('version', ''))}</h1>",
        f"<p>{e(info.get('summary', ''))}</p><p>{e(info.get('description', ''))}</p>",
        "<p>The machine-readable description: <a href='openapi.json'>openapi.json</a>.</p>",
    ]
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            out.append(f"<h2><code>{e(method.upper())} {e(path)}</code></h2>")
            out.append(f"<p><b>{e(op.get('summary', ''))}</b></p>")
            if op.get("description"):
                out.append(f"<p>{e(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                out.append("<h3>Query parameters</h3><table><tr><th>name</th><th>type</th></tr>")
                for p in params:
                    kind = p.get("schema", {}).get("type", "")
                    out.append(f"<tr><td><code>{e(p['name'])}</code></td><td>{e(kind)}</td></tr>")
                out.append("</table>")
            body = op.get("requestBody", {}).get("content", {})
            for ctype, content in body.items():
                props = content.get("schema", {}).get("properties", {})
                required = set(content.get("schema", {}).get("required", []))
                out.append(f"<h3>Body: <code>{e(ctype)}</code></h3><table>")
                out.append("<tr><th>field</th><th>type</th><th>required</th></tr>")
                for name, schema in props.items():
                    kind = schema.get("format") or schema.get("type", "")
                    out.append(
                        f"<tr><td><code>{e(name)}</code></td><td>{e(kind)}</td>"
                        f"<td>{'yes' if name in required else 'no'}</td></tr>"
                    )
                out.append("</table>")
            out.append("<h3>Answers</h3><table><tr><th>status</th><th>meaning</th></tr>")
            for status, resp in op.get("responses", {}).items():
                out.append(
                    f"<tr><td>{e(str(status))}</td><td>{e(resp.get('description', ''))}</td></tr>"
                )
            out.append("</table>")
    out.append("</body></html>")
    return "".join(out)
