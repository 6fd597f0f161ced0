"""The body frame, the standing check, the head and the height scale, on the
synthetic body whose landmarks and outline are placed exactly (support/bodies.py:
hips at (300, 405) in a 600 x 900 image, torso T = 300 px, shoulders 0.35 T and
hips 0.20 T either side of the axis, head top 1.52 T above the hips, toes 1.85 T
below)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from silhouette import Landmark
from silhouette.core.anatomy import (
    BANDS,
    band_lines,
    body_frame,
    head_top,
    is_standing,
    pixels_per_cm,
)
from support.bodies import Body, mirror, moved, rotate, scene, with_visibility

T = 300.0
TALL = (1400, 600)  # head and feet in the photo
STATURE_PX = (1.52 + 1.85) * T  # head top to toe tips


def test_bands_in_pixels():
    assert BANDS.pixels("trochanter", 200.0) == (-100.0, 20.0)
    assert BANDS.pixels("love_handle", 200.0) == (50.0, 100.0)
    assert BANDS.pixels("waist", 10.0) == (2.5, 5.0)
    # The dip's bands overlap, and the window holds them both.
    assert BANDS.trochanter[0] < BANDS.crest[0] < BANDS.trochanter[1] < BANDS.crest[1]
    assert BANDS.window_bottom <= BANDS.trochanter[0] and BANDS.crest[1] <= BANDS.window_top


def test_front_view_frame():
    mask, lm = scene()
    f = body_frame(lm, mask.shape)
    np.testing.assert_allclose(f.origin, [300.0, 405.0])
    np.testing.assert_allclose(f.up, [0.0, -1.0], atol=1e-12)
    # Front view: the person's left is the image's right.
    np.testing.assert_allclose(f.lateral, [1.0, 0.0], atol=1e-12)
    assert f.torso_px == pytest.approx(T)
    assert f.roll_deg == pytest.approx(0.0, abs=1e-9)
    assert f.hip_half_width_px == pytest.approx(0.2 * T)


def test_back_view_frame_points_lateral_to_the_image_left():
    mask, lm = scene()
    # Seen from behind the landmark named LEFT_HIP is on the image left.
    _, flipped = mirror(mask, lm)
    xy = flipped.xy.copy()
    xy[:, 0] = (mask.shape[1] - 1) - xy[:, 0]  # positions flipped back, names kept
    f = body_frame(type(lm)(xy, lm.visibility), mask.shape)
    np.testing.assert_allclose(f.lateral, [-1.0, 0.0], atol=1e-12)
    assert f.hip_half_width_px == pytest.approx(0.2 * T)


@pytest.mark.parametrize("deg", [7.0, -12.0])
def test_frame_follows_camera_roll(deg):
    mask, lm = rotate(*scene(), deg)
    f = body_frame(lm, mask.shape)
    assert f.roll_deg == pytest.approx(deg, abs=1e-6)
    a = math.radians(deg)
    np.testing.assert_allclose(f.up, [math.sin(a), -math.cos(a)], atol=1e-9)
    np.testing.assert_allclose(f.lateral, [math.cos(a), math.sin(a)], atol=1e-9)
    assert f.torso_px == pytest.approx(T)
    assert f.hip_half_width_px == pytest.approx(0.2 * T)


def test_frame_coordinates_round_trip():
    mask, lm = rotate(*scene(), 9.0)
    f = body_frame(lm, mask.shape)
    pts = np.array([[10.0, 20.0], [300.0, 400.0], [-5.0, 1000.0]])
    lat, v = f.to_frame(pts).T
    np.testing.assert_allclose(f.to_image(lat, v), pts, atol=1e-9)
    # The left hip joint is 0.2 T towards the person's left, at height 0.
    np.testing.assert_allclose(f.to_frame(lm[Landmark.LEFT_HIP]), [0.2 * T, 0.0], atol=1e-9)
    np.testing.assert_allclose(f.to_frame(lm[Landmark.RIGHT_SHOULDER]), [-0.35 * T, T], atol=1e-9)


def test_axis_comes_from_the_ankles_else_the_knees_else_the_hips():
    mask, lm = scene(Body(), TALL)
    # Both knees 0.2 T towards the person's left: only an axis through the
    # knees leans (60 px across over the 570 px from knees to shoulders).
    lm = moved(lm, mask.shape, LEFT_KNEE=(0.38, -0.9), RIGHT_KNEE=(0.02, -0.9))
    assert body_frame(lm, mask.shape).roll_deg == pytest.approx(0.0, abs=1e-9)
    no_ankles = with_visibility(lm, LEFT_ANKLE=0.2, RIGHT_ANKLE=0.9)
    lean = -math.degrees(math.atan2(0.2 * T, 1.9 * T))
    f = body_frame(no_ankles, mask.shape)
    assert f.roll_deg == pytest.approx(lean, abs=1e-6)
    assert f.torso_px == pytest.approx(T * math.cos(math.radians(lean)))
    neither = with_visibility(no_ankles, LEFT_KNEE=0.1)
    assert body_frame(neither, mask.shape).roll_deg == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("hidden", ["LEFT", "RIGHT"])
def test_one_unseen_ankle_or_knee_is_enough_to_pass_over_the_pair(hidden):
    # The model still places unseen landmarks, anywhere: an unseen ankle
    # (or knee) 0.6 T off to the side must not lean the axis.
    mask, lm = scene(Body(), TALL)
    lat = 0.6 if hidden == "LEFT" else -0.6
    lm = moved(lm, mask.shape, **{f"{hidden}_ANKLE": (lat, -1.75)})
    lm = with_visibility(lm, **{f"{hidden}_ANKLE": 0.1})
    # The knees are straight below the hips: the axis is the vertical.
    assert body_frame(lm, mask.shape).roll_deg == pytest.approx(0.0, abs=1e-9)
    # And with the ankles out, an unseen knee off to the side: the hips.
    lm = with_visibility(lm, LEFT_ANKLE=0.1, RIGHT_ANKLE=0.1)
    lm = moved(lm, mask.shape, **{f"{hidden}_KNEE": (lat, -0.9)})
    lm = with_visibility(lm, **{f"{hidden}_KNEE": 0.1})
    assert body_frame(lm, mask.shape).roll_deg == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("name", ["LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"])
def test_no_frame_without_all_shoulders_and_hips(name):
    mask, lm = scene()
    assert body_frame(with_visibility(lm, **{name: 0.49}), mask.shape) is None
    assert body_frame(with_visibility(lm, **{name: 0.5}), mask.shape) is not None
    # Outside the photo counts as unseen, on any edge.
    for where in ((-1.2, 0.5), (1.2, 0.5), (0.0, 1.4), (0.0, -2.0)):
        assert body_frame(moved(lm, mask.shape, **{name: where}), mask.shape) is None


def test_no_frame_for_a_torso_of_a_few_pixels():
    mask, lm = scene()
    short = moved(lm, mask.shape, LEFT_SHOULDER=(0.35, 0.01), RIGHT_SHOULDER=(-0.35, 0.01))
    assert body_frame(short, mask.shape) is None  # 3 px
    ok = moved(lm, mask.shape, LEFT_SHOULDER=(0.35, 0.02), RIGHT_SHOULDER=(-0.35, 0.02))
    assert body_frame(ok, mask.shape).torso_px == pytest.approx(6.0)


def test_standing_straight_is_standing():
    mask, lm = scene()
    assert is_standing(body_frame(lm, mask.shape), lm, mask.shape)


@pytest.mark.parametrize(
    "knee_v, standing",
    [(-0.9, True), (-0.56, True), (-0.54, False), (-0.3, False), (0.0, False)],
)
def test_a_knee_near_hip_height_is_not_standing(knee_v, standing):
    mask, lm = scene()
    frame = body_frame(lm, mask.shape)
    for name in ("LEFT_KNEE", "RIGHT_KNEE"):
        bent = moved(lm, mask.shape, **{name: (0.18, knee_v)})
        assert is_standing(frame, bent, mask.shape) is standing


def test_unseen_or_cut_off_knees_are_no_evidence():
    mask, lm = scene()
    frame = body_frame(lm, mask.shape)
    sitting = moved(lm, mask.shape, LEFT_KNEE=(0.18, -0.3))
    assert not is_standing(frame, sitting, mask.shape)
    assert is_standing(frame, with_visibility(sitting, LEFT_KNEE=0.4), mask.shape)
    # A knee the model puts within 0.1 T (30 px) of the photo's edge.
    for lat in (0.95, -0.95):  # x = 585 and 15
        at_edge = moved(lm, mask.shape, LEFT_KNEE=(lat, -0.3))
        assert is_standing(frame, at_edge, mask.shape)
    inside = moved(lm, mask.shape, LEFT_KNEE=(0.85, -0.3))  # x = 555
    assert not is_standing(frame, inside, mask.shape)


def test_head_top_is_found_on_the_mask():
    mask, lm = scene(Body(), TALL)
    f = body_frame(lm, mask.shape)
    # Sampled at whole pixels: within one.
    assert head_top(mask, f, lm) == pytest.approx(1.52 * T, abs=1.0)


def test_head_top_follows_the_body_axis_under_roll():
    mask, lm = rotate(*scene(Body(), TALL), 6.0)
    f = body_frame(lm, mask.shape)
    assert head_top(mask, f, lm) == pytest.approx(1.52 * T, abs=1.0)


def test_head_out_of_the_photo_has_no_top():
    mask, lm = scene()  # 900 px tall: the head top is 51 px above the photo
    assert head_top(mask, body_frame(lm, mask.shape), lm) is None
    tall, tlm = scene(Body(), TALL)
    f = body_frame(tlm, tall.shape)
    # A nose already outside the mask has no head above it to measure.
    assert head_top(np.zeros_like(tall), f, tlm) is None


def test_pixels_per_cm_from_head_to_toes():
    mask, lm = scene(Body(), TALL)
    f = body_frame(lm, mask.shape)
    assert pixels_per_cm(mask, f, lm, 170.0, mask.shape) == pytest.approx(
        STATURE_PX / 170.0, rel=0.002
    )
    # The toes are the lowest foot points; with them unseen, the heels are.
    heels = with_visibility(lm, LEFT_FOOT_INDEX=0.0, RIGHT_FOOT_INDEX=0.0)
    assert pixels_per_cm(mask, f, heels, 170.0, mask.shape) == pytest.approx(
        (1.52 + 1.82) * T / 170.0, rel=0.002
    )


def test_no_scale_without_two_feet_points_or_the_head():
    mask, lm = scene(Body(), TALL)
    f = body_frame(lm, mask.shape)
    one = with_visibility(lm, LEFT_FOOT_INDEX=0.0, RIGHT_FOOT_INDEX=0.0, LEFT_HEEL=0.3)
    assert pixels_per_cm(mask, f, one, 170.0, mask.shape) is None
    # Feet below the photo are not seen, whatever the model's visibility.
    cut = (1150, 600)  # toes at y = 1185, heels at 1176
    assert pixels_per_cm(mask, f, lm, 170.0, cut) is None
    short, slm = scene()
    assert pixels_per_cm(short, body_frame(slm, short.shape), slm, 170.0, short.shape) is None


def test_band_lines_are_the_band_edges_across_the_hips():
    mask, lm = scene()
    f = body_frame(lm, mask.shape)
    hip_w = 252.0
    lines = band_lines(f, hip_w)
    assert set(lines) == {"crest", "trochanter"}
    for name, reach, top, bottom in (
        ("crest", 0.68 * hip_w, 0.25, -0.05),
        ("trochanter", 0.60 * hip_w, 0.10, -0.50),
    ):
        expected = [
            [[300 - reach, 405 - top * T], [300 + reach, 405 - top * T]],
            [[300 - reach, 405 - bottom * T], [300 + reach, 405 - bottom * T]],
        ]
        np.testing.assert_allclose(lines[name], expected, atol=1e-9)


def turned_quarter(mask: np.ndarray, lm, k: int):
    """The scene turned by ``k`` quarter turns clockwise (the body lies in the photo)."""
    h, w = mask.shape
    xy = lm.xy.copy()
    for _ in range(k % 4):
        xy = np.column_stack([h - 1 - xy[:, 1], xy[:, 0]])
        h, w = w, h
    return np.ascontiguousarray(np.rot90(mask, -k)), type(lm)(xy, lm.visibility, lm.world)


@pytest.mark.parametrize(
    "quarter", [0, 1, 2, 3], ids=["upright", "head-right", "upside-down", "head-left"]
)
def test_head_top_touching_or_cut_by_any_edge_of_the_photo(quarter):
    tall, lm = scene(Body(), TALL)
    top = 630 - 456  # the head's edge (mask 0.5) is on row 174
    # One pixel of background left beyond the head: the top is found ...
    mask, tlm = turned_quarter(*crop_rows(tall, lm, top - 1), quarter)
    f = body_frame(tlm, mask.shape)
    assert head_top(mask, f, tlm) == pytest.approx(1.52 * T, abs=1.0)
    # ... none: the head may go on beyond the photo's edge.
    mask, tlm = turned_quarter(*crop_rows(tall, lm, top), quarter)
    assert head_top(mask, body_frame(tlm, mask.shape), tlm) is None


def crop_rows(mask: np.ndarray, lm, y0: int):
    """The scene's rows from ``y0`` down."""
    shift = np.array([0.0, y0])
    return np.ascontiguousarray(mask[y0:]), type(lm)(lm.xy - shift, lm.visibility, lm.world)


def test_a_mask_running_on_far_above_the_nose_is_no_head():
    # Something held straight up from the head (an arm, a pole) runs on for
    # a whole torso length above the nose, inside the photo: a head reaches
    # about a quarter of that, so there is no head top to give.
    tall, lm = scene(Body(), TALL)
    pad = 200
    mask = np.pad(tall, ((pad, 0), (0, 0)))
    lm = type(lm)(lm.xy + np.array([0.0, pad]), lm.visibility, lm.world)
    nose_y = 630 + pad - 1.3 * T
    mask[int(nose_y - T) : int(nose_y), 290:310] = 1.0
    assert head_top(mask, body_frame(lm, mask.shape), lm) is None


@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
def test_a_head_cut_by_the_photo_under_camera_roll_has_no_top(quarter):
    # Rolled 25 degrees, the walk up the body axis leaves the photo's edge
    # on a slant (the top edge, or, turned, any other); beyond it the head
    # goes on, so there is no top.
    tall, lm = rotate(*scene(Body(), TALL), 25.0)
    f = body_frame(lm, tall.shape)
    top = f.to_image(f.to_frame(lm[Landmark.NOSE])[0], 1.52 * T)
    whole, wlm = turned_quarter(*crop_rows(tall, lm, int(top[1]) - 15), quarter)
    assert head_top(whole, body_frame(wlm, whole.shape), wlm) == pytest.approx(1.52 * T, abs=1)
    cut, clm = turned_quarter(*crop_rows(tall, lm, int(top[1]) + 15), quarter)
    assert head_top(cut, body_frame(clm, cut.shape), clm) is None


@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
def test_toes_on_the_photos_last_pixel_are_in_it(quarter):
    # Only the toes are seen (the heels not): the scale needs both. The toe
    # tips are on row 1185: the last row of a photo 1186 rows tall, and
    # just outside one of 1185; turned, the same on every edge.
    tall, lm = scene(Body(), TALL)
    toes_only = with_visibility(lm, LEFT_HEEL=0.0, RIGHT_HEEL=0.0)
    for rows, seen in ((1186, True), (1185, False)):
        mask, tlm = turned_quarter(np.ascontiguousarray(tall[:rows]), toes_only, quarter)
        f = body_frame(tlm, mask.shape)
        scale = pixels_per_cm(mask, f, tlm, 170.0, mask.shape)
        assert (scale is not None) == seen
        if seen:
            assert scale == pytest.approx(STATURE_PX / 170.0, rel=0.003)


def test_a_visibility_of_one_half_is_seen():
    # MIN_VISIBILITY = 0.5: landmarks below it are not seen, at it they are.
    tall, lm = scene(Body(), TALL)
    f = body_frame(lm, tall.shape)
    half = with_visibility(lm, LEFT_HEEL=0.0, RIGHT_HEEL=0.0, LEFT_FOOT_INDEX=0.5)
    assert pixels_per_cm(tall, f, half, 170.0, tall.shape) is not None
    less = with_visibility(half, LEFT_FOOT_INDEX=0.49)
    assert pixels_per_cm(tall, f, less, 170.0, tall.shape) is None
    sitting = moved(lm, tall.shape, LEFT_KNEE=(0.18, -0.3))
    assert not is_standing(f, with_visibility(sitting, LEFT_KNEE=0.5), tall.shape)
    assert is_standing(f, with_visibility(sitting, LEFT_KNEE=0.49), tall.shape)


def test_knees_are_judged_up_to_a_tenth_of_a_torso_from_the_photos_edge():
    mask, lm = scene()  # 600 x 900; the margin is 0.1 T = 30 px
    f = body_frame(lm, mask.shape)

    def knee_at(x: float, y: float):
        xy = lm.xy.copy()
        xy[Landmark.LEFT_KNEE] = (x, y)
        return type(lm)(xy, lm.visibility, lm.world)

    # A knee level with the hips (far too high), on the margin's inner
    # edge, is evidence; in the margin it is not.
    assert not is_standing(f, knee_at(30.0, 405.0), mask.shape)
    assert is_standing(f, knee_at(29.9, 405.0), mask.shape)
    assert not is_standing(f, knee_at(569.9, 405.0), mask.shape)
    assert is_standing(f, knee_at(570.0, 405.0), mask.shape)
    assert not is_standing(f, knee_at(300.0, 30.0), mask.shape)
    assert is_standing(f, knee_at(300.0, 29.9), mask.shape)


def test_both_knees_are_looked_at():
    mask, lm = scene()
    f = body_frame(lm, mask.shape)
    # The left knee unseen says nothing; the right one, far too high, does.
    sitting = moved(lm, mask.shape, RIGHT_KNEE=(-0.18, -0.3))
    assert not is_standing(f, with_visibility(sitting, LEFT_KNEE=0.1), mask.shape)
