"""Hip-popped stance: a tilted pelvis with the weight on one leg.

MediaPipe's hip landmarks barely follow a tilted pelvis, so the tilt is read
from the outline. Each hip's widest part (greater trochanter and outer thigh,
found as the centroid of the widest region of the outline's outer hull in
the trochanter band; the hull is taken over the whole window, so that a dip
does not move it) moves with its hip joint;
the height difference of the two, across the distance between the hip
joints, gives the pelvic tilt. The knee of the
relaxed leg is bent and lower; when the knees are seen, they must not
contradict the outline for the stance to be flagged.

All heights are taken along the body axis (see :mod:`silhouette.anatomy`), so
a rolled camera does not read as a tilted pelvis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..results import Side
from .anatomy import MIN_VISIBILITY, BodyFrame
from .dip import bulge_level, outer_hull
from .landmarks import Landmark, Landmarks

__all__ = ["TILT_THRESHOLD_DEG", "PostureEstimate", "estimate_posture"]

#: Pelvic tilt above which the stance is called hip-popped, degrees. A
#: relaxed straight stance stays within about 2-3 degrees.
TILT_THRESHOLD_DEG = 4.0
#: The widest region: samples within this fraction of torso length of the
#: widest one (about 1 cm in an adult, more than mask noise and skin folds).
_PLATEAU = 0.02
#: Knee height difference (fraction of torso) that counts as a clear cue.
_KNEE_CUE = 0.02
#: A standing pelvis tilts at most about 12 degrees even in a deep
#: contrapposto; beyond this the outline is showing clothing or a pose (a
#: raised leg, a lunge), not the pelvis.
MAX_PLAUSIBLE_TILT_DEG = 15.0


@dataclass(frozen=True)
class PostureEstimate:
    """Raw posture geometry; see :class:`silhouette.Stance` for the result.

    Attributes
    ----------
    pelvic_tilt_deg : float
        Positive when the person's left hip is higher, degrees.
    hip_popped : bool
    raised_side : {'left', 'right'} or None
        Side of the higher hip, which carries the weight.
    knees_agree : bool or None
        Whether the knee heights point to the same raised side; None when
        the knees are not seen or are level.
    """

    pelvic_tilt_deg: float
    hip_popped: bool
    raised_side: Side | None
    knees_agree: bool | None


def estimate_posture(
    frame: BodyFrame,
    landmarks: Landmarks,
    left: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None,
    right: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None,
    *,
    band: tuple[float, float],
    threshold_deg: float = TILT_THRESHOLD_DEG,
) -> PostureEstimate | None:
    """Estimate pelvic tilt and whether the stance is hip-popped.

    Parameters
    ----------
    frame : BodyFrame
    landmarks : Landmarks
    left, right : (v, u) pair of (K,) arrays, or None
        Each side's profile over the whole window, arm-free levels only:
        heights above the hip joints (decreasing) and outward edge
        distances, pixels. None when that side's outline is unusable.
    band : (float, float)
        ``(low, high)`` heights of the trochanter band, pixels. The widest
        part below the crest is used: the greater trochanter rides on the
        femur, whose head is the hip joint, while the width at crest level
        owes as much to soft tissue and clothing hems.
    threshold_deg : float, optional
        Tilt from which the stance is hip-popped, degrees.

    Returns
    -------
    PostureEstimate or None
        None when either hip's outline is hidden (by an arm, or the photo's
        edge) in the trochanter band, or when the outline implies a tilt no
        standing pelvis makes (it is then shaped by clothing or the pose).
        The knees alone do not show the tilt reliably.
    """
    T = frame.torso_px
    if left is None or right is None:
        return None
    tol = _PLATEAU * T
    levels = []
    for v, u in (left, right):
        hull = _hull_of(v, u)
        inside = (v >= band[0]) & (v <= band[1])
        levels.append(bulge_level(v[inside], hull[inside], tolerance_px=tol))
    span = 2.0 * max(frame.hip_half_width_px, 0.15 * T)
    tilt = float(np.degrees(np.arctan2(levels[0] - levels[1], span)))
    if abs(tilt) > MAX_PLAUSIBLE_TILT_DEG:
        return None
    knee_dv = _knee_height_difference(frame, landmarks)
    knees_agree: bool | None = None
    if knee_dv is not None and abs(knee_dv) >= _KNEE_CUE * T:
        knees_agree = (knee_dv > 0) == (tilt > 0)
    popped = abs(tilt) >= threshold_deg and knees_agree is not False
    raised: Side | None = ("left" if tilt > 0 else "right") if popped else None
    return PostureEstimate(tilt, bool(popped), raised, knees_agree)


def _hull_of(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The profile's outer hull at every sample: a dip does not move the bulge."""
    idx = outer_hull(v, u)
    return np.interp(-v, -v[idx], u[idx])


def _knee_height_difference(frame: BodyFrame, landmarks: Landmarks) -> float | None:
    """Left minus right knee height along the body axis, pixels, if both seen."""
    L = Landmark
    if min(landmarks.visibility[L.LEFT_KNEE], landmarks.visibility[L.RIGHT_KNEE]) < MIN_VISIBILITY:
        return None
    lv = frame.to_frame(landmarks[L.LEFT_KNEE])[1]
    rv = frame.to_frame(landmarks[L.RIGHT_KNEE])[1]
    return float(lv - rv)
