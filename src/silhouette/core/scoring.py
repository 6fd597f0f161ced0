"""A side's dip as a result: depth ratio, the present/absent call, confidence.

Works in one pixel scale throughout (the working image's); the result is
converted to the original photo's pixels once, by
:meth:`silhouette.Analysis.rescaled`.
"""

from __future__ import annotations

import numpy as np

from ..results import HipSide, Point, Side
from .dip import MIN_DIP_PX
from .hips import HipTrace
from .landmarks import Landmark, Landmarks
from .view import FRONT_MAX_DEG

__all__ = ["score_side", "view_quality"]


def view_quality(yaw_deg: float | None) -> float:
    """1 for a square-on view, falling to 0.5 at the front/back view limit.

    >>> view_quality(0.0), view_quality(180.0), view_quality(15.0)
    (1.0, 1.0, 0.75)
    """
    yaw = yaw_deg or 0.0
    off = min(abs(yaw), 180.0 - abs(yaw))
    return float(1.0 - 0.5 * min(off / FRONT_MAX_DEG, 1.0))


def score_side(
    side: Side,
    trace: HipTrace,
    lm: Landmarks,
    *,
    hip_width: float | None,
    px_per_cm: float | None,
    quality: float,
    threshold_ratio: float,
) -> HipSide:
    """The :class:`~silhouette.HipSide` of one traced side, working pixels.

    Parameters
    ----------
    side : {'left', 'right'}
    trace : HipTrace
    lm : Landmarks
        The hip and knee visibilities lower the confidence.
    hip_width : float or None
        Hip width, pixels; without it the side has no depth ratio and is
        reported unmeasured.
    px_per_cm : float or None
        Scale for the depth in centimetres.
    quality : float
        View quality in [0.5, 1] (see :func:`view_quality`).
    threshold_ratio : float
        Depth ratio from which a dip counts as present.
    """
    # Levels hidden by an arm become NaN rows: the drawing breaks there.
    p = trace.profile
    outline = np.where((p.valid & ~trace.arm)[:, None], p.xy, np.nan)
    g = trace.geometry
    if g is None or hip_width is None:
        why = None if trace.notice is None else trace.notice.message
        return HipSide(side, outline=outline, reason=why)

    def point(i: int | None) -> Point | None:
        return None if i is None else (float(p.xy[i][0]), float(p.xy[i][1]))

    ratio = g.depth_px / hip_width
    threshold = max(threshold_ratio, MIN_DIP_PX / hip_width)
    present = ratio >= threshold
    # Certainty grows with the distance from the threshold, on the scale of
    # the threshold itself; a turned body or unsure landmarks lower it.
    certainty = 1.0 / (1.0 + np.exp(-(ratio - threshold) / (0.25 * threshold)))
    hip, knee = (
        (Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
        if side == "left"
        else (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE)
    )
    seen = float(min(lm.visibility[hip], lm.visibility[knee]))
    closed = 1.0 if g.lower_closed else 0.8
    confidence = max(certainty, 1 - certainty) * quality * seen * closed
    return HipSide(
        side,
        dip_depth_px=g.depth_px,
        dip_depth_ratio=ratio,
        dip_depth_cm=None if px_per_cm is None else g.depth_px / px_per_cm,
        dip_present=bool(present),
        confidence=float(np.clip(confidence, 0.0, 1.0)),
        crest=point(g.upper),
        trochanter=point(g.lower),
        deepest=point(g.deepest),
        love_handle_px=g.love_handle_px,
        love_handle_ratio=g.love_handle_px / hip_width,
        outline=outline,
    )
