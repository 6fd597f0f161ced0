"""Landmarks and pose estimates: what any backend hands the core is checked on
construction, so a mask on the wrong scale cannot give plausible wrong depths."""

from __future__ import annotations

import numpy as np
import pytest

from silhouette import InvalidInputError, Landmark, Landmarks, PoseEstimate
from silhouette.core.landmarks import N_LANDMARKS, PeopleBackend, PoseBackend
from support.bodies import FakePose, scene


def good() -> dict[str, np.ndarray]:
    return {
        "xy": np.arange(66.0).reshape(33, 2),
        "visibility": np.linspace(0.0, 1.0, 33),
        "world": np.zeros((33, 3)),
    }


def test_indices_are_mediapipes():
    # The documented MediaPipe PoseLandmark topology: 33 points, fixed order.
    assert N_LANDMARKS == 33
    assert (Landmark.NOSE, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER) == (0, 11, 12)
    assert (Landmark.LEFT_WRIST, Landmark.LEFT_HIP, Landmark.RIGHT_HIP) == (15, 23, 24)
    assert (Landmark.LEFT_KNEE, Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX) == (25, 28, 32)


def test_landmarks_are_stored_as_float_arrays_and_indexed_by_name():
    lm = Landmarks(**{k: v.astype(np.float32) for k, v in good().items()})
    assert lm.xy.dtype == lm.visibility.dtype == lm.world.dtype == np.float64
    np.testing.assert_array_equal(lm[Landmark.LEFT_HIP], [46.0, 47.0])
    np.testing.assert_array_equal(lm.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP), [47.0, 48.0])
    assert Landmarks(good()["xy"], good()["visibility"]).world is None


def test_visibility_is_clipped_to_a_probability():
    vis = np.linspace(-0.5, 1.5, 33)
    lm = Landmarks(good()["xy"], vis)
    assert lm.visibility.min() == 0.0 and lm.visibility.max() == 1.0
    inside = (vis >= 0) & (vis <= 1)
    np.testing.assert_allclose(lm.visibility[inside], vis[inside])


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("xy", np.zeros(5), "xy must have shape"),
        ("xy", np.zeros((33, 3)), "xy must have shape"),
        ("xy", np.zeros((32, 2)), "xy must have shape"),
        ("visibility", np.ones(32), "visibility must have shape"),
        ("visibility", np.ones((33, 1)), "visibility must have shape"),
        ("world", np.zeros((33, 2)), "world"),
        ("world", np.full((33, 3), np.inf), "world"),
    ],
)
def test_landmarks_of_the_wrong_shape_are_refused(name, value, match):
    kw = good() | {name: value}
    with pytest.raises(InvalidInputError, match=match):
        Landmarks(**kw)


@pytest.mark.parametrize("name", ["xy", "visibility"])
def test_landmarks_must_be_finite(name):
    kw = good()
    kw[name] = kw[name].copy()
    kw[name][3] = np.nan
    with pytest.raises(InvalidInputError, match=f"^{name} must be finite$"):
        Landmarks(**kw)


def test_pose_estimate_takes_a_soft_mask_and_stores_float32():
    mask, lm = scene()
    est = PoseEstimate(lm, mask.astype(np.float64))
    assert est.mask.dtype == np.float32 and est.mask.shape == mask.shape
    np.testing.assert_allclose(est.mask, mask)
    # A hard (bool) mask is a mask too: 0 and 1.
    hard = PoseEstimate(lm, mask >= 0.5)
    assert hard.mask.dtype == np.float32 and set(np.unique(hard.mask)) == {0.0, 1.0}
    # The very limits of the scale are allowed.
    edge = np.zeros((4, 4), np.float32)
    edge[0, 0] = 1.0
    assert PoseEstimate(lm, edge).mask.max() == 1.0


@pytest.mark.parametrize(
    "mask, match",
    [
        (np.zeros((4, 4, 1), np.float32), "2-D"),
        (np.zeros(16, np.float32), "2-D"),
        (np.zeros((0, 4), np.float32), "non-empty"),
        (np.zeros((4, 0), np.float32), "non-empty"),
        (np.full((4, 4), 255, np.uint8), "dtype uint8"),  # a 0-255 image mask
        (np.zeros((4, 4), np.int64), "dtype int64"),
        (np.linspace(0, 255, 16, dtype=np.float32).reshape(4, 4), "0 to 255"),
        (np.full((4, 4), 1.001, np.float32), "\\[0, 1\\]"),
        (np.full((4, 4), -0.001, np.float32), "\\[0, 1\\]"),
        (np.full((4, 4), np.nan, np.float32), "\\[0, 1\\]"),
    ],
)
def test_pose_estimate_refuses_a_mask_of_the_wrong_shape_type_or_scale(mask, match):
    _, lm = scene()
    with pytest.raises(InvalidInputError, match=match):
        PoseEstimate(lm, mask)


def test_pose_estimate_needs_landmarks():
    mask, lm = scene()
    with pytest.raises(InvalidInputError, match="landmarks must be a Landmarks"):
        PoseEstimate(np.column_stack([lm.xy, lm.visibility]), mask)


def test_the_fake_backend_has_the_backend_shape():
    mask, lm = scene()
    assert isinstance(FakePose(PoseEstimate(lm, mask)), PoseBackend)

    class People:
        def __call__(self, rgb):
            return np.zeros(rgb.shape[:2], np.float32)

        def close(self):
            pass

    assert isinstance(People(), PeopleBackend)


@pytest.mark.parametrize(
    "seen, ok",
    [
        (None, True),  # the backend does not say
        (1, True),
        (3, True),
        (np.int64(2), True),  # a count straight from NumPy
        (0, False),  # an estimate is a person: at least one was seen
        (True, False),  # a flag is not a count
        (1.5, False),
        ("2", False),
    ],
)
def test_pose_estimate_people_seen_is_a_count_of_at_least_one(seen, ok):
    mask, lm = scene()
    if ok:
        assert PoseEstimate(lm, mask, people_seen=seen).people_seen == seen
    else:
        with pytest.raises(InvalidInputError, match="people_seen"):
            PoseEstimate(lm, mask, people_seen=seen)
