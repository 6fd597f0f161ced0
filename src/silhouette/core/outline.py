"""The outer edge of each side of the body, as a profile along the body axis.

For every level ``v`` of the window, a ray starts inside the body (on the
femur line below the hip joints, a little inside the hip joint above them)
and runs outwards across the body axis. The first place where the soft person
mask falls through 0.5 is that side's edge, found to a fraction of a pixel by
linear interpolation of the bilinearly sampled mask. Starting inside the body
rather than from the image border means an arm held away from the body, with
background between, is never mistaken for the hip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from ..results import Side
from .anatomy import BodyFrame
from .landmarks import Landmark, Landmarks

__all__ = ["SideProfile", "arm_overlap", "side_profile"]

#: How far inside the hip-joint line (as a fraction of its lateral offset) a
#: ray above the hip joints starts: inside the waist for every adult build.
_START_FRACTION = 0.6

#: Sampling step along each ray, pixels: the soft mask's edge ramps over
#: several pixels, so linear interpolation between samples a pixel apart
#: places the 0.5 crossing as well as finer steps would.
_RAY_STEP = 1.0
#: Default ray length, fraction of torso length.
_REACH = 0.8


@dataclass(frozen=True, eq=False)
class SideProfile:
    """One side's outer edge, sampled at regular heights.

    Attributes
    ----------
    side : {'left', 'right'}
        Anatomical side of the person.
    v : (K,) ndarray of float
        Height above the hip-joint centres along the body axis, pixels,
        decreasing (top to bottom).
    u : (K,) ndarray of float
        Distance of the edge from the body axis, outwards, pixels; NaN where
        no edge was found on that level.
    xy : (K, 2) ndarray of float
        The edge points in image ``[x, y]`` pixels (NaN where ``u`` is NaN).
    clipped : (K,) ndarray of bool
        Levels whose ray left the image before leaving the body.
    clearance : (K,) ndarray of float
        Width of the background gap outside the edge before the ray meets the
        mask again (an arm, a hand), pixels; inf when it never does.
    """

    side: Side
    v: npt.NDArray[np.float64]
    u: npt.NDArray[np.float64]
    xy: npt.NDArray[np.float64]
    clipped: npt.NDArray[np.bool_]
    clearance: npt.NDArray[np.float64]

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        """Levels with an edge, (K,) bool."""
        return np.isfinite(self.u)


def _ray_starts(frame: BodyFrame, landmarks: Landmarks, side: Side, v: np.ndarray) -> np.ndarray:
    """Lateral distance from the axis where each ray starts, (K,) pixels."""
    hip, knee = (
        (Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
        if side == "left"
        else (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE)
    )
    sign = 1.0 if side == "left" else -1.0
    hip_lat, hip_v = frame.to_frame(landmarks[hip])
    knee_lat, knee_v = frame.to_frame(landmarks[knee])
    above = _START_FRACTION * abs(hip_lat)
    if hip_v - knee_v > 1.0:
        # The femur runs through the middle of the thigh whatever the stance.
        t = np.clip((hip_v - v) / (hip_v - knee_v), 0.0, 1.0)
        femur = abs(hip_lat + t * (knee_lat - hip_lat))
    else:
        femur = np.full_like(v, abs(hip_lat))
    return np.where(v >= hip_v, above, femur) * sign


def side_profile(
    mask: npt.NDArray[np.float32],
    frame: BodyFrame,
    landmarks: Landmarks,
    side: Side,
    *,
    v_top: float,
    v_bottom: float,
    step_px: float = 1.0,
    max_reach_px: float | None = None,
    ray_step_px: float = _RAY_STEP,
) -> SideProfile:
    """Trace one side's outer edge between two heights.

    Parameters
    ----------
    mask : (H, W) ndarray of float32
        Soft person mask in [0, 1]; the edge is where it crosses 0.5.
    frame : BodyFrame
        Body-aligned frame.
    landmarks : Landmarks
        Landmarks of the same person (hips and knees place the ray starts).
    side : {'left', 'right'}
        Anatomical side.
    v_top, v_bottom : float
        Heights above the hip joints between which to trace, pixels,
        ``v_top > v_bottom``.
    step_px : float, optional
        Spacing of the levels, pixels.
    max_reach_px : float, optional
        Longest ray, pixels; default 0.8 torso lengths (the widest hips end
        within 0.5, an arm held out within 0.8).
    ray_step_px : float, optional
        Sampling step along the rays, pixels. A hard (binary) mask needs a
        finer step than the default for sub-pixel precision.

    Returns
    -------
    SideProfile
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if not v_top > v_bottom:
        raise ValueError(f"v_top must be above v_bottom, got {v_top} and {v_bottom}")
    h, w = mask.shape
    v = np.arange(v_top, v_bottom - 1e-9, -step_px, dtype=np.float64)
    start = _ray_starts(frame, landmarks, side, v)
    reach = _REACH * frame.torso_px if max_reach_px is None else max_reach_px
    sign = 1.0 if side == "left" else -1.0
    t = np.arange(0.0, reach + ray_step_px, ray_step_px, dtype=np.float32)
    # Sample positions straight in float32 (what remap takes): lateral
    # distance along each row, each row at its height.
    lat = start[:, None].astype(np.float32) + np.float32(sign) * t[None, :]  # (K, N)
    ox, oy = frame.origin.astype(np.float32)
    (lx, ly), (ux, uy) = frame.lateral.astype(np.float32), frame.up.astype(np.float32)
    vv = v.astype(np.float32)[:, None]
    # ox + lat * lx + vv * ux, and the same for y, in place (the same numbers).
    map_x = np.multiply(lat, lx)
    map_x += ox
    map_x += vv * ux
    map_y = np.multiply(lat, ly, out=lat)
    map_y += oy
    map_y += vv * uy
    samples = cv2.remap(
        mask.astype(np.float32, copy=False),
        map_x,
        map_y,
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )

    def inside_img(r: np.ndarray, c: np.ndarray | int) -> np.ndarray:
        """Whether samples ``(r, c)`` lie within the image."""
        x, y = map_x[r, c], map_y[r, c]
        return (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)

    u = np.full(v.shape, np.nan)
    clipped = np.zeros(v.shape, dtype=bool)
    started = samples[:, 0] >= 0.5
    below = samples < 0.5
    below[:, 0] = False
    any_below = below.any(axis=1)
    has_exit = any_below & started
    j = np.argmax(below, axis=1)  # first sample outside the body
    rows = np.nonzero(has_exit)[0]
    jr = j[rows]
    a = samples[rows, jr - 1].astype(np.float64)
    b = samples[rows, jr].astype(np.float64)
    frac = (a - 0.5) / np.maximum(a - b, 1e-9)
    dist = (jr - 1 + frac) * ray_step_px
    # A ray that left the image before the body did sees the image border,
    # not the edge of the person.
    out_before = ~inside_img(rows, jr)
    ok = ~out_before
    u[rows[ok]] = np.abs(start[rows[ok]]) + dist[ok]
    clipped[rows[out_before]] = True
    no_exit = started & ~any_below
    clipped |= no_exit & ~inside_img(slice(None), -1)
    # After the exit, the first sample back inside the mask (samples are
    # never NaN, so "not below" is "at least 0.5"; column 0 is never after).
    after = np.logical_not(below, out=below)
    after &= np.arange(t.size)[None, :] > j[:, None]
    reenter = np.where(has_exit & after.any(axis=1), np.argmax(after, axis=1), -1)
    clearance = np.full(v.shape, np.inf)
    back = reenter > 0
    clearance[back] = np.maximum((reenter[back] - j[back]) * ray_step_px, 0.0)
    xy = frame.to_image(sign * u, v)
    return SideProfile(side, v, u, xy, clipped, clearance)


#: Half-widths of the arm's parts and the finger reach beyond the MediaPipe
#: finger landmarks, as fractions of torso length (adult averages: upper arm
#: about 9 cm across, forearm 7 cm, open hand 9 cm, fingertips about 3 cm
#: past the knuckle landmarks).
_ARM_RADII = {"upper_arm": 0.09, "forearm": 0.075, "hand": 0.09}
_FINGER_REACH = 0.06
#: An arm within this distance of the edge (fraction of torso) is touching.
_TOUCH_TOLERANCE = 0.02
#: A hand that meets the body only at a thumb or fingertip makes a short
#: outward spike in the edge: more than this (fraction of torso, about 1 cm)
#: beyond the running median over a tenth of the torso, ...
_BUMP_HEIGHT = 0.02
_BUMP_WINDOW = 0.1
#: ... with an arm landmark within this distance (fraction of torso).
_BUMP_REACH = 0.35
#: A background gap narrower than this (fraction of torso, about 1.5 cm)
#: between the edge and an arm or hand counts as touching: the blur of the
#: mask and of the photo joins them.
_MIN_CLEARANCE = 0.03


def arm_overlap(
    profile: SideProfile, frame: BodyFrame, landmarks: Landmarks
) -> npt.NDArray[np.bool_]:
    """Levels of a profile whose edge may be the arm or hand, not the body.

    The arm on the same side is modelled as three capsules (upper arm,
    forearm, hand) around the landmark segments. A level is flagged when a
    capsule there straddles the measured edge: the arm's inner side is at or
    inside the edge and its outer side at or outside it. An arm held away
    from the body (background in between) or lying in front of the torso,
    well inside the edge, is not flagged.

    Returns
    -------
    flags : (K,) ndarray of bool
    """
    L = Landmark
    if profile.side == "left":
        chain = (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST)
        tips = (L.LEFT_INDEX, L.LEFT_PINKY, L.LEFT_THUMB)
        sign = 1.0
    else:
        chain = (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST)
        tips = (L.RIGHT_INDEX, L.RIGHT_PINKY, L.RIGHT_THUMB)
        sign = -1.0
    T = frame.torso_px
    pts = frame.to_frame(landmarks.xy)
    pts[:, 0] *= sign  # outward lateral distance
    wrist = pts[chain[2]]
    tip = pts[list(tips)].mean(axis=0)
    direction = tip - wrist
    n = float(np.hypot(*direction))
    if n > 1e-6:
        tip = tip + direction / n * _FINGER_REACH * T
    segments = (
        (pts[chain[0]], pts[chain[1]], _ARM_RADII["upper_arm"] * T),
        (pts[chain[1]], wrist, _ARM_RADII["forearm"] * T),
        (wrist, tip, _ARM_RADII["hand"] * T),
    )
    flags = np.zeros(profile.v.shape, dtype=bool)
    u = profile.u
    tol = _TOUCH_TOLERANCE * T
    for p, q, r in segments:
        lat = _capsule_lateral(p, q, profile.v, r)
        with np.errstate(invalid="ignore"):
            flags |= (lat - r <= u + tol) & (lat + r >= u - tol)
    arm_pts = np.array([p for seg in segments for p in seg[:2]])
    return flags | _bumps_near(profile, arm_pts, T) | _narrow_gaps_near(profile, arm_pts, T)


def _narrow_gaps_near(profile: SideProfile, arm_pts: np.ndarray, T: float) -> np.ndarray:
    """Levels where an arm or hand is separated from the edge by a hair."""
    narrow = profile.clearance < max(_MIN_CLEARANCE * T, 2.0)
    if not narrow.any():
        return narrow
    gap_at = np.column_stack([profile.u + profile.clearance, profile.v])
    d = np.min(
        np.hypot(
            gap_at[:, None, 0] - arm_pts[None, :, 0], gap_at[:, None, 1] - arm_pts[None, :, 1]
        ),
        axis=1,
    )
    return narrow & (d <= _BUMP_REACH * T)


def _bumps_near(profile: SideProfile, arm_pts: np.ndarray, T: float) -> np.ndarray:
    """Outward spikes of the edge that have an arm landmark close by."""
    ok = profile.valid
    if ok.sum() < 5:
        return np.zeros(profile.v.shape, dtype=bool)
    u = np.interp(np.arange(ok.size), np.nonzero(ok)[0], profile.u[ok])
    size = max(3, round(_BUMP_WINDOW * T / max(abs(profile.v[0] - profile.v[1]), 1e-9)) | 1)
    spike = _above_running_median(u, size, _BUMP_HEIGHT * T)
    if not spike.any():
        return spike
    # Distance from each spike's edge point to the nearest arm landmark.
    edge = np.column_stack([u, profile.v])
    d = np.min(
        np.hypot(edge[:, None, 0] - arm_pts[None, :, 0], edge[:, None, 1] - arm_pts[None, :, 1]),
        axis=1,
    )
    near = spike & (d <= _BUMP_REACH * T)
    # Flag the whole spike, and a margin for the bridge's soft sides.
    return np.convolve(near.astype(float), np.ones(size), mode="same") > 0


def _above_running_median(u: np.ndarray, size: int, height: float) -> np.ndarray:
    """Where ``u - _running_median(u, size) > height``, (K,) bool.

    A window's median is at least its minimum, so only levels more than
    ``height`` above their window's lowest value can qualify; the median,
    the costly part, is taken for those alone. The same answer as computing
    it everywhere.
    """
    half = size // 2
    windows = sliding_window_view(np.pad(u, half, mode="edge"), size)
    out = (u - windows.min(axis=1)) > height
    rows = np.flatnonzero(out)
    if rows.size:
        median = np.partition(windows[rows], half, axis=1)[:, half]
        out[rows] = (u[rows] - median) > height
    return out


def _running_median(u: np.ndarray, size: int) -> np.ndarray:
    """Median over a window of odd ``size`` samples, ends extended.

    The same numbers as ``scipy.ndimage.median_filter(u, size=size,
    mode="nearest")`` for 1-D ``u``, without importing SciPy's ndimage.
    """
    half = size // 2
    windows = sliding_window_view(np.pad(u, half, mode="edge"), size)
    # The middle value of each window: what np.median returns for an odd size.
    return np.partition(windows, half, axis=1)[:, half]


def _capsule_lateral(p: np.ndarray, q: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """Lateral position of a segment's axis at heights ``v`` (NaN off its span).

    The span is widened by the radius at both ends (the capsule's caps), so a
    fist resting on the hip counts although its landmarks sit just above.
    """
    lo, hi = min(p[1], q[1]) - r, max(p[1], q[1]) + r
    if abs(q[1] - p[1]) < 1e-6:
        lat = np.full(v.shape, (p[0] + q[0]) / 2.0)
    else:
        t = np.clip((v - p[1]) / (q[1] - p[1]), 0.0, 1.0)
        lat = p[0] + t * (q[0] - p[0])
    return np.where((v >= lo) & (v <= hi), lat, np.nan)
