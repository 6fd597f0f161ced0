"""Exceptions raised by silhouette.

Only unusable input raises. A photo without a person, or with hips out of
frame, is a normal :class:`~silhouette.Analysis` carrying a warning.
"""

from __future__ import annotations

__all__ = [
    "ImageDecodeError",
    "InvalidInputError",
    "ModelNotFoundError",
    "SilhouetteError",
    "SilhouetteWarning",
]


class SilhouetteError(Exception):
    """Base class of every error silhouette raises on purpose."""


class InvalidInputError(SilhouetteError, ValueError):
    """An argument has the wrong type, shape, dtype or value."""


class ImageDecodeError(SilhouetteError, ValueError):
    """A file or buffer is not an image silhouette can read.

    Raised for missing, empty, truncated or unsupported files, and for images
    larger than the decompression-bomb limit.
    """


class ModelNotFoundError(SilhouetteError, FileNotFoundError):
    """A model file that the pose backend needs is not installed."""


class SilhouetteWarning(UserWarning):
    """Something about an input that was worked around, not refused.

    For example a damaged EXIF orientation tag: the photo is used as stored.
    The command line prints these as one ``warning:`` line each; a batch keeps
    them in the photo's record (``notes``).
    """
