"""Choosing the largest of several people, with a scripted pose model."""

import numpy as np
import pytest

from silhouette import PoseEstimate
from silhouette.core.people import largest_person, torso_length
from support.bodies import Body, make_body


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
