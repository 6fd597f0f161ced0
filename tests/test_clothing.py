"""Is the traced outline the body's? Synthetic photos with garments painted on a known body.

Each scene is the synthetic front-view body (dips of 8 px on a 252 px hip; the person's left
is the image's right, its hip joints at row 405, torso 300 px) with one garment or lighting
change on the person's left side only, so the right side is the control.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from silhouette import Analysis
from support.bodies import Body, image_for, measure, scene

T, HIP_ROW, AXIS = 300.0, 405.0, 300.0
DIP = Body(dip_left_px=8.0, dip_right_px=8.0)


def row_of(v: float) -> int:
    """Image row of height ``v`` (torso lengths above the hip joints)."""
    return round(HIP_ROW - v * T)


def left(mask: np.ndarray) -> np.ndarray:
    """The person's left half of the picture (the image's right), as a boolean column mask."""
    cols = np.zeros(mask.shape, dtype=bool)
    cols[:, round(AXIS) :] = True
    return cols


def plain() -> tuple[np.ndarray, np.ndarray, object]:
    mask, lm = scene(DIP)
    return mask.copy(), image_for(mask), lm


def verdicts(a: Analysis) -> tuple[str | None, str | None]:
    return a.left.outline_source, a.right.outline_source


def test_the_plain_body_is_the_body_on_both_sides():
    mask, rgb, lm = plain()
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a) == ("body", "body")
    assert a.left.dip_present is True and a.right.dip_present is True


def test_a_belt_at_the_dip_makes_it_clothing():
    mask, rgb, lm = plain()
    rows = slice(row_of(0.05), row_of(0.0))  # across the notch's deepest point (0.025 T)
    band = rgb[rows]
    band[(mask[rows] >= 0.5) & left(mask)[rows]] = 20
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a) == ("clothing", "body")
    assert a.left.dip_present is None and a.right.dip_present is True
    # Still reported, for the curious (the dark belt on the dark background pulls the
    # refined edge in by a pixel or so).
    assert a.left.dip_depth_px == pytest.approx(8.0, abs=1.5)
    assert "clothing_left" in a.warning_codes() and "clothing_right" not in a.warning_codes()


def test_a_tight_outfit_changes_colour_but_not_the_verdict():
    # Leggings from 0.15 T above the hip joints down: a colour edge across the body
    # away from the dip, with the outline running on unbroken.
    mask, rgb, lm = plain()
    below = np.zeros(mask.shape, dtype=bool)
    below[row_of(0.15) :] = True
    rgb[below & (mask >= 0.5)] = (90, 30, 110)
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a) == ("body", "body")


def test_a_hem_standing_off_the_body_is_clothing():
    # A loose top on the person's left: 10 px wider than the body above its hem at
    # -0.2 T, a different colour from the trousers below.
    mask, rgb, lm = plain()
    hem = row_of(-0.2)
    top = slice(row_of(0.45), hem)
    widened = np.maximum(mask[top], np.roll(mask[top], 10, axis=1))
    side = left(mask)[top]
    mask[top] = np.where(side, widened, mask[top])
    rgb = image_for(mask)
    cloth = np.zeros(mask.shape, dtype=bool)
    cloth[top] = (mask[top] >= 0.5) & side
    rgb[cloth] = (40, 160, 60)
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a)[0] == "clothing"
    assert a.right.outline_source == "body"


def test_a_skirt_hanging_straight_is_clothing():
    # An A-line skirt on the person's left: from the waist (0.3 T) a straight edge
    # flaring outwards by 0.3 per unit height, down past the window.
    mask, rgb, lm = plain()
    rows = np.arange(row_of(0.3), mask.shape[0])
    v = (HIP_ROW - rows) / T
    edge = AXIS + (0.37 + 0.3 * (0.3 - v)) * T  # image column of the skirt's edge
    cols = np.arange(mask.shape[1])[None, :]
    skirt = np.clip(0.5 + (edge[:, None] - cols) / 4, 0.0, 1.0)
    skirt[:, : round(AXIS)] = 0.0
    sub = mask[rows]
    mask[rows] = np.where(cols >= AXIS, np.maximum(skirt, np.where(skirt > 0, 0, sub)), sub)
    rgb = image_for(mask)
    rgb[rows[:, None], cols] = np.where(
        ((mask[rows] >= 0.5) & (cols >= AXIS))[..., None], (20, 30, 90), rgb[rows]
    )
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a)[0] == "clothing"
    assert a.right.outline_source == "body"


def test_an_edge_the_photo_does_not_show_is_uncertain():
    mask, rgb, lm = plain()
    background_left = (mask < 0.5) & left(mask)
    rgb[background_left] = 196  # the body's own grey
    a = measure(mask, lm, rgb=rgb)
    assert verdicts(a) == ("uncertain", "body")
    assert a.left.dip_present is None
    assert "low_contrast_left" in a.warning_codes()


def test_unmeasured_sides_have_no_verdict():
    mask, rgb, lm = plain()
    a = measure(mask[:, : round(AXIS) + 100], lm, rgb=rgb[:, : round(AXIS) + 100])
    assert a.left.measured is False and a.left.outline_source is None


# --------------------------------------------------------------------------
# Fast paths that must give NumPy's numbers
# --------------------------------------------------------------------------


def test_the_strip_median_is_numpys_nanmedian_bit_for_bit():
    from silhouette.core.clothing import _nanmedian_rows

    rng = np.random.default_rng(5)
    for n_offsets in (1, 4, 5, 8):  # odd and even counts
        x = rng.normal(50.0, 30.0, (200, n_offsets, 3)).astype(np.float32)
        x[rng.random(x.shape[:2]) < 0.3] = np.nan  # points outside the photo
        x[:3] = np.nan  # levels wholly outside
        x[3:6] = np.round(x[3:6])  # ties
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(x, axis=1)
        got = _nanmedian_rows(x)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected, equal_nan=True)


def test_the_strip_median_without_gaps_is_numpys_median_bit_for_bit():
    # Every sample inside the photo: the sort-only path.
    from silhouette.core.clothing import _nanmedian_rows

    rng = np.random.default_rng(6)
    for n_offsets in (1, 2, 4, 5, 8):  # odd and even counts
        x = rng.normal(50.0, 30.0, (200, n_offsets, 3)).astype(np.float32)
        x[3:6] = np.round(x[3:6])  # ties
        got = _nanmedian_rows(x)
        assert got.dtype == np.float32
        assert np.array_equal(got, np.median(x, axis=1))
        assert np.array_equal(got, np.nanmedian(x, axis=1))


@pytest.mark.parametrize(
    "roll_deg, x1",
    [
        (0.0, 600),
        (7.0, 600),  # a rolled camera: the strips run across image rows
        (-5.0, 436),  # the photo's edge just past the person's left hip: samples off it
    ],
)
def test_the_converted_patches_give_the_whole_crops_evidence(roll_deg, x1):
    # hips_lab(..., profiles) converts only the pixels the colour strips read.
    from dataclasses import fields

    from silhouette.core.anatomy import BANDS, body_frame
    from silhouette.core.clothing import hips_lab, judge_outline
    from silhouette.core.outline import side_profile
    from support.bodies import crop_columns, rotate

    mask, lm = crop_columns(*rotate(*scene(DIP), roll_deg), 0, x1)
    noise = np.random.default_rng(7).integers(-40, 41, (*mask.shape, 3))
    rgb = np.clip(image_for(mask) + noise, 0, 255).astype(np.uint8)
    frame = body_frame(lm, mask.shape)
    t = frame.torso_px
    profiles = [
        side_profile(
            mask, frame, lm, side, v_top=BANDS.window_top * t, v_bottom=BANDS.window_bottom * t
        )
        for side in ("left", "right")
    ]
    whole, whole_frame = hips_lab(rgb, frame)
    patches, patch_frame = hips_lab(rgb, frame, profiles)
    assert patches.shape == whole.shape
    for p in profiles:
        a = judge_outline(whole, whole_frame, p, p.valid, 250.0, 0.0)
        b = judge_outline(patches, patch_frame, p, p.valid, 250.0, 0.0)
        for f in fields(a):
            np.testing.assert_array_equal(getattr(b, f.name), getattr(a, f.name))


def test_the_line_fit_is_polyfits_line():
    from silhouette.core.clothing import _fit_line

    rng = np.random.default_rng(6)
    for _ in range(50):
        v = np.sort(rng.uniform(-200.0, 200.0, int(rng.integers(4, 300))))[::-1]
        u = 150.0 - 0.3 * v + rng.normal(0.0, 2.0, v.size)
        slope, intercept = _fit_line(v, u)
        # Both are least squares; they differ by float rounding only.
        np.testing.assert_allclose([slope, intercept], np.polyfit(v, u, 1), rtol=0, atol=1e-9)
