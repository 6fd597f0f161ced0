"""silhouette: measure the hip-dip outline of a standing person in a photo.

The public names below are imported on first use, so that ``import
silhouette`` (and ``silhouette --help``) stays fast.

>>> import silhouette
>>> sorted(silhouette.__all__)[:3]
['Analysis', 'Analyzer', 'AnalyzerOptions']
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("silhouette")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: Public name -> module that defines it.
_WHERE = {
    "Analysis": "_types",
    "HipSide": "_types",
    "Notice": "_types",
    "Stance": "_types",
    "Analyzer": "analyzer",
    "AnalyzerOptions": "analyzer",
    "analyze": "analyzer",
    "annotate": "draw",
    "ImageDecodeError": "errors",
    "InvalidInputError": "errors",
    "ModelNotFoundError": "errors",
    "SilhouetteError": "errors",
    "load_image": "io",
    "Landmark": "landmarks",
    "Landmarks": "landmarks",
    "PoseBackend": "pose",
    "PoseEstimate": "pose",
}

__all__ = [
    "Analysis",
    "Analyzer",
    "AnalyzerOptions",
    "HipSide",
    "ImageDecodeError",
    "InvalidInputError",
    "Landmark",
    "Landmarks",
    "ModelNotFoundError",
    "Notice",
    "PoseBackend",
    "PoseEstimate",
    "SilhouetteError",
    "Stance",
    "analyze",
    "annotate",
    "load_image",
]
assert set(__all__) == set(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'silhouette' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from ._types import Analysis, HipSide, Notice, Stance
    from .analyzer import Analyzer, AnalyzerOptions, analyze
    from .draw import annotate
    from .errors import ImageDecodeError, InvalidInputError, ModelNotFoundError, SilhouetteError
    from .io import load_image
    from .landmarks import Landmark, Landmarks
    from .pose import PoseBackend, PoseEstimate
