"""Dip geometry on analytic profiles with known answers."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

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


def test_bulge_level_of_one_sample_or_a_sub_pixel_tolerance():
    # One sample is its own widest level; a tolerance under a pixel weighs
    # only the samples that close to the widest.
    assert bulge_level([7.0], [3.0], tolerance_px=1.0) == 7.0
    # Widest 5.2 at v = 1; within 0.5 px of it: 5.0 (weight 0.3) at v = 2,
    # 5.2 (0.5) at v = 1, 4.9 (0.2) at v = 0.
    v, u = [3.0, 2.0, 1.0, 0.0], [1.0, 5.0, 5.2, 4.9]
    assert bulge_level(v, u, tolerance_px=0.5) == pytest.approx((2 * 0.3 + 1 * 0.5) / 1.0)


@pytest.mark.parametrize(
    "v, u, tolerance",
    [([1.0, 2.0], [1.0], 1.0), ([], [], 1.0), ([1.0, 2.0], [3.0, 4.0], 0.0)],
    ids=["unequal", "empty", "no-tolerance"],
)
def test_bulge_level_refuses_what_has_no_widest_level(v, u, tolerance):
    with pytest.raises(ValueError):
        bulge_level(v, u, tolerance_px=tolerance)


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


@pytest.mark.parametrize("n", [2, 3, 9, 300, 1000])
def test_outer_hull_matches_the_plain_monotone_chain(n):
    rng = np.random.default_rng(n)
    for trial in range(100):
        v = np.arange(float(n), 0.0, -1.0)
        u = np.cumsum(rng.normal(size=n))
        if trial % 3 == 0:
            u = np.round(u)  # runs of exactly collinear points
        if trial % 4 == 1:
            v = v[::-1].copy()  # walked bottom to top
        assert outer_hull(v, u).tolist() == reference_hull(v, u)


@pytest.mark.parametrize("scale", [1e-3, 1e-5])
def test_outer_hull_is_exact_below_float32_resolution(scale):
    # The fast path finds hull vertices in float32, which cannot tell these
    # points apart (its resolution near 700 px is 6e-5 px); the result must
    # still be the float64 chain's.
    rng = np.random.default_rng(7)
    for _ in range(50):
        v = np.arange(300.0, 0.0, -1.0)
        u = 700.0 + scale * np.cumsum(rng.normal(size=v.size))
        assert outer_hull(v, u).tolist() == reference_hull(v, u)


def test_smoothing_is_scipys_gaussian_filter_bit_for_bit():
    # The dip smooths its profile as scipy.ndimage.gaussian_filter1d(...,
    # mode="nearest") did before SciPy's import was dropped: the same bits,
    # so no depth moves by even a rounding error.
    gaussian_filter1d = pytest.importorskip("scipy.ndimage").gaussian_filter1d
    from silhouette.core.dip import _gaussian_smooth

    rng = np.random.default_rng(3)
    for n, sigma in [(5, 12.0), (40, 0.4), (300, 2.0), (301, 3.3), (700, 7.0)]:
        u = 100.0 + np.cumsum(rng.normal(size=n))
        assert np.array_equal(
            _gaussian_smooth(u, sigma), gaussian_filter1d(u, sigma, mode="nearest")
        )


# --------------------------------------------------------------------------
# Continuity: the depth a user compares week by week must not jump.
# --------------------------------------------------------------------------

bumps = st.lists(
    st.tuples(
        st.floats(-6.0, 6.0),  # amplitude, px
        st.floats(-140.0, 140.0),  # centre height, px
        st.floats(8.0, 60.0),  # width (sigma), px
    ),
    max_size=4,
)


def body_like(shape: list[tuple[float, float, float]]) -> np.ndarray:
    """A flank with a straight side, a crest shelf and a thigh, reshaped by smooth bumps."""
    u = straight_side(V)
    for amplitude, centre, width in shape:
        u = u + amplitude * np.exp(-0.5 * ((V - centre) / width) ** 2)
    return u


@settings(max_examples=60, deadline=None)
@given(shape=bumps, seed=st.integers(0, 2**32 - 1))
def test_a_fifth_of_a_pixel_moves_the_depth_by_little(shape, seed):
    """No outline change of 0.2 px may turn "no dip" into a dip (the old definition's
    flip), whatever the body's shape: the depth is Lipschitz in the outline."""
    u = body_like(shape)
    noise = np.random.default_rng(seed).uniform(-0.2, 0.2, size=V.size)
    a = measure_dip(V, u, **BANDS, smooth_px=0).depth_px
    b = measure_dip(V, u + noise, **BANDS, smooth_px=0).depth_px
    # Each step of the definition moves by at most a few times the outline's own change.
    assert abs(a - b) <= 6 * 0.2


def notch_sweep(shape: list[tuple[float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Depths of a body-like flank as a notch deepens from 0 to 12 px in quarter pixels."""
    u = body_like(shape)
    steps = np.linspace(0.0, 12.0, 49)
    depth = np.array(
        [measure_dip(V, u - notch(V, d), **BANDS, smooth_px=0).depth_px for d in steps]
    )
    return steps, depth


@settings(max_examples=30, deadline=None)
@given(shape=bumps)
@example(shape=[(6.0, 0.0, 8.0)] * 4)  # a 24 px bulge where the notch deepens
def test_a_deepening_notch_never_makes_the_dip_jump(shape):
    steps, depth = notch_sweep(shape)
    step = steps[1] - steps[0]
    assert (np.abs(np.diff(depth)) <= 2 * step + 1e-6).all()
    # The notch shows once it is deeper than the body's own shape: where the
    # bumps add up to at most a quarter of the deepest notch, at least half of
    # it is left (a bulge as large as the notch may fill it).
    if sum(abs(a) for a, _, _ in shape) <= 0.25 * steps[-1]:
        assert depth[-1] >= 0.5 * steps[-1]


broad_bumps = st.lists(
    st.tuples(st.floats(-6.0, 6.0), st.floats(-140.0, 140.0), st.floats(30.0, 80.0)),
    max_size=3,
)


@settings(max_examples=30, deadline=None)
@given(shape=broad_bumps)
def test_a_deepening_notch_deepens_the_dip(shape):
    """Monotone on flanks shaped at the body's scale, once the notch is the dip. Before
    that, a shallow dip the flank already had beside an outward bump may fade as the
    notch levels the bump (continuously: the test above). A narrow bump inside the notch
    is a wall of its own, so it is left out here."""
    _, depth = notch_sweep(shape)
    own = np.argmax(depth > depth[0] + 0.1)  # the notch now deeper than what was there
    assert own > 0
    assert (np.diff(depth[own:]) >= -1e-3).all()


@pytest.mark.parametrize("widening", [0.0, 0.3, 0.5])
def test_the_love_handle_is_its_height_across_the_waist_to_crest_line(widening):
    # A flank widening linearly, ``widening`` px per px of height, from the
    # waist (the top, v = 100) down to the crest (v = 0), with a raised-cosine
    # bump 3 px high in u at v = 50: its distance across the slanted line is
    # 3 / sqrt(1 + widening^2).
    from silhouette.core.dip import _love_handle

    v = np.arange(100.0, -1.0, -1.0)
    s = (v - 50.0) / 10.0
    bump = np.where(np.abs(s) < 1, 1.5 * (1 + np.cos(np.pi * s)), 0.0)
    u = 40.0 + widening * (100.0 - v) + bump
    got = _love_handle(v, u, np.ones(v.size, bool), crest=v.size - 1)
    assert got == pytest.approx(3.0 / np.hypot(1.0, widening), rel=1e-6)


def test_a_notch_measures_the_same_anywhere_above_the_trochanter_fade():
    # The same 6 px notch (a raised cosine, 0.04 T either side of its
    # centre) placed from just above the hip joints down to 0.08 T below
    # them: above -0.10 T nothing fades, so the depth is the same, a little
    # under 6 px for the 3 px smoothing of so narrow a notch.
    from silhouette.core.dip import dip_of_profile
    from support.bodies import Body, half_width

    T = 300.0
    v = np.arange(0.5 * T, -0.5 * T - 1e-9, -0.5)
    depths = []
    for centre in (0.05, -0.02, -0.05, -0.08):
        body = Body(dip_left_px=6.0, dip_centre=centre, dip_half_width=0.04)
        g = dip_of_profile(v, half_width(v, body, "left"), T)
        assert v[g.deepest] == pytest.approx(centre * T, abs=1.0)
        depths.append(g.depth_px)
    assert depths == pytest.approx([depths[0]] * 4, abs=1e-3)
    assert depths[0] == pytest.approx(6.0, abs=0.3)


@pytest.mark.parametrize("widening", [0.3, -0.4])
def test_hull_gap_is_perpendicular_to_a_slanted_hull_edge(widening):
    # A straight flank slanting ``widening`` px per px of height, with a
    # raised-cosine notch 3 px deep in u at v = 50: the hull is the flank, and
    # the gap at the notch's bottom is 3 px measured across it.
    from silhouette.core.dip import hull_gap

    v = np.arange(100.0, -1.0, -1.0)
    s = (v - 50.0) / 10.0
    notch = np.where(np.abs(s) < 1, 1.5 * (1 + np.cos(np.pi * s)), 0.0)
    u = 60.0 + widening * (100.0 - v) - notch
    g = hull_gap(v, u)
    assert g[v == 50.0][0] == pytest.approx(3.0 / np.hypot(1.0, widening), rel=1e-9)
    np.testing.assert_allclose(g, notch / np.hypot(1.0, widening), atol=1e-9)


def test_hull_gap_takes_each_samples_own_hull_edge():
    # A flank widening 0.3 px per px down to v = 50, then narrowing 0.4 px
    # per px: two hull edges. A 3 px notch on each is measured across its own.
    from silhouette.core.dip import hull_gap

    v = np.arange(100.0, -1.0, -1.0)
    u = np.where(v >= 50.0, 60.0 + 0.3 * (100.0 - v), 75.0 - 0.4 * (50.0 - v))
    for centre in (75.0, 25.0):
        s = (v - centre) / 10.0
        u = u - np.where(np.abs(s) < 1, 1.5 * (1 + np.cos(np.pi * s)), 0.0)
    g = hull_gap(v, u)
    assert g[v == 75.0][0] == pytest.approx(3.0 / np.hypot(1.0, 0.3), rel=1e-9)
    assert g[v == 25.0][0] == pytest.approx(3.0 / np.hypot(1.0, 0.4), rel=1e-9)
    assert g[[0, 50, 100]].tolist() == [0.0, 0.0, 0.0]


def test_a_flank_without_a_bump_has_no_love_handle():
    from silhouette.core.dip import _love_handle

    v = np.arange(100.0, -1.0, -1.0)
    u = 40.0 + 0.3 * (100.0 - v)  # straight, widening to the crest
    zone = np.ones(v.size, bool)
    assert _love_handle(v, u, zone, crest=v.size - 1) == 0.0
    # Too few levels above the crest, or the waist right on it: nothing to measure.
    assert _love_handle(v, u, zone, crest=2) == 0.0
    assert _love_handle(v, u[::-1], zone, crest=v.size - 1) == 0.0


@pytest.mark.parametrize(
    "bottom, closed",
    [("narrowing", True), ("widening", False), ("flaring_again", True)],
)
def test_the_lower_bulge_is_open_only_when_the_outline_still_widens_at_the_bottom(bottom, closed):
    # The synthetic body's left flank over the window (0.5 T to -0.5 T): its
    # thigh narrows below the trochanter. Made to keep widening to the
    # window's bottom, the lower bulge may lie below the window; made to flare
    # again only over the last levels, under a bulge inside, it is closed.
    from silhouette.core.dip import dip_of_profile
    from support.bodies import Body, half_width

    T = 300.0
    v = np.arange(0.5 * T, -0.5 * T - 1e-9, -0.5)
    u = half_width(v, Body(dip_left_px=6.0), "left")
    if bottom == "widening":
        u = np.where(v < -0.15 * T, u[v >= -0.15 * T].min() + 0.2 * (-0.15 * T - v), u)
    elif bottom == "flaring_again":
        u = np.where(v < -0.48 * T, u + 0.5 * (-0.48 * T - v), u)
    g = dip_of_profile(v, u, T)
    assert g.lower_closed is closed
    if not closed:
        assert g.lower == v.size - 1


def test_measure_dip_takes_any_weights_in_0_1_and_five_levels():
    u = np.full(V.size, 100.0)
    for weight in (0.0, 1.0):
        g = measure_dip(V, u, **BANDS, hull_weight=weight, unbacked_weight=weight)
        assert g.depth_px == 0.0
    # Five levels, one in each band and between (a coarse profile).
    v5 = np.array([100.0, 50.0, 0.0, -50.0, -100.0])
    assert measure_dip(v5, np.full(5, 100.0), **BANDS, smooth_px=0).depth_px == 0.0


@pytest.mark.parametrize(
    "edit",
    ["level_repeated", "nan", "four_levels", "weight_1_5", "no_trochanter_band", "shapes"],
)
def test_measure_dip_refuses_a_profile_it_cannot_read(edit):
    v, u, kw = V.copy(), np.full(V.size, 100.0), dict(BANDS)
    if edit == "level_repeated":
        v[10] = v[9]
    elif edit == "nan":
        u[10] = np.nan
    elif edit == "four_levels":
        v, u = np.array([100.0, 50.0, 0.0, -50.0]), np.full(4, 100.0)
    elif edit == "weight_1_5":
        kw["hull_weight"] = 1.5
    elif edit == "no_trochanter_band":
        kw["trochanter"] = (-400.0, -300.0)
    else:
        u = u[:-1]
    with pytest.raises(ValueError):
        measure_dip(v, u, **kw)
