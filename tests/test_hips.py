"""Each hip's outline is measured only when it is the body's: the checks for a
photo edge, a gap in the mask and an arm, and the hip and waist widths."""

from __future__ import annotations

import numpy as np
import pytest

from silhouette.core.anatomy import BANDS, body_frame
from silhouette.core.hips import HipTrace, arm_free_levels, trace_hip, widths
from silhouette.core.outline import SideProfile
from support.bodies import (
    HIP_U,
    Body,
    crop_columns,
    half_width,
    rotate,
    scene,
    with_fingertip,
    with_forearm,
)

T = 300.0
DIP = Body(dip_left_px=8.0, dip_right_px=8.0)


def traces(mask, lm) -> dict[str, HipTrace]:
    frame = body_frame(lm, mask.shape)
    return {side: trace_hip(mask, frame, lm, side) for side in ("left", "right")}


def codes(t: dict[str, HipTrace]) -> dict[str, str | None]:
    return {side: None if tr.notice is None else tr.notice.code for side, tr in t.items()}


def test_a_clear_outline_is_measured_on_both_sides():
    t = traces(*scene(DIP))
    assert codes(t) == {"left": None, "right": None}
    for side, tr in t.items():
        assert tr.geometry is not None and not tr.arm.any()
        # The profile is the drawn outline, over the whole window.
        p = tr.profile
        assert p.v[0] == pytest.approx(BANDS.window_top * T)
        assert p.v[-1] == pytest.approx(BANDS.window_bottom * T)
        np.testing.assert_allclose(p.u, half_width(p.v, DIP, side), atol=0.05)
        assert tr.geometry.depth_px == pytest.approx(8.0, abs=0.4)


@pytest.mark.parametrize(
    "side, cols", [("left", (0, 406)), ("right", (194, 600))], ids=["left", "right"]
)
def test_photo_edge_through_a_hip_stops_that_side(side, cols):
    # The photo ends 0.35 T from the axis, inside that hip (0.42 T).
    t = traces(*crop_columns(*scene(DIP), *cols))
    other = "right" if side == "left" else "left"
    assert codes(t) == {side: f"outline_clipped_{side}", other: None}
    assert t[side].geometry is None and t[other].geometry is not None


def in_band(p: SideProfile, name: str) -> np.ndarray:
    lo, hi = BANDS.pixels(name, T)
    return (p.v >= lo) & (p.v <= hi)


# A rounded outer thigh 8 px proud of the hip line, its crown at 0.44 T; the
# photo's edge at 0.44 T (x = 431, the last column) cuts only the crown.
GRAZED = (Body(dip_left_px=8.0, thigh_bulge_px=8.0), (0, 300 + 132))


def test_photo_edge_grazing_the_thigh_also_stops_that_side():
    body, cols = GRAZED
    t = traces(*crop_columns(*scene(body), *cols))
    p = t["left"].profile
    # So little is cut that the band would count as traced ...
    assert p.clipped.any()
    assert p.valid[in_band(p, "trochanter")].mean() >= 0.8
    # ... but there the outline is the photo's edge, not the body's.
    assert codes(t) == {"left": "outline_clipped_left", "right": None}


@pytest.mark.parametrize("side", ["left", "right"])
def test_an_arm_along_the_hip_stops_that_side(side):
    # Forearm axis 0.46 T out, 18 px thick: it lies on the 0.42 T hip edge.
    mask, lm = with_forearm(*scene(DIP), side, 0.46 * T)
    t = traces(mask, lm)
    other = "right" if side == "left" else "left"
    assert codes(t) == {side: f"arm_touching_{side}", other: None}
    assert t[side].arm.mean() > 0.5 and not t[other].arm.any()


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_fingertip_across_the_dip_stops_that_side(side):
    # A fingertip a hair outside the hip over 0.13-0.17 T: under a fifth of
    # the crest band, but between the dip's bulges (0.175 T and -0.125 T),
    # where it could fake or hide the dip.
    mask, lm = with_fingertip(*scene(DIP), side, (0.125, 0.165), body=DIP)
    t = traces(mask, lm)
    tr = t[side]
    arm_v = tr.profile.v[tr.arm]
    assert arm_v.size and arm_v.min() >= 0.12 * T and arm_v.max() <= 0.17 * T
    crest = (tr.profile.v >= BANDS.crest[0] * T) & (tr.profile.v <= BANDS.crest[1] * T)
    assert tr.arm[crest].mean() < 0.2
    other = "right" if side == "left" else "left"
    assert codes(t) == {side: f"arm_touching_{side}", other: None}


def test_a_fingertip_below_the_dip_does_not_matter():
    # The same fingertip at -0.40 T, well below the lower bulge: the arm's
    # levels are left out and the dip is measured as before.
    mask, lm = with_fingertip(*scene(DIP), "left", (-0.42, -0.38), body=DIP)
    t = traces(mask, lm)
    assert codes(t) == {"left": None, "right": None}
    assert t["left"].arm.any()
    assert t["left"].geometry.depth_px == pytest.approx(8.0, abs=0.4)


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_gap_in_the_mask_leaves_that_side_incomplete(side):
    mask, lm = scene(DIP)
    mask = mask.copy()
    # A horizontal cut through that hip from near the axis outwards over
    # 0..0.15 T: half the crest band has no edge.
    rows = slice(405 - 45, 405 + 1)
    cols = slice(315, 600) if side == "left" else slice(0, 286)
    mask[rows, cols] = 0.0
    t = traces(mask, lm)
    other = "right" if side == "left" else "left"
    assert codes(t) == {side: f"outline_incomplete_{side}", other: None}


def test_arm_free_levels_leave_out_the_arm():
    mask, lm = with_fingertip(*scene(DIP), "left", (-0.42, -0.38), body=DIP)
    t = traces(mask, lm)
    v, u = arm_free_levels(t["left"], T)
    p = t["left"].profile
    np.testing.assert_array_equal(v, p.v[~t["left"].arm])
    np.testing.assert_array_equal(u, p.u[~t["left"].arm])
    v, u = arm_free_levels(t["right"], T)
    assert v.size == t["right"].profile.v.size


def test_arm_free_levels_need_most_of_the_trochanter_band():
    mask, lm = with_forearm(*scene(DIP), "left", 0.46 * T)
    t = traces(mask, lm)
    assert arm_free_levels(t["left"], T) is None
    assert arm_free_levels(t["right"], T) is not None


def test_arm_free_levels_leave_out_clipped_levels():
    body, cols = GRAZED
    t = traces(*crop_columns(*scene(body), *cols))
    p = t["left"].profile
    v, _ = arm_free_levels(t["left"], T)
    np.testing.assert_array_equal(v, p.v[~p.clipped])
    assert v.size < p.v.size


# --------------------------------------------------------------------------
# Widths, on profiles given directly
# --------------------------------------------------------------------------


def trace_of(side: str, u: np.ndarray, arm: np.ndarray | None = None) -> HipTrace:
    v = np.arange(0.5 * T, -0.5 * T - 0.5, -1.0)
    u = np.broadcast_to(u, v.shape).astype(float)
    xy = np.column_stack([u, v])
    profile = SideProfile(side, v, u, xy, np.zeros(v.shape, bool), np.full(v.shape, np.inf))
    arm = np.zeros(v.shape, bool) if arm is None else arm
    return HipTrace(profile, arm, None, None)


V = np.arange(0.5 * T, -0.5 * T - 0.5, -1.0)


def test_hip_width_is_the_widest_level_and_waist_the_narrowest():
    # Left: narrow waist (100) widening to a hip of 130 at v = 0 (-0.25 T
    # below is still in the hip range, the 140 at -0.6 T is not in the window).
    left = 130 - 0.001 * V**2
    right = np.full(V.shape, 120.0)
    hip, waist = widths(trace_of("left", left), trace_of("right", right), T)
    assert hip == pytest.approx(250.0)
    waist_levels = (V >= 0.25 * T) & (V <= 0.5 * T)
    assert waist == pytest.approx((left + right)[waist_levels].min())
    assert waist == pytest.approx(120 + 130 - 0.001 * (0.5 * T) ** 2)


def test_widths_ignore_levels_above_the_crest_band():
    # A wide bulge in the love-handle zone is not the hip.
    u = np.where(V > 0.3 * T, 200.0, 120.0)
    hip, waist = widths(trace_of("left", u), trace_of("right", u), T)
    assert hip == pytest.approx(240.0)
    assert waist == pytest.approx(240.0)  # narrowest level of the waist band


def test_an_arm_hiding_the_waist_leaves_no_waist_width():
    arm = V > 0.3 * T  # over half of the 0.25-0.5 T waist band
    hip, waist = widths(trace_of("left", 120.0, arm), trace_of("right", 120.0), T)
    assert waist is None and hip == pytest.approx(240.0)
    arm = V > 0.45 * T  # a fifth of it
    _, waist = widths(trace_of("left", 120.0, arm), trace_of("right", 120.0), T)
    assert waist == pytest.approx(240.0)


def test_hip_width_falls_back_to_twice_the_wider_reach():
    hidden = (V <= 0.26 * T) & (V >= -0.51 * T)  # every hip level
    left = trace_of("left", 110.0, hidden)
    right = trace_of("right", np.where(V > 0.3 * T, 130.0, 100.0))
    hip, _ = widths(left, right, T)
    # The left's free levels reach 110, the right's 130.
    assert hip == pytest.approx(260.0)
    nothing = trace_of("left", np.full(V.shape, np.nan))
    hip, waist = widths(nothing, trace_of("right", np.full(V.shape, np.nan)), T)
    assert hip is None and waist is None


def test_the_synthetic_body_widths():
    t = traces(*scene(DIP))
    hip, waist = widths(t["left"], t["right"], T)
    assert hip == pytest.approx(2 * HIP_U * T, abs=0.1)
    assert waist == pytest.approx(2 * 0.30 * T, abs=0.1)  # the waist at 0.40 T


def test_photo_edge_through_the_love_handles_only_leaves_the_hip_measured():
    # Love handles 40 px proud (at 0.36 T, above the crest band) reach past
    # the photo's edge, 135 px from the axis; the hip line (0.42 T = 126 px)
    # is inside the photo. Only the crest band and below decide.
    body = Body(dip_left_px=8.0, dip_right_px=8.0, love_handle_px=40.0)
    t = traces(*crop_columns(*scene(body), 0, 300 + 135))
    p = t["left"].profile
    assert p.clipped.any()
    assert (p.v[p.clipped] > BANDS.crest[1] * T).all()
    assert codes(t) == {"left": None, "right": None}
    assert t["left"].geometry.depth_px == pytest.approx(8.0, abs=0.4)


def test_photo_edge_through_the_crest_band_only_stops_that_side():
    # The camera rolled 3 degrees: the left outline leans out towards its
    # top, most at the top of the straight hip line (0.2 T). The photo's edge
    # grazes it there only: all the cut levels are in the crest band, above
    # the hip joints.
    mask, lm = rotate(*scene(DIP), 3.0)
    frame = body_frame(lm, mask.shape)
    p = trace_hip(mask, frame, lm, "left").profile
    reach = int(np.floor(frame.to_image(p.u, p.v)[:, 0].max()))
    t = traces(*crop_columns(mask, lm, 0, reach + 1))
    p = t["left"].profile
    cut = p.v[p.clipped]
    assert cut.size and (cut > 0).all() and (cut <= BANDS.crest[1] * T).all()
    assert codes(t) == {"left": "outline_clipped_left", "right": None}


@pytest.mark.parametrize(
    "bulge, offsets, stopped",
    [
        ("upper", (0.005, 0.015), True),
        ("upper", (0.04, 0.06), False),
        ("lower", (-0.015, -0.005), True),
        ("lower", (-0.06, -0.04), False),
    ],
)
def test_the_margin_around_the_dip_is_kept_clear_of_arms(bulge, offsets, stopped):
    # A fingertip within 0.02 T (about a centimetre) beyond a bulge of the
    # dip could still move that bulge; one further out cannot.
    clear = traces(*scene(DIP))["left"]
    v, g = clear.profile.v, clear.geometry
    # The bulges are on the straight hip line, outside the notch (which runs
    # from -0.125 T to 0.175 T; the line from -0.15 T to 0.2 T).
    assert 0.175 * T <= v[g.upper] <= 0.2 * T and -0.15 * T <= v[g.lower] <= -0.125 * T
    at = v[g.upper if bulge == "upper" else g.lower] / T
    v_range = (at + min(offsets), at + max(offsets))
    mask, lm = with_fingertip(*scene(DIP), "left", v_range, body=DIP)
    t = traces(mask, lm)
    assert t["left"].arm.any()
    assert codes(t)["left"] == ("arm_touching_left" if stopped else None)


@pytest.mark.parametrize(
    "v_range, stopped", [((0.11, 0.13), True), ((0.15, 0.17), False), ((0.30, 0.33), False)]
)
def test_without_a_dip_the_crest_bands_middle_is_the_top_of_the_decisive_part(v_range, stopped):
    # No dip: no upper bulge. The middle of the crest band (0.1 T) and the
    # margin (0.02 T) bound what an arm must keep clear of.
    body = Body()
    mask, lm = with_fingertip(*scene(body), "left", v_range, body=body)
    t = traces(mask, lm)
    assert t["left"].arm.any()
    assert codes(t)["left"] == ("arm_touching_left" if stopped else None)
    if not stopped:
        assert t["left"].geometry.upper is None and t["left"].geometry.depth_px == 0.0


@pytest.mark.parametrize("at", [0.2, -0.3])
def test_the_hip_range_reaches_from_the_crest_bands_top_to_the_trochanter_bands_bottom(at):
    # The widest level 0.2 T above the hip joints (a crest shelf, in the
    # crest band up to 0.25 T) or 0.3 T below them (an outer thigh, in the
    # trochanter band down to -0.5 T): it is the hip width.
    u = np.where(np.abs(V - at * T) <= 3, 140.0, 120.0)
    hip, _ = widths(trace_of("left", u), trace_of("right", 120.0), T)
    assert hip == pytest.approx(260.0)


def test_arm_free_levels_need_only_the_trochanter_band_free():
    # An arm held along the waist and the crest band (0.05-0.45 T), most of
    # the window above the trochanter band's top (0.1 T): that band is still
    # free, so the free levels are there for the stance.
    mask, lm = with_fingertip(*scene(DIP), "left", (0.05, 0.45), body=DIP)
    t = traces(mask, lm)["left"]
    assert t.arm.mean() > 0.3
    v, _ = arm_free_levels(t, T)
    np.testing.assert_array_equal(v, t.profile.v[~t.arm])


def test_the_fallback_reach_leaves_out_the_arms_levels():
    # Every hip level of the left side is an arm's, reaching 150 px out: the
    # hip width falls back to twice the reach of the free levels (the right's
    # 130 above the crest band), not to the arm.
    hidden = (V <= 0.26 * T) & (V >= -0.51 * T)
    left = trace_of("left", np.where(hidden, 150.0, 110.0), hidden)
    right = trace_of("right", np.where(V > 0.3 * T, 130.0, np.nan))
    hip, _ = widths(left, right, T)
    assert hip == pytest.approx(260.0)
