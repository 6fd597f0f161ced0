"""The person's mask: the region holding the torso is kept, other regions are
counted and cut, and the guided filter pulls the edge onto the photo's edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from silhouette import Landmark
from silhouette.core.anatomy import BANDS, body_frame
from silhouette.core.mask import refine_around_hips, refine_edges, select_person
from silhouette.core.outline import side_profile
from support.bodies import Body, scene

T = 300.0
TORSO = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)


def with_block(mask: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    out = mask.copy()
    out[rows, cols] = 1.0
    return out


def body_area(mask: np.ndarray) -> int:
    return int((mask >= 0.5).sum())


def cut_to_a_rim(soft: np.ndarray, region: np.ndarray) -> bool:
    """Whether a region's core is cut: regions are found at half resolution,
    so at most a one-pixel rim of it may stay at or above 0.5."""
    inner = cv2.erode((region >= 0.5).astype(np.uint8), np.ones((3, 3), np.uint8))
    left = soft >= 0.5
    return not (left & inner.astype(bool)).any() and left.sum() < 0.01 * (region >= 0.5).sum()


def test_a_lone_person_is_kept_as_it_is():
    mask, lm = scene()
    person = select_person(mask, lm)
    assert person.other_regions == 0
    np.testing.assert_array_equal(person.soft, mask)
    assert person.soft.dtype == np.float32 and person.soft is not mask


@pytest.mark.parametrize("share, counted", [(0.25, 1), (0.15, 0)])
def test_other_regions_are_cut_and_the_large_ones_counted(share, counted):
    mask, lm = scene()
    # A block beside the body (the body spans x = 174-426), of a known share
    # of the person's area.
    height = round(share * body_area(mask) / 150)
    other = with_block(mask, slice(0, height), slice(0, 150))
    person = select_person(other, lm)
    assert person.other_regions == counted
    # The other region's core is gone, the person is untouched.
    assert person.soft[:height, :150].max() < 0.5
    np.testing.assert_array_equal(person.soft[:, 150:], mask[:, 150:])


def test_two_other_people_are_counted_as_two():
    mask, lm = scene()
    h = round(0.3 * body_area(mask) / 150)
    other = with_block(with_block(mask, slice(0, h), slice(0, 150)), slice(0, h), slice(450, 600))
    assert select_person(other, lm).other_regions == 2


def test_the_region_with_the_torso_is_the_person():
    mask, lm = scene(Body(torso_px=150), (450, 300))
    # Two people side by side; the landmarks are the right-hand one's.
    both = np.concatenate([mask, mask], axis=1)
    lm_right = type(lm)(lm.xy + np.array([300.0, 0.0]), lm.visibility, lm.world)
    person = select_person(both, lm_right)
    assert person.other_regions == 1
    np.testing.assert_array_equal(person.soft[:, 300:], mask)
    assert cut_to_a_rim(person.soft[:, :300], mask)
    # ... and the left-hand one's.
    person = select_person(both, lm)
    np.testing.assert_array_equal(person.soft[:, :300], mask)
    assert cut_to_a_rim(person.soft[:, 300:], mask)


@pytest.mark.parametrize("dy, dx", [(0, 0), (1, 3), (6, 5)])
def test_a_blank_margin_changes_nothing(dy, dx):
    # Regions are labelled within the box around the mask: wherever that box
    # starts, the same person is kept and the same other regions are cut.
    mask, lm = scene()
    h = round(0.3 * body_area(mask) / 150)
    other = with_block(with_block(mask, slice(0, h), slice(0, 150)), slice(5, h), slice(450, 600))
    pad = np.zeros((mask.shape[0] + 2 * dy + 2, mask.shape[1] + 2 * dx + 2), np.float32)
    pad[2 * dy : 2 * dy + mask.shape[0], 2 * dx : 2 * dx + mask.shape[1]] = other
    moved = type(lm)(lm.xy + np.array([2.0 * dx, 2.0 * dy]), lm.visibility, lm.world)
    person, expected = select_person(pad, moved), select_person(other, lm)
    assert person.other_regions == expected.other_regions == 2
    np.testing.assert_array_equal(
        person.soft[2 * dy : 2 * dy + mask.shape[0], 2 * dx : 2 * dx + mask.shape[1]],
        expected.soft,
    )


def test_no_region_no_person():
    mask, lm = scene()
    assert select_person(np.zeros_like(mask), lm) is None
    # A region elsewhere, not under the torso landmarks, is not this person.
    elsewhere = with_block(np.zeros_like(mask), slice(0, 100), slice(0, 100))
    assert select_person(elsewhere, lm) is None


# --------------------------------------------------------------------------
# Edge refinement: the guided filter moves the mask's edge onto the photo's
# --------------------------------------------------------------------------


def step_photo(h: int = 60, w: int = 200, edge: float = 99.5) -> np.ndarray:
    """A bright person left of ``edge`` (between pixel centres) on a dark ground."""
    rgb = np.full((h, w, 3), 40, np.uint8)
    rgb[:, : int(edge + 0.5)] = 200
    return rgb


def crossing(row: np.ndarray) -> float:
    """Where a falling row crosses 0.5, to a fraction of a pixel."""
    j = int(np.nonzero(row < 0.5)[0][0])
    return j - 1 + (row[j - 1] - 0.5) / (row[j - 1] - row[j])


@pytest.mark.parametrize("offset", [3.0, -3.0])
def test_guided_filter_pulls_an_offset_edge_onto_the_photos(offset):
    rgb = step_photo()
    xs = np.arange(rgb.shape[1], dtype=float)
    soft = np.clip(0.5 + ((99.5 + offset) - xs) / 6.0, 0.0, 1.0)
    soft = np.repeat(soft[None, :], rgb.shape[0], axis=0).astype(np.float32)
    assert crossing(soft[30]) == pytest.approx(99.5 + offset)
    out = refine_edges(soft, rgb, radius_px=9, eps=0.01)
    assert out.dtype == np.float32 and out.shape == soft.shape
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert crossing(out[30]) == pytest.approx(99.5, abs=0.5)


def test_refining_around_the_hips_follows_the_photo_there_only():
    mask, lm = scene()
    # The photo's person is 3 px wider all round than the mask says.
    hard = (mask >= 0.5).astype(np.uint8)
    wide = cv2.dilate(hard, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    rgb = np.repeat((40 + 160 * wide)[:, :, None], 3, axis=2).astype(np.uint8)
    frame = body_frame(lm, mask.shape)
    work = mask.copy()
    out = refine_around_hips(work, rgb, frame)
    assert out is work  # in place
    for side in ("left", "right"):
        kw = dict(v_top=BANDS.window_top * T, v_bottom=BANDS.window_bottom * T)
        before = side_profile(mask, frame, lm, side, **kw)
        after = side_profile(out, frame, lm, side, **kw)
        moved_px = after.u - before.u
        # The photo's edge is on whole pixels, the mask's is not: each level
        # moves by 3 px give or take a pixel, the median by 3.
        assert np.median(moved_px) == pytest.approx(3.0, abs=0.3)
        assert moved_px.min() > 1.5 and moved_px.max() < 4.5
    # Outside the two strips beside the hips nothing changes: above and
    # below the window (with the filter's 9 px reach) ...
    radius = round(0.03 * T)
    top = int(405 - (BANDS.window_top + 0.03) * T) - radius - 1
    bottom = int(405 - (BANDS.window_bottom - 0.03) * T) + radius + 1
    np.testing.assert_array_equal(out[:top], mask[:top])
    np.testing.assert_array_equal(out[bottom + 1 :], mask[bottom + 1 :])
    # ... and in the middle of the body, inside 0.2 T of the axis.
    inner = slice(int(300 - 0.2 * T + radius + 1), int(300 + 0.2 * T - radius))
    np.testing.assert_array_equal(out[:, inner], mask[:, inner])
    assert not np.array_equal(out, mask)


def test_the_torso_centre_outvotes_a_hip_landmark_on_someone_else():
    # Shoulders and hip joints all miss the person's region (a narrow torso
    # seen at an angle), and one hip joint falls on someone behind, whose
    # region starts higher in the photo. The centre of the torso's two
    # diagonals lies inside the person: two votes against one.
    mask, lm = scene()
    yy, xx = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    centre = lm.xy[list(TORSO)].mean(axis=0)
    person = (np.hypot(xx - centre[0], yy - centre[1]) <= 40).astype(np.float32)
    hip_x, hip_y = lm[Landmark.LEFT_HIP]
    behind = np.zeros_like(person)
    behind[: int(hip_y) + 15, int(hip_x) - 10 : int(hip_x) + 10] = 1.0
    assert not (person * behind).any()
    both = person + behind
    for k in TORSO:
        x, y = np.round(lm[k]).astype(int)
        assert person[y, x] == 0.0
    kept = select_person(both, lm)
    np.testing.assert_array_equal(kept.soft[person > 0], 1.0)
    assert cut_to_a_rim(kept.soft * behind, behind)
    assert kept.other_regions == 1


@pytest.mark.parametrize(
    "keep", [(slice(0, 300), slice(None)), (slice(None), slice(0, 380))], ids=["bottom", "right"]
)
def test_landmarks_beyond_the_photos_edge_still_find_the_person(keep):
    # The photo ends above the hip joints (row 405), or left of the left
    # shoulder (column 405): those landmarks are looked up at the edge.
    mask, lm = scene()
    cut = np.ascontiguousarray(mask[keep])
    h, w = cut.shape
    assert (lm.xy[:, 1] >= h).any() or (lm.xy[:, 0] >= w).any()
    person = select_person(cut, lm)
    assert person is not None and person.other_regions == 0
    np.testing.assert_array_equal(person.soft, cut)


def test_the_refined_mask_stays_between_0_and_1():
    # A bright seam just inside the person and a dark one just outside: the
    # guided filter's local linear fit overshoots on both; the mask is a
    # mask all the same.
    rgb = np.full((60, 200, 3), 90, np.uint8)
    rgb[:, :100] = 160
    rgb[:, 96:98] = 255
    rgb[:, 102:104] = 0
    soft = np.zeros((60, 200), np.float32)
    soft[:, :100] = 1.0
    out = refine_edges(soft, rgb, radius_px=9, eps=0.01)
    assert out.min() == 0.0 and out.max() == 1.0
    # Still an edge between the seams.
    assert 96 < crossing(out[30]) < 104
