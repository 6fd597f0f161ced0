"""Is the traced outline the body's? Evidence from the photo beside each hip.

The person mask follows whatever stands out from the background: a loose top,
a shirt bloused over a belt, a skirt or shorts flaring from the waist have an
outline of their own, and MediaPipe's mask follows it. A dip measured on it
is the garment's. Three kinds of evidence are read along one side's outline,
each from principles rather than from a trained model:

- **A garment edge across the outline**: a belt, waistband or hem is a colour
  change that runs *across* the body. Where one meets the outline and the
  outline steps in or out there, fabric ends; where one sits at the dip's
  deepest point, the dip is a belt or waistband gathering the cloth. A tight
  garment changes colour without breaking the outline.
- **Fabric hanging straight**: a skirt, shorts or a loose top falls from the
  waist in a straight line that flares outwards; a body's flank curves, out
  at the trochanter and back in along the thigh. An outline that stays within
  a few millimetres of one flaring straight line from above the crest to well
  down the thigh is fabric.
- **Low contrast**: where the colours just inside and just outside the traced
  edge barely differ (dark on dark, backlight, blur), the photo does not show
  the edge: the outline is the model's guess.

All distances are in the working image's pixels and scale with the torso
length ``T``; colours are CIE L*a*b* (a difference of about 2.3 is just
noticeable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt

from ..results import OutlineSource
from .anatomy import BANDS, BodyFrame
from .outline import SideProfile

__all__ = ["OutlineEvidence", "hips_lab", "judge_outline"]

#: Colour difference (L*a*b*) between the strips just inside and outside the
#: edge below which the edge has little support in the photo: a few
#: just-noticeable differences, the contrast of dark cloth on a dark wall.
LOW_CONTRAST = 8.0
#: A colour change along the outline at least this large (L*a*b*), over a
#: twentieth of the torso, is a garment edge: well above shading on skin or
#: on one fabric.
CROSSING = 18.0
#: Where a garment edge crosses, an outline step this large (fraction of hip
#: width; about 7 mm) is fabric ending: a hem standing off the body.
STEP_RATIO = 0.02
#: A garment edge this close to the dip's deepest point (fraction of torso
#: length, about 1.5 cm) made the dip.
AT_DIP = 0.03
#: An outline within this fraction of hip width (about 3.5 mm) of one straight
#: line over half a torso length, from above the crest to 0.35 torso lengths
#: down the thigh, hangs like fabric ...
STRAIGHT_RATIO = 0.01
#: ... when that line flares outwards going down at least this much (lateral
#: per vertical; an A-line): a body's straight stretches run closer to vertical.
FLARE = 0.2


@dataclass(frozen=True)
class OutlineEvidence:
    """What the photo says about one side's outline.

    Attributes
    ----------
    source : {'body', 'clothing', 'uncertain'}
    reasons : tuple of str
        Plain-language reasons for a verdict other than ``'body'``.
    contrast : float
        Colour difference across the edge over the dip's heights (L*a*b*),
        the lower quartile; NaN when it could not be sampled.
    crossing_v : float or None
        Height of the garment edge that breaks the outline, pixels above the
        hip joints, if one was found.
    straightness : float
        Largest distance of the outline from the best flaring straight line
        across the hip (see ``STRAIGHT_RATIO``), as a fraction of hip width;
        inf when no stretch flares.
    low_contrast : bool
        The edge has little support in the photo.
    """

    source: OutlineSource
    reasons: tuple[str, ...]
    contrast: float
    crossing_v: float | None
    straightness: float
    low_contrast: bool


def hips_lab(
    rgb: npt.NDArray[np.uint8],
    frame: BodyFrame,
    profiles: Sequence[SideProfile] | None = None,
) -> tuple[npt.NDArray[np.float32], BodyFrame]:
    """The part of the photo around the hips in CIE L*a*b* (L 0-100), and its frame.

    Only the analysis window's heights and a torso length either side of the
    body axis are converted: the rest of a 12-megapixel photo is not needed.
    The returned frame is ``frame`` moved into the crop's pixels.

    With ``profiles``, the outlines :func:`judge_outline` will be asked
    about, only the pixels its colour strips beside them read are converted
    (the rest of the crop is left 0): the conversion is pixel by pixel, so
    the evidence is the same, for a fraction of the cost.
    """
    T = frame.torso_px
    h, w = rgb.shape[:2]
    lat = np.array([-1.0, 1.0]) * T
    v = np.array([BANDS.window_top + 0.05, BANDS.window_bottom - 0.05]) * T
    corners = frame.to_image(lat[:, None], v[None, :]).reshape(-1, 2)
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 1, 1, [w, h])
    moved = replace(frame, origin=frame.origin - np.array([x0, y0], dtype=np.float64))
    if profiles is None:
        crop = rgb[y0:y1, x0:x1].astype(np.float32) / 255.0
        return cv2.cvtColor(crop, cv2.COLOR_RGB2LAB), moved
    size = np.array([x1 - x0, y1 - y0])
    lab = np.zeros((y1 - y0, x1 - x0, 3), dtype=np.float32)
    reach = np.array([-1.0, 1.0]) * _depths(T)[-1]
    for p in profiles:
        ok = np.isfinite(p.u)
        if not ok.any():
            continue
        sign = 1.0 if p.side == "left" else -1.0
        ends = moved.to_image((p.u[ok, None] + reach) * sign, p.v[ok, None]).reshape(-1, 2)
        # Every sample lies between its level's two ends; bilinear sampling
        # reads the pixel after, and rounds positions to 1/32 pixel.
        bx0, by0 = np.clip(np.floor(ends.min(axis=0)).astype(int) - 2, 0, size)
        bx1, by1 = np.clip(np.ceil(ends.max(axis=0)).astype(int) + 3, 0, size)
        if bx1 > bx0 and by1 > by0:
            patch = rgb[y0 + by0 : y0 + by1, x0 + bx0 : x0 + bx1].astype(np.float32) / 255.0
            lab[by0:by1, bx0:bx1] = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB)
    return lab, moved


def _depths(torso_px: float) -> npt.NDArray[np.float64]:
    """Distances from the edge of the colour strips either side of it, pixels."""
    return np.arange(2.0, max(3.0, 0.05 * torso_px), max(1.0, 0.01 * torso_px))


def _strip(
    lab: np.ndarray, frame: BodyFrame, profile: SideProfile, offsets: np.ndarray
) -> np.ndarray:
    """Median colour at lateral ``offsets`` (px, + outward) from the edge, per level, (K, 3)."""
    sign = 1.0 if profile.side == "left" else -1.0
    lat = (profile.u[:, None] + offsets[None, :]) * sign
    pts = frame.to_image(lat, profile.v[:, None])
    map_x = pts[..., 0].astype(np.float32)
    map_y = pts[..., 1].astype(np.float32)
    # Levels without an edge are sampled off the image, and left out below.
    map_x[np.isnan(map_x)] = -1.0
    map_y[np.isnan(map_y)] = -1.0
    h, w = lab.shape[:2]
    samples = cv2.remap(lab, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    samples[~inside] = np.nan
    return _nanmedian_rows(samples)


def _nanmedian_rows(x: np.ndarray) -> np.ndarray:
    """``np.nanmedian(x, axis=1)`` of a (K, N, C) array, bit for bit, without its
    masked-array path (ten times slower on these small arrays); NaN where a
    row has no value."""
    s = np.sort(x, axis=1)  # NaN sorts last
    nan = np.isnan(s[:, -1])
    if not nan.any():  # every row full: the middle one or two of each
        half = x.shape[1] // 2
        return s[:, half] if x.shape[1] % 2 else (s[:, half - 1] + s[:, half]) / 2
    n = np.count_nonzero(~np.isnan(x), axis=1)  # (K, C)
    lo = np.take_along_axis(s, np.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(s, np.minimum(n // 2, x.shape[1] - 1)[:, None], axis=1)[:, 0]
    # The mean of the two middle values as NumPy takes it: their sum, halved.
    med = np.where(n % 2 == 1, lo, (lo + hi) / 2)
    return np.where(n == 0, np.nan, med).astype(x.dtype)


def _fit_line(v: np.ndarray, u: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the least-squares line through (v, u).

    The closed form on centred values: what ``np.polyfit(v, u, 1)`` gives to
    about 1e-12 px, at a tenth of its cost.
    """
    dv = v - v.mean()
    u_mean = u.mean()
    slope = float(np.dot(dv, u - u_mean) / np.dot(dv, dv))
    return slope, float(u_mean - slope * v.mean())


def _line_at(v: np.ndarray, u: np.ndarray, at: float) -> tuple[float, float]:
    """Value at ``at`` and slope of the least-squares line through (v, u)."""
    slope, intercept = _fit_line(v, u)
    return float(slope * at + intercept), float(slope)


def judge_outline(
    lab: npt.NDArray[np.float32],
    frame: BodyFrame,
    profile: SideProfile,
    usable: npt.NDArray[np.bool_],
    hip_width: float,
    deepest_v: float | None = None,
) -> OutlineEvidence:
    """Weigh the evidence that one side's traced outline is the body's.

    Parameters
    ----------
    lab : (H, W, 3) ndarray of float32
        The photo around the hips in L*a*b*, and ``frame`` in its pixels
        (see :func:`hips_lab`).
    frame : BodyFrame
    profile : SideProfile
        The side's traced edge over the analysis window.
    usable : (K,) ndarray of bool
        Levels with an edge that is not an arm's.
    hip_width : float
        Hip width, pixels: the unit of every outline distance.
    deepest_v : float, optional
        Height of the dip's deepest point, pixels, when there is a dip worth
        asking about (a garment edge at a negligible dip changes nothing).

    Returns
    -------
    OutlineEvidence
    """
    T = frame.torso_px
    v = profile.v
    depth = _depths(T)
    inside = _strip(lab, frame, profile, -depth)
    outside = _strip(lab, frame, profile, depth)
    dip_span = usable & (v <= BANDS.crest[1] * T) & (v >= -0.25 * T)
    diff = np.linalg.norm(inside - outside, axis=1)
    ok = dip_span & np.isfinite(diff)
    # A quarter of the heights without support is enough to make the edge a
    # guess: a dark hem on a dark floor can hide just that part.
    contrast = float(np.percentile(diff[ok], 25)) if ok.sum() >= 5 else float("nan")
    low_contrast = bool(np.isfinite(contrast) and contrast < LOW_CONTRAST)

    change = _colour_change(v, inside, usable, T)
    reasons: list[str] = []
    crossing_v = _stepping_crossing(v, profile.u, change, usable, hip_width, T)
    if crossing_v is not None:
        reasons.append(
            "a garment edge (a hem or waistband) crosses the outline and the outline steps there"
        )
    if deepest_v is not None:
        near = np.abs(v - deepest_v) <= AT_DIP * T
        if np.nanmax(change[near], initial=0.0) >= CROSSING:
            crossing_v = deepest_v if crossing_v is None else crossing_v
            reasons.append(
                "the dip's deepest point sits on a garment edge (a belt or waistband "
                "gathering the cloth)"
            )
    straightness = _straightness(v, profile.u, usable, T) / hip_width
    if straightness < STRAIGHT_RATIO:
        reasons.append(
            "the outline runs in one straight, flaring line from the waist down the thigh, "
            "as a skirt, shorts or a loose top hangs; a body's flank curves"
        )
    if reasons:
        source: OutlineSource = "clothing"
    elif low_contrast:
        source = "uncertain"
        reasons.append(
            "the edge barely stands out from the background here (dark on dark, "
            "backlight or blur), so the outline is the model's guess"
        )
    else:
        source = "body"
    return OutlineEvidence(
        source, tuple(reasons), contrast, crossing_v, float(straightness), low_contrast
    )


def _colour_change(v: np.ndarray, inside: np.ndarray, usable: np.ndarray, T: float) -> np.ndarray:
    """Colour change along the outline over a twentieth of the torso, per level (L*a*b*).

    NaN where it cannot be measured (near the ends, or an arm's levels).
    """
    n = v.size
    half = max(2, round(0.025 * T / max(abs(v[0] - v[1]), 1e-9)))
    change = np.full(n, np.nan)
    if n > 2 * half:
        change[half : n - half] = np.linalg.norm(
            inside[: n - 2 * half] - inside[2 * half :], axis=1
        )
    change[~usable] = np.nan
    return change


def _stepping_crossing(
    v: np.ndarray,
    u: np.ndarray,
    change: np.ndarray,
    usable: np.ndarray,
    hip_width: float,
    T: float,
) -> float | None:
    """Height of a colour edge across the body where the outline steps, or None."""
    lo, hi = BANDS.window_bottom * T + 0.08 * T, BANDS.crest[1] * T
    candidates = np.where((v >= lo) & (v <= hi), change, np.nan)
    near, far = 0.015 * T, 0.06 * T
    # The strongest few colour edges: a body has only so many garment edges.
    for i in np.argsort(np.nan_to_num(candidates, nan=-1.0))[::-1][:5]:
        if not candidates[i] >= CROSSING:
            break
        up = usable & (v >= v[i] + near) & (v <= v[i] + far)
        down = usable & (v <= v[i] - near) & (v >= v[i] - far)
        if up.sum() < 4 or down.sum() < 4:
            continue
        # Each side's own straight line, carried to the edge: a hem leaves a gap.
        (a_up, b_up), (a_down, b_down) = _fit_line(v[up], u[up]), _fit_line(v[down], u[down])
        step = (a_up * v[i] + b_up) - (a_down * v[i] + b_down)
        if abs(step) >= STEP_RATIO * hip_width:
            return float(v[i])
    return None


def _straightness(v: np.ndarray, u: np.ndarray, usable: np.ndarray, T: float) -> float:
    """Smallest largest distance (px) of the outline from a flaring straight line.

    Over every stretch half a torso long that reaches from above 0.1 T to
    below -0.35 T (across the crest, the trochanter and down the thigh) and
    whose line flares outwards going down by at least ``FLARE``; inf when
    there is none.
    """
    length = 0.5 * T
    best = np.inf
    for top in np.arange(0.45 * T, 0.1 * T - 1e-9, -0.02 * T):
        if top - length > -0.35 * T:
            continue
        sel = usable & (v <= top) & (v >= top - length)
        if sel.sum() < 0.8 * length / max(abs(v[0] - v[1]), 1e-9):
            continue
        slope, intercept = _fit_line(v[sel], u[sel])
        if -slope < FLARE:  # v grows upwards: flaring out going down is a negative slope
            continue
        best = min(best, float(np.max(np.abs(u[sel] - (slope * v[sel] + intercept)))))
    return best
