"""Body landmarks and what a pose backend returns, independent of any model.

The indices follow MediaPipe's 33-point pose topology (``PoseLandmark``), so a
MediaPipe result maps onto :class:`Landmarks` without reordering. ``LEFT_*`` is
always the person's anatomical left, which is on the image's *right* in a
front view.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError

__all__ = ["Landmark", "Landmarks", "PeopleBackend", "PoseBackend", "PoseEstimate"]


class Landmark(IntEnum):
    """Index of each pose landmark; same values as MediaPipe's ``PoseLandmark``."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(Landmark)


@dataclass(frozen=True, eq=False)
class Landmarks:
    """Pose landmarks of one person.

    Attributes
    ----------
    xy : (33, 2) ndarray of float64
        ``[x, y]`` of each landmark in image pixels, x right and y down, with
        pixel centres at integer coordinates (as in OpenCV and scikit-image).
        Points the model places outside the frame keep their values.
    visibility : (33,) ndarray of float64
        Model's probability, in [0, 1], that each landmark is visible.
    world : (33, 3) ndarray of float64 or None
        Metric 3-D positions ``[x, y, z]`` in metres around the mid-hip point,
        axes as the camera's (x right, y down, z away from the camera); None
        when the backend has no 3-D estimate.
    """

    xy: npt.NDArray[np.float64]
    visibility: npt.NDArray[np.float64]
    world: npt.NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy, dtype=np.float64)
        vis = np.asarray(self.visibility, dtype=np.float64)
        if xy.shape != (N_LANDMARKS, 2):
            raise InvalidInputError(f"xy must have shape ({N_LANDMARKS}, 2), got {xy.shape}")
        if vis.shape != (N_LANDMARKS,):
            raise InvalidInputError(f"visibility must have shape ({N_LANDMARKS},), got {vis.shape}")
        if not np.all(np.isfinite(xy)):
            raise InvalidInputError("xy must be finite")
        if not np.all(np.isfinite(vis)):
            raise InvalidInputError("visibility must be finite")
        if self.world is not None:
            world = np.asarray(self.world, dtype=np.float64)
            if world.shape != (N_LANDMARKS, 3) or not np.all(np.isfinite(world)):
                raise InvalidInputError(
                    f"world must be finite with shape ({N_LANDMARKS}, 3), got {world.shape}"
                )
            object.__setattr__(self, "world", world)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "visibility", np.clip(vis, 0.0, 1.0))

    def __getitem__(self, which: Landmark) -> npt.NDArray[np.float64]:
        """``[x, y]`` of one landmark, pixels."""
        return self.xy[which]

    def mid(self, a: Landmark, b: Landmark) -> npt.NDArray[np.float64]:
        """Midpoint of two landmarks, ``[x, y]`` pixels."""
        return (self.xy[a] + self.xy[b]) / 2.0


@dataclass(frozen=True, eq=False)
class PoseEstimate:
    """What a pose backend found in one image.

    Any backend may build one, so it is checked on construction: a mask of
    the wrong shape or scale would otherwise give plausible but wrong depths.

    Attributes
    ----------
    landmarks : Landmarks
        33 landmarks in the pixel coordinates of the image passed in.
    mask : (H, W) ndarray of float32
        Soft person mask in [0, 1], same size as the image; 0.5 is the edge.
    people_seen : int or None
        How many people the backend's person detector found in the whole
        image, this one included; None when the backend does not say. Two
        or more make the analysis look for the largest person.

    Raises
    ------
    InvalidInputError
        The mask is not 2-D, not a float or bool array, or has values outside
        [0, 1] (a mask scaled 0-255 must be divided by 255 first), or
        ``people_seen`` is not None or a positive int.
    """

    landmarks: Landmarks
    mask: npt.NDArray[np.float32]
    people_seen: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.landmarks, Landmarks):
            raise InvalidInputError(
                f"landmarks must be a Landmarks, got {type(self.landmarks).__name__}"
            )
        mask = np.asarray(self.mask)
        if mask.ndim != 2 or min(mask.shape) < 1:
            raise InvalidInputError(f"mask must be a non-empty 2-D array, got shape {mask.shape}")
        if mask.dtype.kind not in "fb":
            raise InvalidInputError(
                f"mask must be float in [0, 1] (or bool), got dtype {mask.dtype}"
            )
        mask = mask.astype(np.float32, copy=False)
        lo, hi = float(mask.min()), float(mask.max())
        if not (np.isfinite(lo) and np.isfinite(hi) and lo >= 0.0 and hi <= 1.0):
            raise InvalidInputError(f"mask values must lie in [0, 1], got {lo:g} to {hi:g}")
        object.__setattr__(self, "mask", mask)
        seen = self.people_seen
        if seen is not None and (
            isinstance(seen, bool) or not isinstance(seen, (int, np.integer)) or seen < 1
        ):
            raise InvalidInputError(f"people_seen must be None or an int >= 1, got {seen!r}")


@runtime_checkable
class PoseBackend(Protocol):
    """Finds one person's landmarks and mask in an RGB image."""

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> PoseEstimate | None:
        """Return the most prominent person, or ``None`` if there is none."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


@runtime_checkable
class PeopleBackend(Protocol):
    """Segments every person in an RGB image (no landmarks)."""

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """Soft mask (H, W) in [0, 1] of all people in the image."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
