"""Each hip's traced outline, checked before it is measured.

A side is measured only when its outline is the body's: not cut by the
photo's edge, traced over most of the crest and trochanter bands, and free of
an arm or hand where the dip is decided. The hip and waist widths come from
both sides' outlines together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..results import Notice, Side
from .anatomy import BANDS, BodyFrame
from .dip import DipGeometry, dip_of_profile, fill_gaps
from .landmarks import Landmarks
from .notices import notice
from .outline import SideProfile, arm_overlap, side_profile

__all__ = ["HipTrace", "arm_free_levels", "trace_hip", "widths"]

#: Share of a band's levels that must have an edge for a side to be measured.
_MIN_COVERAGE = 0.8
#: Margin around the decisive part of the outline kept clear of arms,
#: fraction of torso length (about 1 cm).
_ARM_MARGIN = 0.02


@dataclass(frozen=True, eq=False)
class HipTrace:
    """One side's outline and, when it can be measured, its dip.

    Attributes
    ----------
    profile : SideProfile
        The traced edge over the analysis window, working pixels.
    arm : (K,) ndarray of bool
        Levels where the edge may be an arm or hand.
    geometry : DipGeometry or None
        The dip; None when the side cannot be measured.
    notice : Notice or None
        Why the side was not measured.
    """

    profile: SideProfile
    arm: npt.NDArray[np.bool_]
    geometry: DipGeometry | None
    notice: Notice | None


def trace_hip(
    mask: npt.NDArray[np.float32], frame: BodyFrame, lm: Landmarks, side: Side
) -> HipTrace:
    """Trace one side over the analysis window and measure its dip if it can be."""
    T = frame.torso_px
    profile = side_profile(
        mask, frame, lm, side, v_top=BANDS.window_top * T, v_bottom=BANDS.window_bottom * T
    )
    arm = arm_overlap(profile, frame, lm)
    v = profile.v
    span = (v <= BANDS.crest[1] * T) & (v >= BANDS.window_bottom * T)
    if profile.clipped[span].any():
        return HipTrace(profile, arm, None, notice("outline_clipped", side))
    bands = [BANDS.pixels("crest", T), BANDS.pixels("trochanter", T)]
    usable = profile.valid & ~arm
    for lo, hi in bands:
        sel = (v >= lo) & (v <= hi)
        if usable[sel].mean() < _MIN_COVERAGE:
            kind = (
                "arm_touching"
                if profile.valid[sel].mean() >= _MIN_COVERAGE
                else ("outline_incomplete")
            )
            return HipTrace(profile, arm, None, notice(kind, side))
    # The arm's levels are left out and bridged; the arm is never measured.
    u = fill_gaps(np.where(usable, profile.u, np.nan))
    geometry = dip_of_profile(v, u, T)
    # A bridged arm between the two bulges (or, without a dip, between the
    # middle of the crest band and the lower bulge) could hide or fake a dip.
    top = v[geometry.upper] if geometry.upper is not None else sum(bands[0]) / 2
    margin = _ARM_MARGIN * T
    decisive = (v <= top + margin) & (v >= v[geometry.lower] - margin)
    if (arm & decisive).any():
        return HipTrace(profile, arm, None, notice("arm_touching", side))
    return HipTrace(profile, arm, geometry, None)


def arm_free_levels(
    trace: HipTrace, torso_px: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """``(v, u)`` of the traced, arm-free levels of the window, pixels.

    None when less than most of the trochanter band is free (as for measuring
    a dip).
    """
    v, u = trace.profile.v, trace.profile.u
    sel = np.isfinite(u) & ~trace.arm & ~trace.profile.clipped
    lo, hi = BANDS.pixels("trochanter", torso_px)
    band = (v >= lo) & (v <= hi)
    if (sel & band).sum() < _MIN_COVERAGE * band.sum():
        return None
    return v[sel], u[sel]


def widths(left: HipTrace, right: HipTrace, torso_px: float) -> tuple[float | None, float | None]:
    """Widest hip and narrowest waist width, pixels, from both sides' edges.

    The hip width is the widest level between the top of the crest band and
    the top of the trochanter band; with one side unusable, twice the other
    side's reach. The waist width is None when an arm hides over half the
    waist band.
    """
    T = torso_px
    v = left.profile.v
    both = left.profile.u + right.profile.u
    free = np.isfinite(both) & ~left.arm & ~right.arm
    hip = (v <= BANDS.crest[1] * T) & (v >= BANDS.trochanter[0] * T) & free
    in_waist = (v >= BANDS.waist[0] * T) & (v <= BANDS.waist[1] * T)
    waist = in_waist & free
    hip_w = float(both[hip].max()) if hip.sum() >= 3 else None
    waist_w = float(both[waist].min()) if waist.sum() >= 0.5 * in_waist.sum() > 0 else None
    if hip_w is None:
        reach = [
            np.nanmax(s.profile.u[s.profile.valid & ~s.arm])
            for s in (left, right)
            if (s.profile.valid & ~s.arm).any()
        ]
        hip_w = 2.0 * max(reach) if reach else None
    return hip_w, waist_w
