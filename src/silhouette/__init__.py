"""silhouette: measure the hip-dip outline of a standing person in a photo.

The public names below are imported on first use, so that ``import
silhouette`` (and ``silhouette --help``) stays fast.

The package has three layers: ``silhouette.core`` (pure geometry: landmarks,
mask, outline, dip, posture; imports no model and no application),
``silhouette.backends`` (the MediaPipe models) and ``silhouette.apps`` (the
command line, the batch runner and its report). :class:`Analyzer` joins a
backend to the core.

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
    "Analysis": "results",
    "CaptureSignature": "results",
    "Comparison": "results",
    "SideChange": "results",
    "HipSide": "results",
    "Notice": "results",
    "Stance": "results",
    "Analyzer": "analyzer",
    "AnalyzerOptions": "analyzer",
    "analyze": "analyzer",
    "annotate": "draw",
    "annotate_comparison": "draw",
    "compare": "core.compare",
    "ImageDecodeError": "errors",
    "InvalidInputError": "errors",
    "ModelNotFoundError": "errors",
    "SilhouetteError": "errors",
    "SilhouetteWarning": "errors",
    "load_image": "io",
    "Landmark": "core.landmarks",
    "Landmarks": "core.landmarks",
    "PeopleBackend": "core.landmarks",
    "PoseBackend": "core.landmarks",
    "PoseEstimate": "core.landmarks",
    "BatchSummary": "apps.batch",
    "run_batch": "apps.batch",
    "write_report": "apps.report",
}

__all__ = [
    "Analysis",
    "Analyzer",
    "AnalyzerOptions",
    "BatchSummary",
    "CaptureSignature",
    "Comparison",
    "HipSide",
    "ImageDecodeError",
    "InvalidInputError",
    "Landmark",
    "Landmarks",
    "ModelNotFoundError",
    "Notice",
    "PeopleBackend",
    "PoseBackend",
    "PoseEstimate",
    "SideChange",
    "SilhouetteError",
    "SilhouetteWarning",
    "Stance",
    "analyze",
    "annotate",
    "annotate_comparison",
    "compare",
    "load_image",
    "run_batch",
    "write_report",
]
assert set(__all__) == set(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'silhouette' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .analyzer import Analyzer, AnalyzerOptions, analyze
    from .apps.batch import BatchSummary, run_batch
    from .apps.report import write_report
    from .core.compare import compare
    from .core.landmarks import Landmark, Landmarks, PeopleBackend, PoseBackend, PoseEstimate
    from .draw import annotate, annotate_comparison
    from .errors import (
        ImageDecodeError,
        InvalidInputError,
        ModelNotFoundError,
        SilhouetteError,
        SilhouetteWarning,
    )
    from .io import load_image
    from .results import (
        Analysis,
        CaptureSignature,
        Comparison,
        HipSide,
        Notice,
        SideChange,
        Stance,
    )
