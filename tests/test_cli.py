"""The command line, run as a user would (subprocess, real model)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"

pytestmark = pytest.mark.model


def silhouette(*args, cwd=None):
    env = dict(os.environ)
    env.pop("SILHOUETTE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "silhouette.apps.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def test_json_output_is_the_documented_form_and_nothing_else():
    p = silhouette(SAMPLES / "arsalan_front.jpg", "--json", "--height-cm", "175")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["schema_version"] == "1" and d["person_found"] is True
    assert d["view"] == "front"
    assert d["sides"]["left"]["dip_depth_ratio"] is not None
    assert p.stderr == ""  # MediaPipe's native log lines are kept off the terminal


def test_summary_and_overlay(tmp_path):
    out = tmp_path / "overlay.png"
    p = silhouette(SAMPLES / "render_back.jpg", "--overlay", out)
    assert p.returncode == 0, p.stderr
    assert "back view" in p.stdout and "person's own sides" in p.stdout
    with Image.open(out) as im:
        assert im.size == (720, 1280) and im.format == "PNG"
        assert not im.info.get("exif") and not im.getexif()


def test_no_person_has_its_own_exit_code():
    p = silhouette(SAMPLES / "empty_room.jpg")
    assert p.returncode == 3
    assert "no person found" in p.stdout


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda d: d / "missing.jpg", "no such file"),
        (lambda d: write(d / "empty.jpg", b""), "empty file"),
        (lambda d: write(d / "notes.jpg", b"hello"), "not an image"),
        (lambda d: d, "directory"),
    ],
    ids=["missing", "empty", "text", "directory"],
)
def test_bad_input_is_one_line_on_stderr(tmp_path, make, match):
    p = silhouette(make(tmp_path))
    assert p.returncode == 4
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and match in lines[0] and "Traceback" not in p.stderr


def test_usage_errors():
    assert silhouette().returncode == 2
    p = silhouette(SAMPLES / "arsalan_front.jpg", "--height-cm", "5")
    assert p.returncode == 2 and "height" in p.stderr


def test_version_and_help_do_not_load_the_model():
    p = silhouette("--version")
    assert p.returncode == 0 and p.stdout.startswith("silhouette ")
    assert "mediapipe" not in silhouette("--help").stderr
