"""Hip-dip geometry of one side's profile: pure NumPy, no images, no models.

A profile is the outward distance ``u`` of the body edge from the body axis at
heights ``v`` (pixels, top to bottom). The hip dip is the inward curve of the
outline between an outward bulge at iliac-crest level (the upper bulge) and one
at trochanter level (the lower bulge): from the upper bulge, the line that
leaves the outline below on its inner side (the tangent) spans the dip, and the
depth is how far the outline falls inside that line, as far as the bulge below
holds it (like water held between two walls). See :func:`measure_dip`.

The depth is a continuous function of the outline: moving the outline by a
fraction of a pixel moves the depth by about as much, never from "no dip" to
a dip of 2 % of hip width. Every choice it makes is a maximum or minimum over
a fixed set of levels, not a yes/no test.

Love handles are measured apart: they are outward bulges *above* the crest,
the opposite of a dip, and never change the dip depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .anatomy import BANDS

__all__ = [
    "DIP_THRESHOLD_RATIO",
    "HULL_WEIGHT",
    "MIN_DIP_PX",
    "DipGeometry",
    "bulge_level",
    "dip_of_profile",
    "fill_gaps",
    "hull_gap",
    "measure_dip",
    "outer_hull",
]

#: A dip counts as present from this depth, as a fraction of hip width
#: (about 4 mm on a 35 cm wide hip): below it, mask noise and clothing folds
#: are as large as the dip.
DIP_THRESHOLD_RATIO = 0.012
#: ... and never below this many pixels at the working resolution.
MIN_DIP_PX = 1.0
#: A point of the crest band that lies inside the outline's convex hull is
#: less of a bulge: the dip hanging from it is reduced by this share of its
#: distance inside the hull ...
HULL_WEIGHT = 0.25
#: ... and by this share of the part of that distance that no hollow above it
#: backs (the outline above does not recede again: the flank just keeps
#: flaring from the waist). Together they exceed what a concave flare's own
#: curve gives in this window (0.6 of the distance), so a flare anchors no
#: dip, while the rim of a real dent still does. Chosen on the shared renders,
#: not on the re-takes (docs/accuracy.md).
UNBACKED_WEIGHT = 0.5
#: The deepest point of a hip dip lies above the trochanter's widest part:
#: gaps between the heights below (fractions of torso length) fade out, so a
#: hollow between the trochanter and an outer-thigh bulge is not a hip dip.
DEEPEST_FADE = (-0.10, -0.25)
#: Depths below this are rounding (a straight flank's float noise), pixels:
#: the outline then has no dip and no bulges to name.
_NO_DIP_PX = 0.005


@dataclass(frozen=True)
class DipGeometry:
    """The dip found on one profile. Indices refer to the profile's samples.

    Attributes
    ----------
    depth_px : float
        Largest perpendicular distance of the outline inside the line from the
        upper bulge, as far as the lower bulge holds it, pixels; 0 when the
        outline has no dip.
    upper : int or None
        Index of the upper bulge (iliac crest / gluteus medius shelf), or None
        when there is no dip.
    lower : int
        Index of the lower bulge (greater trochanter / outer thigh): the wall
        below the deepest point, or the widest point of the trochanter band
        when there is no dip.
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
    direction = float(np.sign(v[-1] - v[0]))
    vl, ul = v.tolist(), u.tolist()  # the chain walks Python floats: fast
    order: list[int] | range = range(v.size)
    if v.size > 8:
        # OpenCV finds the few hull vertices fast, but in float32, which may
        # round a vertex a ten-thousandth of a pixel inside: the chain through
        # its vertices is rough, and every sample within a hundredth of a
        # pixel of it, or outside it, goes into the exact chain.
        found = cv2.convexHull(np.column_stack([v, u]).astype(np.float32), returnPoints=False)
        rough = np.asarray(
            _chain(vl, ul, np.unique(np.r_[found.ravel(), 0, v.size - 1]).tolist(), direction)
        )
        cross, a, b = _outside(v, u, rough, direction)
        near = np.nonzero(cross > -1e-2 * np.hypot(v[b] - v[a], u[b] - u[a]))[0]
        order = np.union1d(near, rough).tolist()
    ends = np.asarray(_chain(vl, ul, order, direction))
    # Points lying on the hull's edges (within float noise) go back in.
    cross, _, _ = _outside(v, u, ends, direction)
    on_hull = cross > -1e-9
    on_hull[ends] = True
    return np.nonzero(on_hull)[0].astype(np.intp)


def _chain(v: list[float], u: list[float], order, direction: float) -> list[int]:
    """The monotone chain through the samples ``order`` (ascending), outer side."""
    chain: list[int] = []
    for i in order:
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
    return chain


def _outside(
    v: np.ndarray, u: np.ndarray, ends: np.ndarray, direction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross product of every sample with the chain edge spanning it (> 0 outside).

    Returns it with each sample's edge ends ``a`` and ``b`` (indices); the
    cross product is the edge's length times the distance outside it.
    """
    idx = np.arange(v.size)
    edge = np.clip(np.searchsorted(ends, idx, side="right") - 1, 0, len(ends) - 2)
    a, b = ends[edge], ends[edge + 1]
    cross = ((v[b] - v[a]) * (u - u[a]) - (u[b] - u[a]) * (v - v[a])) * direction
    return cross, a, b


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
    hull_weight: float = HULL_WEIGHT,
    unbacked_weight: float = UNBACKED_WEIGHT,
    deepest_fade: tuple[float, float] | None = None,
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
    hull_weight, unbacked_weight : float, optional
        Shares of an upper bulge's distance inside the outline's convex hull,
        and of the part of it that no hollow above backs, taken off its dip
        (see Notes), each in [0, 1].
    deepest_fade : (float, float), optional
        ``(full, none)`` heights, pixels: a gap at or above ``full`` counts
        whole, one at or below ``none`` not at all, linearly between. Default:
        no fading.

    Returns
    -------
    DipGeometry

    Notes
    -----
    For every point ``a`` of the crest band, the tangent from it (the line
    that leaves every lower point of the outline on its inner side) is the
    line a dip hanging from ``a`` is measured against. The gap between that
    line and the outline, perpendicular to the line, is counted at each level
    only as far as a wall below holds it: the gap there less the smallest gap
    further down in the trochanter band (the water a basin would hold). So a
    dip needs an outward bulge on both sides, and the outline receding below
    the trochanter is not one. The candidate ``a`` is worth that held depth
    less ``hull_weight`` times its distance inside the convex hull of the
    whole profile: a point on the hull (a real crest shelf, or the rim of a
    notch) counts fully, while a point on a smoothly flaring flank (concave
    from the waist down, no shelf) is deep inside the hull and anchors
    nothing. The dip is the best candidate.

    Each step is a maximum or minimum over a fixed set of levels, so the
    depth moves continuously with the outline: no threshold decides whether
    a bulge exists.

    Examples
    --------
    A straight flank with a notch 4 px deep: its rims are the bulges.

    >>> v = np.arange(100.0, -101.0, -1.0)
    >>> notch = np.where(abs(v) < 40, 0.5 * (1 + np.cos(np.pi * v / 40)), 0.0)
    >>> g = measure_dip(v, 50 - 4 * notch, crest=(10, 60), trochanter=(-100, -10),
    ...                 love_handle=(60, 100), smooth_px=0)
    >>> round(g.depth_px, 1), float(v[g.deepest]), float(v[g.upper]), float(v[g.lower])
    (4.0, 0.0, 40.0, -40.0)
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if v.ndim != 1 or v.shape != u.shape or v.size < 5:
        raise ValueError(f"v and u must be 1-D of equal length >= 5, got {v.shape} and {u.shape}")
    if not np.all(np.diff(v) < 0):
        raise ValueError("v must be strictly decreasing (top of the body first)")
    if not np.all(np.isfinite(u)):
        raise ValueError("u must not contain NaN; fill gaps first")
    for name, weight in (("hull_weight", hull_weight), ("unbacked_weight", unbacked_weight)):
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {weight}")
    if smooth_px > 0:
        u = _gaussian_smooth(u, smooth_px)

    def band(lo_hi: tuple[float, float]) -> np.ndarray:
        lo, hi = lo_hi
        return (v >= lo) & (v <= hi)

    in_crest, in_troch = band(crest), band(trochanter)
    if not in_crest.any() or not in_troch.any():
        raise ValueError("the profile does not cover the crest and trochanter bands")
    fade = np.ones_like(v)
    if deepest_fade is not None:
        full, none = deepest_fade
        fade = np.clip((v - none) / (full - none), 0.0, 1.0)

    crest_top = int(np.argmax(in_crest))
    # The hull is taken with the flank above the crest band no wider than the
    # band's top: a love handle bulging out above must not pull the hull away
    # from a crest shelf below it, while a waist receding above still counts.
    g = hull_gap(v, np.where(np.arange(v.size) < crest_top, np.minimum(u, u[crest_top]), u))
    # How far the outline recedes again somewhere above each level (inside
    # the hull beyond that level's own distance): a hollow that backs it.
    backed = np.maximum.accumulate(g) - g
    penalty = hull_weight * g + unbacked_weight * np.maximum(g - backed, 0.0)
    best = _held_dip(v, u, in_crest, in_troch, fade, penalty)
    if best is not None:
        depth, upper, lower, deepest = best
    else:
        troch_idx = np.nonzero(in_troch)[0]
        depth, upper, deepest = 0.0, None, None
        lower = int(troch_idx[np.argmax(u[troch_idx])])
    bottom = v.size - 1
    lower_closed = lower != bottom or u[bottom] <= u[bottom - 1]
    love = _love_handle(v, u, band(love_handle), upper if upper is not None else crest_top)
    return DipGeometry(depth, upper, lower, deepest, love, bool(lower_closed))


def _gaussian_smooth(u: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing, edges extended; truncated at 4 sigma.

    The same numbers as ``scipy.ndimage.gaussian_filter1d(u, sigma,
    mode="nearest")``, bit for bit (the same weights, summed in the same
    order, pairs from the outside in), without importing SciPy's ndimage.
    """
    r = int(4.0 * float(sigma) + 0.5)
    x = np.arange(-r, r + 1)
    w = np.exp(-0.5 / (sigma * sigma) * x**2)
    w = w / w.sum()
    n = u.size
    padded = np.pad(np.asarray(u, dtype=np.float64), r, mode="edge")
    out = padded[r : r + n] * w[r]
    for j in range(r, 0, -1):
        out += (padded[r - j : r - j + n] + padded[r + j : r + j + n]) * w[r - j]
    return out


def hull_gap(v: npt.ArrayLike, u: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Distance of each sample inside the profile's outer convex hull, pixels.

    Measured perpendicular to the hull edge above the sample; 0 on the hull.

    Examples
    --------
    >>> hull_gap([2.0, 1.0, 0.0, -1.0, -2.0], [0.0, 3.0, 1.0, 3.0, 0.0]).round(3)
    array([0., 0., 2., 0., 0.])
    """
    v = np.asarray(v, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    idx = outer_hull(v, u)
    edge = np.clip(np.searchsorted(idx, np.arange(v.size), side="right") - 1, 0, idx.size - 2)
    a, b = idx[edge], idx[edge + 1]
    slope = (u[b] - u[a]) / (v[b] - v[a])
    line = u[a] + slope * (v - v[a])
    return np.maximum(line - u, 0.0) / np.hypot(1.0, slope)


def _held_dip(
    v: np.ndarray,
    u: np.ndarray,
    in_crest: np.ndarray,
    in_troch: np.ndarray,
    fade: np.ndarray,
    penalty: np.ndarray,
) -> tuple[float, int, int, int] | None:
    """(depth, upper, lower, deepest) of the best dip, or None when none holds."""
    a = np.nonzero(in_crest[:-1])[0]  # candidates with at least one level below
    if a.size == 0:
        return None
    # Levels at or above the first candidate lie below none: the matrices
    # start after it (c0), and indices into them are shifted back at the end.
    c0 = int(a[0]) + 1
    idx = np.arange(c0, v.size)
    vb, ub = v[c0:], u[c0:]
    below = idx[None, :] > a[:, None]  # (A, K - c0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (ub[None, :] - u[a, None]) / (v[a, None] - vb[None, :])
    m = np.where(below, slope, -np.inf).max(axis=1)  # the tangent from each a
    line = u[a, None] + m[:, None] * (v[a, None] - vb[None, :])
    gap = np.where(below, (line - ub[None, :]) / np.hypot(1.0, m)[:, None], 0.0)
    # The lowest wall at or below each level: the smallest gap further down,
    # among trochanter-band levels only (a reverse running minimum).
    walls = np.where(in_troch[None, c0:] & below, gap, np.inf)
    wall = np.minimum.accumulate(walls[:, ::-1], axis=1)[:, ::-1]
    held = np.where(below & np.isfinite(wall), np.maximum(gap - wall, 0.0) * fade[c0:], 0.0)
    deepest = np.argmax(held, axis=1)
    worth = held[np.arange(a.size), deepest] - penalty[a]
    if worth.max() <= _NO_DIP_PX:
        return None
    # Of equally good bulges (every point of a straight flank above a notch
    # spans it alike), the one nearest the dip.
    k = int(np.nonzero(worth >= worth.max() - 1e-9)[0][-1])
    d = int(deepest[k])
    # The lower bulge: the first level below the deepest point where the wall
    # that holds the dip stands.
    lower = d + int(np.argmax(walls[k, d:] <= wall[k, d] + 1e-9))
    return float(worth[k]), int(a[k]), c0 + lower, c0 + d


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
        deepest_fade=(DEEPEST_FADE[0] * T, DEEPEST_FADE[1] * T),
    )
