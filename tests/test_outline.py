"""Edge tracing and arm detection on rasterised bodies of known outline."""

import numpy as np
import pytest

from silhouette.core.anatomy import body_frame
from silhouette.core.outline import arm_overlap, side_profile
from support.bodies import Body, half_width, make_body, rotate, with_forearm


def profiles(mask, lm, T):
    frame = body_frame(lm, mask.shape)
    return frame, {
        s: side_profile(mask, frame, lm, s, v_top=0.5 * T, v_bottom=-0.5 * T)
        for s in ("left", "right")
    }


@pytest.mark.parametrize("dip", [0.0, 4.0])
def test_traced_edge_matches_the_drawn_outline(dip):
    body = Body(dip_left_px=dip)
    mask, lm = make_body(body)
    frame, sides = profiles(mask, lm, body.torso_px)
    for side, p in sides.items():
        assert p.valid.all() and not p.clipped.any()
        truth = half_width(p.v, body, side)
        # The mask's 0.5 crossing is on the analytic outline; OpenCV's remap
        # quantises sample positions to 1/32 px, which bounds the error.
        np.testing.assert_allclose(p.u, truth, atol=0.05)
        # The image points lie on that outline too.
        lat = frame.to_frame(p.xy)[:, 0]
        np.testing.assert_allclose(np.abs(lat), truth, atol=0.05)


def test_edge_is_traced_across_the_body_axis_under_camera_roll():
    body = Body(dip_left_px=5.0)
    mask, lm = make_body(body)
    rmask, rlm = rotate(mask, lm, 8.0)
    frame, sides = profiles(rmask, rlm, body.torso_px)
    assert frame.roll_deg == pytest.approx(8.0, abs=0.05)
    for side, p in sides.items():
        inner = np.abs(p.v) < 0.45 * body.torso_px
        # Resampling the rotated mask blurs the edge ramp slightly.
        np.testing.assert_allclose(p.u[inner], half_width(p.v, body, side)[inner], atol=0.25)


def test_photo_edge_clips_the_ray():
    body = Body()
    mask, lm = make_body(body)
    w = mask.shape[1]
    cut = int(w / 2 + 0.35 * body.torso_px)  # inside the person's left hip
    mask[:, cut:] = 1.0  # the body runs out of the picture
    _, sides = profiles(mask[:, : cut + 1], lm, body.torso_px)
    assert sides["left"].clipped.any()
    assert not sides["right"].clipped.any()


def test_arm_against_the_hip_is_flagged():
    mask, lm = make_body(Body())
    # Arm axis 0.46 T out, 18 px radius: it overlaps the 0.42 T hip edge.
    mask, lm = with_forearm(mask, lm, "left", 0.46 * 300)
    frame, sides = profiles(mask, lm, 300.0)
    flags = arm_overlap(sides["left"], frame, lm)
    span = (sides["left"].v < 0.2 * 300) & (sides["left"].v > -0.15 * 300)
    assert flags[span].mean() > 0.9
    assert not arm_overlap(sides["right"], frame, lm).any()


def test_arm_held_clear_of_the_hip_is_not_flagged():
    mask, lm = make_body(Body())
    # Arm axis 0.62 T out: a clear background gap of about 0.14 T.
    mask, lm = with_forearm(mask, lm, "left", 0.62 * 300)
    frame, sides = profiles(mask, lm, 300.0)
    assert not arm_overlap(sides["left"], frame, lm).any()
    # ... and the ray stops at the hip, not at the arm.
    truth = half_width(sides["left"].v, Body(), "left")
    np.testing.assert_allclose(sides["left"].u, truth, atol=0.05)
