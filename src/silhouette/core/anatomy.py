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

__all__ = [
    "BANDS",
    "MIN_VISIBILITY",
    "Bands",
    "BodyFrame",
    "band_lines",
    "body_frame",
    "head_top",
    "is_standing",
    "pixels_per_cm",
]

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

    def pixels(self, name: str, torso_px: float) -> tuple[float, float]:
        """``(low, high)`` of band ``name`` in pixels for a torso of ``torso_px``.

        >>> BANDS.pixels("crest", 100.0)
        (-5.0, 25.0)
        """
        lo, hi = getattr(self, name)
        return lo * torso_px, hi * torso_px


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


#: Shortest vertical thigh (hip to knee, fraction of torso) of a standing leg.
_MIN_THIGH = 0.55


def is_standing(frame: BodyFrame, lm: Landmarks, shape: tuple[int, int]) -> bool:
    """False when a seen knee is far too high for a standing leg.

    Standing, each knee is about 0.9 torso lengths below the hip joints (the
    bent knee of a hip-popped stance still 0.8); sitting, crouching or a lunge
    brings a knee up towards hip level. Knees out of the photo are no evidence.
    """
    h, w = shape
    # A knee the model puts against the photo's edge is usually cut off and
    # guessed there, not seen.
    edge = 0.1 * frame.torso_px
    for knee in (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE):
        x, y = lm[knee]
        inside = edge <= x < w - edge and edge <= y < h - edge
        if lm.visibility[knee] < MIN_VISIBILITY or not inside:
            continue
        if -frame.to_frame(lm[knee])[1] < _MIN_THIGH * frame.torso_px:
            return False
    return True


def head_top(mask: npt.NDArray[np.floating], frame: BodyFrame, lm: Landmarks) -> float | None:
    """Height of the top of the head along the body axis, pixels, or None.

    Walks up the body axis from the nose until the mask ends; None when the
    head runs out of the photo.
    """
    T = frame.torso_px
    start = frame.to_frame(lm[Landmark.NOSE])
    v = start[1] + np.arange(0.0, 0.8 * T, 0.5)
    pts = frame.to_image(np.full_like(v, start[0]), v)
    h, w = mask.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] >= 0) & (pts[:, 1] <= h - 1)
    cols = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
    rows = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
    vals = np.where(inside, mask[rows, cols], np.nan)
    out = np.nonzero(~(vals >= 0.5))[0]
    if out.size == 0 or out[0] == 0 or not inside[out[0]]:
        return None
    return float(v[out[0]])


def pixels_per_cm(
    mask: npt.NDArray[np.floating],
    frame: BodyFrame,
    lm: Landmarks,
    height_cm: float,
    shape: tuple[int, int],
) -> float | None:
    """Image scale from the person's standing height, pixels per cm, or None.

    The head's top (from the mask) to the lower of the seen heels and toes,
    along the body axis. None unless the head and at least two foot points
    are in the photo.
    """
    L = Landmark
    h, w = shape
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    seen = [
        k
        for k in feet
        if lm.visibility[k] >= MIN_VISIBILITY
        and 0 <= lm.xy[k][0] <= w - 1
        and 0 <= lm.xy[k][1] <= h - 1
    ]
    top = head_top(mask, frame, lm)
    if len(seen) < 2 or top is None:
        return None
    bottom = min(frame.to_frame(lm[k])[1] for k in seen)
    return (top - bottom) / height_cm


def band_lines(frame: BodyFrame, hip_width: float) -> dict[str, npt.NDArray[np.float64]]:
    """Crest and trochanter band edges as lines across the hips, for drawing.

    Each maps to a (2, 2, 2) array: the band's top and bottom lines, each two
    ``[x, y]`` end points, pixels.
    """
    T = frame.torso_px
    lines = {}
    # The crest band is drawn a little further out: the two bands overlap.
    for name, reach in (("crest", 0.68 * hip_width), ("trochanter", 0.60 * hip_width)):
        lo, hi = getattr(BANDS, name)
        lat = np.array([[-reach, reach], [-reach, reach]])
        v = np.array([[hi, hi], [lo, lo]]) * T
        lines[name] = frame.to_image(lat, v)
    return lines
