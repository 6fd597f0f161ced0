"""Reading photos into RGB arrays.

Everything that touches files or image codecs lives here; the rest of the
package works on NumPy arrays. Only pixels are kept: EXIF, GPS, ICC and other
metadata are read solely to apply the orientation and are then dropped.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from .errors import ImageDecodeError, InvalidInputError, SilhouetteWarning

__all__ = ["DecodedImage", "ImageSource", "fit_within", "load_image", "read_image"]

ImageSource = str | os.PathLike | bytes | Image.Image | np.ndarray
"""Anything :func:`load_image` accepts."""

#: Grey used behind transparent pixels: far from both black and white clothing.
_BACKGROUND = (128, 128, 128)

_heif_registered = False


def register_heif() -> None:
    """Let Pillow open HEIC/HEIF files, if pillow-heif is installed (idempotent)."""
    global _heif_registered
    if _heif_registered:
        return
    _heif_registered = True
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # optional: without it HEIC files fail with a clear message
        return
    register_heif_opener()


@dataclass(frozen=True)
class DecodedImage:
    """Pixels of a photo, possibly decoded at reduced size.

    Attributes
    ----------
    rgb : (H, W, 3) ndarray of uint8
        Upright RGB pixels.
    original_size : (int, int)
        ``(width, height)`` of the upright photo at full resolution.
    """

    rgb: npt.NDArray[np.uint8]
    original_size: tuple[int, int]


def load_image(source: ImageSource, *, max_side: int | None = None) -> npt.NDArray[np.uint8]:
    """Read a photo as an upright RGB array.

    Parameters
    ----------
    source : path, bytes, PIL.Image.Image or ndarray
        A file path, the bytes of an encoded image, a PIL image, or an array of
        shape (H, W), (H, W, 3) or (H, W, 4). Arrays are taken as RGB(A), not
        OpenCV's BGR. JPEG, PNG, WebP, TIFF and BMP are read by Pillow; HEIC
        and HEIF need the optional ``pillow-heif`` package.
    max_side : int, optional
        Shrink the photo so that its long side is at most this many pixels
        (a JPEG is decoded at reduced size, which is faster), e.g. to draw on it.

    Returns
    -------
    image : (H, W, 3) ndarray of uint8
        RGB pixels with the EXIF orientation applied. Transparent pixels are
        composited onto mid-grey; 16-bit and float images are rescaled to 8 bits.

    Raises
    ------
    ImageDecodeError
        If the file is missing, unreadable, empty, truncated, not an image, or
        larger than Pillow's decompression-bomb limit (about 179 megapixels,
        checked from the header before anything is decoded).
    InvalidInputError
        If an array has an unsupported shape or dtype.

    Examples
    --------
    >>> rgb = load_image(np.zeros((4, 6), dtype=np.uint8))
    >>> rgb.shape, rgb.dtype
    ((4, 6, 3), dtype('uint8'))
    >>> load_image(np.zeros((40, 60), dtype=np.uint8), max_side=30).shape
    (20, 30, 3)
    """
    rgb = read_image(source, max_side=max_side).rgb
    return rgb if max_side is None else fit_within(rgb, max_side)


def read_image(source: ImageSource, *, max_side: int | None = None) -> DecodedImage:
    """Like :func:`load_image`, optionally decoding a JPEG at reduced size.

    With ``max_side``, the photo is returned with its long side between
    ``max_side`` and twice that: a JPEG is decoded by libjpeg's DCT scaling
    (several times faster than a full decode of a phone photo), other formats
    are shrunk by a whole factor in Pillow before the array is made. Arrays
    are returned as they are. ``original_size`` is always the full size.
    """
    if isinstance(source, np.ndarray):
        rgb = _array_to_rgb(source)
        return DecodedImage(rgb, (rgb.shape[1], rgb.shape[0]))
    if isinstance(source, Image.Image):
        return _guarded(lambda: _decode(source, max_side=None, name="PIL image"), "PIL image")
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageDecodeError("empty image data")
        return _open_and_decode(io.BytesIO(bytes(source)), "image data", max_side)
    if isinstance(source, (str, os.PathLike)):
        path = _checked_path(source)
        return _open_and_decode(path, str(path), max_side)
    raise InvalidInputError(
        f"image must be a path, bytes, PIL image or ndarray, got {type(source).__name__}"
    )


def fit_within(rgb: npt.NDArray[np.uint8], max_side: int) -> npt.NDArray[np.uint8]:
    """``rgb`` shrunk so that its long side is at most ``max_side`` pixels.

    Returned as it is when it already fits. :func:`read_image` with
    ``max_side`` stops between ``max_side`` and twice that; this finishes the job.

    Examples
    --------
    >>> fit_within(np.zeros((300, 1000, 3), np.uint8), 500).shape
    (150, 500, 3)
    """
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return rgb
    import cv2  # here: reading a photo needs no OpenCV

    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # Area averaging is needed against aliasing when shrinking a lot; for a
    # mild shrink (JPEG decoding has already halved a phone photo) bilinear
    # is as good and several times faster.
    method = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR
    return cv2.resize(rgb, size, interpolation=method)


def _checked_path(source: str | os.PathLike) -> Path:
    """``source`` as a path to a regular file with something in it, or raise."""
    try:
        path = Path(source)
        st = path.stat()
    except ValueError:  # a NUL byte: no file can have this name
        raise InvalidInputError("the file name contains a NUL byte") from None
    except FileNotFoundError:
        raise ImageDecodeError(f"{source}: no such file") from None
    except PermissionError:
        raise ImageDecodeError(f"{source}: permission denied") from None
    except (OSError, TypeError) as exc:  # too long, a loop of links, not a path...
        why = getattr(exc, "strerror", None) or str(exc)
        raise ImageDecodeError(f"{source}: cannot read ({why})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageDecodeError(f"{path}: is a directory, not an image")
    if not stat.S_ISREG(st.st_mode):
        # Reading a device or a pipe could block, or never end (/dev/zero).
        raise ImageDecodeError(f"{path}: not a regular file (a device, pipe or socket)")
    if st.st_size == 0 and not _has_data(path):
        # /proc and some other file systems report 0 bytes for files with content.
        raise ImageDecodeError(f"{path}: empty file")
    return path


def _has_data(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(1) != b""
    except OSError:
        return True  # let the decoder report why it cannot be read


def _guarded(decode, name: str) -> DecodedImage:
    """Run ``decode``, turning Pillow's many failure types into one error."""
    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and its hard limit a photo is legal
            # (a 100-megapixel camera); above the hard limit Pillow refuses
            # to decode it at all, from the header alone. Damaged EXIF tags
            # make Pillow warn too; they are dropped with all other metadata.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", module="PIL")
            return decode()
    except Image.DecompressionBombError:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ImageDecodeError(
            f"{name}: image is larger than the {limit:,}-pixel safety limit "
            "(a decompression bomb?); refusing to decode it"
        ) from None
    except UnidentifiedImageError:
        raise ImageDecodeError(f"{name}: not an image, or a format that cannot be read") from None
    except PermissionError:
        raise ImageDecodeError(f"{name}: permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError, AttributeError, KeyError) as exc:
        # Pillow reports truncated or corrupt data as OSError/SyntaxError, a
        # closed image as ValueError or AttributeError. One line, always.
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise ImageDecodeError(f"{name}: cannot decode image ({why})") from None


def _open_and_decode(fp, name: str, max_side: int | None) -> DecodedImage:
    register_heif()

    def decode() -> DecodedImage:
        with Image.open(fp) as im:
            return _decode(im, max_side=max_side, name=name)

    return _guarded(decode, name)


#: EXIF orientation -> the turn that makes the stored pixels upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image, name: str) -> int:
    """The EXIF orientation, 1 to 8; 1 (as stored) when the tag is damaged."""
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # Pillow raises many types on damaged EXIF
        value = None
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    warnings.warn(
        f"{name}: the EXIF orientation tag is damaged ({value!r}); the photo is used as "
        "stored, which may be on its side",
        SilhouetteWarning,
        stacklevel=2,
    )
    return 1


def _decode(im: Image.Image, *, max_side: int | None, name: str = "image") -> DecodedImage:
    # HEIF decoders already apply the stored rotation; applying EXIF again
    # would turn the photo twice.
    heif = (im.format or "").upper() in {"HEIF", "HEIC", "AVIF"}
    full_w, full_h = im.size
    if max_side and im.format == "JPEG":
        scale = max_side / max(full_w, full_h)
        if scale < 1.0:
            im.draft("RGB", (int(full_w * scale) + 1, int(full_h * scale) + 1))
    im.load()
    # Read EXIF after the pixels: for a PNG whose eXIf chunk follows them,
    # asking earlier makes Pillow decode the whole image an extra time.
    orientation = 1 if heif else _orientation(im, name)
    swapped = orientation in (5, 6, 7, 8)
    if max_side:
        # Shrink by whole factors while still in Pillow, before the array
        # copy: a 100-megapixel PNG then never exists twice in memory.
        factor = max(im.size) // max_side
        if factor >= 2:
            try:
                im = im.reduce(factor)
            except ValueError:  # modes Pillow cannot reduce (palette, 1-bit)
                pass
    if orientation != 1:
        # Turned here rather than by ImageOps.exif_transpose, which also
        # rewrites the EXIF block and fails on a damaged one; the metadata is
        # dropped anyway.
        im = im.transpose(_UPRIGHT[orientation])
    original_size = (full_h, full_w) if swapped else (full_w, full_h)
    return DecodedImage(_pil_to_rgb(im), original_size)


def _pil_to_rgb(im: Image.Image) -> npt.NDArray[np.uint8]:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _array_to_rgb(np.asarray(im))
    if im.mode == "P":
        im = im.convert("RGBA")
    elif im.mode in ("LA", "La", "PA", "RGBa"):
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, _BACKGROUND)
        background.paste(im, mask=im.getchannel("A"))
        im = background
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _array_to_rgb(arr: np.ndarray) -> npt.NDArray[np.uint8]:
    if arr.ndim not in (2, 3):
        raise InvalidInputError(
            f"image must be (H, W), (H, W, 3) or (H, W, 4), got shape {arr.shape}"
        )
    if arr.ndim == 3 and arr.shape[2] not in (1, 3, 4):
        raise InvalidInputError(f"image must have 1, 3 or 4 channels, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InvalidInputError(f"image is empty, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        out = arr
    elif arr.dtype == np.bool_:
        out = arr.astype(np.uint8) * 255
    elif np.issubdtype(arr.dtype, np.integer):
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 65535:
            # Casting would wrap (-5 becomes 251) or clip without a word.
            raise InvalidInputError(
                f"integer image values must be in [0, 255] or [0, 65535], got {lo} to {hi}"
            )
        if arr.dtype == np.uint16 or hi > 255:
            out = (arr.astype(np.float64) * (255.0 / 65535.0)).round().astype(np.uint8)
        else:
            out = arr.astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise InvalidInputError("image contains NaN or infinite values")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 255.0:
            raise InvalidInputError(
                f"float image values must be in [0, 1] or [0, 255], got {lo:g} to {hi:g}"
            )
        top = 1.0 if hi <= 1.0 else 255.0
        out = (arr * (255.0 / top)).round().clip(0, 255).astype(np.uint8)
    else:
        raise InvalidInputError(f"unsupported image dtype {arr.dtype}")
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    elif out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    elif out.shape[2] == 4:
        alpha = out[:, :, 3:4].astype(np.float32) / 255.0
        bg = np.array(_BACKGROUND, dtype=np.float32)
        out = (out[:, :, :3] * alpha + bg * (1.0 - alpha)).round().astype(np.uint8)
    return np.ascontiguousarray(out)
