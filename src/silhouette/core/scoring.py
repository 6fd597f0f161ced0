"""A side's dip as a result: depth ratio, the present/absent call, confidence.

Works in one pixel scale throughout (the working image's); the result is
converted to the original photo's pixels once, by
:meth:`silhouette.Analysis.rescaled`.
"""

from __future__ import annotations

import math

import numpy as np

from ..results import HipSide, Notice, Point, Side
from .clothing import OutlineEvidence
from .dip import MIN_DIP_PX, fill_gaps
from .hips import HipTrace
from .landmarks import Landmark, Landmarks
from .notices import notice
from .view import FRONT_MAX_DEG

__all__ = [
    "CALIBRATION",
    "DEPTH_SD_RATIO",
    "SMALLEST_DETECTABLE_CHANGE",
    "TOLERANCE_RATIO",
    "beyond_noise",
    "borderline_notice",
    "calibrated",
    "depth_sd",
    "score_side",
    "view_quality",
]

#: Standard deviation of one side's depth ratio between re-takes of the same
#: unchanged body (camera 2.4-3.2 m away, height +-5 cm, roll +-1.5 deg, body
#: turned +-4 deg), on MediaPipe's masks: benchmarks/repeatability.py,
#: docs/accuracy.md. The measurement's own uncertainty.
DEPTH_SD_RATIO = 0.0025
#: ... which is this many pixels of edge noise at the re-takes' typical hip
#: width (240 px); a smaller person in the photo has a larger uncertainty.
_EDGE_NOISE_PX = 0.6
#: The smallest change between two photos that is more than noise with 95 %
#: confidence: 1.96 x sqrt(2) x the SD, as a fraction of hip width.
SMALLEST_DETECTABLE_CHANGE = 2.77 * DEPTH_SD_RATIO


def beyond_noise(change_ratio: float) -> bool:
    """Whether a change of the depth ratio is a change, not the measurement's noise.

    >>> beyond_noise(0.007), beyond_noise(-0.005)
    (True, False)
    """
    return bool(abs(change_ratio) >= SMALLEST_DETECTABLE_CHANGE)


#: The depth counts as right when within this of the true body outline's, as
#: a fraction of hip width: what ``confidence`` is the probability of.
TOLERANCE_RATIO = 0.005
#: How far an outline of each kind is trusted to be the body's, before
#: calibration: a garment's outline may be centimetres off the body.
_SOURCE_TRUST = {"body": 1.0, "uncertain": 0.3, "clothing": 0.1}
#: Platt scaling (slope, intercept) of the raw score's logit: fitted by
#: benchmarks/calibration.py on re-takes, dressed and degraded renders
#: (docs/accuracy.md, "Calibration").
CALIBRATION = (0.770, 2.474)


def depth_sd(hip_width_px: float) -> float:
    """Uncertainty (SD) of a depth ratio measured on a hip ``hip_width_px`` wide.

    >>> depth_sd(240.0), depth_sd(60.0)
    (0.0025, 0.01)
    """
    return max(DEPTH_SD_RATIO, _EDGE_NOISE_PX / hip_width_px)


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
    evidence: OutlineEvidence | None = None,
) -> HipSide:
    """The :class:`~silhouette.HipSide` of one traced side, working pixels.

    A depth within its own uncertainty (:func:`depth_sd`) of the threshold
    is borderline: ``dip_present`` is None (see :func:`borderline_notice`),
    rather than a call that a re-take could flip.

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
    evidence : OutlineEvidence, optional
        What the photo says the outline is; when it is not the body's,
        ``dip_present`` is None. Without it the outline is taken as the body.
    """
    # Levels hidden by an arm become NaN rows: the drawing breaks there.
    p = trace.profile
    outline = np.where((p.valid & ~trace.arm)[:, None], p.xy, np.nan)
    g = trace.geometry
    if g is None or hip_width is None:
        why = None if trace.notice is None else trace.notice.message
        return HipSide(side, outline=outline, reason=why)

    def point(i: int | None) -> Point | None:
        return None if i is None else _point_on_outline(p, i)

    source = "body" if evidence is None else evidence.source
    ratio = g.depth_px / hip_width
    threshold = _threshold(threshold_ratio, hip_width)
    sd = depth_sd(hip_width)
    borderline = abs(ratio - threshold) < sd
    hip, knee = (
        (Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
        if side == "left"
        else (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE)
    )
    seen = float(min(lm.visibility[hip], lm.visibility[knee]))
    raw = (
        _SOURCE_TRUST[source]
        # The chance that the measurement's own noise stays within the
        # tolerance (a small person in the photo has more).
        * math.erf(TOLERANCE_RATIO / (sd * math.sqrt(2.0)))
        * quality
        * seen
        * (1.0 if g.lower_closed else 0.8)
    )
    return HipSide(
        side,
        dip_depth_px=g.depth_px,
        dip_depth_ratio=ratio,
        dip_depth_cm=None if px_per_cm is None else g.depth_px / px_per_cm,
        dip_present=None if borderline or source != "body" else bool(ratio >= threshold),
        confidence=calibrated(raw),
        crest=point(g.upper),
        trochanter=point(g.lower),
        deepest=point(g.deepest),
        love_handle_px=g.love_handle_px,
        love_handle_ratio=g.love_handle_px / hip_width,
        outline=outline,
        outline_source=source,
    )


def calibrated(raw: float) -> float:
    """The probability that a depth is within ``TOLERANCE_RATIO`` of the body's.

    ``raw`` is the product of what lowers trust in a depth (see
    :func:`score_side`), in [0, 1]; Platt scaling of its logit, with the
    coefficients fitted by ``benchmarks/calibration.py``, makes it a
    probability.

    >>> 0.0 <= calibrated(0.9) <= 1.0
    True
    """
    a, b = CALIBRATION
    r = min(max(raw, 1e-6), 1.0 - 1e-6)
    return float(1.0 / (1.0 + math.exp(-(a * math.log(r / (1.0 - r)) + b))))


def borderline_notice(side: HipSide, hip_width: float, threshold_ratio: float) -> Notice | None:
    """Why a measured side's ``dip_present`` is None, or None when it is not."""
    if side.dip_depth_ratio is None or side.dip_present is not None:
        return None
    if side.outline_source == "clothing":
        return None  # said by the clothing notice
    if side.outline_source == "uncertain":
        return None  # said by the low-contrast notice
    return notice(
        "borderline",
        side.side,
        depth=100 * side.dip_depth_ratio,
        threshold=100 * _threshold(threshold_ratio, hip_width),
        sd=100 * depth_sd(hip_width),
    )


def _threshold(threshold_ratio: float, hip_width: float) -> float:
    """The depth ratio from which a dip counts, never under ``MIN_DIP_PX``."""
    return max(threshold_ratio, MIN_DIP_PX / hip_width)


def _point_on_outline(profile, i: int) -> Point:
    """``[x, y]`` of profile level ``i``, also where no edge was traced there.

    The dip is measured on the profile with its gaps filled (``fill_gaps``:
    interpolated inside, the nearest value held at the ends), so a bulge can
    sit on a level without a traced edge, whose ``xy`` is NaN. The point is
    then placed on the filled profile: ``xy`` is affine in ``(u, v)``.
    """
    xy = profile.xy[i]
    if np.isfinite(xy).all():
        return (float(xy[0]), float(xy[1]))
    ok = np.isfinite(profile.xy).all(axis=1) & np.isfinite(profile.u)
    if ok.sum() < 3:
        j = int(np.flatnonzero(ok)[np.argmin(np.abs(np.flatnonzero(ok) - i))])
        return (float(profile.xy[j][0]), float(profile.xy[j][1]))
    design = np.c_[np.ones(ok.sum()), profile.u[ok], profile.v[ok]]
    coef = np.linalg.lstsq(design, profile.xy[ok], rcond=None)[0]
    x, y = np.array([1.0, fill_gaps(profile.u)[i], profile.v[i]]) @ coef
    return (float(x), float(y))
