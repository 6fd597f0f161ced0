"""A side's dip as a result: the documented ratio, presence call and confidence
(docs/how-it-works.md, section 6), on traced synthetic outlines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from silhouette.core import scoring
from silhouette.core.anatomy import body_frame
from silhouette.core.clothing import OutlineEvidence
from silhouette.core.dip import DIP_THRESHOLD_RATIO
from silhouette.core.hips import HipTrace, trace_hip
from silhouette.core.scoring import borderline_notice, depth_sd, score_side, view_quality
from support.bodies import Body, scene, with_fingertip, with_visibility

T = 300.0
HIP_WIDTH = 252.0
DIP = Body(dip_left_px=8.0)


def traced(body: Body = DIP, side: str = "left", **edit) -> tuple:
    mask, lm = scene(body)
    if edit:
        mask, lm = with_fingertip(mask, lm, side, body=body, **edit)
    return trace_hip(mask, body_frame(lm, mask.shape), lm, side), lm


def score(trace: HipTrace, lm, **kw):
    kw = (
        dict(
            hip_width=HIP_WIDTH,
            px_per_cm=None,
            quality=1.0,
            threshold_ratio=DIP_THRESHOLD_RATIO,
        )
        | kw
    )
    return score_side(trace.profile.side, trace, lm, **kw)


def test_view_quality_falls_from_square_on_to_the_view_limit():
    assert view_quality(0.0) == view_quality(180.0) == view_quality(-180.0) == 1.0
    assert view_quality(None) == 1.0  # no 3-D landmarks: no penalty known
    assert view_quality(15.0) == view_quality(-165.0) == pytest.approx(0.75)
    assert view_quality(30.0) == view_quality(150.0) == pytest.approx(0.5)
    assert view_quality(60.0) == pytest.approx(0.5)  # never below a half


def test_a_measured_side_reports_its_geometry_in_pixels_and_ratios():
    trace, lm = traced()
    s = score(trace, lm, px_per_cm=4.0)
    g = trace.geometry
    assert s.side == "left"
    assert s.dip_depth_px == g.depth_px == pytest.approx(8.0, abs=0.4)
    assert s.dip_depth_ratio == pytest.approx(g.depth_px / HIP_WIDTH)
    assert s.dip_depth_cm == pytest.approx(g.depth_px / 4.0)
    assert s.love_handle_px == g.love_handle_px
    assert s.love_handle_ratio == pytest.approx(g.love_handle_px / HIP_WIDTH)
    # Points are the traced edge's, [x, y], crest above the deepest point
    # above the trochanter (y grows downwards).
    xy = trace.profile.xy
    assert s.crest == tuple(xy[g.upper]) and s.trochanter == tuple(xy[g.lower])
    assert s.deepest == tuple(xy[g.deepest])
    assert s.crest[1] < s.deepest[1] < s.trochanter[1]
    np.testing.assert_array_equal(s.outline, xy)
    assert s.reason is None


def test_presence_is_decided_at_the_threshold_ratio():
    trace, lm = traced()
    d = trace.geometry.depth_px
    # On a 252 px hip the depth ratio's own uncertainty is 0.25 points.
    assert depth_sd(HIP_WIDTH) == pytest.approx(0.0025)
    assert score(trace, lm, hip_width=d / 0.0150).dip_present is True
    assert score(trace, lm, hip_width=d / 0.0090).dip_present is False
    assert score(trace, lm, hip_width=d / 0.034, threshold_ratio=0.03).dip_present is True
    assert score(trace, lm, hip_width=d / 0.026, threshold_ratio=0.03).dip_present is False


@pytest.mark.parametrize("ratio", [0.0100, 0.0119, 0.0121, 0.0140])
def test_a_depth_within_its_uncertainty_of_the_threshold_is_not_called(ratio):
    trace, lm = traced()
    hip_width = trace.geometry.depth_px / ratio
    s = score(trace, lm, hip_width=hip_width)
    assert s.measured and s.dip_present is None
    n = borderline_notice(s, hip_width, DIP_THRESHOLD_RATIO)
    assert n.code == "borderline_left"
    assert f"{100 * ratio:.1f}% of hip width" in n.message


def test_only_a_withheld_call_has_a_borderline_notice():
    trace, lm = traced()
    d = trace.geometry.depth_px
    decided = score(trace, lm, hip_width=d / 0.03)
    assert borderline_notice(decided, d / 0.03, DIP_THRESHOLD_RATIO) is None
    unmeasured = score(trace, lm, hip_width=None)
    assert borderline_notice(unmeasured, HIP_WIDTH, DIP_THRESHOLD_RATIO) is None


def test_a_dip_under_a_pixel_is_never_present():
    trace, lm = traced(Body(dip_left_px=0.3))
    assert trace.geometry.depth_px < 0.4
    # 0.3 px on a 20 px hip is 1.5 % of it, over the 1.2 % threshold; but
    # under a pixel is noise.
    s = score(trace, lm, hip_width=20.0)
    assert s.dip_depth_ratio > DIP_THRESHOLD_RATIO and s.dip_present is False


@pytest.fixture
def raw_confidence(monkeypatch):
    """Confidence before calibration: the product of what lowers trust in a depth."""
    monkeypatch.setattr(scoring, "CALIBRATION", (1.0, 0.0))


def test_confidence_is_the_chance_the_noise_stays_within_the_tolerance(raw_confidence):
    trace, lm = traced()
    # A square-on view, seen landmarks, a closed lower bulge, a body outline:
    # only the measurement's own noise (an SD of depth_sd) is left.
    sd = depth_sd(HIP_WIDTH)
    expected = math.erf(scoring.TOLERANCE_RATIO / (sd * math.sqrt(2.0)))
    assert score(trace, lm).confidence == pytest.approx(expected)
    # A person small in the picture has more noise, so less confidence; it no
    # longer depends on how far the depth is from the threshold.
    assert score(trace, lm, hip_width=60.0).confidence < expected
    ratio = trace.geometry.depth_px / HIP_WIDTH
    at = score(trace, lm, threshold_ratio=ratio).confidence
    away = score(trace, lm, threshold_ratio=ratio / 4).confidence
    assert at == pytest.approx(away) == pytest.approx(expected)


def test_an_outline_that_is_not_the_body_is_trusted_less_and_not_called(raw_confidence):
    trace, lm = traced()
    body = score(trace, lm)
    for source in ("uncertain", "clothing"):
        evidence = OutlineEvidence(source, ("why",), 5.0, None, 1.0, source == "uncertain")
        s = score(trace, lm, evidence=evidence)
        assert s.outline_source == source and s.dip_present is None
        assert s.confidence < 0.5 * body.confidence
        assert s.dip_depth_px == body.dip_depth_px  # still reported, for the curious
        assert borderline_notice(s, HIP_WIDTH, DIP_THRESHOLD_RATIO) is None  # said elsewhere


def test_calibration_keeps_the_order_of_the_raw_scores():
    raws = np.linspace(0.01, 0.99, 50)
    cal = [scoring.calibrated(r) for r in raws]
    assert all(0.0 <= c <= 1.0 for c in cal)
    assert cal == sorted(cal)


def test_confidence_falls_with_a_turned_body_and_unsure_landmarks(raw_confidence):
    trace, lm = traced()
    full = score(trace, lm).confidence
    assert score(trace, lm, quality=0.75).confidence == pytest.approx(0.75 * full)
    for name in ("LEFT_HIP", "LEFT_KNEE"):
        unsure = score(trace, with_visibility(lm, **{name: 0.6})).confidence
        assert unsure == pytest.approx(0.6 * full)
    # The other side's landmarks are not this side's concern.
    other = score(trace, with_visibility(lm, RIGHT_HIP=0.6, RIGHT_KNEE=0.6)).confidence
    assert other == pytest.approx(full)


def test_an_open_lower_bulge_lowers_the_confidence_by_a_factor(raw_confidence):
    # The outline still widening at the window's bottom: the lower bulge may
    # be below it (docs/how-it-works.md, section 6).
    from dataclasses import replace

    trace, lm = traced()
    assert trace.geometry.lower_closed
    open_ = replace(trace, geometry=replace(trace.geometry, lower_closed=False))
    ratios = []
    for kw in ({}, dict(quality=0.75), dict(hip_width=120.0)):
        closed, opened = score(trace, lm, **kw).confidence, score(open_, lm, **kw).confidence
        assert opened < closed
        ratios.append(opened / closed)
    assert ratios == pytest.approx([ratios[0]] * 3)


def test_an_unmeasured_side_says_why_and_measures_nothing():
    mask, lm = scene(Body(dip_left_px=8.0))
    mask = mask.copy()
    mask[330:375, 315:] = 0.0  # a gap in the mask at the left hip
    trace = trace_hip(mask, body_frame(lm, mask.shape), lm, "left")
    s = score(trace, lm, px_per_cm=4.0)
    assert not s.measured and s.reason == trace.notice.message
    assert s.dip_present is None and s.confidence is None and s.crest is None
    # The outline is still there to draw, with the gap as NaN rows.
    assert s.outline.shape == trace.profile.xy.shape
    assert np.isnan(s.outline).any() and np.isfinite(s.outline).any()


def test_no_hip_width_no_measurement():
    trace, lm = traced()
    s = score(trace, lm, hip_width=None)
    assert not s.measured and s.reason is None


def test_levels_hidden_by_an_arm_are_not_drawn():
    trace, lm = traced(v_range=(-0.42, -0.38))  # a fingertip below the dip
    s = score(trace, lm)
    assert s.measured
    assert np.isnan(s.outline[trace.arm]).all()
    assert np.isfinite(s.outline[~trace.arm]).all()


def test_a_bulge_on_a_level_without_a_traced_edge_gets_a_finite_point_on_the_outline():
    # A bulge can sit where the edge was not traced (the profile's ends, a
    # gap): its xy is NaN there, and the point must still be on the outline.
    # Found rotating and cropping a shared photo; a NaN trochanter made the
    # result invalid.
    from dataclasses import replace

    from silhouette.core.scoring import _point_on_outline
    from support.bodies import CREST_V, TROCH_V

    trace, _ = traced(Body())
    p = trace.profile
    # Levels on the straight part of the outline (u is the same there), and
    # the last level of the window.
    t = p.v / T
    straight = np.flatnonzero((t < CREST_V - 0.02) & (t > TROCH_V + 0.02))[:5]
    hidden = np.r_[straight, p.v.size - 3 : p.v.size]
    xy, u = p.xy.copy(), p.u.copy()
    xy[hidden], u[hidden] = np.nan, np.nan
    gappy = replace(p, xy=xy, u=u)
    for i in straight:
        # The same point as traced, to a fraction of a pixel (the edge itself
        # is found to about 0.02 px on these bodies).
        np.testing.assert_allclose(_point_on_outline(gappy, i), p.xy[i], atol=0.05)
    for i in hidden[-3:]:
        x, y = _point_on_outline(gappy, i)
        assert np.isfinite([x, y]).all()
        # The last traced edge, carried down to this level (as fill_gaps does).
        last = p.v.size - 4
        assert np.hypot(x - p.xy[last][0], y - p.xy[last][1]) == pytest.approx(
            abs(p.v[i] - p.v[last]), abs=0.05
        )


def gappy_profile(keep: list[int]):
    """The plain body's left profile with an edge traced on levels ``keep`` only."""
    from dataclasses import replace

    trace, _ = traced(Body())
    p = trace.profile
    hidden = np.ones(p.v.size, bool)
    hidden[keep] = False
    xy, u = p.xy.copy(), p.u.copy()
    xy[hidden], u[hidden] = np.nan, np.nan
    return p, replace(p, xy=xy, u=u)


def test_with_three_traced_levels_a_point_is_placed_on_the_filled_outline():
    from silhouette.core.scoring import _point_on_outline

    # Upright body, hip joints at (300, 405): the left edge at (u, v) is the
    # image point (300 + u, 405 - v). Three traced levels, where the outline
    # curves (the waist arc) and where it is straight (the hip line).
    p, gappy = gappy_profile([10, 60, 120])
    assert len({round(float(gappy.u[k]), 3) for k in (10, 60, 120)}) == 3
    for i in (30, 90):
        lo, hi = (10, 60) if i < 60 else (60, 120)
        # fill_gaps interpolates u linearly in the level between traced ones.
        f = (p.v[i] - p.v[lo]) / (p.v[hi] - p.v[lo])
        u = p.u[lo] + f * (p.u[hi] - p.u[lo])
        np.testing.assert_allclose(_point_on_outline(gappy, i), (300 + u, 405 - p.v[i]), atol=1e-6)


def test_with_under_three_traced_levels_a_point_is_the_nearest_traced_one():
    from silhouette.core.scoring import _point_on_outline

    p, gappy = gappy_profile([10, 100])
    assert _point_on_outline(gappy, 80) == tuple(p.xy[100])
    assert _point_on_outline(gappy, 20) == tuple(p.xy[10])
    _, lone = gappy_profile([50])
    assert _point_on_outline(lone, 140) == tuple(p.xy[50])


def test_the_borderline_notice_states_the_threshold_and_the_uncertainty():
    trace, lm = traced()
    d = trace.geometry.depth_px
    for threshold, hip_width in ((DIP_THRESHOLD_RATIO, d / 0.012), (0.03, d / 0.03)):
        s = score(trace, lm, hip_width=hip_width, threshold_ratio=threshold)
        assert s.dip_present is None
        n = borderline_notice(s, hip_width, threshold)
        assert f"+-{100 * depth_sd(hip_width):.1f} points" in n.message
        assert f"of the {100 * threshold:.1f}% from which" in n.message


def test_calibrated_confidence_is_a_probability_at_the_extremes():
    lo, hi = scoring.calibrated(0.0), scoring.calibrated(1.0)
    assert 0.0 < lo < scoring.calibrated(0.5) < hi < 1.0
