"""A body-aligned frame and the anatomical levels of the hip outline.

MediaPipe's hip landmarks are hip-joint centres, not the iliac crest or the
greater trochanter, so those levels are placed by proportion. The unit is the
torso length ``T``: the distance along the body axis from the hip-joint centres
to the shoulder joints, about 50 cm in an adult. Levels are heights ``v``
above the hip-joint centres, as fractions of ``T`` (adult averages from
standing anthropometry; the bands are wide enough to hold most adults):

==============================  ===========  ============================
level                            v / T        about, in an adult
==============================  ===========  ============================
window top (natural waist)       +0.50        25 cm above the hip joints
love-handle zone                 +0.25..0.50  flank above the hip bone
iliac crest / gluteus medius     -0.05..0.25  upper-hip shelf, up to 12 cm up
greater trochanter / upper thigh -0.50..+0.10 trochanter to the widest thigh
window bottom                    -0.50        25 cm below the hip joints
==============================  ===========  ============================

The crest and trochanter bands overlap by 0.15 T (7 cm): the levels vary
between people, and MediaPipe places its hip point about 0.03 T above the
true joint centre (measured on the renders), so a short dip whose bulges
both lie near the hip joints is still found. The dip's upper bulge must lie
in the crest band and its lower bulge in the trochanter band, below it.

The frame's vertical axis runs from the mid-ankle point to the mid-shoulder
point, which stays vertical for a standing person even when the weight is on
one leg; it therefore measures camera roll, and every level is taken
perpendicular to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .landmarks import Landmark, Landmarks

__all__ = ["BANDS", "Bands", "BodyFrame", "body_frame"]

#: Landmarks with visibility below this are treated as not seen.
MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class Bands:
    """Heights above the hip-joint centres, as fractions of torso length."""

    window_top: float = 0.50
    love_handle: tuple[float, float] = (0.25, 0.50)
    crest: tuple[float, float] = (-0.05, 0.25)
    trochanter: tuple[float, float] = (-0.50, 0.10)
    window_bottom: float = -0.50
    waist: tuple[float, float] = (0.25, 0.50)


BANDS = Bands()


@dataclass(frozen=True, eq=False)
class BodyFrame:
    """Image coordinates re-expressed along and across the body axis.

    Attributes
    ----------
    origin : (2,) ndarray
        Mid-point of the two hip-joint landmarks, ``[x, y]`` pixels.
    up : (2,) ndarray
        Unit vector along the body axis, pointing to the head, in image ``[x, y]``.
    lateral : (2,) ndarray
        Unit vector across the body, pointing to the person's anatomical left.
    torso_px : float
        Torso length ``T``: mid-hip to mid-shoulder along ``up``, pixels.
    roll_deg : float
        Clockwise angle of the body axis from the image vertical, degrees;
        for a standing person this is the camera's roll.
    hip_half_width_px : float
        Half the distance between the hip-joint landmarks along ``lateral``.
    """

    origin: npt.NDArray[np.float64]
    up: npt.NDArray[np.float64]
    lateral: npt.NDArray[np.float64]
    torso_px: float
    roll_deg: float
    hip_half_width_px: float

    def to_image(self, lat: npt.ArrayLike, v: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """``[x, y]`` image points of frame coordinates, pixels.

        ``lat`` is the distance towards the person's left, ``v`` the height
        above the hip-joint centres, both in pixels; they broadcast.
        """
        lat = np.asarray(lat, dtype=np.float64)[..., None]
        v = np.asarray(v, dtype=np.float64)[..., None]
        return self.origin + lat * self.lateral + v * self.up

    def to_frame(self, xy: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """``[lat, v]`` frame coordinates of ``[x, y]`` image points, pixels."""
        d = np.asarray(xy, dtype=np.float64) - self.origin
        return np.stack([d @ self.lateral, d @ self.up], axis=-1)


def _seen(lm: Landmarks, *which: Landmark, shape: tuple[int, int]) -> bool:
    h, w = shape
    for k in which:
        x, y = lm.xy[k]
        if lm.visibility[k] < MIN_VISIBILITY or not (-0.5 <= x <= w - 0.5 and -0.5 <= y <= h - 0.5):
            return False
    return True


def body_frame(landmarks: Landmarks, image_shape: tuple[int, int]) -> BodyFrame | None:
    """Build the body frame, or ``None`` if shoulders and hips are not all seen.

    Parameters
    ----------
    landmarks : Landmarks
        Pose landmarks in image pixels.
    image_shape : (int, int)
        ``(height, width)`` of the image, pixels.

    Returns
    -------
    frame : BodyFrame or None
        ``None`` when a shoulder or hip landmark is outside the image or has
        visibility below 0.5, or when the torso is shorter than 4 pixels.
    """
    lm = landmarks
    L = Landmark
    if not _seen(lm, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, shape=image_shape):
        return None
    shoulders = lm.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = lm.mid(L.LEFT_HIP, L.RIGHT_HIP)
    if _seen(lm, L.LEFT_ANKLE, L.RIGHT_ANKLE, shape=image_shape):
        base = lm.mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)
    elif _seen(lm, L.LEFT_KNEE, L.RIGHT_KNEE, shape=image_shape):
        base = lm.mid(L.LEFT_KNEE, L.RIGHT_KNEE)
    else:
        base = hips
    axis = shoulders - base
    norm = float(np.hypot(*axis))
    if norm < 1e-6:
        return None
    up = axis / norm
    # Image y points down, so rotating "up" by -90 degrees gives image-right;
    # "lateral" must point to the person's left, wherever that is.
    right_of_up = np.array([-up[1], up[0]])
    lateral = right_of_up if (lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ right_of_up >= 0 else -right_of_up
    torso = float((shoulders - hips) @ up)
    if torso < 4.0:
        return None
    roll = float(np.degrees(np.arctan2(up[0], -up[1])))
    half = float(abs((lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ lateral) / 2.0)
    return BodyFrame(hips, up, lateral, torso, roll, half)
