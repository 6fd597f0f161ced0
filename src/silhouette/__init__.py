"""silhouette: measure the hip-dip outline of a standing person in a photo.

>>> import silhouette
>>> sorted(silhouette.__all__)[:3]
['Analysis', 'Analyzer', 'AnalyzerOptions']
"""

from importlib.metadata import PackageNotFoundError, version

from ._types import Analysis, HipSide, Notice, Stance
from .analyzer import Analyzer, AnalyzerOptions, analyze
from .draw import annotate
from .errors import ImageDecodeError, InvalidInputError, ModelNotFoundError, SilhouetteError
from .io import load_image
from .landmarks import Landmark, Landmarks
from .pose import PoseBackend, PoseEstimate

try:
    __version__ = version("silhouette")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

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
