"""The stance check: each cue on landmarks and outlines of known geometry, how
the cues are weighed, and the invariances (docs/posture.md).

The synthetic body (support/bodies.py) stands in a front view with its hip
joints 0.2 T either side of the axis, knees 0.18 T and ankles 0.16 T; T is
300 px. Every angle below follows from where the points were put.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from silhouette.core.anatomy import body_frame
from silhouette.core.posture import (
    CALIBRATION,
    MAX_PLAUSIBLE_TILT_DEG,
    TILT_THRESHOLD_DEG,
    combine_cues,
    estimate_posture,
    hip_landmark_angle,
    knee_angle,
    leg_shift_angle,
    outline_angles,
    popped_probability,
    waistband_angle,
)
from silhouette.results import StanceCue
from support.bodies import (
    Body,
    image_for,
    measure,
    mirror,
    moved,
    popped_stance,
    rotate,
    scene,
    with_forearm,
    with_visibility,
)
from support.shared import PHOTOS, read_tsv, requires_photos

T = 300.0


def deg(dv: float, dl: float) -> float:
    return math.degrees(math.atan2(dv, dl))


def frame_of(mask, lm):
    return body_frame(lm, mask.shape)


# --------------------------------------------------------------------------
# Landmark cues
# --------------------------------------------------------------------------


@pytest.mark.parametrize("drop", [0.0, 0.02, -0.05])
def test_the_knee_line_is_the_angle_of_the_knees(drop):
    # The right knee lowered by `drop` T across the 0.36 T between the knees.
    mask, lm = scene()
    lm = moved(lm, mask.shape, RIGHT_KNEE=(-0.18, -0.9 - drop))
    assert knee_angle(frame_of(mask, lm), lm, mask.shape) == pytest.approx(
        deg(drop, 0.36), abs=1e-6
    )


def test_knees_not_seen_or_at_the_photos_edge_give_no_knee_cue():
    mask, lm = scene()
    frame = frame_of(mask, lm)
    assert knee_angle(frame, with_visibility(lm, LEFT_KNEE=0.3), mask.shape) is None
    # The knees lie 270 px below the hips (row 675); a photo cut 20 px below
    # them has the knees within 0.1 T of its edge: guessed, not seen.
    assert knee_angle(frame, lm, (695, 600)) is None
    assert knee_angle(frame, lm, (800, 600)) is not None


@pytest.mark.parametrize("tilt", [0.0, 5.0, -9.0])
def test_the_hip_landmark_line_is_the_angle_of_the_hip_joints(tilt):
    mask, lm = scene()
    lm = popped_stance(lm, mask.shape, tilt)
    # popped_stance turns the hip joints about their mid-point by the tilt.
    assert hip_landmark_angle(frame_of(mask, lm), lm) == pytest.approx(tilt, abs=0.05)


def test_the_legs_lean_towards_the_foot_the_pelvis_stands_over():
    # Both ankles moved 0.1 T to the person's right, 1.75 T below the hips:
    # the pelvis stands over the left foot.
    mask, lm = scene(size=(1500, 600))
    lm = moved(lm, mask.shape, LEFT_ANKLE=(0.06, -1.75), RIGHT_ANKLE=(-0.26, -1.75))
    frame = frame_of(mask, lm)
    # The body axis runs from the mid-ankle point to the shoulders, so take
    # the lean in that frame: the mid-hip point against the mid-ankle point.
    mid_hip = frame.to_frame(lm.mid(lm_index("LEFT_HIP"), lm_index("RIGHT_HIP")))
    mid_ankle = frame.to_frame(lm.mid(lm_index("LEFT_ANKLE"), lm_index("RIGHT_ANKLE")))
    lat, v = mid_hip - mid_ankle
    assert lat > 0
    assert leg_shift_angle(frame, lm, mask.shape) == pytest.approx(deg(lat, v), abs=1e-6)
    # Feet out of the photo: no legs cue.
    assert leg_shift_angle(frame_of(*scene()), scene()[1], (900, 600)) is None


def lm_index(name):
    from silhouette import Landmark

    return Landmark[name]


# --------------------------------------------------------------------------
# Outline cue
# --------------------------------------------------------------------------


def test_level_hips_have_a_level_outline():
    mask, lm = scene(Body(thigh_bulge_px=8.0))
    widest, matched, reach = outline_angles(mask, frame_of(mask, lm), lm)
    # Mirror-image sides: exactly level (up to float rounding).
    assert widest == pytest.approx(0.0, abs=1e-6) and matched == pytest.approx(0.0, abs=0.05)
    assert reach[0] == pytest.approx(reach[1], abs=1e-6)


@pytest.mark.parametrize("up", [15.0, -20.0])
def test_a_raised_hip_outline_tilts_the_outline_towards_it(up):
    # The left side's outline drawn `up` px higher. The widest part (a
    # rounded thigh bulge 0.25 T below the hip joints) moves by exactly that,
    # so across the hips (twice the reach) the line tilts atan(up / width).
    mask, lm = scene(Body(thigh_bulge_px=12.0, tilt_left_up_px=up))
    widest, matched, reach = outline_angles(mask, frame_of(mask, lm), lm)
    expected = deg(up, reach[0] + reach[1])
    # Within 0.3 degrees: the widest region is the samples within 0.03 T of
    # the widest one, and the shifted outline is sampled on other levels.
    assert widest == pytest.approx(expected, abs=0.3)
    assert matched == pytest.approx(expected, abs=0.3)


def test_an_arm_over_a_hip_hides_the_outline_cue():
    mask, lm = scene(Body(thigh_bulge_px=8.0))
    mask, lm = with_forearm(mask, lm, "left", 0.45 * T)
    assert outline_angles(mask, frame_of(mask, lm), lm) == (None, None, None)


# --------------------------------------------------------------------------
# Waistband cue
# --------------------------------------------------------------------------


def with_band(mask, lm, angle_deg, *, v0=0.1, contrast=120):
    """The scene's photo with a dark straight band 10 px wide across the
    hips, through the axis at `v0` T above the hip joints, rising towards the
    person's left by `angle_deg`."""
    rgb = image_for(mask)
    frame = frame_of(mask, lm)
    ends = frame.to_image(
        np.array([-0.6 * T, 0.6 * T]),
        v0 * T + np.array([-1, 1]) * 0.6 * T * math.tan(math.radians(angle_deg)),
    )
    band = np.zeros(mask.shape, np.uint8)
    cv2.line(
        band, tuple(np.round(ends[0]).astype(int)), tuple(np.round(ends[1]).astype(int)), 1, 10
    )
    rgb = rgb.astype(int)
    rgb[(band > 0) & (mask > 0.5)] -= contrast
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("angle", [0.0, 6.0, -9.0])
def test_a_waistband_gives_its_own_angle(angle):
    mask, lm = scene()
    rgb = with_band(mask, lm, angle)
    # To the 0.5-degree step of the search, and the line's rasterisation.
    assert waistband_angle(rgb, mask, frame_of(mask, lm)) == pytest.approx(angle, abs=0.6)


def test_the_waistband_reads_the_same_wherever_the_body_stands_in_the_photo():
    # Only the patch around the hips is converted to L*a*b*: moving the body
    # by whole pixels within a larger photo must not change the reading.
    mask, lm = scene()
    rgb = with_band(mask, lm, 6.0)
    here = waistband_angle(rgb, mask, frame_of(mask, lm))
    dy, dx = 37, 53
    big_mask = np.zeros((mask.shape[0] + 2 * dy, mask.shape[1] + 2 * dx), mask.dtype)
    big_mask[dy:-dy, dx:-dx] = mask
    big_rgb = np.full((*big_mask.shape, 3), 40, np.uint8)
    big_rgb[dy:-dy, dx:-dx] = rgb
    big_lm = replace(lm, xy=lm.xy + np.array([dx, dy]))
    assert here is not None
    assert waistband_angle(big_rgb, big_mask, frame_of(big_mask, big_lm)) == here


def test_the_waistband_beyond_the_photos_edge_repeats_the_edge_pixels():
    # A photo cut through the hips, 0.25 T left of the axis: the band's patch
    # (0.28 T either side) reaches past the edge, where the photo's edge
    # pixels are repeated and the mask is empty. Padding the photo with its
    # own edge pixels, and the mask with nothing, must read the same. (The
    # body frame is the whole scene's, moved with the cut: the cut photo
    # loses a shoulder.)
    mask, lm = scene()
    rgb = with_band(mask, lm, 6.0)
    frame = frame_of(mask, lm)
    cut = round(float(frame.origin[0]) - 0.25 * T)
    mask_cut, rgb_cut = mask[:, cut:], rgb[:, cut:]
    frame_cut = replace(frame, origin=frame.origin - np.array([cut, 0.0]))
    at_edge = waistband_angle(rgb_cut, mask_cut, frame_cut)
    pad = 40
    rgb_pad = np.pad(rgb_cut, ((0, 0), (pad, 0), (0, 0)), mode="edge")
    mask_pad = np.pad(mask_cut, ((0, 0), (pad, 0)))
    frame_pad = replace(frame_cut, origin=frame_cut.origin + np.array([pad, 0.0]))
    assert at_edge == pytest.approx(6.0, abs=0.6)
    assert waistband_angle(rgb_pad, mask_pad, frame_pad) == at_edge


def test_no_waistband_or_a_faint_one_is_no_cue():
    mask, lm = scene()
    frame = frame_of(mask, lm)
    assert waistband_angle(image_for(mask), mask, frame) is None
    # A step of 2 grey levels: nothing a photo would show as a waistband.
    assert waistband_angle(with_band(mask, lm, 5.0, contrast=2), mask, frame) is None


# --------------------------------------------------------------------------
# Weighing the cues
# --------------------------------------------------------------------------


def test_cues_are_weighed_by_the_inverse_of_their_variance():
    cues = [StanceCue("outline", 8.0, 2.0), StanceCue("knees", 4.0, 4.0)]
    out, tilt, sd, problem = combine_cues(cues)
    # (8/4 + 4/16) / (1/4 + 1/16) = 7.2; 1 / sqrt(1/4 + 1/16) = 1.789.
    assert tilt == pytest.approx(7.2) and sd == pytest.approx(1.0 / math.sqrt(0.3125))
    assert problem is None and all(c.used for c in out)


def test_a_cue_beyond_a_standing_pelvis_is_refused():
    over = MAX_PLAUSIBLE_TILT_DEG + 5.0
    out, tilt, _, _ = combine_cues([StanceCue("outline", over, 2.0), StanceCue("knees", 3.0, 3.0)])
    assert not out[0].used and "no standing pelvis" in out[0].note
    assert tilt == pytest.approx(3.0)  # the knees alone
    # Within its own uncertainty of the limit, it is kept.
    out, _, _, _ = combine_cues(
        [StanceCue("outline", MAX_PLAUSIBLE_TILT_DEG + 1.0, 2.0), StanceCue("knees", 3.0, 3.0)]
    )
    assert out[0].used


def test_a_cue_that_contradicts_the_others_is_left_out():
    cues = [
        StanceCue("outline", 6.0, 1.0),
        StanceCue("knees", 7.0, 1.0),
        StanceCue("waistband", -10.0, 1.0),  # 16 SD from the others
    ]
    out, tilt, _, problem = combine_cues(cues)
    assert [c.used for c in out] == [True, True, False]
    assert out[2].note == "contradicts the others"
    assert tilt == pytest.approx(6.5) and problem is None


def test_two_cues_that_disagree_leave_the_stance_undetermined():
    _, tilt, sd, problem = combine_cues(
        [StanceCue("outline", 9.0, 1.0), StanceCue("knees", -9.0, 1.0)]
    )
    assert tilt is None and sd is None
    assert problem.startswith("the cues disagree")
    assert "the hip outline says the left hip is 9 degrees higher" in problem
    assert "the knees say the right hip is 9 degrees higher" in problem


def test_the_hip_joints_and_legs_alone_cannot_decide():
    _, tilt, _, problem = combine_cues(
        [StanceCue("hip_landmarks", 2.0, 7.0), StanceCue("legs", 1.0, 7.0)]
    )
    assert tilt is None and "cannot be compared" in problem


def test_the_legs_say_which_foot_not_how_far_the_pelvis_tilts():
    # The legs' lean is reported with its reading but not averaged in: the
    # tilt is the knees' alone, however far the legs lean.
    knees = StanceCue("knees", 6.0, 2.0)
    for lean in (-3.0, 0.0, 20.0):
        cues, tilt, sd, _ = combine_cues([knees, StanceCue("legs", lean, 2.0)])
        assert tilt == pytest.approx(6.0) and sd == pytest.approx(2.0)
        legs = cues[1]
        assert not legs.used and legs.tilt_deg == lean
        assert "which foot" in legs.note


def test_the_hip_popped_probability_is_symmetric_and_grows_with_the_tilt():
    p = [popped_probability(t, 2.0) for t in (0.0, 2.0, 4.0, 6.0, 8.0)]
    assert p == sorted(p) and p[0] < 0.1 and p[-1] > 0.9
    assert popped_probability(-6.0, 2.0) == pytest.approx(popped_probability(6.0, 2.0))
    # A looser reading of the same tilt is less sure.
    assert popped_probability(6.0, 5.0) < popped_probability(6.0, 2.0)
    # The threshold is where a precise reading turns.
    assert popped_probability(TILT_THRESHOLD_DEG - 1.0, 0.3) < 0.5
    assert popped_probability(TILT_THRESHOLD_DEG + 1.0, 0.3) > 0.5


# --------------------------------------------------------------------------
# The whole check on a scene
# --------------------------------------------------------------------------


def stance_of(mask, lm, rgb=None, **kw):
    return measure(mask, lm, rgb=rgb, **kw).stance


def test_a_straight_stance_is_straight():
    s = stance_of(*scene(Body(thigh_bulge_px=8.0)))
    assert s.hip_popped is False and s.weight_side is None
    # Mirror-image sides and landmarks: level, up to the edge's sampling.
    assert s.pelvic_tilt_deg == pytest.approx(0.0, abs=0.05)
    assert {c.name for c in s.cues if c.used} >= {"outline", "knees", "hip_landmarks"}
    assert 0.5 <= s.confidence <= 1.0 and s.standing_leg is None


def test_a_dip_on_one_side_only_barely_tilts_a_straight_stance():
    # The outline cue compares the two sides' shapes; a 6 px notch on one
    # side moves its widest part a little, not the pelvis.
    s = stance_of(*scene(Body(dip_left_px=6.0, thigh_bulge_px=8.0)))
    assert s.hip_popped is False and abs(s.pelvic_tilt_deg) < 1.0


def hip_popped_scene(tilt_deg=9.0):
    # Outline, hip joints and knee of a stance tilted by `tilt_deg`: the left
    # side 40 px higher is 9 degrees across the 252 px hips.
    up = 252.0 * math.tan(math.radians(tilt_deg))
    mask, lm = scene(Body(thigh_bulge_px=12.0, tilt_left_up_px=round(up, 1)))
    return mask, popped_stance(lm, mask.shape, tilt_deg)


def test_a_hip_popped_stance_is_called_with_its_weight_side():
    mask, lm = hip_popped_scene(9.0)
    s = stance_of(mask, lm)
    assert s.hip_popped is True and s.weight_side == "left" == s.exaggerated_side
    # The cues' gains were fitted on renders, not on this drawing: the tilt
    # is only roughly the 9 degrees it was drawn with.
    assert 5.0 < s.pelvic_tilt_deg < 13.0
    assert s.confidence > 0.5 and s.tilt_sd_deg > 0
    # What the overlay needs: the tilt line through the mid-hip point, and
    # the standing leg from the left hip joint to the left ankle.
    (x0, y0), (x1, y1) = s.pelvis_line
    assert math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(s.pelvic_tilt_deg)
    assert s.standing_leg == (tuple(lm.xy[23]), tuple(lm.xy[27]))


def test_mirroring_swaps_the_weight_side_and_negates_the_tilt():
    mask, lm = hip_popped_scene(9.0)
    a = stance_of(mask, lm)
    mmask, mlm = mirror(mask, lm)
    b = stance_of(mmask, mlm)
    assert b.hip_popped is True and b.weight_side == "right"
    # Resampling the mirrored mask and photo moves edges by a fraction of a pixel.
    assert b.pelvic_tilt_deg == pytest.approx(-a.pelvic_tilt_deg, abs=0.3)
    assert [c.name for c in b.cues] == [c.name for c in a.cues]
    for ca, cb in zip(a.cues, b.cues, strict=True):
        assert cb.tilt_deg == pytest.approx(-ca.tilt_deg, abs=0.5)


@pytest.mark.parametrize("roll", [3.0, -3.0])
def test_a_rolled_camera_does_not_tilt_the_pelvis(roll):
    # A straight stance photographed with the camera rolled: the body axis
    # turns with it, and every cue is read along that axis.
    mask, lm = scene(Body(thigh_bulge_px=8.0), size=(1500, 900))
    rmask, rlm = rotate(mask, lm, roll)
    s = stance_of(rmask, rlm)
    assert s.camera_roll_deg == pytest.approx(roll, abs=0.05)
    # The rotated mask's resampled edge: a few tenths of a degree.
    assert s.pelvic_tilt_deg == pytest.approx(0.0, abs=0.5)
    assert s.hip_popped is False
    # And a hip-popped one keeps its tilt.
    pmask, plm = hip_popped_scene(9.0)
    level = stance_of(pmask, plm).pelvic_tilt_deg
    rmask, rlm = rotate(pmask, plm, roll)
    assert stance_of(rmask, rlm).pelvic_tilt_deg == pytest.approx(level, abs=0.7)


def test_the_threshold_decides_the_call():
    mask, lm = hip_popped_scene(9.0)
    s = measure(mask, lm).stance
    from silhouette.core.measure import MeasureOptions

    calm = measure(mask, lm, options=MeasureOptions(tilt_threshold_deg=20.0)).stance
    assert s.hip_popped is True and calm.hip_popped is False
    assert calm.pelvic_tilt_deg == pytest.approx(s.pelvic_tilt_deg)


def test_the_knees_alone_decide_when_the_arms_hide_both_hips():
    # Arms over both hips and no waistband: the knees and hip joints are left.
    mask, lm = hip_popped_scene(9.0)
    mask, lm = with_forearm(mask, lm, "left", 0.45 * T)
    mask, lm = with_forearm(mask, lm, "right", 0.45 * T)
    s = stance_of(mask, lm)
    assert "outline" not in {c.name for c in s.cues}
    assert s.hip_popped is not None  # determined
    assert s.pelvic_tilt_deg > 0


def test_calibration_has_both_views_for_every_cue():
    for cue, views in CALIBRATION.items():
        assert set(views) == {"front", "back"}, cue
        assert all(m.gain > 0 and m.sd_deg > 0 for m in views.values())


def test_the_view_must_be_front_or_back():
    mask, lm = scene()
    with pytest.raises(ValueError, match="view"):
        estimate_posture(frame_of(mask, lm), lm, mask, image_for(mask), view="side")


def test_a_scene_with_no_decisive_cue_says_why():
    mask, lm = scene(Body(dip_left_px=8.0, dip_right_px=8.0))
    mask = mask.copy()
    mask[525:591, 315:] = 0.0  # the left thigh's outline missing 0.4-0.62 T down
    r = measure(mask, with_visibility(lm, LEFT_KNEE=0.3, RIGHT_KNEE=0.3))
    assert r.stance.hip_popped is None and r.stance.confidence is None
    (why,) = [w.message for w in r.warnings if w.code == "stance_unknown"]
    assert "knees are not seen" in why
    assert replace(r.stance).cues == r.stance.cues


# --------------------------------------------------------------------------
# The shared real photos (MediaPipe)
# --------------------------------------------------------------------------


@pytest.mark.model
@requires_photos
def test_real_photos_labelled_straight_are_not_called_hip_popped():
    from silhouette import Analyzer

    labelled = {r["file"]: r["stance"] for r in read_tsv(PHOTOS / "SOURCES.tsv")}
    with Analyzer() as analyzer:
        stance = {
            name: analyzer.analyze(PHOTOS / name).stance
            for name, label in labelled.items()
            if label in ("straight", "hip_popped")
        }
    straight = [n for n, label in labelled.items() if label == "straight"]
    flagged = [n for n in straight if stance[n].hip_popped]
    # The example: a loose kameez once read as a 14-degree tilt.
    assert stance["faraz_ramzan_front_apose.jpg"].hip_popped is False
    # 11 photos labelled straight by eye; one of them (a fashion pose, one
    # foot forward with that knee bent) reads as a weight shift to every cue
    # (docs/accuracy.md). No more than that one.
    assert len(flagged) <= 1, flagged
    popped = [n for n, label in labelled.items() if label == "hip_popped"]
    assert all(stance[n].hip_popped for n in popped), popped
