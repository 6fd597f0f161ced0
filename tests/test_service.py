"""The HTTP service, run for real: uvicorn on a loopback port and a real HTTP client.

One server runs ``silhouette serve`` as its own process with the real model
(its every file write is logged by an audit hook, and its temporary folder
is watched); the others run the application under uvicorn in a thread of this
process with a stand-in model, for the cases that need a slow or a keyed one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from silhouette import Analyzer, PoseEstimate
from support.bodies import image_for, scene

httpx = pytest.importorskip("httpx", reason="httpx is not installed (pip install -e '.[dev]')")
pytest.importorskip("fastapi", reason="the serve extra is missing (pip install -e '.[serve]')")

from silhouette.apps import serve, service  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_images" / "arsalan_front.jpg"

#: Runs ``silhouette serve`` with an audit hook that reports every file
#: opened for writing (the device files a process always has aside).
AUDITED_SERVE = r"""
import os, sys
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
def hook(event, args):
    if event == "open" and len(args) >= 3:
        path, mode, flags = args[0], args[1], args[2]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & WRITE
        )
        # (An int is a descriptor already open: a pipe or a copy of stderr.)
        if writes and not isinstance(path, int) and str(path) not in ("/dev/null", "/dev/tty"):
            sys.__stderr__.write(f"AUDIT-WRITE {path!r}\n")
sys.addaudithook(hook)
from silhouette.apps.cli import main
sys.exit(main(["serve", *sys.argv[1:]]))
"""


class Served:
    """A ``silhouette serve`` process; its output collected as it comes."""

    def __init__(self, args: list[str], tmp: Path, env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AUDITED_SERVE, "--port", "0", *args],
            cwd=tmp,
            env={**os.environ, "TMPDIR": str(tmp), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = self._wait_for_url()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
                if m:
                    url = m.group(1)
                    while time.monotonic() < deadline:  # the model loads before requests
                        with contextlib.suppress(httpx.HTTPError):
                            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                                return url
                        time.sleep(0.2)
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError("the server did not start:\n" + "".join(self.lines))

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # Ctrl-C
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(10)
        return self.proc.returncode


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """``silhouette serve`` with the real model, in an empty folder as its cwd and TMPDIR."""
    tmp = tmp_path_factory.mktemp("serve")
    server = Served([], tmp)
    yield server
    server.stop()


def upload(path_or_bytes, name: str = "photo.jpg", **fields) -> dict:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return {"files": {"file": (name, data, "application/octet-stream")}, "data": fields}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["error"]


# --------------------------------------------------------------------------
# The real server
# --------------------------------------------------------------------------


@pytest.mark.model
def test_the_json_and_the_overlay_are_exactly_those_of_the_command_line(real, tmp_path):
    overlay = tmp_path / "cli.png"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "silhouette",
            str(SAMPLE),
            "--json",
            "--height-cm",
            "175",
            "--overlay",
            str(overlay),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    expected = json.loads(cli.stdout)

    got = httpx.post(f"{real.url}/v1/analyze", **upload(SAMPLE, height_cm="175"), timeout=60)
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    assert got.json() == expected
    assert got.json()["schema_version"] == "1"

    png = httpx.post(f"{real.url}/v1/analyze?overlay=1", **upload(SAMPLE, height_cm="175"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content == overlay.read_bytes()


@pytest.mark.model
def test_a_photo_without_a_person_is_a_result_not_an_error(real):
    got = httpx.post(f"{real.url}/v1/analyze", **upload(ROOT / "sample_images" / "empty_room.jpg"))
    assert got.status_code == 200
    assert got.json()["person_found"] is False


@pytest.mark.model
def test_health_version_and_an_offline_api_page(real):
    assert httpx.get(f"{real.url}/healthz").json() == {"status": "ok"}
    from silhouette import __version__

    assert httpx.get(f"{real.url}/version").json() == {
        "silhouette": __version__,
        "schema_version": "1",
    }
    page = httpx.get(f"{real.url}/docs")
    assert page.status_code == 200 and "/v1/analyze" in page.text
    # Nothing on the page comes from anywhere else: no scripts, no links out.
    assert "<script" not in page.text and "https://" not in page.text
    assert "http://" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    spec = httpx.get(f"{real.url}/openapi.json").json()
    body = spec["paths"]["/v1/analyze"]["post"]["requestBody"]["content"]
    assert "file" in body["multipart/form-data"]["schema"]["properties"]


def _bomb_png() -> bytes:
    """A tiny PNG whose header claims 20000 x 20000 pixels (400 megapixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.model
@pytest.mark.parametrize(
    "request_kw, status, code, says",
    [
        # Not an image at all.
        (upload(b"hello, not a photo"), 422, "unreadable_image", "not an image"),
        # An empty file.
        (upload(b""), 422, "unreadable_image", "empty"),
        # A JPEG cut short.
        (upload(SAMPLE.read_bytes()[:2000]), 422, "unreadable_image", "cannot decode"),
        # A decompression bomb: refused from its header, as in the command line.
        (upload(_bomb_png(), "bomb.png"), 422, "unreadable_image", "safety limit"),
        # A height that is not a number, or not a human's.
        (upload(SAMPLE, height_cm="tall"), 422, "invalid_height", "height_cm"),
        (upload(SAMPLE, height_cm="1000"), 422, "invalid_height", "between 50 and 272"),
        # A form without the photo.
        ({"files": {"photo": ("a.jpg", b"x")}}, 400, "bad_request", "'file'"),
        # The photo as the raw body instead of a form.
        ({"content": b"\xff\xd8", "headers": {"content-type": "image/jpeg"}}, 415, None, ""),
        # A form that is not one.
        (
            {"content": b"garbage", "headers": {"content-type": "multipart/form-data; boundary=x"}},
            400,
            "bad_request",
            "multipart",
        ),
    ],
)
def test_bad_requests_get_a_json_error_and_no_traceback(real, request_kw, status, code, says):
    got = httpx.post(f"{real.url}/v1/analyze", **request_kw, timeout=60)
    error = assert_error(got, status, code or "unsupported_media_type")
    assert says in error["message"]


@pytest.mark.model
def test_unknown_paths_methods_and_parameters_get_json_errors(real):
    assert_error(httpx.get(f"{real.url}/nowhere"), 404, "not_found")
    assert_error(httpx.get(f"{real.url}/v1/analyze"), 405, "method_not_allowed")
    got = httpx.post(f"{real.url}/v1/analyze?overlay=perhaps", **upload(SAMPLE))
    assert "overlay" in assert_error(got, 422, "invalid_request")["message"]


def _raw_request(url: str, head: str, body_chunks=(), *, chunked: bool = False) -> tuple[str, int]:
    """Send a request by hand; the status line, and how many body bytes went out."""
    import select

    host, port = url.removeprefix("http://").split(":")
    sent = 0
    reply = b""
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head.encode())
        for chunk in body_chunks:
            if select.select([s], [], [], 0)[0]:
                break  # the server has answered
            try:
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            except OSError:  # the server answered and closed
                break
            sent += len(chunk)
        with contextlib.suppress(OSError):
            while b"\r\n" not in reply:
                more = s.recv(65536)
                if not more:
                    break
                reply += more
    return reply.split(b"\r\n")[0].decode(), sent


@pytest.mark.model
def test_an_upload_over_the_limit_is_refused_before_it_is_read(real):
    head = (
        "POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
    )
    # Announced by its length: 413 at once, before a byte of it is sent.
    status, sent = _raw_request(real.url, head + f"Content-Length: {41 * 2**20}\r\n\r\n")
    assert status.startswith("HTTP/1.1 413") and sent == 0
    # Sent in chunks without a length: 413 as soon as it passes 40 MB.
    part = b"--b\r\nContent-Disposition: form-data; name=file; filename=a.jpg\r\n\r\n"
    chunks = [part] + [b"\0" * 2**20] * 60
    status, sent = _raw_request(
        real.url, head + "Transfer-Encoding: chunked\r\n\r\n", chunks, chunked=True
    )
    assert status.startswith("HTTP/1.1 413")
    assert sent < 48 * 2**20  # the server stopped reading near the limit (plus buffers)


@pytest.mark.model
def test_a_bounded_load_of_concurrent_requests_all_succeed(real):
    n, concurrency = 32, 8
    data = SAMPLE.read_bytes()
    rss_before = real.rss_mb()
    with httpx.Client(timeout=120) as client:

        def one(_):
            t0 = time.perf_counter()
            r = client.post(f"{real.url}/v1/analyze", **upload(data))
            return r.status_code, time.perf_counter() - t0, r.content

        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(one, range(n)))
    rss_after = real.rss_mb()
    statuses = [s for s, _, _ in results]
    assert statuses == [200] * n
    assert len({body for _, _, body in results}) == 1  # the same answer every time
    ms = sorted(1000 * t for _, t, _ in results)
    print(
        f"\n{n} requests at concurrency {concurrency}: p50 {statistics.median(ms):.0f} ms, "
        f"p95 {ms[int(0.95 * (n - 1))]:.0f} ms; RSS {rss_before:.0f} -> {rss_after:.0f} MB"
    )
    assert rss_after < rss_before + 300  # no upload or result kept after its request


@pytest.mark.model
def test_nothing_is_written_to_disk_and_neither_photos_nor_results_are_logged(real):
    # Runs after the tests above have sent photos, errors and a load through it.
    httpx.post(f"{real.url}/v1/analyze", **upload(SAMPLE, SAMPLE.name, height_cm="170"))
    log = "".join(real.lines)
    # Loading the model probes the temporary folder (tempfile.gettempdir
    # writes and deletes a file there); from then on, nothing.
    serving = log[log.index("Application startup complete") :]
    assert "AUDIT-WRITE" not in serving, log
    assert list(real.tmp.iterdir()) == []  # its cwd and TMPDIR stay empty
    assert "POST /v1/analyze" in log  # the access log is there...
    for leak in ("dip_depth", "schema_version", "person_found", "arsalan", "JFIF", "Exif"):
        assert leak not in log  # ...but no result and no photo


# --------------------------------------------------------------------------
# Servers in this process, with a stand-in model
# --------------------------------------------------------------------------


class SlowScene:
    """The shared synthetic body's pose for its photo, after ``delay`` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        mask, lm = scene()
        self.estimate = PoseEstimate(lm, np.array(mask))
        self.delay = delay

    def __call__(self, rgb):
        time.sleep(self.delay)
        return self.estimate if rgb.shape[:2] == self.estimate.mask.shape else None

    def close(self) -> None:
        pass


def scene_png() -> bytes:
    mask, _ = scene()
    buf = io.BytesIO()
    Image.fromarray(image_for(np.array(mask))).save(buf, format="PNG")
    return buf.getvalue()


@contextlib.contextmanager
def running(settings, delay: float = 0.0):
    """The application under uvicorn on 127.0.0.1, in a thread; yields its URL."""
    import uvicorn

    app = service.create_app(
        settings, analyzer_factory=lambda: Analyzer(pose_backend=SlowScene(delay))
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def test_with_an_api_key_every_endpoint_but_healthz_needs_it():
    with running(service.ServiceSettings(api_key="s3cret-key")) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        for path in ("/version", "/docs", "/openapi.json", "/nowhere"):
            assert_error(httpx.get(f"{url}{path}"), 401, "unauthorized")
        photo = upload(scene_png(), "body.png")
        assert_error(httpx.post(f"{url}/v1/analyze", **photo), 401, "unauthorized")
        wrong = {"Authorization": "Bearer s3cret-kez"}
        assert_error(httpx.post(f"{url}/v1/analyze", **photo, headers=wrong), 401, "unauthorized")
        basic = {"Authorization": "Basic czNjcmV0LWtleQ=="}
        assert_error(httpx.get(f"{url}/version", headers=basic), 401, "unauthorized")
        right = {"Authorization": "Bearer s3cret-key"}
        got = httpx.post(f"{url}/v1/analyze", **photo, headers=right)
        assert got.status_code == 200 and got.json()["person_found"] is True
        assert httpx.get(f"{url}/version", headers=right).status_code == 200


def test_beyond_capacity_requests_get_503_at_once_and_the_server_goes_on():
    # One photo analysed at a time, one waiting: of 6 at once, 4 are turned away.
    with running(service.ServiceSettings(queue=1), delay=1.0) as url:
        photo = upload(scene_png(), "body.png")
        with httpx.Client(timeout=60) as client, ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(lambda _: client.post(f"{url}/v1/analyze", **photo), range(6)))
        statuses = sorted(r.status_code for r in replies)
        assert statuses.count(200) >= 2 and statuses.count(503) >= 1, statuses
        assert set(statuses) <= {200, 503}
        busy = next(r for r in replies if r.status_code == 503)
        assert_error(busy, 503, "busy")
        assert busy.headers["retry-after"] == "1"
        # Still serving afterwards.
        assert httpx.post(f"{url}/v1/analyze", **photo, timeout=60).status_code == 200


def test_the_upload_limit_is_configurable_and_the_docs_can_be_off():
    settings = service.ServiceSettings(max_upload_bytes=100_000, docs=False)
    with running(settings) as url:
        got = httpx.post(f"{url}/v1/analyze", **upload(b"\0" * 200_000))
        assert "0.0953674 MB" in assert_error(got, 413, "too_large")["message"]
        assert_error(httpx.get(f"{url}/docs"), 404, "not_found")
        assert_error(httpx.get(f"{url}/openapi.json"), 404, "not_found")


def test_settings_are_checked():
    with pytest.raises(ValueError, match="queue"):
        service.ServiceSettings(queue=-1)
    with pytest.raises(ValueError, match="API key"):
        service.ServiceSettings(api_key=" ")
    with pytest.raises(ValueError, match="threads"):
        service.ServiceSettings(threads=0)


def test_settings_reach_the_worker_processes_through_the_environment(monkeypatch):
    # `silhouette serve` hands its settings to uvicorn's workers this way.
    settings = service.ServiceSettings(queue=3, api_key="k3y-value", docs=False, threads=1)
    for name, value in service.settings_env(settings).items():
        monkeypatch.setenv(name, value)
    seen = {}
    monkeypatch.setattr(service, "create_app", lambda s: seen.setdefault("settings", s))
    service.app_from_env()
    assert seen["settings"] == settings


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_and_exit_6(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = serve.main(["--port", str(taken.getsockname()[1])])
    assert code == 6
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot listen on 127.0.0.1 port" in err[0]


def test_without_the_serve_extra_it_is_one_line_and_exit_7():
    probe = (
        "import sys\n"
        "sys.modules['fastapi'] = None\n"
        "from silhouette.apps.cli import main\n"
        "sys.exit(main(['serve']))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 7
    assert out.stderr.strip().splitlines() == [
        "silhouette serve: error: the HTTP service needs the serve extra: "
        "pip install 'silhouette[serve]'"
    ]


def test_listening_beyond_this_computer_without_a_key_warns():
    assert serve.exposure_warning("127.0.0.1", None) is None
    assert serve.exposure_warning("::1", None) is None
    assert serve.exposure_warning("0.0.0.0", "key") is None
    warning = serve.exposure_warning("0.0.0.0", None)
    assert "without an API key" in warning and "SILHOUETTE_API_KEY" in warning


def test_help_needs_neither_fastapi_nor_uvicorn():
    probe = (
        "import sys\n"
        "from silhouette.apps.cli import main\n"
        "try:\n    main(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "--api-key" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"
