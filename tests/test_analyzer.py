"""The whole measurement chain on synthetic bodies, with a fake pose model."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from silhouette import Analyzer, AnalyzerOptions, InvalidInputError, PoseEstimate
from silhouette.core.landmarks import Landmarks
from support.bodies import Body, FakePose, image_for, make_body, mirror, popped_stance, rotate

HIP_WIDTH = 2 * 0.42 * 300  # widest width of the synthetic body, pixels


def run(mask, lm, **kw):
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        return analyzer.analyze(image_for(mask), **kw)


def tolerance(depth):
    # The bound: within 1 px or 5 %, whichever is larger.
    return max(1.0, 0.05 * depth)


@pytest.mark.parametrize("left, right", [(6.0, 0.0), (12.0, 4.0), (3.5, 9.0)])
def test_known_dip_depths(left, right):
    r = run(*make_body(Body(dip_left_px=left, dip_right_px=right)))
    assert r.person_found and r.view == "front"
    for side, truth in ((r.left, left), (r.right, right)):
        assert side.dip_depth_px == pytest.approx(truth, abs=tolerance(truth))
        assert side.dip_depth_ratio == pytest.approx(side.dip_depth_px / r.hip_width_px)
    assert r.hip_width_px == pytest.approx(HIP_WIDTH, abs=0.5)


def test_dip_position_is_on_the_outline_between_the_bulges():
    r = run(*make_body(Body(dip_left_px=8.0)))
    hip_y = 0.45 * 900
    x, y = r.left.deepest
    assert hip_y - y == pytest.approx(0.025 * 300, abs=3)  # the notch centre
    assert x == pytest.approx(300 + 0.42 * 300 - 8.0, abs=0.5)  # person's left = image right
    assert r.left.crest[1] < y < r.left.trochanter[1]


@pytest.mark.parametrize("body", [Body(), Body(convex_px=5.0)], ids=["straight", "convex"])
def test_straight_and_convex_sides_have_no_dip(body):
    r = run(*make_body(body))
    for side in (r.left, r.right):
        # The bowed body's outline turns outwards where the bow meets the arc
        # above it: a concave kink the hull spans by about half a pixel.
        assert side.dip_depth_px < (0.3 if body.convex_px == 0 else 0.6)
        assert side.dip_present is False


def test_presence_threshold_separates_shallow_from_clear_dips():
    r = run(*make_body(Body(dip_left_px=0.8, dip_right_px=8.0)))  # 0.3 % vs 3.2 %
    assert r.left.dip_present is False and r.right.dip_present is True
    assert r.right.confidence > 0.9


def test_love_handle_is_measured_apart_and_never_as_a_dip():
    plain = run(*make_body(Body()))
    handle = run(*make_body(Body(love_handle_px=10.0)))
    for p, h in ((plain.left, handle.left), (plain.right, handle.right)):
        assert h.dip_depth_px < 0.3 and h.dip_present is False
        assert h.love_handle_px >= p.love_handle_px


def test_mirror_swaps_left_and_right():
    mask, lm = make_body(Body(dip_left_px=9.0, dip_right_px=3.0))
    a = run(mask, lm)
    b = run(*mirror(mask, lm))
    assert b.left.dip_depth_px == pytest.approx(a.right.dip_depth_px, abs=0.05)
    assert b.right.dip_depth_px == pytest.approx(a.left.dip_depth_px, abs=0.05)
    assert b.view == "front"


def test_scale_doubles_pixels_and_keeps_ratios():
    small = run(*make_body(Body(torso_px=150, dip_left_px=4.0), size=(450, 300)))
    large = run(*make_body(Body(torso_px=300, dip_left_px=8.0), size=(900, 600)))
    assert large.left.dip_depth_px == pytest.approx(2 * small.left.dip_depth_px, rel=0.05)
    assert large.left.dip_depth_ratio == pytest.approx(small.left.dip_depth_ratio, rel=0.05)


def test_camera_roll_does_not_change_depth_or_read_as_tilt():
    mask, lm = make_body(Body(dip_left_px=8.0))
    r = run(*rotate(mask, lm, 7.0))
    assert r.stance.camera_roll_deg == pytest.approx(7.0, abs=0.1)
    assert r.left.dip_depth_px == pytest.approx(8.0, abs=tolerance(8.0))
    assert abs(r.stance.pelvic_tilt_deg) < 1.0 and r.stance.hip_popped is False


def test_raised_hip_is_flagged_as_hip_popped_on_that_side():
    # The left hip's whole outline 40 px higher, and the hip joints turned by
    # 9 degrees with the right knee dropped: weight on the left leg.
    mask, lm = make_body(Body(tilt_left_up_px=40.0, thigh_bulge_px=8.0))
    r = run(mask, popped_stance(lm, mask.shape, 9.0))
    assert r.stance.hip_popped is True
    assert r.stance.weight_side == "left" and r.stance.exaggerated_side == "left"
    # The cues are calibrated on renders, not on this drawing: the tilt is
    # only roughly the 9 degrees it was drawn with.
    assert 5.0 < r.stance.pelvic_tilt_deg < 13.0
    assert "hip_popped" in r.warning_codes()


def test_straight_stance_is_not_hip_popped():
    r = run(*make_body(Body(dip_left_px=6.0, thigh_bulge_px=8.0)))
    assert r.stance.hip_popped is False and r.stance.weight_side is None
    assert abs(r.stance.pelvic_tilt_deg) < 1.0


def test_no_person_is_a_result_not_an_error():
    mask = np.zeros((300, 200), np.float32)
    with Analyzer(pose_backend=FakePose(None)) as analyzer:
        r = analyzer.analyze(image_for(mask))
    assert r.person_found is False
    assert r.warning_codes() == ["no_person"]
    assert r.left.dip_depth_px is None and r.to_dict()["sides"]["left"]["dip_depth_px"] is None


def test_detection_without_a_person_shaped_region_is_no_person():
    _, lm = make_body(Body())
    empty = np.zeros((900, 600), np.float32)
    r = run(empty, lm)
    assert r.person_found is False


def test_side_view_measures_no_dip_and_says_why():
    mask, lm = make_body(Body(dip_left_px=6.0))
    world = lm.world.copy()
    world[:, [0, 2]] = world[:, [2, 0]]  # turn the body 90 degrees
    r = run(mask, Landmarks(lm.xy, lm.visibility, world))
    assert r.view == "side"
    assert r.left.dip_depth_px is None and "side" in r.left.reason.lower()
    assert "side_view" in r.warning_codes()


def test_height_gives_centimetres():
    mask, lm = make_body(Body(dip_left_px=8.0), size=(1400, 600))
    r = run(mask, lm, height_cm=170.0)
    # Head top (1.52 T above the hips) to the toe landmarks (1.85 T below).
    px_per_cm = 3.37 * 300 / 170.0
    assert r.px_per_cm == pytest.approx(px_per_cm, rel=0.01)
    assert r.left.dip_depth_cm == pytest.approx(r.left.dip_depth_px / px_per_cm, rel=0.01)


def test_height_without_feet_in_frame_warns():
    r = run(*make_body(Body(dip_left_px=8.0)), height_cm=170.0)  # feet cropped
    assert r.left.dip_depth_cm is None and "no_scale" in r.warning_codes()


def test_waist_to_hip_ratio_and_symmetry():
    r = run(*make_body(Body(dip_left_px=8.0, dip_right_px=8.0)))
    assert r.waist_to_hip_ratio == pytest.approx(0.30 / 0.42, abs=0.01)
    assert r.symmetry == pytest.approx(1.0, abs=0.02)
    one_sided = run(*make_body(Body(dip_left_px=8.0)))
    assert one_sided.symmetry < 0.1


def test_result_is_json_with_the_documented_keys():
    r = run(*make_body(Body(dip_left_px=6.0)))
    d = json.loads(json.dumps(r.to_dict()))
    assert d["schema_version"] == "1"
    assert d["image"] == {"width": 600, "height": 900}
    assert set(d) >= {
        "person_found",
        "view",
        "sides",
        "stance",
        "symmetry",
        "waist_to_hip_ratio",
        "pelvic_height_index",
        "warnings",
    }
    side_keys = {
        "dip_depth_px",
        "dip_depth_ratio",
        "dip_depth_cm",
        "dip_present",
        "confidence",
        "crest",
        "trochanter",
        "deepest",
        "love_handle_px",
    }
    for side in ("left", "right"):
        assert side_keys <= set(d["sides"][side])
    assert set(d["stance"]) >= {"hip_popped", "pelvic_tilt_deg", "weight_side"}
    row = r.to_row()
    assert row["left_dip_depth_px"] == d["sides"]["left"]["dip_depth_px"]
    assert row["left_deepest_x"] == d["sides"]["left"]["deepest"][0]


def test_results_are_frozen():
    r = run(*make_body(Body()))
    with pytest.raises(AttributeError):
        r.view = "back"


def test_large_photo_is_analysed_at_reduced_size_in_original_pixels():
    mask, lm = make_body(Body(dip_left_px=8.0))
    big = np.kron(image_for(mask), np.ones((2, 2, 1), np.uint8))  # 1800 x 1200
    est = PoseEstimate(lm, mask)  # the fake model sees the 900 x 600 working image
    with Analyzer(AnalyzerOptions(max_side=900), pose_backend=FakePose(est)) as analyzer:
        r = analyzer.analyze(big)
    assert (r.width, r.height) == (1200, 1800)
    assert r.left.dip_depth_px == pytest.approx(16.0, abs=tolerance(16.0))
    assert r.left.deepest[0] == pytest.approx(2 * (300 + 0.42 * 300 - 8.0) + 0.5, abs=1.5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(max_side=10), "max_side"),  # too small to find anyone
        (dict(dip_threshold_ratio=0.0), "dip_threshold_ratio"),
        (dict(min_detection_confidence=1.5), "min_detection_confidence"),
    ],
)
def test_bad_options_are_rejected(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        AnalyzerOptions(**kwargs)


def test_bad_height_is_rejected():
    mask, lm = make_body(Body())
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        with pytest.raises(InvalidInputError, match="height_cm"):
            analyzer.analyze(image_for(mask), height_cm=5)


def test_closed_analyzer_refuses_work():
    mask, lm = make_body(Body())
    analyzer = Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask)))
    analyzer.close()
    with pytest.raises(RuntimeError, match="closed"):
        analyzer.analyze(image_for(mask))


def test_large_photo_with_a_height_keeps_depth_over_cm_equal_to_the_scale():
    mask, lm = make_body(Body(dip_left_px=8.0), size=(1400, 600))
    big = np.kron(image_for(mask), np.ones((2, 2, 1), np.uint8))  # 2800 x 1200
    est = PoseEstimate(lm, mask)  # the fake model sees the 1400 x 600 working image
    with Analyzer(AnalyzerOptions(max_side=1400), pose_backend=FakePose(est)) as analyzer:
        r = analyzer.analyze(big, height_cm=170.0)
    # Head top to toes is 3.37 torso lengths of 300 px in the working image.
    assert r.px_per_cm == pytest.approx(2 * 3.37 * 300 / 170.0, rel=0.005)
    assert r.left.dip_depth_px == pytest.approx(16.0, abs=tolerance(16.0))
    assert r.left.dip_depth_px / r.left.dip_depth_cm == pytest.approx(r.px_per_cm, rel=1e-9)
    assert r.left.dip_depth_cm == pytest.approx(8.0 * 170.0 / (3.37 * 300), rel=0.05)


def test_a_12_megapixel_photo_keeps_depth_over_cm_equal_to_the_scale():
    # A phone photo, 3000 x 4000, analysed at the default 1600 px: a scale of
    # 2.5, not a whole factor, between working and photo pixels.
    mask, lm = make_body(Body(dip_left_px=8.0, torso_px=320.0), size=(1600, 1200))
    photo = cv2.resize(image_for(mask), (3000, 4000), interpolation=cv2.INTER_LINEAR)
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        r = analyzer.analyze(photo, height_cm=170.0)
    assert (r.width, r.height) == (3000, 4000)
    # Head top to toes is 3.37 torso lengths in the working image.
    assert r.px_per_cm == pytest.approx(2.5 * 3.37 * 320 / 170.0, rel=0.005)
    for side in (r.left, r.right):
        assert side.dip_depth_px / side.dip_depth_cm == pytest.approx(r.px_per_cm, rel=1e-9)
    assert r.left.dip_depth_px == pytest.approx(2.5 * 8.0, abs=2.5 * tolerance(8.0))
    assert r.left.dip_depth_cm == pytest.approx(8.0 * 170.0 / (3.37 * 320), rel=0.05)


@pytest.mark.parametrize("height", ["abc", None, True, float("nan"), float("inf"), [170]])
def test_a_height_that_is_not_a_number_is_an_invalid_input_error(height):
    mask, lm = make_body(Body())
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        if height is None:
            analyzer.analyze(image_for(mask), height_cm=height)  # None: no height, fine
            return
        with pytest.raises(InvalidInputError, match="height_cm"):
            analyzer.analyze(image_for(mask), height_cm=height)


class OneAtATime(FakePose):
    """A fake model that notices when two threads are inside it at once."""

    def __init__(self, estimate):
        super().__init__(estimate)
        self.inside = 0
        self.overlaps = 0

    def __call__(self, rgb):
        self.inside += 1
        self.overlaps += self.inside > 1
        time.sleep(0.02)  # the real model takes longer; long enough to overlap
        self.inside -= 1
        return super().__call__(rgb)


def test_one_analyzer_shared_by_threads_analyses_one_photo_at_a_time():
    mask, lm = make_body(Body(dip_left_px=8.0))
    pose = OneAtATime(PoseEstimate(lm, mask))
    rgb = image_for(mask)
    with Analyzer(pose_backend=pose) as analyzer:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: analyzer.analyze(rgb), range(12)))
    assert pose.calls == 12 and pose.overlaps == 0
    assert len({r.left.dip_depth_px for r in results}) == 1


class Crowd(FakePose):
    """Finds the same person every time, saying its detector saw ``seen`` people."""

    def __init__(self, estimate, seen):
        super().__init__(PoseEstimate(estimate.landmarks, estimate.mask, people_seen=seen))


@pytest.mark.parametrize(
    "seen, check, calls, warned",
    [
        (1, True, 1, False),  # alone: one model call, nothing else
        (None, True, 1, False),  # a backend that does not say: nobody else looked for
        (3, True, 2, True),  # others seen: asked again (finds the same one: stop)
        (3, False, 1, False),  # check_people=False: no look, no warning
    ],
)
def test_the_pose_detectors_count_decides_whether_to_look_for_others(seen, check, calls, warned):
    mask, lm = make_body(Body())
    pose = Crowd(PoseEstimate(lm, mask), seen)
    with Analyzer(AnalyzerOptions(check_people=check), pose_backend=pose) as analyzer:
        r = analyzer.analyze(image_for(mask))
    assert pose.calls == calls
    assert ("several_people" in r.warning_codes()) is warned
    if warned:
        # People the detector saw count even when the model, asked again,
        # places no landmarks on them.
        (w,) = [n for n in r.warnings if n.code == "several_people"]
        assert w.message.startswith("3 or more people")


def test_a_people_backend_is_run_on_every_photo_and_not_closed():
    mask, lm = make_body(Body())

    class People:
        calls = closed = 0

        def __call__(self, rgb):
            People.calls += 1
            assert max(rgb.shape[:2]) <= 256  # a small copy is enough
            return np.zeros(rgb.shape[:2], np.float32)

        def close(self):
            People.closed += 1

    pose = Crowd(PoseEstimate(lm, mask), 1)
    with Analyzer(pose_backend=pose, people_backend=People()) as analyzer:
        r = analyzer.analyze(image_for(mask))
    assert People.calls == 1 and People.closed == 0 and pose.calls == 1
    assert "several_people" not in r.warning_codes()
