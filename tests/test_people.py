"""Choosing the largest of several people, with a scripted pose model."""

import cv2
import numpy as np
import pytest

from silhouette import Landmark, Landmarks, PoseEstimate
from silhouette.core.people import MAX_PEOPLE, largest_person, plausible_person, torso_length
from support.bodies import Body, make_body, measure, scene


def two_people():
    """A small person (torso 150 px) left and a large one (torso 260 px) right."""
    small_mask, small_lm = make_body(Body(torso_px=150), size=(900, 500))
    big_mask, big_lm = make_body(Body(torso_px=260), size=(900, 700))
    mask = np.zeros((900, 1200), np.float32)
    mask[:, :500] = small_mask
    mask[:, 500:] = big_mask
    big_xy = big_lm.xy + np.array([500.0, 0.0])
    small = PoseEstimate(small_lm, np.pad(small_mask, ((0, 0), (0, 700))))
    big = PoseEstimate(
        type(big_lm)(big_xy, big_lm.visibility, big_lm.world), np.pad(big_mask, ((0, 0), (500, 0)))
    )
    rgb = np.repeat((40 + 160 * mask)[:, :, None], 3, axis=2).astype(np.uint8)
    return rgb, mask, small, big


class ScriptedPose:
    """Finds the small person first (as a detector may), then the large one."""

    def __init__(self, small, big, rgb):
        self.small, self.big, self.rgb = small, big, rgb

    def __call__(self, canvas):
        small_gone = not np.array_equal(canvas[:, :500], self.rgb[:, :500])
        big_gone = not np.array_equal(canvas[:, 500:], self.rgb[:, 500:])
        if not small_gone:
            return self.small
        return None if big_gone else self.big


def test_the_largest_person_is_measured_and_counted():
    rgb, people, small, big = two_people()
    chosen, n = largest_person(rgb, small, people, ScriptedPose(small, big, rgb))
    assert n == 2
    assert chosen is big
    assert torso_length(big) == pytest.approx(260, abs=1)


def test_one_person_alone_is_left_alone():
    rgb, _, small, _ = two_people()
    only = small.mask.copy()
    calls = []

    def pose(canvas):
        calls.append(1)
        return None

    chosen, n = largest_person(rgb, small, only, pose)
    assert (chosen, n) == (small, 1) and not calls  # no second look needed


def test_segmented_objects_without_a_person_do_not_count():
    rgb, people, small, _ = two_people()
    chosen, n = largest_person(rgb, small, people, lambda canvas: None)
    assert (chosen, n) == (small, 1)


# --------------------------------------------------------------------------
# When to look again, what the pose model is shown, when to stop
# --------------------------------------------------------------------------


def textured(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A noisy photo: its blur differs from it almost everywhere."""
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def bar_person(shape=(900, 600)) -> PoseEstimate:
    """A thin upright person: 20 px wide, 700 px tall, in the middle."""
    _, lm = make_body(Body())
    mask = np.zeros(shape, np.float32)
    mask[100:800, 290:310] = 1.0
    return PoseEstimate(lm, mask)


def small(mask: np.ndarray, dilate_px: int = 0, size=(256, 171)) -> np.ndarray:
    """The people mask at the small size the analyzer gives it, grown by ``dilate_px``."""
    out = cv2.resize(
        (mask >= 0.5).astype(np.uint8), (size[1], size[0]), interpolation=cv2.INTER_AREA
    )
    if dilate_px:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate_px + 1,) * 2)
        out = cv2.dilate(out, k)
    return out.astype(np.float32)


class Counting:
    """A pose model that finds nobody, counting how often it is asked."""

    def __init__(self):
        self.calls = 0

    def __call__(self, canvas):
        self.calls += 1


def test_the_persons_own_blurred_edge_is_not_another_person():
    # The segmentation's person is 2 px wider all round at the small size;
    # for a thin person that rim is two thirds of its own area, but within
    # the 1 % (3 px) allowed for two masks of the same person.
    first = bar_person()
    pose = Counting()
    chosen, n = largest_person(textured((900, 600)), first, small(first.mask, 2), pose)
    assert (chosen, n) == (first, 1) and pose.calls == 0


def test_person_pixels_beyond_that_edge_send_the_model_looking():
    first = bar_person()
    pose = Counting()
    chosen, n = largest_person(textured((900, 600)), first, small(first.mask, 6), pose)
    assert (chosen, n) == (first, 1) and pose.calls == 1


@pytest.mark.parametrize("share, looks", [(0.25, 0), (0.35, 1)])
def test_a_third_more_person_is_worth_a_second_look(share, looks):
    mask, lm = make_body(Body())
    first = PoseEstimate(lm, mask)
    people = (mask >= 0.5).astype(np.float32)
    # Another region, apart from the person, of a known share of its area.
    rows = round(share * people.sum() / 100)
    people[:rows, :100] = 1.0
    pose = Counting()
    largest_person(textured(mask.shape), first, people, pose)
    assert pose.calls == looks


def test_the_model_is_shown_the_photo_with_the_found_person_blanked():
    rgb, people, small_one, _ = two_people()
    rgb = textured(rgb.shape[:2])
    seen = []

    def pose(canvas):
        seen.append(canvas.copy())
        return None

    largest_person(rgb, small_one, people, pose)
    (canvas,) = seen
    # Blanked: the person and a margin of 1 % of the photo (12 px) around it.
    person = small_one.mask >= 0.5
    changed = (canvas != rgb).any(axis=2)
    assert changed[person].mean() > 0.98
    near = cv2.dilate(person.astype(np.uint8), np.ones((21, 21), np.uint8)).astype(bool)
    assert changed[near & ~person].mean() > 0.9
    far = ~cv2.dilate(person.astype(np.uint8), np.ones((27, 27), np.uint8)).astype(bool)
    assert not changed[far].any()
    assert rgb is not canvas and not (rgb == canvas).all()


def test_a_person_found_again_ends_the_search():
    rgb, people, small_one, _ = two_people()
    calls = []

    def pose(canvas):
        calls.append(1)
        return small_one  # the detector keeps finding the blanked person

    chosen, n = largest_person(rgb, small_one, people, pose)
    assert (chosen, n) == (small_one, 1) and len(calls) == 1


def test_at_most_four_people_are_looked_for():
    rgb, people, small_one, _ = two_people()
    shifted = []
    for k in range(1, 8):  # a new person in a new place every time
        xy = small_one.landmarks.xy.copy()
        xy[:, 0] = 30.0 * k
        lm = type(small_one.landmarks)(xy, small_one.landmarks.visibility)
        mask = np.zeros_like(small_one.mask)
        mask[:, 30 * k - 2 : 30 * k + 2] = 1.0
        shifted.append(PoseEstimate(lm, mask))
    queue = iter(shifted)
    # Each new person is a 4 px wide strip 30 px further right; the fourth
    # would still be new, but four are enough.
    _, n = largest_person(rgb, small_one, people, lambda canvas: next(queue))
    assert n == MAX_PEOPLE == 4


# --------------------------------------------------------------------------
# Is what the pose model found a person at all?
# --------------------------------------------------------------------------


def test_the_synthetic_body_is_a_plausible_person():
    mask, lm = scene(Body())
    assert plausible_person(PoseEstimate(lm, mask), mask)


def test_a_wall_behind_a_skeleton_is_not_a_person():
    # The whole picture segmented as "person" around the landmarks: 600 x 900 px
    # is 6 torso lengths squared... and more once the torso is shorter.
    mask, lm = scene(Body(torso_px=200.0))
    wall = np.ones_like(mask)
    assert not plausible_person(PoseEstimate(lm, wall), wall)
    found = measure(wall, lm)
    assert found.person_found is False and found.warning_codes() == ["no_person"]


def test_a_skeleton_wider_than_its_torso_is_not_a_person():
    mask, lm = scene(Body())
    xy = lm.xy.copy()
    centre = lm.mid(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    for k in (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER):
        xy[k] = centre + 2.5 * (xy[k] - centre)  # shoulders 1.75 torso lengths apart
    wide = Landmarks(xy, lm.visibility, lm.world)
    assert not plausible_person(PoseEstimate(wide, mask), mask)


def test_a_region_that_misses_the_torso_is_not_a_person():
    mask, lm = scene(Body())
    patch = np.zeros_like(mask)
    # Only a strip down the person's left flank: the torso between is empty.
    patch[:, 380:430] = mask[:, 380:430]
    assert not plausible_person(PoseEstimate(lm, patch), patch)


def test_without_a_people_mask_the_model_is_asked_again_straight_away():
    # The pose model's own detector saw several people: no mask decides.
    rgb, _, small_one, big = two_people()
    chosen, n = largest_person(rgb, small_one, None, ScriptedPose(small_one, big, rgb))
    assert (chosen, n) == (big, 2)


def test_a_person_found_again_after_another_ends_the_search():
    # Small, then big, then small again: the first is still blanked out.
    rgb, people, small_one, big = two_people()
    answers = iter([big, small_one, None])
    chosen, n = largest_person(rgb, small_one, people, lambda canvas: next(answers))
    assert (chosen, n) == (big, 2)


def test_a_person_cropped_at_the_chest_is_still_a_person():
    # Head and shoulders above the photo: only the part of the torso inside
    # it is looked at.
    mask, lm = scene(Body())
    y0 = 150  # the shoulders are on row 105
    crop = np.ascontiguousarray(mask[y0:])
    shifted = Landmarks(lm.xy - np.array([0.0, y0]), lm.visibility, lm.world)
    assert plausible_person(PoseEstimate(shifted, crop), crop)


def test_a_skeleton_outside_the_photo_or_of_a_few_pixels_is_not_a_person():
    mask, lm = scene(Body())
    away = Landmarks(lm.xy + np.array([5000.0, 0.0]), lm.visibility, lm.world)
    assert not plausible_person(PoseEstimate(away, mask), mask)
    # A torso of 3 px: no person is that small in a photo worth measuring.
    centre = lm.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    tiny = Landmarks(centre + (lm.xy - centre) / 100.0, lm.visibility, lm.world)
    dot = np.zeros_like(mask)
    dot[400:410, 295:305] = 1.0
    assert not plausible_person(PoseEstimate(tiny, dot), dot)


def test_a_person_cut_by_the_photos_side_is_still_a_person():
    # The photo's left edge runs 30 px right of the body's axis: the person's
    # right side is outside; the part of the torso inside is covered.
    mask, lm = scene(Body())
    x0 = 330
    crop = np.ascontiguousarray(mask[:, x0:])
    shifted = Landmarks(lm.xy - np.array([x0, 0.0]), lm.visibility, lm.world)
    assert plausible_person(PoseEstimate(shifted, crop), crop)


@pytest.mark.parametrize(
    "keep",
    [
        (slice(0, 405 - 180), slice(None)),  # chest and head only (above 0.6 T)
        (slice(405 - 120, None), slice(None)),  # hips and legs only (below 0.4 T)
        (slice(None), slice(160, 225)),  # the right flank only (image left)
    ],
    ids=["upper", "lower", "right-flank"],
)
def test_a_region_covering_part_of_the_torso_is_not_a_person(keep):
    mask, lm = scene(Body())
    part = np.zeros_like(mask)
    part[keep] = mask[keep]
    assert not plausible_person(PoseEstimate(lm, part), part)


def strip_person(cols: slice, hips_at: tuple[float, float], shape=(900, 600)) -> PoseEstimate:
    """A person drawn as a 700 px tall strip, with its hip joints at ``hips_at``
    (possibly outside the photo: the person is cut by its edge)."""
    _, lm = make_body(Body())
    centre = lm.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    moved_lm = Landmarks(lm.xy + (np.asarray(hips_at) - centre), lm.visibility, lm.world)
    mask = np.zeros(shape, np.float32)
    mask[100:800, cols] = 1.0
    return PoseEstimate(moved_lm, mask)


@pytest.mark.parametrize(
    "cols, hips_at",
    [
        (slice(0, 30), (-10.0, 450.0)),  # cut by the photo's left edge
        (slice(250, 350), (300.0, 950.0)),  # hips below the photo's bottom
        (slice(570, 600), (650.0, 450.0)),  # cut by the photo's right edge
    ],
    ids=["left", "bottom", "right"],
)
def test_a_second_person_with_hips_outside_the_photo_is_counted(cols, hips_at):
    # The first person stands at the photo's right edge (or in the middle);
    # the second one's hip joints lie outside the photo, where nobody has
    # been blanked yet: a new person.
    first_cols = slice(100, 130) if cols.start >= 570 else slice(560, 600)
    first = strip_person(first_cols, (float(first_cols.start + 15), 450.0))
    other = strip_person(cols, hips_at)
    answers = iter([other, None])
    _, n = largest_person(textured((900, 600)), first, None, lambda canvas: next(answers))
    assert n == 2
