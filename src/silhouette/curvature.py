"""Hip-dip geometry of one side's profile: pure NumPy, no images, no models.

A profile is the outward distance ``u`` of the body edge from the body axis at
heights ``v`` (pixels, top to bottom). The outline's outward bulges are the
vertices of its *outer convex hull* (the smallest concave-down curve that
lies on or outside it). The hip dip is the inward gap between the outline and
the hull edge that spans from a bulge at iliac-crest level (the upper bulge)
to a bulge at trochanter level (the lower bulge); its depth is the largest
perpendicular distance from that edge to the outline.

Love handles are measured apart: they are outward bulges *above* the crest,
the opposite of a dip, and never change the dip depth.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import ConvexHull, QhullError

#: An outline within this many pixels of a spanning line touches it ...
_TOUCH_PX = 0.25
#: ... or within this fraction of the dip's depth.
_TOUCH_FRACTION = 0.05

__all__ = ["DipGeometry", "bulge_level", "fill_gaps", "measure_dip", "outer_hull"]


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

    Returns
    -------
    DipGeometry

    Examples
    --------
    A profile with a 4 px notch between two bulges:

    >>> v = np.arange(100.0, -101.0, -1.0)
    >>> u = 50 - 4 * np.exp(-0.5 * (v / 20) ** 2)
    >>> g = measure_dip(v, u, crest=(10, 60), trochanter=(-100, -10),
    ...                 love_handle=(60, 100), smooth_px=0)
    >>> round(g.depth_px, 1), float(v[g.deepest])
    (4.0, 0.0)
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

    # The hull spans the whole window, from the waist down. An edge whose
    # upper end is a bulge above the crest (a love handle) may hide the crest
    # shelf: the hull is taken again from the top of the crest band, so the
    # love handle cannot be one end of the dip's line. An edge that starts at
    # the window's top end (the waist) has a crest bulge only where the
    # outline still touches it in the crest band (a straight flank); a flank
    # that flares out from the waist falls away from it and has no dip.
    crest_top = int(np.argmax(in_crest))
    hull = outer_hull(v, u)
    candidates = []
    for a, b in itertools.pairwise(hull):
        if in_crest[a] or (a == 0 and v[a] > crest[1]):
            candidates.append((int(a), int(b), a != 0))
        elif v[a] > crest[1] and b > crest_top:
            low = outer_hull(v[crest_top:], u[crest_top:]) + crest_top
            candidates += [(int(c), int(d), True) for c, d in itertools.pairwise(low)]
    bottom = v.size - 1
    best: tuple[float, int, int, int] | None = None
    for a, b, a_is_bulge in dict.fromkeys(candidates):
        if b - a < 2 or not in_troch[b] or (a_is_bulge and not in_crest[a]):
            continue
        gap = _gap_to_chord(v, u, a, b)
        k = int(np.argmax(gap)) + a
        upper = a
        if not a_is_bulge:
            touch = gap <= max(_TOUCH_PX, _TOUCH_FRACTION * gap.max())
            idx = np.arange(a, b + 1)
            rims = idx[touch & in_crest[idx] & (idx < k)]
            if rims.size == 0:
                continue
            upper = int(rims[-1])
        if best is None or gap[k - a] > best[0]:
            best = (float(gap[k - a]), upper, int(b), k)

    troch_idx = np.nonzero(in_troch)[0]
    if best is not None:
        depth, upper, lower, deepest = best
    else:
        depth, upper, deepest = 0.0, None, None
        lower = int(troch_idx[np.argmax(u[troch_idx])])
    lower_closed = lower != bottom or u[bottom] <= u[bottom - 1]

    love = _love_handle(v, u, band(love_handle), upper if upper is not None else crest_top)
    return DipGeometry(depth, upper, lower, deepest, love, bool(lower_closed))


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
