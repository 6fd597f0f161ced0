"""Reading photos: formats, modes, orientation and unreadable input."""

import io
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from silhouette import ImageDecodeError, InvalidInputError, SilhouetteWarning, load_image
from silhouette.io import read_image


def gradient(w=40, h=30):
    x = np.linspace(0, 255, w, dtype=np.uint8)[None, :, None]
    y = np.linspace(0, 255, h, dtype=np.uint8)[:, None, None]
    return np.concatenate(
        [
            np.broadcast_to(x, (h, w, 1)),
            np.broadcast_to(y, (h, w, 1)),
            np.full((h, w, 1), 90, np.uint8),
        ],
        axis=2,
    )


@pytest.mark.parametrize(
    "array, shape",
    [
        (np.zeros((5, 7), np.uint8), (5, 7, 3)),  # grey
        (np.zeros((5, 7, 1), np.uint8), (5, 7, 3)),  # grey with a channel axis
        (np.zeros((5, 7, 4), np.uint8), (5, 7, 3)),  # RGBA: alpha composited
        (np.full((5, 7, 3), 65535, np.uint16), (5, 7, 3)),  # 16-bit
        (np.ones((5, 7, 3), np.float32), (5, 7, 3)),  # float in [0, 1]
        (np.ones((5, 7), bool), (5, 7, 3)),  # boolean mask
    ],
)
def test_arrays_become_rgb_uint8(array, shape):
    out = load_image(array)
    assert out.shape == shape and out.dtype == np.uint8


def test_value_scales_are_preserved():
    assert load_image(np.full((2, 2), 65535, np.uint16)).max() == 255
    assert load_image(np.full((2, 2), 1.0, np.float64)).max() == 255
    # Fully transparent pixels show the mid-grey background.
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert load_image(rgba)[0, 0].tolist() == [128, 128, 128]


@pytest.mark.parametrize(
    "array, match",
    [
        (np.zeros((2, 2, 2, 2), np.uint8), "shape"),  # 4-D
        (np.zeros((4, 4, 2), np.uint8), "channels"),  # two channels
        (np.zeros((0, 4, 3), np.uint8), "empty"),
        (np.full((2, 2), np.nan), "NaN"),
        (np.zeros((2, 2), complex), "dtype"),
    ],
)
def test_bad_arrays_raise(array, match):
    with pytest.raises(InvalidInputError, match=match):
        load_image(array)


@pytest.mark.parametrize(
    "fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"), ("TIFF", ".tif")]
)
def test_files_bytes_and_pil_images(tmp_path, fmt, suffix):
    rgb = gradient()
    path = tmp_path / f"photo{suffix}"
    Image.fromarray(rgb).save(path, format=fmt)
    from_path = load_image(path)
    assert from_path.shape == rgb.shape
    np.testing.assert_array_equal(load_image(path.read_bytes()), from_path)
    np.testing.assert_array_equal(load_image(Image.open(path)), from_path)
    if fmt in ("PNG", "TIFF"):  # lossless
        np.testing.assert_array_equal(from_path, rgb)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "CMYK", "I;16", "RGBA", "1"])
def test_pil_modes(mode):
    im = Image.fromarray(gradient()).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        im = Image.fromarray(np.asarray(im).astype(np.uint16) * 257)
    out = load_image(im)
    assert out.shape == (30, 40, 3) and out.dtype == np.uint8


# EXIF orientation -> how the stored pixels must be turned to stand upright.
ORIENT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.transpose(a, (1, 0, 2)),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.transpose(a, (1, 0, 2))[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    stored = gradient()
    path = tmp_path / "o.png"
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(stored).save(path, exif=exif)
    upright = load_image(path)
    np.testing.assert_array_equal(upright, ORIENT[orientation](stored))
    assert read_image(path).original_size == (upright.shape[1], upright.shape[0])


def test_jpeg_draft_decodes_smaller_but_reports_the_full_size(tmp_path):
    path = tmp_path / "big.jpg"
    Image.fromarray(np.kron(gradient(), np.ones((40, 40, 1), np.uint8))).save(path, quality=90)
    decoded = read_image(path, max_side=400)
    assert decoded.original_size == (1600, 1200)
    assert 400 <= max(decoded.rgb.shape[:2]) < 1600


def test_unreadable_inputs_raise_one_clear_error(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image\n")
    buf = io.BytesIO()
    Image.fromarray(gradient(400, 300)).save(buf, format="JPEG")
    (tmp_path / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    cases = {
        tmp_path / "missing.jpg": "no such file",
        tmp_path / "empty.jpg": "empty",
        tmp_path / "text.jpg": "not an image",
        tmp_path / "truncated.jpg": "cannot decode",
        tmp_path: "directory",
    }
    for path, match in cases.items():
        with pytest.raises(ImageDecodeError, match=match):
            load_image(path)
    with pytest.raises(ImageDecodeError, match="empty"):
        load_image(b"")
    with pytest.raises(InvalidInputError, match="path, bytes"):
        load_image(12)


# --------------------------------------------------------------------------
# Odd paths, odd arrays and damaged files: always a SilhouetteError, one line
# --------------------------------------------------------------------------


def test_odd_paths_raise_silhouette_errors(tmp_path):
    cases = [
        (tmp_path / ("x" * 300 + ".jpg"), ImageDecodeError, "cannot read"),  # name too long
        (str(tmp_path / "a\0b.jpg"), InvalidInputError, "NUL"),
        (Path("/dev/zero"), ImageDecodeError, "not a regular file"),  # would never end
        (Path("/dev/null"), ImageDecodeError, "not a regular file"),
    ]
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    cases.append((fifo, ImageDecodeError, "not a regular file"))  # would block
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(loop)
    cases.append((loop, ImageDecodeError, "cannot read"))
    for path, error, match in cases:
        with pytest.raises(error, match=match):
            load_image(path)


def test_a_file_that_reports_zero_bytes_but_has_some_is_read():
    # /proc files report a size of 0; this one is text, so "not an image".
    with pytest.raises(ImageDecodeError, match="not an image"):
        load_image("/proc/self/status")


def test_closed_and_truncated_pil_images_raise_silhouette_errors(tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(gradient(400, 300)).save(path)
    closed = Image.open(path)
    closed.close()
    with pytest.raises(ImageDecodeError, match="PIL image"):
        load_image(closed)
    buf = io.BytesIO()
    Image.fromarray(gradient(400, 300)).save(buf, format="JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[:2000])
    lazy = Image.open(tmp_path / "cut.jpg")  # opened, not yet decoded
    with pytest.raises(ImageDecodeError, match="cannot decode"):
        load_image(lazy)


@pytest.mark.parametrize(
    "array, match",
    [
        (np.array([[-5, 10]], np.int64), "got -5 to 10"),  # would wrap to 251
        (np.array([[0, 70000]], np.int32), "got 0 to 70000"),  # would clip
        (np.array([[-0.5, 0.5]]), "got -0.5"),
        (np.array([[0.0, 300.0]], np.float32), "to 300"),
    ],
)
def test_out_of_range_values_are_refused_not_wrapped(array, match):
    with pytest.raises(InvalidInputError, match=match):
        load_image(array)


def test_in_range_integer_arrays_keep_their_values():
    np.testing.assert_array_equal(
        load_image(np.array([[0, 5, 255]], np.int64))[0, :, 0], [0, 5, 255]
    )


def exif_jpeg(orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x011A] = 72.0  # XResolution, a rational: Pillow rewrites it when turning
    buf = io.BytesIO()
    Image.fromarray(gradient()).save(buf, format="JPEG", exif=exif.tobytes(), quality=95)
    return buf.getvalue()


def damage(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1
    return data.replace(old, new)


def test_a_damaged_exif_block_still_turns_a_rotated_photo_upright():
    good = exif_jpeg()
    upright = load_image(good)
    assert upright.shape == (40, 30, 3)  # turned by orientation 6
    # The XResolution rational now points outside the EXIF block: Pillow's
    # exif_transpose, which rewrites the block, fails on it (struct.error).
    tiff = good.index(b"Exif\0\0") + 6
    entry = good.index(b"\x01\x1a\x00\x05", tiff)  # tag 0x011A, type RATIONAL
    bad = good[: entry + 8] + b"\xff\xff\x00\x00" + good[entry + 12 :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from Pillow reaches the caller
        np.testing.assert_array_equal(load_image(bad), upright)


def test_an_unreadable_orientation_uses_the_photo_as_stored_with_a_warning():
    bad = exif_jpeg(orientation=6)
    tiff = bad.index(b"Exif\0\0") + 6
    entry = bad.index(b"\x01\x12\x00\x03", tiff)  # tag 0x0112, type SHORT
    bad = bad[: entry + 8] + b"\x00\x63" + bad[entry + 10 :]  # orientation 99
    with pytest.warns(SilhouetteWarning, match="orientation tag is damaged"):
        out = load_image(bad)
    assert out.shape == (30, 40, 3)  # as stored


def test_decode_errors_are_one_line(tmp_path):
    from silhouette.io import register_heif

    register_heif()
    buf = io.BytesIO()
    Image.fromarray(gradient(400, 300)).save(buf, format="HEIF")
    data = buf.getvalue()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 10):
        path = tmp_path / "cut.heic"
        path.write_bytes(data[:cut])
        with pytest.raises(ImageDecodeError) as info:
            load_image(path)
        assert "\n" not in str(info.value)


def test_fit_within_brings_the_long_side_to_the_limit_and_leaves_smaller_ones():
    from silhouette.io import fit_within

    ramp = np.linspace(0, 255, 8191).astype(np.uint8)
    wide = np.repeat(np.repeat(ramp[None, :, None], 3000, axis=0), 3, axis=2)
    small = fit_within(wide, 4096)
    assert small.shape == (1500, 4096, 3) and small.dtype == np.uint8
    # The same picture, smaller: the ramp sampled at the same relative places.
    np.testing.assert_allclose(small[0, :, 0], np.linspace(0, 255, 4096), atol=1.5)
    tall = np.zeros((5000, 100, 3), np.uint8)
    assert fit_within(tall, 4096).shape == (4096, 82, 3)
    fits = np.zeros((4096, 10, 3), np.uint8)
    assert fit_within(fits, 4096) is fits


def test_load_image_with_max_side_gives_at_most_the_limit(tmp_path):
    # read_image stops between max_side and twice it; load_image finishes.
    from silhouette.io import load_image, read_image

    path = tmp_path / "big.png"
    Image.new("RGB", (7000, 1000), (10, 20, 30)).save(path)
    decoded = read_image(path, max_side=4096)
    assert 4096 < max(decoded.rgb.shape[:2]) <= 2 * 4096
    assert load_image(path, max_side=4096).shape == (585, 4096, 3)
