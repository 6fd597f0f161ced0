"""Hip-dip geometry of one side's profile: pure NumPy, no images, no models.

A profile is the outward distance ``u`` of the body edge from the body axis at
heights ``v`` (pixels, top to bottom). The hip dip is the inward gap between
the outline and the line that spans from an outward bulge at iliac-crest
level (the upper bulge) to one at trochanter level (the lower bulge); its
depth is the largest perpendicular distance from that line to the outline. A
bulge is a point where the outline bulges outwards at the scale of the body (a
few centimetres); the line from it is the tangent that leaves the rest of the
outline inside (see :func:`measure_dip`).

Love handles are measured apart: they are outward bulges *above* the crest,
the opposite of a dip, and never change the dip depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import ConvexHull, QhullError

from .anatomy import BANDS

__all__ = [
    "DIP_THRESHOLD_RATIO",
    "MIN_DIP_PX",
    "DipGeometry",
    "bulge_level",
    "dip_of_profile",
    "fill_gaps",
    "measure_dip",
    "outer_hull",
]

#: A dip counts as present from this depth, as a fraction of hip width
#: (about 4 mm on a 35 cm wide hip): below it, mask noise and clothing folds
#: are as large as the dip.
DIP_THRESHOLD_RATIO = 0.012
#: ... and never below this many pixels at the working resolution.
MIN_DIP_PX = 1.0
#: Scale at which the upper bulge must bulge, fraction of torso length
#: (about 2.5 cm): finer than a dip, coarser than mask noise ...
BULGE_SCALE = 0.05
#: ... and by how much (about 0.5 mm; a pixel's fifth at typical sizes).
MIN_BULGE = 0.001


@dataclass(frozen=True)
class DipGeometry:
    """The dip found on one profile. Indices refer to the profile's samples.

    Attributes
    ----------
    depth_px : float
        Largest perpendicular distance of the outline inside the line joining
        the two bulges, pixels; 0 when there is no upper bulge.
    upper : int or None
        Index of the upper bulge (iliac crest / gluteus medius shelf), or None
        when the outline has no bulge at crest level.
    lower : int
        Index of the lower bulge (greater trochanter / outer thigh): the
        spanning hull vertex, or the widest point of the trochanter band.
    deepest : int or None
        Index of the deepest point of the dip.
    love_handle_px : float
        Largest outward distance of the outline above the crest from the line
        joining the waist to the crest, pixels; 0 for a straight or inward flank.
    lower_closed : bool
        False when the outline still widens at the bottom of the window, so the
        lower bulge may lie below it.
    """

    depth_px: float
    upper: int | None
    lower: int
    deepest: int | None
    love_handle_px: float
    lower_closed: bool


def fill_gaps(u: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Fill NaN gaps by linear interpolation; ends take the nearest value.

    Examples
    --------
    >>> fill_gaps([1.0, np.nan, 3.0, np.nan])
    array([1., 2., 3., 3.])
    """
    u = np.asarray(u, dtype=np.float64)
    ok = np.isfinite(u)
    if ok.all():
        return u.copy()
    if not ok.any():
        raise ValueError("profile has no finite values")
    idx = np.arange(u.size)
    return np.interp(idx, idx[ok], u[ok])


def outer_hull(v: npt.ArrayLike, u: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Indices of the outer (largest-``u``) convex hull of a profile.

    Parameters
    ----------
    v : (K,) array_like of float
        Heights, strictly monotonic (either direction), pixels.
    u : (K,) array_like of float
        Outward distances, pixels.

    Returns
    -------
    idx : (M,) ndarray of int
        Hull vertices in profile order, always including both ends. Points
        lying on a straight hull edge are kept as vertices, so a straight
        outline is all hull and a notch in it is spanned by its own rims.

    Examples
    --------
    >>> outer_hull([0, 1, 2, 3, 4], [0, 3, 1, 3, 0])  # two bulges around a dip
    array([0, 1, 3, 4])
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    direction = np.sign(v[-1] - v[0])
    # qhull finds the few hull vertices fast; the monotone chain then keeps
    # the outer side among them, and the points lying on its edges go back in.
    candidates = np.arange(v.size)
    if v.size > 8:
        try:
            found = ConvexHull(np.column_stack([v, u])).vertices
            candidates = np.unique(np.r_[found, 0, v.size - 1])
        except QhullError:  # all points on one line: every one is on the hull
            pass
    chain: list[int] = []
    for i in candidates:
        while len(chain) >= 2:
            a, b = chain[-2], chain[-1]
            cross = (v[b] - v[a]) * (u[i] - u[a]) - (u[b] - u[a]) * (v[i] - v[a])
            # The sign that means "b is inside" depends on the walking
            # direction; the tolerance keeps collinear points (float noise).
            if cross * direction > 1e-9:
                chain.pop()
            else:
                break
        chain.append(int(i))
    ends = np.asarray(chain)
    idx = np.arange(v.size)
    edge = np.clip(np.searchsorted(ends, idx, side="right") - 1, 0, len(ends) - 2)
    a, b = ends[edge], ends[edge + 1]
    cross = (v[b] - v[a]) * (u - u[a]) - (u[b] - u[a]) * (v - v[a])
    on_hull = cross * direction > -1e-9
    on_hull[ends] = True
    return idx[on_hull].astype(np.intp)


def _gap_to_chord(v: np.ndarray, u: np.ndarray, a: int, b: int) -> np.ndarray:
    """Perpendicular distance inside the chord a-b for samples a..b, pixels."""
    seg_v, seg_u = v[a : b + 1], u[a : b + 1]
    slope = (u[b] - u[a]) / (v[b] - v[a])
    line = u[a] + slope * (seg_v - v[a])
    return (line - seg_u) / np.hypot(1.0, slope)


def bulge_level(v: npt.ArrayLike, u: npt.ArrayLike, *, tolerance_px: float) -> float:
    """Height of the widest part of a profile, robust to a flat top.

    The centroid of the samples within ``tolerance_px`` of the widest one,
    each weighted by how far it reaches past that margin: a broad, flat bulge
    is placed at its middle rather than at whichever end noise favours.

    Examples
    --------
    >>> bulge_level([3, 2, 1, 0, -1], [1, 5, 5.5, 5, 1], tolerance_px=1.0)
    1.0
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if v.shape != u.shape or v.size == 0:
        raise ValueError(
            f"v and u must be non-empty and of equal shape, got {v.shape} and {u.shape}"
        )
    if not tolerance_px > 0:
        raise ValueError(f"tolerance_px must be > 0, got {tolerance_px}")
    w = np.clip(u - (np.nanmax(u) - tolerance_px), 0.0, None)
    w = np.nan_to_num(w)
    return float(np.sum(v * w) / np.sum(w))


def measure_dip(
    v: npt.ArrayLike,
    u: npt.ArrayLike,
    *,
    crest: tuple[float, float],
    trochanter: tuple[float, float],
    love_handle: tuple[float, float],
    smooth_px: float = 2.0,
    bulge_scale_px: float = 10.0,
    min_bulge_px: float = 0.1,
) -> DipGeometry:
    """Find the hip dip on one side's profile.

    Parameters
    ----------
    v : (K,) array_like of float
        Heights above the hip joints, pixels, strictly decreasing (top first).
        The profile is the whole window: it should start above the crest
        band (at the waist) and end inside the trochanter band.
    u : (K,) array_like of float
        Outward distance of the edge from the body axis, pixels, without NaN
        (see :func:`fill_gaps`).
    crest, trochanter, love_handle : (float, float)
        ``(low, high)`` height bands, pixels, for the upper bulge, the lower
        bulge and the flank above the crest.
    smooth_px : float, optional
        Gaussian sigma along the profile, pixels. Higher is steadier on ragged
        masks but flattens narrow dips.
    bulge_scale_px : float, optional
        Scale at which a point must bulge outwards to be the upper bulge,
        pixels. About 2.5 cm on the body.
    min_bulge_px : float, optional
        How far outside the line joining the outline one scale above and one
        below a point must lie to be a bulge, pixels. Above the mask's noise:
        a straight or flaring flank does not bulge.

    Returns
    -------
    DipGeometry

    Notes
    -----
    The upper bulge is a point of the crest band where the outline bulges:
    it lies at least ``min_bulge_px`` outside the line joining the outline
    one ``bulge_scale_px`` above and one below it (the iliac-crest shelf, or
    the rim of a notch). From it, the line that leaves every lower point of
    the outline on its inner side touches the outline again at the lower
    bulge (a tangent); the dip is the largest perpendicular gap under that
    line, and the upper bulge is the one that makes it deepest. A straight
    flank, or one that flares out from the waist (concave all the way), has
    no upper bulge and so no dip; a notch in either has convex rims and is
    found.

    Examples
    --------
    A straight flank with a notch 4 px deep: its rims are the bulges.

    >>> v = np.arange(100.0, -101.0, -1.0)
    >>> notch = np.where(abs(v) < 40, 0.5 * (1 + np.cos(np.pi * v / 40)), 0.0)
    >>> g = measure_dip(v, 50 - 4 * notch, crest=(10, 60), trochanter=(-100, -10),
    ...                 love_handle=(60, 100), smooth_px=0)
    >>> round(g.depth_px, 1), float(v[g.deepest]), float(v[g.upper])
    (4.0, 0.0, 40.0)
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if v.ndim != 1 or v.shape != u.shape or v.size < 5:
        raise ValueError(f"v and u must be 1-D of equal length >= 5, got {v.shape} and {u.shape}")
    if not np.all(np.diff(v) < 0):
        raise ValueError("v must be strictly decreasing (top of the body first)")
    if not np.all(np.isfinite(u)):
        raise ValueError("u must not contain NaN; fill gaps first")
    if smooth_px > 0:
        u = gaussian_filter1d(u, smooth_px, mode="nearest")

    def band(lo_hi: tuple[float, float]) -> np.ndarray:
        lo, hi = lo_hi
        return (v >= lo) & (v <= hi)

    in_crest, in_troch = band(crest), band(trochanter)
    if not in_crest.any() or not in_troch.any():
        raise ValueError("the profile does not cover the crest and trochanter bands")

    crest_top = int(np.argmax(in_crest))
    bottom = v.size - 1
    best = _best_chord(v, u, in_crest, in_troch, max(1.0, bulge_scale_px), min_bulge_px)
    troch_idx = np.nonzero(in_troch)[0]
    if best is not None:
        depth, upper, lower, deepest = best
    else:
        depth, upper, deepest = 0.0, None, None
        lower = int(troch_idx[np.argmax(u[troch_idx])])
    lower_closed = lower != bottom or u[bottom] <= u[bottom - 1]

    love = _love_handle(v, u, band(love_handle), upper if upper is not None else crest_top)
    return DipGeometry(depth, upper, lower, deepest, love, bool(lower_closed))


def _best_chord(
    v: np.ndarray,
    u: np.ndarray,
    in_crest: np.ndarray,
    in_troch: np.ndarray,
    scale_px: float,
    min_bulge_px: float,
) -> tuple[float, int, int, int] | None:
    """(depth, upper, lower, deepest) of the deepest dip, or None."""
    step = abs(v[0] - v[1])
    s = max(1, round(scale_px / step))
    up, down = np.r_[np.full(s, u[0]), u[:-s]], np.r_[u[s:], np.full(s, u[-1])]
    convexity = u - 0.5 * (up + down)
    a = np.nonzero(in_crest & (convexity >= min_bulge_px))[0]
    if a.size == 0:
        return None
    idx = np.arange(v.size)
    below = idx[None, :] > a[:, None]  # (A, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (u[None, :] - u[a, None]) / (v[a, None] - v[None, :])
    slope = np.where(below, slope, -np.inf)
    b = np.argmax(slope, axis=1)  # the tangent point: first steepest way out
    m = slope[np.arange(a.size), b]
    ok = in_troch[b] & (b - a >= 2) & np.isfinite(m)
    if not ok.any():
        return None
    a, b, m = a[ok], b[ok], m[ok]
    between = (idx[None, :] > a[:, None]) & (idx[None, :] < b[:, None])
    line = u[a, None] + m[:, None] * (v[a, None] - v[None, :])
    gap = np.where(between, (line - u[None, :]) / np.hypot(1.0, m)[:, None], -np.inf)
    deepest = np.argmax(gap, axis=1)
    depth = gap[np.arange(a.size), deepest]
    # Of equally deep lines, the one whose upper bulge lies nearest the dip:
    # on a straight flank every point above a notch spans it equally.
    near = np.nonzero(depth >= depth.max() - 1e-6)[0]
    k = near[np.argmax(a[near])]
    return max(0.0, float(depth[k])), int(a[k]), int(b[k]), int(deepest[k])


def _love_handle(v: np.ndarray, u: np.ndarray, zone: np.ndarray, crest: int) -> float:
    """Outward bulge of the flank above the crest, pixels (>= 0)."""
    idx = np.nonzero(zone)[0]
    idx = idx[idx < crest]
    if idx.size < 3:
        return 0.0
    # The waist is the narrowest point of the zone; a love handle bulges
    # outwards from the line joining it to the crest.
    waist = int(idx[np.argmin(u[idx])])
    if crest - waist < 2:
        return 0.0
    outward = -_gap_to_chord(v, u, waist, crest)
    return float(max(0.0, outward.max()))


def dip_of_profile(v: npt.ArrayLike, u: npt.ArrayLike, torso_px: float) -> DipGeometry:
    """The dip of one side's profile, with the anatomical bands and scales.

    Parameters
    ----------
    v, u : (K,) array_like of float
        Heights above the hip joints (decreasing) and outward edge distances,
        pixels, without gaps, over the analysis window.
    torso_px : float
        Torso length, pixels: the unit of every band and scale (see
        :mod:`silhouette.core.anatomy`).
    """
    T = torso_px
    return measure_dip(
        v,
        u,
        crest=BANDS.pixels("crest", T),
        trochanter=BANDS.pixels("trochanter", T),
        love_handle=BANDS.pixels("love_handle", T),
        smooth_px=max(1.0, 0.01 * T),
        bulge_scale_px=BULGE_SCALE * T,
        min_bulge_px=MIN_BULGE * T,
    )
