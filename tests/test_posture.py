"""Pelvic tilt from the outline: the height difference of the two hips' widest
parts across the distance between the hip joints (docs/posture.md).

The profiles are given directly: a rounded hip and thigh (a parabola, convex
all along, so that it is its own outer hull) whose crown is placed at a known
height on each side. The tilt is then exactly ``atan(dv / span)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from silhouette.core.anatomy import BANDS, body_frame
from silhouette.core.posture import TILT_THRESHOLD_DEG, estimate_posture
from support.bodies import moved, scene, with_visibility

T = 300.0
V = np.arange(0.5 * T, -0.5 * T - 0.5, -1.0)
SPAN = 2 * 0.2 * T  # the hip joints are 0.2 T either side of the axis
BAND = BANDS.pixels("trochanter", T)


def profile(crown_v: float) -> tuple[np.ndarray, np.ndarray]:
    """(v, u): the outline reaches 134 px at ``crown_v`` and rounds off around it."""
    return V, 134.0 - 0.002 * (V - crown_v) ** 2


def posture(left_crown: float, right_crown: float = -75.0, lm=None, **kw):
    mask, base = scene()
    frame = body_frame(base, mask.shape)
    kw = {"band": BAND} | kw
    return estimate_posture(
        frame, base if lm is None else lm, profile(left_crown), profile(right_crown), **kw
    )


def tilt_of(dv: float, span: float = SPAN) -> float:
    return math.degrees(math.atan2(dv, span))


def test_level_hips_are_a_straight_stance():
    p = posture(-75.0)
    assert p.pelvic_tilt_deg == pytest.approx(0.0, abs=1e-9)
    assert p.hip_popped is False and p.raised_side is None and p.knees_agree is None


@pytest.mark.parametrize("dv, side", [(15.0, "left"), (-15.0, "right"), (12.0, "left")])
def test_a_raised_hip_tilts_the_pelvis_towards_it(dv, side):
    p = posture(-75.0 + dv)
    assert p.pelvic_tilt_deg == pytest.approx(tilt_of(dv), abs=0.01)
    assert p.hip_popped is True and p.raised_side == side


def test_a_small_tilt_is_not_hip_popped():
    p = posture(-70.0)  # 5 px: 2.4 degrees
    assert p.pelvic_tilt_deg == pytest.approx(tilt_of(5.0), abs=0.01)
    assert p.pelvic_tilt_deg < TILT_THRESHOLD_DEG
    assert p.hip_popped is False and p.raised_side is None


def test_the_threshold_is_a_parameter():
    assert posture(-60.0, threshold_deg=8.0).hip_popped is False  # 7.1 degrees
    assert posture(-60.0, threshold_deg=7.0).hip_popped is True


def test_the_tilt_is_across_at_least_a_narrow_pelvis():
    # Hip joints drawn 0.05 T from the axis: the span is taken as 0.3 T.
    mask, lm = scene()
    narrow = moved(lm, mask.shape, LEFT_HIP=(0.05, 0.0), RIGHT_HIP=(-0.05, 0.0))
    frame = body_frame(narrow, mask.shape)
    p = estimate_posture(frame, narrow, profile(-60.0), profile(-75.0), band=BAND)
    assert p.pelvic_tilt_deg == pytest.approx(tilt_of(15.0, 0.3 * T), abs=0.01)


def test_only_the_trochanter_band_counts():
    # A wider bulge above the band (a hem, a love handle) is not the hip. (It
    # nudges the outer hull, which spans the window, by a little.)
    v, u = profile(-75.0)
    u = u + np.where(V > 0.2 * T, 20.0, 0.0)
    mask, lm = scene()
    p = estimate_posture(body_frame(lm, mask.shape), lm, (v, u), profile(-75.0), band=BAND)
    assert p.pelvic_tilt_deg == pytest.approx(0.0, abs=0.5)


def test_no_stance_without_both_outlines_or_beyond_a_standing_pelvis():
    mask, lm = scene()
    frame = body_frame(lm, mask.shape)
    assert estimate_posture(frame, lm, None, profile(-75.0), band=BAND) is None
    assert estimate_posture(frame, lm, profile(-75.0), None, band=BAND) is None
    # 40 px over 120 px is 18 degrees: no standing pelvis tilts that far.
    assert posture(-35.0) is None
    assert posture(-75.0 + 30.0) is not None  # 14 degrees: a deep contrapposto


def test_knees_that_contradict_the_outline_veto_the_flag():
    mask, lm = scene()
    # Weight on the raised (left) leg: the relaxed right knee bends, lower.
    agree = moved(lm, mask.shape, RIGHT_KNEE=(-0.18, -0.96))
    p = posture(-60.0, lm=agree)
    assert p.knees_agree is True and p.hip_popped is True and p.raised_side == "left"
    disagree = moved(lm, mask.shape, LEFT_KNEE=(0.18, -0.96))
    p = posture(-60.0, lm=disagree)
    assert p.knees_agree is False and p.hip_popped is False and p.raised_side is None
    assert p.pelvic_tilt_deg == pytest.approx(tilt_of(15.0), abs=0.01)
    # Level knees, or knees not seen, say nothing.
    assert posture(-60.0, lm=with_visibility(disagree, LEFT_KNEE=0.3)).knees_agree is None
    assert posture(-60.0).knees_agree is None
    slight = moved(lm, mask.shape, LEFT_KNEE=(0.18, -0.91))  # 3 px, under 0.02 T
    assert posture(-60.0, lm=slight).knees_agree is None
