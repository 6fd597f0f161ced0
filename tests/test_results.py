"""The result types: impossible values are refused, and the JSON and CSV forms
carry every value to the right key, rounded as documented in docs/schema.md."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from silhouette import Analysis, HipSide, InvalidInputError, Notice, Stance
from silhouette.results import SCHEMA_VERSION, CaptureSignature, StanceCue, flat_row


def full_analysis() -> Analysis:
    """An analysis in which every value is different, so a swap shows."""
    left = HipSide(
        "left",
        dip_depth_px=7.123456,
        dip_depth_ratio=0.0312345,
        dip_depth_cm=1.98765,
        dip_present=True,
        confidence=0.87654,
        crest=(410.111, 350.222),
        trochanter=(412.333, 448.444),
        deepest=(404.555, 398.666),
        love_handle_px=2.34567,
        love_handle_ratio=0.0102938,
        outline=np.array([[410.0, 300.0], [np.nan, np.nan], [405.0, 400.0]]),
        outline_source="body",
    )
    right = HipSide("right", reason="The person's right arm touches the hip.")
    return Analysis(
        600,
        900,
        True,
        view="front",
        body_yaw_deg=3.14159,
        left=left,
        right=right,
        stance=Stance(
            hip_popped=True,
            pelvic_tilt_deg=-5.4321,
            weight_side="right",
            exaggerated_side="right",
            camera_roll_deg=1.23456,
            tilt_sd_deg=2.34567,
            confidence=0.87654,
            cues=(
                StanceCue("outline", -6.789, 3.456),
                StanceCue("knees", 20.0, 4.0, False, "contradicts the others"),
            ),
            pelvis_line=((200.0, 410.0), (400.0, 390.0)),
            standing_leg=((250.0, 400.0), (255.0, 850.0)),
        ),
        symmetry=0.45678,
        waist_to_hip_ratio=0.71234,
        pelvic_height_index=0.32168,  # 0.322 to 3 places, 0.3217 to 4
        hip_width_px=252.0123,
        torso_px=300.0456,
        px_per_cm=5.9471234,
        warnings=(
            Notice("arm_touching_right", "The right arm touches the hip."),
            Notice("hip_popped", "Hip-popped stance."),
        ),
        capture=CaptureSignature(-4.0456, 1.23456, 0.61234567, 0.2123456, True, "body", None),
        landmarks=np.column_stack([np.arange(66.0).reshape(33, 2), np.full(33, 0.9)]),
        bands={"crest": np.zeros((2, 2, 2)), "trochanter": np.ones((2, 2, 2))},
    )


# --------------------------------------------------------------------------
# JSON and CSV: values, not only keys
# --------------------------------------------------------------------------


def test_to_dict_puts_every_value_under_its_own_key_rounded_as_documented():
    d = full_analysis().to_dict()
    assert d == {
        "schema_version": "1",
        "image": {"width": 600, "height": 900},
        "person_found": True,
        "view": "front",
        "body_yaw_deg": 3.1,
        "sides": {
            "left": {
                "dip_depth_px": 7.12,
                "dip_depth_ratio": 0.0312,
                "dip_depth_cm": 1.99,
                "dip_present": True,
                "confidence": 0.877,
                "crest": [410.11, 350.22],
                "trochanter": [412.33, 448.44],
                "deepest": [404.56, 398.67],
                "love_handle_px": 2.35,
                "love_handle_ratio": 0.0103,
                "reason": None,
                "outline": "body",
            },
            "right": {
                "dip_depth_px": None,
                "dip_depth_ratio": None,
                "dip_depth_cm": None,
                "dip_present": None,
                "confidence": None,
                "crest": None,
                "trochanter": None,
                "deepest": None,
                "love_handle_px": None,
                "love_handle_ratio": None,
                "reason": "The person's right arm touches the hip.",
                "outline": None,
            },
        },
        "stance": {
            "hip_popped": True,
            "pelvic_tilt_deg": -5.43,
            "weight_side": "right",
            "exaggerated_side": "right",
            "camera_roll_deg": 1.23,
            "tilt_sd_deg": 2.35,
            "confidence": 0.877,
            "cues": [
                {"name": "outline", "tilt_deg": -6.79, "sd_deg": 3.46, "used": True, "note": None},
                {
                    "name": "knees",
                    "tilt_deg": 20.0,
                    "sd_deg": 4.0,
                    "used": False,
                    "note": "contradicts the others",
                },
            ],
        },
        "symmetry": 0.457,
        "waist_to_hip_ratio": 0.712,
        "pelvic_height_index": 0.322,
        "hip_width_px": 252.01,
        "torso_px": 300.05,
        "px_per_cm": 5.9471,
        "warnings": [
            {"code": "arm_touching_right", "message": "The right arm touches the hip."},
            {"code": "hip_popped", "message": "Hip-popped stance."},
        ],
        "capture": {
            "body_yaw_deg": -4.0,
            "camera_roll_deg": 1.2,
            "perspective": 0.6123,
            "body_fill": 0.2123,
            "hip_popped": True,
            "outline_left": "body",
            "outline_right": None,
        },
    }
    assert d["schema_version"] == SCHEMA_VERSION
    # Plain JSON types: it survives a round trip unchanged.
    assert json.loads(json.dumps(d)) == d


def test_to_row_flattens_the_same_values_with_stable_keys():
    row = full_analysis().to_row()
    assert row == {
        "person_found": True,
        "view": "front",
        "width": 600,
        "height": 900,
        "left_dip_depth_px": 7.12,
        "left_dip_depth_ratio": 0.0312,
        "left_dip_depth_cm": 1.99,
        "left_dip_present": True,
        "left_confidence": 0.877,
        "left_crest_x": 410.11,
        "left_crest_y": 350.22,
        "left_trochanter_x": 412.33,
        "left_trochanter_y": 448.44,
        "left_deepest_x": 404.56,
        "left_deepest_y": 398.67,
        "left_love_handle_px": 2.35,
        "left_love_handle_ratio": 0.0103,
        "left_reason": None,
        "left_outline": "body",
        "right_dip_depth_px": None,
        "right_dip_depth_ratio": None,
        "right_dip_depth_cm": None,
        "right_dip_present": None,
        "right_confidence": None,
        "right_crest_x": None,
        "right_crest_y": None,
        "right_trochanter_x": None,
        "right_trochanter_y": None,
        "right_deepest_x": None,
        "right_deepest_y": None,
        "right_love_handle_px": None,
        "right_love_handle_ratio": None,
        "right_reason": "The person's right arm touches the hip.",
        "right_outline": None,
        "stance_hip_popped": True,
        "stance_pelvic_tilt_deg": -5.43,
        "stance_weight_side": "right",
        "stance_exaggerated_side": "right",
        "stance_camera_roll_deg": 1.23,
        "stance_tilt_sd_deg": 2.35,
        "stance_confidence": 0.877,
        "stance_cues": "outline",  # the cues used
        "symmetry": 0.457,
        "waist_to_hip_ratio": 0.712,
        "pelvic_height_index": 0.322,
        "hip_width_px": 252.01,
        "torso_px": 300.05,
        "px_per_cm": 5.9471,
        "body_yaw_deg": 3.1,
        "warnings": "arm_touching_right;hip_popped",
        "capture_body_yaw_deg": -4.0,
        "capture_camera_roll_deg": 1.2,
        "capture_perspective": 0.6123,
        "capture_body_fill": 0.2123,
        "capture_hip_popped": True,
        "capture_outline_left": "body",
        "capture_outline_right": None,
    }
    assert flat_row(full_analysis().to_dict()) == row


def test_no_person_row_has_empty_values_and_the_same_columns():
    nobody = Analysis(10, 20, False, warnings=(Notice("no_person", "Nobody."),))
    row = nobody.to_row()
    assert list(row) == list(full_analysis().to_row())
    assert row["warnings"] == "no_person" and row["person_found"] is False
    assert (row["width"], row["height"]) == (10, 20)
    assert all(row[k] is None for k in row if k.startswith(("left_", "right_")))


def test_warning_codes_and_sides():
    a = full_analysis()
    assert a.warning_codes() == ["arm_touching_right", "hip_popped"]
    assert a.sides == {"left": a.left, "right": a.right}
    assert a.left.measured and not a.right.measured


# --------------------------------------------------------------------------
# Rescaling from working pixels to the photo's
# --------------------------------------------------------------------------


def test_rescaled_moves_points_scales_lengths_and_keeps_ratios():
    a = full_analysis()
    k = 3.0
    b = a.rescaled(1800, 2700)
    assert (b.width, b.height) == (1800, 2700)

    def pt(p):  # pixel centres stay on whole numbers: (x + 0.5) k - 0.5
        return pytest.approx(((p[0] + 0.5) * k - 0.5, (p[1] + 0.5) * k - 0.5))

    for name in ("crest", "trochanter", "deepest"):
        assert getattr(b.left, name) == pt(getattr(a.left, name))
    assert b.left.dip_depth_px == pytest.approx(k * a.left.dip_depth_px)
    assert b.left.love_handle_px == pytest.approx(k * a.left.love_handle_px)
    assert b.hip_width_px == pytest.approx(k * a.hip_width_px)
    assert b.torso_px == pytest.approx(k * a.torso_px)
    assert b.px_per_cm == pytest.approx(k * a.px_per_cm)
    # Dimensionless values and centimetres do not change with pixel size.
    for name in ("dip_depth_ratio", "dip_depth_cm", "love_handle_ratio", "confidence"):
        assert getattr(b.left, name) == getattr(a.left, name)
    for name in ("symmetry", "waist_to_hip_ratio", "pelvic_height_index", "body_yaw_deg"):
        assert getattr(b, name) == getattr(a, name)
    assert b.warnings == a.warnings
    for name in ("pelvis_line", "standing_leg"):
        for p, q in zip(getattr(b.stance, name), getattr(a.stance, name), strict=True):
            assert p == pt(q)
    assert b.stance.cues == a.stance.cues and b.stance.pelvic_tilt_deg == a.stance.pelvic_tilt_deg
    np.testing.assert_allclose(b.left.outline, (a.left.outline + 0.5) * k - 0.5)
    np.testing.assert_allclose(b.landmarks[:, :2], (a.landmarks[:, :2] + 0.5) * k - 0.5)
    np.testing.assert_array_equal(b.landmarks[:, 2], a.landmarks[:, 2])  # visibility
    for name in ("crest", "trochanter"):
        np.testing.assert_allclose(b.bands[name], (a.bands[name] + 0.5) * k - 0.5)
    # The unmeasured side stays unmeasured.
    assert b.right.dip_depth_px is None and b.right.crest is None
    assert b.right.reason == a.right.reason
    # The original is untouched (results are values).
    assert a.width == 600 and a.left.dip_depth_px == 7.123456
    assert a.landmarks[1, 0] == 2.0


def test_rescaled_keeps_depth_over_centimetres_equal_to_the_scale():
    side = HipSide("left", dip_depth_px=12.0, dip_depth_cm=3.0)  # 4 px per cm
    a = Analysis(100, 200, True, view="front", left=side, px_per_cm=4.0)
    b = a.rescaled(250, 500)  # 2.5 x
    assert b.px_per_cm == pytest.approx(10.0)
    assert b.left.dip_depth_px / b.left.dip_depth_cm == pytest.approx(b.px_per_cm)


def test_rescaled_to_the_same_size_changes_nothing():
    a = full_analysis()
    b = a.rescaled(600, 900)
    assert b.to_dict() == a.to_dict()
    np.testing.assert_allclose(b.left.outline, a.left.outline)


def test_rescaled_without_landmarks_or_scale():
    a = Analysis(100, 50, True, view="back")
    b = a.rescaled(200, 100)
    assert b.landmarks is None and b.px_per_cm is None and b.bands == {}
    assert b.view == "back" and (b.width, b.height) == (200, 100)


# --------------------------------------------------------------------------
# Validation: a malformed result cannot exist
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(side="middle"), "side"),
        (dict(dip_depth_px=-1.0), "dip_depth_px"),
        (dict(dip_depth_px=2.0, dip_depth_cm=-0.1), "dip_depth_cm"),
        (dict(dip_depth_px=2.0, dip_depth_ratio=math.nan), "finite"),
        (dict(dip_depth_px=math.inf), "finite"),
        (dict(love_handle_ratio=math.nan), "love_handle_ratio"),
        (dict(love_handle_px=-2.0), "love_handle_px"),
        (dict(dip_depth_px="3"), "number"),
        (dict(dip_depth_px=True), "number"),  # a bool is not a depth
        (dict(dip_depth_px=2.0, confidence=1.5), "confidence"),
        (dict(dip_depth_px=2.0, confidence=-0.01), "confidence"),
        (dict(crest=(1.0, math.nan)), "crest"),
        (dict(trochanter=(1.0, 2.0, 3.0)), "trochanter"),
        (dict(dip_depth_px=2.0, crest=(0.0, 0.0), deepest=(1.0,)), "deepest"),
        (dict(dip_depth_px=2.0, dip_present="yes"), "dip_present"),
        (dict(dip_depth_ratio=0.02), "without a depth"),
        (dict(dip_present=False), "without a depth"),
        (dict(confidence=0.5), "without a depth"),
        (dict(dip_depth_cm=0.5), "without a depth"),
        (dict(deepest=(1.0, 2.0), crest=(1.0, 1.0)), "without a depth"),
        (dict(dip_depth_px=2.0, deepest=(1.0, 2.0)), "crest"),
        (dict(outline=np.zeros(5)), "outline"),  # not (K, 2) points
    ],
)
def test_hip_side_rejects_impossible_values(kwargs, match):
    kwargs = {"side": "left", **kwargs}
    side = kwargs.pop("side")
    with pytest.raises(InvalidInputError, match=match):
        HipSide(side, **kwargs)


def test_hip_side_accepts_the_limits_and_normalises_the_outline():
    s = HipSide(
        "right",
        dip_depth_px=0.0,
        dip_depth_ratio=0.0,
        dip_depth_cm=0.0,
        dip_present=np.bool_(False),
        confidence=1.0,
        crest=(np.float32(1.0), 2),
        love_handle_px=np.float64(0.0),
        outline=[[1, 2], [3, 4], [5, 6]],
    )
    assert s.outline.dtype == np.float64 and s.outline.shape == (3, 2)
    assert HipSide("left", dip_depth_px=1.0, confidence=0.0).confidence == 0.0
    assert HipSide("left").outline.shape == (0, 2)
    # A dip may be reported without its deepest point, but not the reverse.
    assert HipSide("left", dip_depth_px=0.0, crest=(1.0, 1.0)).deepest is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(hip_popped=True, weight_side="middle"), "weight_side"),
        (dict(exaggerated_side="both"), "exaggerated_side"),
        (dict(hip_popped=False, weight_side="left"), "hip-popped"),
        (dict(weight_side="left"), "hip-popped"),
        (dict(hip_popped="no"), "hip_popped"),
        (dict(pelvic_tilt_deg=90.5), "pelvic_tilt_deg"),
        (dict(pelvic_tilt_deg=-91.0), "pelvic_tilt_deg"),
        (dict(pelvic_tilt_deg=math.nan), "finite"),
        (dict(camera_roll_deg=180.5), "camera_roll_deg"),
        (dict(camera_roll_deg=-181.0), "camera_roll_deg"),
        (dict(tilt_sd_deg=-1.0), "tilt_sd_deg"),
        (dict(hip_popped=True, confidence=1.5), "confidence"),
        (dict(confidence=0.9), "confidence"),  # a confidence needs a call
        (dict(cues=("outline",)), "StanceCue"),
        (dict(pelvis_line=((0.0, 0.0),)), "two"),
        (dict(standing_leg=((0.0, 0.0), (math.nan, 1.0))), "finite"),
    ],
)
def test_stance_rejects_impossible_values(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        Stance(**kwargs)


@pytest.mark.parametrize(
    "args, match",
    [
        (("shoulders", 1.0, 1.0), "name"),  # not a cue the check reads
        (("knees", 91.0, 1.0), "tilt_deg"),
        (("knees", 1.0, -0.5), "sd_deg"),
        (("knees", None, 1.0), "tilt"),
    ],
)
def test_stance_cue_rejects_impossible_values(args, match):
    with pytest.raises(InvalidInputError, match=match):
        StanceCue(*args)


def test_stance_accepts_the_limits():
    s = Stance(
        hip_popped=np.bool_(True),
        pelvic_tilt_deg=-90.0,
        weight_side="left",
        exaggerated_side="right",
        camera_roll_deg=180.0,
    )
    assert s.weight_side == "left"
    assert Stance(pelvic_tilt_deg=90.0, camera_roll_deg=-180.0).hip_popped is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(body_yaw_deg=200.0), "body_yaw_deg"),
        (dict(camera_roll_deg=math.nan), "camera_roll_deg"),
        (dict(perspective=-0.5), "perspective"),
        (dict(body_fill=-0.1), "body_fill"),
        (dict(hip_popped="yes"), "hip_popped"),
        (dict(outline_left="skin"), "outline_left"),
        (dict(outline_right="jeans"), "outline_right"),
    ],
)
def test_capture_signature_rejects_impossible_values(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        CaptureSignature(**kwargs)


def test_capture_signature_round_trips_through_json():
    sig = full_analysis().capture
    back = CaptureSignature.from_dict(json.loads(json.dumps(sig.to_dict())))
    assert back.to_dict() == sig.to_dict()
    assert CaptureSignature.from_dict({"perspective": 0.6, "unknown": 1}).perspective == 0.6
    with pytest.raises(InvalidInputError):
        CaptureSignature.from_dict(["not", "a", "dict"])


def measured(side: str) -> HipSide:
    return HipSide(side, dip_depth_px=1.0)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0, 10, True), {}, "width"),
        ((10, -1, True), {}, "height"),
        ((10.0, 10, True), {}, "width"),
        ((True, 10, True), {}, "width"),
        ((10, 10, True), dict(view="diagonal"), "view"),
        ((10, 10, True), dict(left=measured("right")), "left and right"),
        ((10, 10, True), dict(right=measured("left")), "left and right"),
        ((10, 10, True), dict(left={"side": "left"}), "HipSide"),
        ((10, 10, True), dict(body_yaw_deg=181.0), "body_yaw_deg"),
        ((10, 10, True), dict(body_yaw_deg=-181.0), "body_yaw_deg"),
        ((10, 10, True), dict(symmetry=1.01), "symmetry"),
        ((10, 10, True), dict(symmetry=-0.01), "symmetry"),
        ((10, 10, True), dict(waist_to_hip_ratio=math.nan), "waist_to_hip_ratio"),
        ((10, 10, True), dict(waist_to_hip_ratio=-0.5), "waist_to_hip_ratio"),
        ((10, 10, True), dict(pelvic_height_index=-0.1), "pelvic_height_index"),
        ((10, 10, True), dict(hip_width_px=-3.0), "hip_width_px"),
        ((10, 10, True), dict(torso_px=math.inf), "torso_px"),
        ((10, 10, True), dict(px_per_cm=-1.0), "px_per_cm"),
        ((10, 10, False), dict(left=measured("left")), "without a person"),
        ((10, 10, False), dict(right=measured("right")), "without a person"),
        ((10, 10, False), dict(view="front"), "without a person"),
        ((10, 10, True), dict(landmarks=np.zeros(5)), "landmarks"),
        ((10, 10, True), dict(landmarks=np.zeros((33, 2))), "landmarks"),
        ((10, 10, True), dict(landmarks=np.full((33, 3), np.nan)), "landmarks"),
        ((10, 10, True), dict(warnings=("no_person",)), "Notice"),
        # The bands are drawn: NaN there crashed the overlay.
        ((10, 10, True), dict(bands={"crest": np.full((2, 2, 2), np.nan)}), "band 'crest'"),
        ((10, 10, True), dict(bands={"crest": np.zeros((2, 2))}), "band 'crest'"),
        ((10, 10, True), dict(capture={"body_yaw_deg": 0.0}), "CaptureSignature"),
        ((10, 10, False), dict(capture=CaptureSignature()), "without a person"),
    ],
)
def test_analysis_rejects_impossible_values(args, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        Analysis(*args, **kwargs)


def test_analysis_accepts_the_limits_and_normalises():
    a = Analysis(
        np.int64(1),
        1,
        True,
        view="unknown",
        body_yaw_deg=-180.0,
        symmetry=0.0,
        waist_to_hip_ratio=0.0,
        pelvic_height_index=0.0,
        hip_width_px=0.0,
        torso_px=0.0,
        px_per_cm=0.0,
        warnings=[Notice("side_view", "Side view.")],
        landmarks=np.zeros((33, 3), dtype=np.float32),
    )
    assert isinstance(a.warnings, tuple) and a.landmarks.dtype == np.float64
    assert Analysis(2, 2, True, body_yaw_deg=180.0, symmetry=1.0).symmetry == 1.0
    # No person: every side unmeasured, yet each may say why.
    nobody = Analysis(2, 2, False, left=HipSide("left", reason="Nobody."))
    assert nobody.left.reason == "Nobody."
    assert isinstance(InvalidInputError("x"), ValueError)  # callers may catch ValueError


@pytest.mark.parametrize(
    "code, message, match",
    [
        ("arm touching", "A sentence.", "^code must be an identifier, got 'arm touching'$"),
        ("", "A sentence.", "^code must be an identifier"),
        (3, "A sentence.", "^code must be an identifier, got 3$"),
        ("ok", "  ", "^message must be a non-empty sentence$"),
        ("ok", None, "^message must be a non-empty sentence$"),
    ],
)
def test_notice_needs_an_identifier_and_a_sentence(code, message, match):
    with pytest.raises(InvalidInputError, match=match):
        Notice(code, message)


def test_notice_to_dict():
    assert Notice("no_scale", "No scale.").to_dict() == {"code": "no_scale", "message": "No scale."}


@pytest.mark.parametrize(
    "outline",
    [
        np.array([[1.0, 2.0], [np.inf, 3.0]]),  # infinite
        np.array([[1.0, 2.0], [np.nan, 3.0]]),  # half a point
    ],
)
def test_an_outline_row_is_a_point_or_all_nan(outline):
    with pytest.raises(InvalidInputError, match="outline rows"):
        HipSide("left", outline=outline)
    # A level with no edge at all is fine: the drawing breaks there.
    HipSide("left", outline=np.array([[1.0, 2.0], [np.nan, np.nan]]))
