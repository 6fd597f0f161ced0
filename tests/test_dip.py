"""Dip geometry on analytic profiles with known answers."""

import numpy as np
import pytest

from silhouette.core.dip import bulge_level, fill_gaps, measure_dip, outer_hull

# The package's bands (silhouette.core.anatomy.BANDS) for a 300 px torso.
V = np.arange(150.0, -150.5, -1.0)  # heights, pixels, top first
BANDS = dict(crest=(-15.0, 75.0), trochanter=(-150.0, 30.0), love_handle=(75.0, 150.0))


def notch(v, depth, centre=15.0, half_width=40.0):
    s = (v - centre) / half_width
    return depth * np.where(np.abs(s) < 1, 0.5 * (1 + np.cos(np.pi * s)), 0.0)


def straight_side(v):
    """Waist -> convex flare to a vertical line (v 60..-60) -> thigh tapering."""
    u = np.full_like(v, 100.0)
    u[v > 60] = 100 - 0.004 * (v[v > 60] - 60) ** 2
    u[v < -60] = 100 - 0.004 * (v[v < -60] + 60) ** 2
    return u


@pytest.mark.parametrize("depth", [1.0, 2.5, 6.0, 15.0])
@pytest.mark.parametrize("half_width", [20.0, 45.0])
def test_notch_depth_is_recovered(depth, half_width):
    u = straight_side(V) - notch(V, depth, half_width=half_width)
    g = measure_dip(V, u, **BANDS, smooth_px=0)
    # Unsmoothed, the hull edge is the straight line itself: exact.
    assert g.depth_px == pytest.approx(depth, abs=1e-6)
    assert V[g.deepest] == pytest.approx(15.0, abs=1.0)
    assert V[g.upper] > V[g.deepest] > V[g.lower]


@pytest.mark.parametrize("depth", [2.5, 6.0, 15.0])
def test_smoothing_keeps_depth_within_tolerance(depth):
    u = straight_side(V) - notch(V, depth, half_width=45.0)
    g = measure_dip(V, u, **BANDS, smooth_px=3.0)
    # Gaussian smoothing (sigma 3 px) of a 90 px wide notch flattens its
    # bottom by well under 5 %.
    assert g.depth_px == pytest.approx(depth, rel=0.05, abs=0.1)


def test_slanted_chord_depth_is_perpendicular():
    # A straight line leaning outwards going down, between two convex caps.
    slope = 0.25
    u = 100 + slope * (60 - V) - 0.004 * np.maximum(0, V - 60) ** 2
    u -= 0.004 * np.maximum(0, -60 - V) ** 2
    g = measure_dip(V, u - notch(V, 8.0), **BANDS, smooth_px=0)
    assert g.depth_px == pytest.approx(8.0 / np.hypot(1, slope), rel=1e-3)


def test_straight_side_has_no_dip():
    g = measure_dip(V, straight_side(V), **BANDS, smooth_px=0)
    assert g.depth_px == pytest.approx(0.0, abs=1e-9)


def test_convex_side_has_no_dip():
    u = 100 - 0.002 * V**2  # one rounded bulge
    g = measure_dip(V, u, **BANDS, smooth_px=0)
    assert g.depth_px == 0.0
    assert g.upper is None and g.deepest is None
    assert V[g.lower] == pytest.approx(0.0, abs=1.0)  # widest point


def test_waist_flare_is_not_a_dip():
    # Narrow waist widening concavely all the way to the thigh: no upper
    # bulge at crest level, so no dip (the flare is the waist, not a dip).
    u = 60 + 0.0012 * (150 - V) ** 2
    g = measure_dip(V, u, **BANDS, smooth_px=0)
    assert g.depth_px == 0.0 and g.upper is None


def test_love_handle_is_not_a_dip():
    base = straight_side(V)
    bump = 12 * np.exp(-0.5 * ((V - 115) / 10) ** 2)
    plain = measure_dip(V, base, **BANDS, smooth_px=0)
    handle = measure_dip(V, base + bump, **BANDS, smooth_px=0)
    assert handle.depth_px == pytest.approx(0.0, abs=1e-3)
    assert handle.love_handle_px > plain.love_handle_px + 5.0


def test_love_handle_over_a_real_dip_leaves_the_dip():
    base = straight_side(V) - notch(V, 5.0)
    bump = 12 * np.exp(-0.5 * ((V - 115) / 10) ** 2)
    g = measure_dip(V, base + bump, **BANDS, smooth_px=0)
    assert g.depth_px == pytest.approx(5.0, abs=1e-3)


def test_outer_hull_keeps_collinear_points_and_spans_notches():
    v = np.arange(10.0, -1.0, -1.0)
    assert np.array_equal(outer_hull(v, np.full_like(v, 3.0)), np.arange(11))
    u = np.full_like(v, 3.0)
    u[4:7] = [2.0, 1.0, 2.0]
    assert np.array_equal(outer_hull(v, u), [0, 1, 2, 3, 7, 8, 9, 10])


@pytest.mark.parametrize(
    "v, u, match",
    [
        (V[::-1], straight_side(V), "decreasing"),  # bottom first
        (V, np.where(V > 0, np.nan, 1.0), "NaN"),  # unfilled gaps
        (V[:3], straight_side(V)[:3], "length"),  # too short
    ],
)
def test_measure_dip_rejects_bad_profiles(v, u, match):
    with pytest.raises(ValueError, match=match):
        measure_dip(v, u, **BANDS)


def test_fill_gaps_interpolates_and_extends():
    np.testing.assert_allclose(fill_gaps([np.nan, 2, np.nan, 4, np.nan]), [2, 2, 3, 4, 4])
    with pytest.raises(ValueError):
        fill_gaps([np.nan, np.nan])


def test_bulge_level_is_centre_of_a_flat_top():
    v = np.arange(100.0, -101.0, -1.0)
    u = np.minimum(50.0, 80 - np.abs(v - 20))  # flat top from v = -10 to 50
    assert bulge_level(v, u, tolerance_px=2.0) == pytest.approx(20.0, abs=0.5)


def reference_hull(v, u):
    """The plain monotone chain: the definition the fast version must match."""
    hull = []
    for i in range(len(v)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (v[b] - v[a]) * (u[i] - u[a]) - (u[b] - u[a]) * (v[i] - v[a])
            if cross * np.sign(v[-1] - v[0]) > 1e-9:
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


@pytest.mark.parametrize("n", [2, 3, 9, 300])
def test_outer_hull_matches_the_plain_monotone_chain(n):
    rng = np.random.default_rng(n)
    for trial in range(100):
        v = np.arange(float(n), 0.0, -1.0)
        u = np.cumsum(rng.normal(size=n))
        if trial % 3 == 0:
            u = np.round(u)  # runs of exactly collinear points
        assert outer_hull(v, u).tolist() == reference_hull(v, u)
