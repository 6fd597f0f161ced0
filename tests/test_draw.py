"""The overlay: drawn on a copy, in the right places."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from silhouette import Analysis, Analyzer, PoseEstimate, annotate
from silhouette.core.notices import MESSAGES, notice
from silhouette.draw import format_percent, hips_box
from support.bodies import Body, FakePose, image_for, make_body


@pytest.fixture
def scene():
    mask, lm = make_body(Body(dip_left_px=8.0))
    rgb = image_for(mask)
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        return rgb, analyzer.analyze(rgb)


def test_annotate_returns_a_new_image_and_leaves_the_input_alone(scene):
    rgb, result = scene
    before = rgb.copy()
    out = annotate(rgb, result)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(rgb, before)
    assert (out != rgb).any()


def test_outline_is_drawn_on_the_outline(scene):
    rgb, result = scene
    out = annotate(rgb, result)
    changed = (out != rgb).any(axis=2)
    # Every traced edge point has a drawn pixel within 2 px.
    pts = result.left.outline[np.isfinite(result.left.outline).all(axis=1)]
    for x, y in pts[::25]:
        xi, yi = round(x), round(y)
        assert changed[yi - 2 : yi + 3, xi - 2 : xi + 3].any()
    # The deepest point is marked in yellow.
    x, y = (round(c) for c in result.left.deepest)
    patch = out[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3)
    assert any(p[0] > 200 and p[1] > 200 and p[2] < 80 for p in patch)


def test_no_person_overlay_says_so():
    img = np.zeros((120, 200, 3), np.uint8)
    out = annotate(img, Analysis(200, 120, person_found=False))
    assert out[:40].any() and not out[60:].any()  # text at the top only


def test_thumbnails_are_drawn_at_scale(scene):
    rgb, result = scene
    small = np.ascontiguousarray(rgb[::3, ::3])  # 300 x 200
    out = annotate(small, result)
    changed = (out != small).any(axis=2)
    x, y = (round((c + 0.5) / 3 - 0.5) for c in result.left.deepest)
    assert changed[y - 2 : y + 3, x - 2 : x + 3].any()


def test_shape_mismatch_is_refused(scene):
    rgb, result = scene
    with pytest.raises(ValueError, match="different shape"):
        annotate(rgb[:-100], result)


# --------------------------------------------------------------------------
# Labels, legend and sentences: never over the drawing or the hips
# --------------------------------------------------------------------------


def phone_scene(width: int):
    """A 1280-pixel-high photo of the synthetic body, head to feet, ``width`` wide."""
    mask, lm = make_body(Body(dip_left_px=7.0, dip_right_px=4.0, torso_px=300.0), size=(1280, 600))
    if width != 600:  # the same person in a wider or narrower picture
        pad = (width - 600) // 2
        if pad > 0:
            mask = np.pad(mask, ((0, 0), (pad, width - 600 - pad)))
        else:
            mask = np.ascontiguousarray(mask[:, -pad : 600 + pad + (width - 600 - 2 * pad)])
        lm = replace(lm, xy=lm.xy + np.array([pad, 0.0]))
    rgb = image_for(mask)
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        return rgb, analyzer.analyze(rgb, height_cm=170.0)


@pytest.mark.parametrize("width", [720, 480])
def test_labels_and_text_never_cover_the_drawing_or_the_hips(width):
    rgb, result = phone_scene(width)
    assert result.left.dip_depth_cm is not None  # the longest labels
    geometry = annotate(rgb, result, labels=False)
    labelled = annotate(rgb, result)
    drawn = (geometry != rgb).any(axis=2)
    text = (labelled != geometry).any(axis=2)
    assert text.sum() > 1000  # there is text
    # Nothing written within 2 px of anything drawn (outline, bulges, deepest
    # point, the depth line, the brackets).
    near = cv2.dilate(drawn.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert not (text & near).any()
    # Nor on the hips, between the two outlines.
    hips = np.zeros(rgb.shape[:2], np.uint8)
    left, right = (
        s.outline[np.isfinite(s.outline).all(axis=1)] for s in (result.left, result.right)
    )
    cv2.fillPoly(hips, [np.round(np.r_[left, right[::-1]]).astype(np.int32)], 1)
    assert not (text & hips.astype(bool)).any()


def test_the_legend_explains_the_symbols_at_the_foot_of_the_picture():
    from silhouette.draw import _legend

    rgb, _ = phone_scene(720)
    busy = np.zeros(rgb.shape[:2], np.uint8)
    out = rgb.copy()
    top = _legend(out, busy, 1.6, bands=True)
    assert 1280 * 3 / 4 < top < 1280  # at the foot, under the hips
    assert (out[top:] != rgb[top:]).any() and not (out[:top] != rgb[:top]).any()
    nobody = np.zeros((1280, 720, 3), np.uint8)
    bare = annotate(nobody, Analysis(720, 1280, person_found=False))
    assert not bare[1000:].any()  # no legend without a drawing


def test_the_summary_is_sentences_not_codes():
    from silhouette.draw import _summary

    _, result = phone_scene(720)
    popped = replace(
        result,
        warnings=(
            notice("arm_touching", "left"),
            notice("hip_popped", tilt=7.0, weight="left", other="right"),
        ),
    )
    texts = [text for text, _ in _summary(popped)]
    assert texts[0].startswith("Front view.")
    assert notice("arm_touching", "left").message in texts
    assert not any("arm touching" in t or "_" in t for t in texts)  # no codes


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_no_sentence_leaves_a_word_alone_on_a_line_at_720_px(kind):
    from silhouette.draw import wrap

    fields = dict(
        count=3,
        facing="The body is turned about 45 degrees from the camera",
        tilt=7.6,
        weight="left",
        other="right",
        depth=1.31,
        sd=0.25,
        threshold=1.2,
        why="a hem crosses the outline",
    )
    side = "left" if "{side}" in MESSAGES[kind] else None
    text = notice(kind, side, **fields).message
    unit = 1280 / 800
    for scale in (0.5 * unit, 0.42 * unit, 0.36 * unit, 0.3 * unit):  # the overlay's sizes
        lines = wrap(text, 720 - 2 * round(5 * unit), scale)
        assert " ".join(lines) == " ".join(text.split())
        assert len(lines) == 1 or all(len(line.split()) > 1 for line in lines), lines


def test_a_very_tall_thin_photo_draws_on_a_thumbnail_one_pixel_wide():
    # 20 x 20000 px: its 360 px thumbnail is 1 px wide (0.36 px, rounded up).
    out = annotate(np.zeros((360, 1, 3), np.uint8), Analysis(20, 20000, person_found=False))
    assert out.shape == (360, 1, 3)


def test_the_hips_box_holds_the_whole_drawing(scene):
    rgb, result = scene
    x0, y0, x1, y1 = hips_box(result, rgb.shape)
    for side in (result.left, result.right):
        pts = side.outline[np.isfinite(side.outline).all(axis=1)]
        assert (pts[:, 0] >= x0).all() and (pts[:, 0] < x1).all()
        assert (pts[:, 1] >= y0).all() and (pts[:, 1] < y1).all()
    # A close-up, not the whole photo: well under half of its area.
    assert (x1 - x0) * (y1 - y0) < 0.5 * rgb.shape[0] * rgb.shape[1]
    # At half size, the same box halved (to a pixel).
    half = hips_box(result, (rgb.shape[0] // 2, rgb.shape[1] // 2, 3))
    assert np.allclose(half, np.array([x0, y0, x1, y1]) / 2, atol=1.5)


def test_percentages_are_rounded_once_from_the_published_value():
    # 0.04346 is published as 0.0435: 4.4 % everywhere, not 4.3 % here and
    # 4.4 % there.
    assert format_percent(0.04346) == "4.4%" == format_percent(0.0435)
    assert format_percent(0.04344) == "4.3%"


def _stance_overlay(tilt_deg: float):
    # A hip-popped scene as in test_posture: the left hip outline raised by
    # the tilt across the 252 px hips, the hip joints and relaxed knee moved.
    from support.bodies import popped_stance

    up = round(252.0 * np.tan(np.radians(tilt_deg)), 1)
    mask, lm = make_body(Body(thigh_bulge_px=12.0, tilt_left_up_px=up))
    lm = popped_stance(lm, mask.shape, tilt_deg)
    rgb = image_for(mask)
    with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as analyzer:
        result = analyzer.analyze(rgb)
    return rgb, result, annotate(rgb, result)


def _near(out, p, colour, r=2, tol=60) -> bool:
    x, y = round(p[0]), round(p[1])
    patch = out[y - r : y + r + 1, x - r : x + r + 1].reshape(-1, 3).astype(int)
    return bool((np.abs(patch - colour).sum(axis=1) < tol).any())


def test_the_stance_cues_are_drawn_where_they_were_read():
    _, result, out = _stance_overlay(9.0)
    st = result.stance
    assert st.hip_popped is True
    magenta, green = (255, 0, 255), (120, 255, 120)
    (x0, y0), (x1, y1) = st.pelvis_line
    for f in (0.1, 0.3, 0.7, 0.9):  # along the pelvis line (the middle has its dot)
        assert _near(out, (x0 + f * (x1 - x0), y0 + f * (y1 - y0)), magenta)
    (hx, hy), (ax, ay) = st.standing_leg
    for f in (0.2, 0.5, 0.8):  # hip joint towards the ankle (below the picture here)
        assert _near(out, (hx + f * (ax - hx), hy + f * (ay - hy)), green, tol=20)
    # The dashed level line: the body stands upright in the picture, so level
    # is the image row through the mid-hip point.
    mx, my = round((x0 + x1) / 2), round((y0 + y1) / 2)
    half = round(abs(x1 - x0) / 2)
    row = out[my, mx - half : mx + half].astype(int)
    light = (np.abs(row - (235, 235, 235)).sum(axis=1) < 60).mean()
    assert light > 0.2  # dashes, less the pelvis line crossing them


def test_a_straight_stance_draws_its_line_but_no_standing_leg():
    _, result, out = _stance_overlay(0.0)
    st = result.stance
    assert st.hip_popped is False and st.standing_leg is None
    assert st.pelvis_line is not None
    # The leg's own colour (anti-aliased edges elsewhere blend into nearby shades).
    green = np.abs(out.astype(int) - (120, 255, 120)).sum(axis=2) < 20
    assert not green.any()
