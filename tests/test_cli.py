"""The command line, run as a user would: in a subprocess, with the real model
(marked) or with the fake one (support/fakemodel.py) where the model does not
matter."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


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


@pytest.mark.model
def test_json_output_is_the_documented_form_and_nothing_else():
    p = silhouette(SAMPLES / "arsalan_front.jpg", "--json", "--height-cm", "175")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["schema_version"] == "1" and d["person_found"] is True
    assert d["view"] == "front"
    assert d["sides"]["left"]["dip_depth_ratio"] is not None
    assert p.stderr == ""  # MediaPipe's native log lines are kept off the terminal


@pytest.mark.model
def test_summary_and_overlay(tmp_path):
    out = tmp_path / "overlay.png"
    p = silhouette(SAMPLES / "render_back.jpg", "--overlay", out)
    assert p.returncode == 0, p.stderr
    assert "back view" in p.stdout and "person's own sides" in p.stdout
    with Image.open(out) as im:
        assert im.size == (720, 1280) and im.format == "PNG"
        assert not im.info.get("exif") and not im.getexif()


@pytest.mark.model
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
@pytest.mark.model
def test_bad_input_is_one_line_on_stderr(tmp_path, make, match):
    p = silhouette(make(tmp_path))
    assert p.returncode == 4
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and match in lines[0] and "Traceback" not in p.stderr


@pytest.mark.model
def test_usage_errors():
    assert silhouette().returncode == 2
    p = silhouette(SAMPLES / "arsalan_front.jpg", "--height-cm", "5")
    assert p.returncode == 2 and "height" in p.stderr
    # one line, saying where to read more (argparse would print its usage first)
    assert p.stderr.splitlines() == [
        "silhouette: error: argument --height-cm: must be between 50 and 272, got 5 "
        "(see silhouette --help)"
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["photo.jpg", "--height-cm", "abc"],
        ["batch", ".", "--workers", "two"],
        ["serve", "--port", "http"],
        ["serve", "--max-upload-mb", "lots"],
    ],
)
def test_a_value_that_is_not_a_number_is_named_in_words(args):
    p = silhouette(*args)
    last = p.stderr.splitlines()[-1]
    assert p.returncode == 2
    assert f"got {args[-1]!r}" in last and "must be" in last
    # argparse's own wording names the parsing function ("invalid _port value")
    assert "invalid" not in last and "_" not in last.split(":")[-1]


@pytest.mark.model
def test_version_and_help_do_not_load_the_model():
    p = silhouette("--version")
    assert p.returncode == 0 and p.stdout.startswith("silhouette ")
    assert "mediapipe" not in silhouette("--help").stderr


# --------------------------------------------------------------------------
# With the fake model
# --------------------------------------------------------------------------

FAKE_CLI = Path(__file__).resolve().parent / "support" / "fake_cli.py"


def fake(*args, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILHOUETTE_")}
    return subprocess.run(
        [sys.executable, str(FAKE_CLI), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        **kw,
    )


@pytest.fixture
def photo(tmp_path):
    from support.bodies import Body
    from support.fakemodel import save_photo

    return save_photo(tmp_path / "week 1.png", Body(dip_left_px=8.0, dip_right_px=3.0))


@pytest.mark.parametrize(
    "suffix, fmt",
    [(".png", "PNG"), (".jpg", "JPEG"), (".JPEG", "JPEG"), (".webp", "WEBP"), (".tif", "TIFF")],
)
def test_the_overlay_is_written_in_the_format_its_name_asks_for(photo, tmp_path, suffix, fmt):
    out = tmp_path / f"overlay{suffix}"
    p = fake(photo, "--overlay", out)
    assert p.returncode == 0, p.stderr
    with Image.open(out) as im:
        assert im.format == fmt and im.size == (600, 1400)
        # No metadata: no camera, software, date, owner, EXIF or GPS tags (a
        # TIFF's own layout tags, its size and strips, are all it has).
        assert not set(im.getexif()) & {0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8769, 0x8825}
        assert "exif" not in im.info


def test_an_overlay_name_without_a_known_format_is_a_usage_error(photo, tmp_path):
    p = fake(photo, "--overlay", tmp_path / "overlay.gif")
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1
    assert "end it in .png, .jpg, .webp or .tif" in p.stderr
    assert p.stderr.rstrip().endswith("(see silhouette --help)")
    assert not (tmp_path / "overlay.gif").exists()


def test_the_overlay_never_replaces_the_photo(photo, tmp_path):
    before = photo.read_bytes()
    for target in (photo, photo.parent / "." / photo.name):
        p = fake(photo, "--overlay", target)
        assert p.returncode == 2 and "is the photo itself" in p.stderr
    link = tmp_path / "same.png"
    os.link(photo, link)  # another name for the same file
    assert fake(photo, "--overlay", link).returncode == 2
    assert photo.read_bytes() == before


def test_an_overlay_that_cannot_be_written_names_the_file(photo, tmp_path):
    target = tmp_path / "no such folder" / "overlay.png"
    p = fake(photo, "--overlay", target)
    assert p.returncode == 4
    assert f"cannot write the overlay {target}: No such file or directory" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    # A device has no format to write: refused up front, by name.
    p = fake(photo, "--overlay", "/dev/full")
    assert p.returncode == 2 and "'/dev/full'" in p.stderr


def test_a_borderline_side_is_called_borderline_not_no_dip(photo):
    p = fake(photo)
    assert p.returncode == 0, p.stderr
    right = next(line for line in p.stdout.splitlines() if line.strip().startswith("right"))
    assert "borderline" in right and "no dip" not in right
    assert "(see --help)" in p.stdout
    assert "symmetry is 1 when both sides' dips are alike" in fake("--help").stdout.replace(
        "\n", " "
    )


def test_names_with_control_characters_are_printed_escaped_on_one_line(photo, tmp_path):
    odd = tmp_path / "\x1b]0;owned\x07\x1b[2J\nweek.png"
    photo.rename(odd)
    p = fake(odd)
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout and "\\x1b]0;owned\\x07\\x1b[2J\\x0aweek.png" in p.stdout
    missing = fake(tmp_path / "gone\n\x1b[31m.png")
    assert missing.returncode == 4 and len(missing.stderr.strip().splitlines()) == 1
    assert "\x1b" not in missing.stderr


def test_a_damaged_orientation_is_one_warning_line(tmp_path):
    from support.fakemodel import body_photo

    exif = Image.Exif()
    exif[0x0112] = 99  # not an orientation
    path = tmp_path / "odd.png"
    Image.fromarray(body_photo()).save(path, exif=exif)
    p = fake(path, "--overlay", tmp_path / "overlay.png")  # the photo is read twice
    assert p.returncode == 0, p.stderr
    (line,) = p.stderr.strip().splitlines()
    assert line.startswith("silhouette: warning: ") and "orientation tag is damaged" in line


def test_a_reader_that_goes_away_early_is_no_internal_error(photo):
    p = subprocess.run(
        f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_CLI))} {shlex.quote(str(photo))} "
        "--json | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.stdout == "{"
    assert "internal error" not in p.stderr and "Traceback" not in p.stderr


def test_a_name_too_long_is_one_line_and_exit_4(tmp_path):
    p = fake(tmp_path / ("x" * 300 + ".png"))
    assert p.returncode == 4 and "File name too long" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------
# silhouette compare, with the fake model
# --------------------------------------------------------------------------


@pytest.fixture
def later(tmp_path):
    from support.bodies import Body
    from support.fakemodel import save_photo

    return save_photo(tmp_path / "week 9.png", Body(dip_left_px=14.0, dip_right_px=3.0))


def test_compare_reports_each_sides_change_in_words_and_json(photo, later, tmp_path):
    p = fake("compare", photo, later, "--height-cm", "170")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].endswith("(left/right = the person's own sides)")
    # 6 px deeper on the left of a 252 px hip: +2.4 points, beyond noise.
    assert re.search(r"left .* of hip width \(\+2\.[34] points, \+\d\.\d cm\): deeper$", lines[1])
    assert "right" in lines[2] and lines[2].endswith(
        "no clear change (within the measurement's noise)"
    )
    assert "taken alike" in lines[3]
    j = fake("compare", photo, later, "--json")
    d = json.loads(j.stdout)
    assert set(d) == {"before", "after", "comparison"}
    left = d["comparison"]["sides"]["left"]
    assert left["change_ratio"] == pytest.approx(
        d["after"]["sides"]["left"]["dip_depth_ratio"]
        - d["before"]["sides"]["left"]["dip_depth_ratio"],
        abs=1e-4,
    )
    assert left["beyond_noise"] is True and d["comparison"]["comparable"] is True


def test_compare_draws_the_earlier_outline_over_the_later_photo(photo, later, tmp_path):
    out = tmp_path / "compare.png"
    p = fake("compare", photo, later, "--out", out)
    assert p.returncode == 0, p.stderr
    with Image.open(out) as im:
        assert im.size == Image.open(later).size and not im.getexif()
    assert fake("compare", photo, later, "--out", tmp_path / "c.gif").returncode == 2
    p = fake("compare", photo, later, "--out", later)
    assert p.returncode == 2 and "is the photo itself" in p.stderr


def test_compare_exit_codes(photo, tmp_path):
    nobody = tmp_path / "room.png"
    Image.new("RGB", (60, 80), (200, 200, 200)).save(nobody)
    p = fake("compare", photo, nobody)
    assert p.returncode == 3 and "no person in the later photo" in p.stdout
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    p = fake("compare", broken, photo)
    assert p.returncode == 4 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert fake("compare", photo).returncode == 2
