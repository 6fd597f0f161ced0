"""Every warning: its code and sentence, and a synthetic scene that raises it.

Each scene is the plain synthetic body with one thing changed, so the notice
it raises is the only one (and the changed thing is the only cause).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from silhouette import Analysis
from silhouette.core.measure import measure_person
from silhouette.core.notices import MESSAGES, notice
from support.bodies import (
    Body,
    crop_columns,
    image_for,
    measure,
    moved,
    popped_stance,
    scene,
    turned,
    with_forearm,
    with_visibility,
)

T = 300.0
DIP = Body(dip_left_px=8.0, dip_right_px=8.0)


FIELDS = {
    "several_people": dict(count=3),
    "view_unknown": dict(facing="The body is turned about 45 degrees from the camera"),
    "hip_popped": dict(tilt=7.6, weight="left", other="right"),
    "borderline": dict(depth=1.31, sd=0.25, threshold=1.2),
    "clothing": dict(why="a belt sits at the dip"),
    "stance_unknown": dict(why="the knees are not seen"),
}


def test_per_side_codes_name_the_side():
    for kind in (
        "outline_clipped",
        "arm_touching",
        "outline_incomplete",
        "borderline",
        "clothing",
        "low_contrast",
    ):
        for side in ("left", "right"):
            n = notice(kind, side, **FIELDS.get(kind, {}))
            assert n.code == f"{kind}_{side}"
            assert f"person's {side} " in n.message
        with pytest.raises(ValueError, match="side"):
            notice(kind)
        with pytest.raises(ValueError, match="side"):
            notice(kind, "middle")


def test_shared_codes_keep_their_own_sentences():
    assert notice("no_person_shape").code == notice("no_person").code == "no_person"
    assert notice("other_regions").code == "several_people"
    assert notice("several_people", count=2).code == "several_people"
    assert notice("no_person_shape").message != notice("no_person").message
    assert notice("other_regions").message != notice("several_people", count=2).message


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_every_message_is_a_filled_in_sentence(kind):
    side = "left" if "{side}" in MESSAGES[kind] else None
    n = notice(kind, side, **FIELDS.get(kind, {}))
    assert n.code.isidentifier()
    assert "{" not in n.message and "}" not in n.message
    assert not n.message[0].islower() and n.message.endswith(".")


def test_fields_fill_the_sentences():
    assert notice("several_people", count=3).message.startswith("3 or more people")
    popped = notice("hip_popped", tilt=7.6, weight="left", other="right").message
    assert "tilted 8 degrees with the weight on the left leg" in popped
    turned = notice("view_unknown", facing="The body is turned about 45 degrees from the camera")
    assert turned.message.startswith("The body is turned about 45 degrees from the camera; dips")


# --------------------------------------------------------------------------
# A scene for every notice
# --------------------------------------------------------------------------


def no_person() -> Analysis:
    mask, _ = scene()
    return measure_person(image_for(mask), None, original_size=(600, 900))


def no_person_shape() -> Analysis:
    mask, lm = scene()
    return measure(np.zeros_like(mask), lm)


def several_people() -> Analysis:
    return measure(*scene(DIP), people=3)


def other_regions() -> Analysis:
    mask, lm = scene(DIP)
    mask = mask.copy()
    mask[:300, :150] = 1.0  # a region a third of the person's size, beside it
    return measure(mask, lm)


def hips_not_visible() -> Analysis:
    mask, lm = scene(DIP)
    return measure(mask, with_visibility(lm, RIGHT_HIP=0.2))


def side_view() -> Analysis:
    mask, lm = scene(DIP)
    return measure(mask, turned(lm, 90.0))


def view_unknown() -> Analysis:
    mask, lm = scene(DIP)
    return measure(mask, turned(lm, 45.0))


def not_standing() -> Analysis:
    mask, lm = scene(DIP)
    return measure(mask, moved(lm, mask.shape, LEFT_KNEE=(0.18, -0.3)))


def outline_clipped() -> Analysis:
    return measure(*crop_columns(*scene(DIP), 0, 406))


def arm_touching() -> Analysis:
    return measure(*with_forearm(*scene(DIP), "right", 0.46 * T))


def outline_incomplete() -> Analysis:
    mask, lm = scene(DIP)
    mask = mask.copy()
    # A cut through the left hip over the top half of the crest band (v =
    # 0.10-0.25 T), above the trochanter band, which the stance is read from.
    mask[330:375, 315:] = 0.0
    return measure(mask, lm)


def no_scale() -> Analysis:
    return measure(*scene(DIP), height_cm=170.0)  # the head is out of the photo


def hip_popped() -> Analysis:
    # The left hip's widest part 40 px higher (9 degrees across the 252 px
    # hips), and the hip joints and the relaxed knee with it.
    mask, lm = scene(
        Body(dip_left_px=8.0, dip_right_px=8.0, tilt_left_up_px=40.0, thigh_bulge_px=8.0)
    )
    return measure(mask, popped_stance(lm, mask.shape, 9.0))


def stance_unknown() -> Analysis:
    # The person's left thigh is missing from the mask 0.4-0.6 T below the
    # hip joints (a bag in front of it, say): the dip above is measured, but
    # the two hips' outlines cannot be compared; and the knees are not seen.
    mask, lm = scene(DIP)
    mask = mask.copy()
    mask[525:591, 315:] = 0.0  # rows: hip joints at 405, T = 300; columns: 0.05 T out
    return measure(mask, with_visibility(lm, LEFT_KNEE=0.3, RIGHT_KNEE=0.3))


def waist_hidden() -> Analysis:
    mask, lm = scene(DIP)
    mask = mask.copy()
    # The person's left flank is not in the mask over the waist band (v =
    # 0.3-0.5 T), from just beside the body axis outwards.
    mask[255:315, 320:] = 0.0
    return measure(mask, lm)


def borderline() -> Analysis:
    # 3 px on a 252 px hip: 1.19 %, within 0.25 points of the 1.2 % threshold.
    return measure(*scene(Body(dip_left_px=8.0, dip_right_px=3.0)))


def clothing() -> Analysis:
    # A dark belt across the person's left hip (the image's right), at the
    # left dip's deepest point (0.025 T above the hip joints, image row 397):
    # the dip sits on a garment edge.
    mask, lm = scene(DIP)
    rgb = image_for(mask)
    band = rgb[390:405, 300:]
    band[mask[390:405, 300:] >= 0.5] = 20
    return measure(mask, lm, rgb=rgb)


def low_contrast() -> Analysis:
    # The background beside the person's right hip (the image's left) as grey
    # as the body: the traced edge has nothing in the photo behind it.
    mask, lm = scene(DIP)
    rgb = image_for(mask)
    rgb[:, :300][mask[:, :300] < 0.5] = 196
    return measure(mask, lm, rgb=rgb)


#: kind -> (scene, the codes it raises, the notice expected last)
SCENES: dict[str, tuple[Callable[[], Analysis], list[str], object]] = {
    "no_person": (no_person, ["no_person"], notice("no_person")),
    "no_person_shape": (no_person_shape, ["no_person"], notice("no_person_shape")),
    "several_people": (several_people, ["several_people"], notice("several_people", count=3)),
    "other_regions": (other_regions, ["several_people"], notice("other_regions")),
    "hips_not_visible": (hips_not_visible, ["hips_not_visible"], notice("hips_not_visible")),
    "side_view": (side_view, ["side_view"], notice("side_view")),
    "view_unknown": (
        view_unknown,
        ["view_unknown"],
        notice("view_unknown", facing="The body is turned about 45 degrees from the camera"),
    ),
    "not_standing": (not_standing, ["not_standing"], notice("not_standing")),
    "outline_clipped": (
        outline_clipped,
        ["outline_clipped_left"],
        notice("outline_clipped", "left"),
    ),
    "arm_touching": (arm_touching, ["arm_touching_right"], notice("arm_touching", "right")),
    "outline_incomplete": (
        outline_incomplete,
        ["outline_incomplete_left"],
        notice("outline_incomplete", "left"),
    ),
    "no_scale": (no_scale, ["no_scale"], notice("no_scale")),
    "hip_popped": (hip_popped, ["hip_popped"], None),
    "borderline": (borderline, ["borderline_right"], None),
    "clothing": (clothing, ["clothing_left"], None),
    "low_contrast": (low_contrast, ["low_contrast_right"], notice("low_contrast", "right")),
    "stance_unknown": (stance_unknown, ["stance_unknown"], None),
    "waist_hidden": (waist_hidden, ["waist_hidden"], notice("waist_hidden")),
}


def test_every_notice_has_a_scene():
    assert set(SCENES) == set(MESSAGES)


@pytest.mark.parametrize("kind", sorted(SCENES))
def test_each_scene_raises_its_notice_and_only_it(kind):
    make, codes, last = SCENES[kind]
    result = make()
    assert result.warning_codes() == codes
    if last is not None:
        assert result.warnings[-1] == last


def test_the_plain_scene_raises_none():
    assert measure(*scene(DIP)).warnings == ()


@pytest.mark.parametrize("kind", ["no_person", "no_person_shape"])
def test_nobody_is_a_result_with_the_reason_on_each_side(kind):
    result = SCENES[kind][0]()
    assert result.person_found is False and result.view is None
    assert (result.width, result.height) == (600, 900)
    for side in (result.left, result.right):
        assert not side.measured and side.reason == result.warnings[-1].message
    # The pose model's landmarks are kept when it found someone.
    assert (result.landmarks is None) == (kind == "no_person")


@pytest.mark.parametrize(
    "kind, view", [("hips_not_visible", None), ("side_view", "side"), ("view_unknown", "unknown")]
)
def test_a_person_who_cannot_be_measured_is_found_but_not_measured(kind, view):
    result = SCENES[kind][0]()
    assert result.person_found is True and result.view == view
    for side in (result.left, result.right):
        assert not side.measured and side.reason == result.warnings[-1].message
    assert result.symmetry is None and result.hip_width_px is None


def test_yaw_and_the_body_frame_survive_an_unmeasured_view():
    result = view_unknown()
    assert result.body_yaw_deg == pytest.approx(45.0, abs=0.5)
    assert result.torso_px == pytest.approx(T)
    assert result.stance.camera_roll_deg == pytest.approx(0.0, abs=1e-6)
    assert result.stance.hip_popped is None


def test_one_unmeasured_side_leaves_the_other_measured():
    for make, side, other in ((outline_clipped, "left", "right"), (arm_touching, "right", "left")):
        result = make()
        assert not result.sides[side].measured
        assert result.sides[side].reason == result.warnings[-1].message
        assert result.sides[other].dip_depth_px == pytest.approx(8.0, abs=0.4)
        assert result.sides[other].reason is None
        assert result.symmetry is None  # needs both sides


def test_notices_keep_their_order_and_the_last_gives_the_reason():
    mask, lm = scene(DIP)
    result = measure(mask, turned(lm, 90.0), people=2)
    assert result.warning_codes() == ["several_people", "side_view"]
    assert result.left.reason == notice("side_view").message


def test_a_borderline_side_is_measured_but_not_called():
    result = borderline()
    right = result.right
    assert right.measured and right.dip_present is None
    assert right.dip_depth_ratio == pytest.approx(3.0 / 252.0, abs=0.0015)
    assert result.left.dip_present is True
    assert "right dip measures 1.2% of hip width" in result.warnings[-1].message


# --------------------------------------------------------------------------
# What the sentences say agrees with the numbers
# --------------------------------------------------------------------------


def unexplained_nulls(result: Analysis) -> list[str]:
    """Measurements that are null while nothing in the warnings says why."""
    if not (result.left.measured or result.right.measured):
        # Nothing is measured: the last warning says why, for everything.
        return [] if result.warnings else ["everything"]
    explained_by_a_side = any(w.code.endswith(("_left", "_right")) for w in result.warnings)
    codes = set(result.warning_codes())
    missing = []
    if result.stance.hip_popped is None and not explained_by_a_side:
        missing += [] if "stance_unknown" in codes else ["stance"]
    if result.waist_to_hip_ratio is None and result.hip_width_px is not None:
        if not codes & {"waist_hidden", "arm_touching_left", "arm_touching_right"}:
            missing.append("waist_to_hip_ratio")
    return missing


@pytest.mark.parametrize("kind", sorted(SCENES))
def test_every_null_in_every_scene_has_a_warning(kind):
    assert unexplained_nulls(SCENES[kind][0]()) == []


def test_the_hip_popped_sentence_claims_no_side_the_numbers_contradict():
    # Weight on the left leg (the left hip higher), and the left side
    # measuring the shallower dip: the sentence must not say the pose deepens
    # the left dip. (It did, for render_front_hip_popped.jpg.)
    mask, lm = scene(
        Body(dip_left_px=3.0, dip_right_px=9.0, tilt_left_up_px=40.0, thigh_bulge_px=8.0)
    )
    result = measure(mask, popped_stance(lm, mask.shape, 9.0))
    assert result.stance.hip_popped and result.stance.weight_side == "left"
    assert result.left.dip_depth_px < result.right.dip_depth_px
    (popped,) = [w.message for w in result.warnings if w.code == "hip_popped"]
    for side, other in (("left", "right"), ("right", "left")):
        if re.search(rf"deepens the {side} dip|{side} dip likely exaggerated", popped):
            assert result.sides[side].dip_depth_px >= result.sides[other].dip_depth_px, popped
