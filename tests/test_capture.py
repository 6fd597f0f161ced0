"""Capture signatures and comparability, on synthetic scenes whose camera is known."""

from __future__ import annotations

import pytest

from silhouette.core.capture import (
    MAX_PERSPECTIVE_CHANGE,
    CaptureSignature,
    capture_signature,
    compare_capture,
)
from support.bodies import Body, make_body, measure, rotate, scene, turned

DIP = Body(dip_left_px=8.0, dip_right_px=8.0)


def signature(mask, lm, **kw):
    return capture_signature(measure(mask, lm, **kw))


def test_a_square_on_straight_body_signs_as_such():
    sig = signature(*scene(DIP))
    assert sig.body_yaw_deg == pytest.approx(0.0, abs=1e-6)
    assert sig.camera_roll_deg == pytest.approx(0.0, abs=1e-6)
    # Shoulder-to-hip (1 T) over hip-to-ankle (1.75 T) in the synthetic landmarks.
    assert sig.perspective == pytest.approx(1 / 1.75, rel=1e-6)
    assert sig.body_fill == pytest.approx(300 / 900, rel=1e-6)
    assert sig.hip_popped is False
    assert (sig.outline_left, sig.outline_right) == ("body", "body")
    assert CaptureSignature.from_dict(sig.to_dict()).to_dict() == sig.to_dict()


def test_only_the_distance_changed_is_comparable_and_the_depth_ratio_holds():
    near = measure(*make_body(Body(torso_px=300.0, dip_left_px=8.0, dip_right_px=8.0)))
    far = measure(
        *make_body(Body(torso_px=220.0, dip_left_px=8.0 * 220 / 300, dip_right_px=8.0 * 220 / 300))
    )
    verdict = compare_capture(capture_signature(near), capture_signature(far))
    assert verdict.comparable and verdict.reasons == ()
    for a, b in ((near.left, far.left), (near.right, far.right)):
        assert abs(a.dip_depth_ratio - b.dip_depth_ratio) <= 0.003  # 0.3 points of hip width


def test_a_body_turned_20_degrees_is_not_comparable():
    mask, lm = scene(DIP)
    ref = signature(mask, lm)
    # MediaPipe reads about 0.7 of a true turn; the synthetic yaw is read exactly.
    turned_sig = signature(mask, turned(lm, 12.0))
    verdict = compare_capture(ref, turned_sig)
    assert not verdict.comparable
    assert verdict.reasons == (
        "body turned about 12 degrees further to show its left flank than in the reference",
    )
    # Turning the other way past the reference counts the whole turn.
    other_way = compare_capture(signature(mask, turned(lm, -2.0)), signature(mask, turned(lm, 2.0)))
    assert other_way.comparable
    across = compare_capture(signature(mask, turned(lm, -5.0)), signature(mask, turned(lm, 5.0)))
    assert not across.comparable
    assert compare_capture(ref, signature(mask, turned(lm, 4.0))).comparable


def test_camera_roll_within_what_was_measured_is_comparable():
    ref = signature(*scene(DIP))
    assert compare_capture(ref, signature(*rotate(*scene(DIP), 12.0))).comparable
    tilted = compare_capture(ref, signature(*rotate(*scene(DIP), 20.0)))
    assert not tilted.comparable and "camera tilted 20 degrees" in tilted.reasons[0]


def test_perspective_and_stance_and_clothing_each_break_comparability():
    ref = CaptureSignature(0.0, 0.0, 0.57, 0.3, False, "body", "body")
    higher = CaptureSignature(
        0.0, 0.0, 0.57 * (1 + 1.5 * MAX_PERSPECTIVE_CHANGE), 0.3, False, "body", "body"
    )
    assert compare_capture(ref, higher).reasons == ("taken from higher up than the reference",)
    lower = CaptureSignature(
        0.0, 0.0, 0.57 * (1 - 1.5 * MAX_PERSPECTIVE_CHANGE), 0.3, False, "body", "body"
    )
    assert compare_capture(ref, lower, than="the first photo").reasons == (
        "taken from lower down than the first photo",
    )
    posed = CaptureSignature(0.0, 0.0, 0.57, 0.3, True, "body", "body")
    assert compare_capture(ref, posed).reasons == ("hip-popped stance, not in the reference",)
    assert compare_capture(posed, ref).reasons == (
        "a hip-popped stance in the reference, not in this one",
    )
    dressed = CaptureSignature(0.0, 0.0, 0.57, 0.3, False, "clothing", "body")
    assert compare_capture(ref, dressed).reasons == (
        "different clothing at the left hip (outline: body in the reference, clothing here)",
    )
    # A harder-to-see edge is no change of clothing.
    faint = CaptureSignature(0.0, 0.0, 0.57, 0.3, False, "uncertain", "body")
    assert compare_capture(ref, faint).comparable
    assert not compare_capture(faint, dressed).comparable
    # A missing value is no evidence either way.
    unknown = CaptureSignature(None, None, None, None, None, None, None)
    assert compare_capture(ref, unknown).comparable


def test_back_views_turn_from_the_back():
    ref = CaptureSignature(178.0, 0.0, None, None, False, None, None)
    assert compare_capture(
        ref, CaptureSignature(-177.0, 0.0, None, None, False, None, None)
    ).comparable
    assert not compare_capture(
        ref, CaptureSignature(165.0, 0.0, None, None, False, None, None)
    ).comparable
