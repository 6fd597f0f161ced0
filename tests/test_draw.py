"""The overlay: drawn on a copy, in the right places."""

import numpy as np
import pytest

from silhouette import Analysis, Analyzer, PoseEstimate, annotate
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
