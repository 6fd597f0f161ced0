"""Two photos compared: the change of each dip, the alignment and the verdict,
on synthetic bodies whose dips and camera are known."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silhouette import Analysis, InvalidInputError
from silhouette.core.compare import ALIGNMENT_LANDMARKS, compare, similarity_transform
from silhouette.core.scoring import SMALLEST_DETECTABLE_CHANGE
from silhouette.draw import annotate_comparison
from silhouette.results import Comparison, SideChange
from support.bodies import Body, make_body, measure, scene, turned

T = 300.0
HIP_WIDTH = 2 * 0.42 * T  # the synthetic body's straight hip line


def test_a_deeper_dip_on_one_side_is_that_change_and_the_other_side_holds():
    before = measure(*scene(Body(dip_left_px=4.0, dip_right_px=6.0)))
    after = measure(*scene(Body(dip_left_px=10.0, dip_right_px=6.0)))
    c = compare(before, after)
    assert c.comparable and c.reasons == ()
    assert c.left.change_ratio == pytest.approx(6.0 / HIP_WIDTH, abs=0.002)
    assert c.left.change_ratio == pytest.approx(
        after.left.dip_depth_ratio - before.left.dip_depth_ratio
    )
    assert c.left.beyond_noise is True
    assert abs(c.right.change_ratio) < 0.001 and c.right.beyond_noise is False
    # Shallower is negative.
    back = compare(after, before)
    assert back.left.change_ratio == pytest.approx(-c.left.change_ratio)


def test_centimetres_need_a_height_in_both_photos():
    # Head and feet in the photo, for the height scale.
    tall = (1400, 600)
    with_cm = [measure(*scene(Body(dip_left_px=d), tall), height_cm=170.0) for d in (4.0, 10.0)]
    c = compare(*with_cm)
    assert c.left.change_cm == pytest.approx(
        with_cm[1].left.dip_depth_cm - with_cm[0].left.dip_depth_cm
    )
    # 6 px at the scene's scale.
    assert c.left.change_cm == pytest.approx(6.0 / with_cm[0].px_per_cm, rel=0.05)
    without = measure(*scene(Body(dip_left_px=10.0), tall))
    assert compare(with_cm[0], without).left.change_cm is None


def test_only_the_distance_changed_compares_and_aligns_by_the_joints():
    near = measure(*make_body(Body(torso_px=300.0, dip_left_px=8.0, dip_right_px=8.0)))
    k = 220.0 / 300.0
    far = measure(*make_body(Body(torso_px=220.0, dip_left_px=8.0 * k, dip_right_px=8.0 * k)))
    c = compare(near, far)
    assert c.comparable
    for side in ("left", "right"):
        assert abs(c.sides[side].change_ratio) < 0.003
        assert c.sides[side].beyond_noise is False
    m = c.transform
    assert np.linalg.det(m[:, :2]) == pytest.approx(k**2, rel=1e-3)  # scale k, no rotation
    idx = list(ALIGNMENT_LANDMARKS)
    carried = near.landmarks[idx, :2] @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(carried, far.landmarks[idx, :2], atol=0.5)


def test_a_body_turned_20_degrees_does_not_compare():
    mask, lm = scene(Body(dip_left_px=8.0))
    c = compare(measure(mask, lm), measure(mask, turned(lm, 20.0)))
    assert not c.comparable
    assert c.reasons == (
        "body turned about 20 degrees further to show its left flank than in the earlier photo",
    )


def test_no_person_or_another_view_does_not_compare():
    seen = measure(*scene(Body(dip_left_px=8.0)))
    nobody = Analysis(600, 900, person_found=False)
    c = compare(nobody, seen)
    assert c.reasons == ("no person in the earlier photo",)
    assert c.transform is None and c.left.change_ratio is None and c.left.beyond_noise is None
    from dataclasses import replace

    back = replace(seen, view="back")
    assert compare(seen, back).reasons == ("a back view compared with a front view",)


def test_the_json_form_carries_every_value():
    c = compare(*(measure(*scene(Body(dip_left_px=d))) for d in (4.0, 10.0)))
    d = json.loads(json.dumps(c.to_dict()))
    assert d["comparable"] is True and d["reasons"] == []
    assert d["sides"]["left"]["change_ratio"] == round(c.left.change_ratio, 4)
    assert d["sides"]["left"]["before_ratio"] == round(c.left.before_ratio, 4)
    assert d["sides"]["right"]["beyond_noise"] is False
    assert np.allclose(d["transform"], c.transform, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(comparable=True, reasons=("turned",)), "reasons"),
        (dict(comparable=False), "reasons"),
        (dict(comparable=True, transform=np.eye(3)), "transform"),
        (dict(comparable=True, left=SideChange("right")), "left and right"),
    ],
)
def test_comparison_rejects_impossible_values(kwargs, match):
    args = dict(left=SideChange("left"), right=SideChange("right")) | kwargs
    with pytest.raises(InvalidInputError, match=match):
        Comparison(**args)


def test_side_change_judges_only_a_change():
    with pytest.raises(InvalidInputError):
        SideChange("left", change_ratio=0.01)
    with pytest.raises(InvalidInputError):
        SideChange("middle")
    assert SideChange("left", 0.02, 0.03, 0.01, beyond_noise=True).to_dict()["change_ratio"] == 0.01


@settings(max_examples=50, deadline=None)
@given(
    angle=st.floats(-3.0, 3.0),
    scale=st.floats(0.2, 5.0),
    shift=st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
    seed=st.integers(0, 2**16),
)
def test_similarity_transform_recovers_a_known_one(angle, scale, shift, seed):
    pts = np.random.default_rng(seed).uniform(0, 500, size=(6, 2))
    c, s = np.cos(angle), np.sin(angle)
    true = np.array([[scale * c, -scale * s, shift[0]], [scale * s, scale * c, shift[1]]])
    moved = pts @ true[:, :2].T + true[:, 2]
    np.testing.assert_allclose(similarity_transform(pts, moved), true, atol=1e-6 * (1 + scale))


def test_similarity_transform_weights_out_a_wrong_point():
    pts = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
    moved = pts + np.array([10.0, 5.0])
    moved[3] += 40.0  # one joint misplaced
    w = np.array([1.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(
        similarity_transform(pts, moved, w), [[1, 0, 10], [0, 1, 5]], atol=1e-9
    )


def test_the_earlier_outline_is_drawn_where_the_transform_carries_it():
    before = measure(*scene(Body(dip_left_px=4.0)))
    after = measure(*scene(Body(dip_left_px=10.0)))
    c = compare(before, after)
    # Dark noise: white dashes show, and every patch of it is unique.
    photo = np.random.default_rng(0).integers(0, 120, (900, 600, 3), dtype=np.uint8)
    kept = photo.copy()
    out = annotate_comparison(photo, before, after, c)
    assert out.shape == photo.shape and not np.shares_memory(out, photo)
    assert (photo == kept).all()  # the photo is not drawn on
    # Ghost dashes (white) lie on the carried earlier outline, where the later
    # one (4 px further in at the dip) is not.
    ghost = before.left.outline
    ghost = ghost[np.isfinite(ghost).all(axis=1)] @ c.transform[:, :2].T + c.transform[:, 2]
    xy = np.round(ghost).astype(int)
    white = (out[xy[:, 1], xy[:, 0]] > 200).all(axis=1)
    assert 0.25 < white.mean() < 0.9  # dashed: some on, some off
    # Half the photo for a 2x smaller copy: the same drawing, scaled.
    small = annotate_comparison(photo[::2, ::2].copy(), before, after, c)
    assert small.shape == (450, 300, 3)
    # Only the hips: a part of the photo, the same dashes in its own pixels.
    hips = annotate_comparison(photo, before, after, c, hips_only=True)
    assert hips.shape[0] < 900 and hips.shape[1] <= 600
    (x0, y0), size = _offset(out, hips), hips.shape[:2]
    assert 0 <= x0 and 0 <= y0 and y0 + size[0] <= 900
    white_hips = (hips[xy[:, 1] - y0, xy[:, 0] - x0] > 200).all(axis=1)
    assert white_hips.mean() > 0.25


def test_the_change_within_noise_is_said_so():
    a = measure(*scene(Body(dip_left_px=8.0, dip_right_px=8.0)))
    c = compare(a, a)
    assert c.left.change_ratio == 0.0 and not c.left.beyond_noise
    assert SMALLEST_DETECTABLE_CHANGE > 0


def _offset(full: np.ndarray, part: np.ndarray) -> tuple[int, int]:
    """Where ``part`` was cut from ``full``: the shift that best matches its pixels."""
    import cv2

    # A patch from the middle of the body: never text.
    h, w = part.shape[:2]
    top, left = h // 2 - 40, w // 2 - 40
    score = cv2.matchTemplate(full, part[top : top + 80, left : left + 80], cv2.TM_SQDIFF)
    y, x = np.unravel_index(np.argmin(score), score.shape)
    return int(x) - left, int(y) - top


def test_a_front_and_a_back_view_are_not_aligned_and_the_picture_says_why(monkeypatch):
    # The person's left hip is on the image right in a front view and on the
    # image left in a back view: no rotation and scale carries one onto the
    # other, so the earlier outline is not drawn at all.
    from dataclasses import replace

    import silhouette.draw as draw

    front = measure(*scene(Body(dip_left_px=8.0)))
    back = replace(front, view="back")
    c = compare(back, front)
    assert not c.comparable and c.transform is None
    assert compare(front, front).transform is not None
    said = []
    real = draw._comparison_summary
    monkeypatch.setattr(draw, "_comparison_summary", lambda *a: said.append(a) or real(*a))
    photo = np.zeros((900, 600, 3), np.uint8)
    annotate_comparison(photo, back, front, c)
    (((first, _), *_),) = [real(*a) for a in said]
    assert "(not drawn: the photos show different views)" in first


def test_a_change_of_centimetres_that_rounds_to_zero_is_plus_zero():
    from silhouette.apps.cli import format_comparison
    from silhouette.draw import _change_lines

    tiny = SideChange("left", 0.030, 0.0299, -0.0001, 1.02, 1.0, -0.02, beyond_noise=False)
    c = Comparison(left=tiny, right=SideChange("right"), comparable=True)
    text = format_comparison(c, "a.jpg", "b.jpg")
    assert "+0.0 points, +0.0 cm" in text and "-0.0" not in text
    assert _change_lines(tiny)[1:] == ["+0.0 points (within noise)", "+0.0 cm"]


@pytest.mark.parametrize(
    "before, after",
    [
        ("week1.jpg", None),  # paths, not analyses: a user's first try
        (None, "week9.jpg"),
    ],
)
def test_compare_takes_analyses_and_says_so(before, after):
    a = measure(*scene(Body()))
    with pytest.raises(InvalidInputError, match=r"must be an Analysis.*got str"):
        compare(before or a, after or a)


def test_a_side_measured_in_one_photo_only_says_which():
    from silhouette.apps.cli import format_comparison
    from silhouette.draw import _change_lines

    only_before = SideChange("left", before_ratio=0.03)
    only_after = SideChange("right", after_ratio=0.02)
    c = Comparison(left=only_before, right=only_after, comparable=True)
    lines = format_comparison(c, "a.jpg", "b.jpg").splitlines()
    assert lines[1].endswith("left   not measured in the later photo")
    assert lines[2].endswith("right  not measured in the earlier photo")
    assert _change_lines(only_before) == ["LEFT: not measured in the later photo"]
    assert _change_lines(SideChange("left")) == ["LEFT: not measured in either photo"]


def test_a_side_with_nothing_to_write_beside_is_said_with_the_sentences(monkeypatch):
    # The later photo without a person: no hip point to write beside, so each
    # side's line joins the sentences at the top.
    import silhouette.draw as draw

    before = measure(*scene(Body(dip_left_px=8.0)))
    nobody = Analysis(600, 900, person_found=False)
    said = []
    monkeypatch.setattr(draw, "_summary_panels", lambda out, busy, lines, *a: said.extend(lines))
    annotate_comparison(np.zeros((900, 600, 3), np.uint8), before, nobody, compare(before, nobody))
    texts = [text for text, _ in said]
    assert "LEFT: not measured in the later photo." in texts
    assert "RIGHT: not measured in the later photo." in texts


def test_the_command_says_why_a_side_was_not_measured():
    # Only the warnings of a side that has no depth: they explain the gap.
    from types import SimpleNamespace

    from silhouette.apps.cli import _unmeasured_why
    from silhouette.results import Notice

    a = measure(*scene(Body(dip_left_px=8.0)))
    arm = Notice("arm_touching_right", "The right arm touches the hip.")
    other = Notice("arm_touching_left", "The left arm touches the hip.")
    gone = SimpleNamespace(
        person_found=True,
        left=a.left,
        right=SimpleNamespace(side="right", measured=False),
        warnings=(arm, other, Notice("low_light", "Dark photo.")),
    )
    assert _unmeasured_why(gone) == ["The right arm touches the hip."]
    assert _unmeasured_why(a) == []
    assert _unmeasured_why(Analysis(10, 10, person_found=False)) == []
