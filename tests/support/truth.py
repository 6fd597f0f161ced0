"""The truth a measurement is checked against, shared by tests and benchmarks.

- :func:`expected_depth`: what the dip definition gives on the ideal warped
  outline after a dip of known depth is injected (see :mod:`support.inject`);
- :data:`TRANSFORMS`: photo changes that must not change the measurement;
- :func:`trace_exact`, :func:`exact_depth`, :func:`same_call`: the exact
  render masks traced and measured the way the pipeline measures a photo.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from silhouette.core.anatomy import BANDS
from silhouette.core.dip import DIP_THRESHOLD_RATIO, dip_of_profile, fill_gaps
from silhouette.core.outline import side_profile
from support.inject import NOTCH, frame_of, raised_cosine, side_profile_of

__all__ = [
    "TRANSFORMS",
    "exact_depth",
    "expected_depth",
    "hand_joins",
    "jpeg",
    "same_call",
    "trace_exact",
]


def expected_depth(analysis, side: str, depth_px: float) -> float:
    """What the dip definition gives on the ideal warped outline: the side's
    measured outline with the injected notch taken off it, analysed exactly
    as the pipeline analyses a traced outline. On a straight side this is d;
    on a convex one less (the bulge between the notch's rims stands outside
    the line joining them); on a flaring one more, or nothing (the flare
    between the rims, or no bulge for a shallow notch to hang from)."""
    frame, v, u = side_profile_of(analysis, side)
    lo, hi = np.array(NOTCH) * frame.torso_px
    notch = raised_cosine((v - (lo + hi) / 2) / ((hi - lo) / 2))
    return dip_of_profile(v, u - depth_px * notch, frame.torso_px).depth_px


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(buf).convert("RGB"))


def rotate(rgb: np.ndarray, deg: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), deg, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def crop(rgb: np.ndarray, frac: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    dy, dx = round(frac * h), round(frac * w)
    return np.ascontiguousarray(rgb[dy:, dx:])  # cut the top-left: the person shifts


TRANSFORMS = {
    "mirror": (lambda x: np.ascontiguousarray(x[:, ::-1]), True),
    "scale 0.5x": (
        lambda x: cv2.resize(x, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
        False,
    ),
    "scale 2x": (lambda x: cv2.resize(x, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), False),
    "JPEG q70": (lambda x: jpeg(x, 70), False),
    "crop/translate 4%": (lambda x: crop(x, 0.04), False),
    "rotate +3 deg": (lambda x: rotate(x, 3), False),
    "rotate -3 deg": (lambda x: rotate(x, -3), False),
}


def trace_exact(analysis, exact: np.ndarray, side: str):
    """The exact mask's edge traced along the analysis's own rays.

    Returns ``(frame, profile, distance)``: ``distance(xy)`` is how far image
    points lie from the exact edge across the body, pixels. None for the
    profile and the function when the exact edge is too short to compare.
    """
    lm, frame = frame_of(analysis)
    T = frame.torso_px
    # Finely: the exact mask is binary, its edge has no ramp to interpolate.
    prof = side_profile(
        exact.astype(np.float32),
        frame,
        lm,
        side,
        ray_step_px=0.25,
        v_top=BANDS.window_top * T,
        v_bottom=BANDS.window_bottom * T,
    )
    ok = prof.valid
    if ok.sum() < 10:
        return frame, None, None

    def distance(xy: np.ndarray) -> np.ndarray:
        lat, v = np.atleast_2d(frame.to_frame(np.asarray(xy, dtype=float))).T
        return np.abs(np.abs(lat) - np.interp(-v, -prof.v[ok], prof.u[ok]))

    return frame, prof, distance


def hand_joins(side_result, frame, distance) -> bool:
    """Whether a hand joins one mask and not the other at this side: the two
    outlines then lie tens of pixels apart, which says nothing of the dip."""
    outline = side_result.outline[np.isfinite(side_result.outline).all(axis=1)]
    return bool(distance(outline).max() > 0.05 * frame.torso_px)


def exact_depth(prof, frame) -> float:
    """The dip definition on the exact edge, pixels."""
    return dip_of_profile(prof.v, fill_gaps(prof.u), frame.torso_px).depth_px


def same_call(analysis, side: str, depth: float) -> bool | None:
    """Whether present/absent matches the call on the exact depth; None when
    that depth is within the depth tolerance (0.5 px) of the threshold, where
    the call is a coin toss."""
    threshold = DIP_THRESHOLD_RATIO * analysis.hip_width_px
    if abs(depth - threshold) <= 0.5:
        return None
    return analysis.sides[side].dip_present == (depth >= threshold)
