"""How a photo was taken, read from the photo itself, and whether two photos compare.

Progress photos are compared week by week; the pose, the camera and the clothes
change the outline as much as the body does. Each analysis gets a capture
signature (:class:`CaptureSignature`): the body's turn from the camera, the
camera's roll, the camera's height relative to the body (perspective: the
upper body looks longer against the legs when the camera is higher), how much
of the frame the body fills, the stance and what each hip's outline is. Two
photos are comparable (:func:`compare_capture`) when none of these moved
further than the depth can bear.

The limits come from renders of 24 bodies with one camera factor changed at a
time (``benchmarks/comparability.py``, docs/comparability.md): moving the camera
from 2.5 to 5 m, up by 120 cm or down by 60 cm, or rolling it by 15 degrees
moves the depth ratio by less than the measurement's own noise; turning the body
by 10 degrees or more does not. Camera height and roll are still checked, with
limits beyond what was rendered (a selfie from far above, a sideways photo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..results import Analysis, CaptureSignature
from .anatomy import MIN_VISIBILITY, body_frame
from .landmarks import Landmark, Landmarks

__all__ = [
    "MAX_PERSPECTIVE_CHANGE",
    "MAX_YAW_CHANGE_DEG",
    "CaptureSignature",
    "Comparability",
    "capture_signature",
    "compare_capture",
]

#: Largest change of the measured body yaw, degrees, between comparable photos.
#: MediaPipe reads 0.68-0.74 of a true turn (+10 degrees reads +4.9, -10 reads
#: -6.3); a true turn of 5 degrees keeps the depth within its noise on the renders
#: and 10 does not (exact-mask p90 0.33 points): 5 keeps every 5-degree re-take
#: and rejects every turn from 15.
MAX_YAW_CHANGE_DEG = 5.0
#: Largest relative change of the upper-to-lower body length ratio, which grows
#: about 0.15 % per cm of camera height: -60 to +120 cm left the depth within its
#: noise, and 25 % (about +-1.5 m, past what was rendered) is a photo from much
#: higher or lower, a selfie from above.
MAX_PERSPECTIVE_CHANGE = 0.25
#: Camera roll is taken out of every height and read exactly: 15 degrees, the
#: most rendered, moved the depth by at most 0.3 points (p90, MediaPipe masks).
MAX_ROLL_CHANGE_DEG = 15.0


@dataclass(frozen=True)
class Comparability:
    """Whether a photo compares with a reference photo, and why not.

    Attributes
    ----------
    comparable : bool
    reasons : tuple of str
        Plain-language reasons it does not compare ("body turned about 9
        degrees more than in the reference").
    """

    comparable: bool
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"comparable": self.comparable, "reasons": list(self.reasons)}


def capture_signature(analysis: Analysis) -> CaptureSignature | None:
    """The capture signature of an analysis; None without a person."""
    if not analysis.person_found:
        return None
    persp = None
    if analysis.landmarks is not None:
        lm = Landmarks(analysis.landmarks[:, :2], analysis.landmarks[:, 2])
        persp = _perspective(lm, (analysis.height, analysis.width))
    fill = None if analysis.torso_px is None else analysis.torso_px / analysis.height
    return CaptureSignature(
        body_yaw_deg=analysis.body_yaw_deg,
        camera_roll_deg=analysis.stance.camera_roll_deg,
        perspective=persp,
        body_fill=fill,
        hip_popped=analysis.stance.hip_popped,
        outline_left=analysis.left.outline_source,
        outline_right=analysis.right.outline_source,
    )


def _perspective(lm: Landmarks, shape: tuple[int, int]) -> float | None:
    L = Landmark
    frame = body_frame(lm, shape)
    if frame is None:
        return None
    if min(lm.visibility[L.LEFT_ANKLE], lm.visibility[L.RIGHT_ANKLE]) < MIN_VISIBILITY:
        return None
    hips = lm.mid(L.LEFT_HIP, L.RIGHT_HIP)
    lower = float((hips - lm.mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)) @ frame.up)
    return frame.torso_px / lower if lower > 0.5 * frame.torso_px else None


def _turn(yaw: float) -> float:
    """Turn away from square-on (front or back), signed, degrees."""
    return yaw if abs(yaw) <= 90.0 else (yaw - np.sign(yaw) * 180.0)


def compare_capture(
    reference: CaptureSignature, other: CaptureSignature, *, than: str = "the reference"
) -> Comparability:
    """Whether ``other`` was taken like ``reference`` closely enough to compare depths.

    Parameters
    ----------
    reference, other : CaptureSignature
    than : str, optional
        What the reasons call the reference photo ("the earlier photo").

    Returns
    -------
    Comparability
        With the reasons in plain words when the photos do not compare.

    Examples
    --------
    >>> ref = CaptureSignature(0.0, 0.0, 0.62, 0.2, False, "body", "body")
    >>> later = CaptureSignature(9.0, 0.5, 0.62, 0.3, False, "body", "body")
    >>> compare_capture(ref, later).reasons
    ('body turned about 9 degrees further to show its left flank than in the reference',)
    """
    reasons: list[str] = []
    if reference.body_yaw_deg is not None and other.body_yaw_deg is not None:
        # Signed: from 5 degrees one way to 5 the other is a 10-degree turn.
        turn = _turn(other.body_yaw_deg) - _turn(reference.body_yaw_deg)
        if abs(turn) > MAX_YAW_CHANGE_DEG:
            way = "left" if turn > 0 else "right"
            reasons.append(
                f"body turned about {abs(turn):.0f} degrees further to show its {way} flank "
                f"than in {than}"
            )
    if reference.perspective and other.perspective:
        change = other.perspective / reference.perspective - 1.0
        if abs(change) > MAX_PERSPECTIVE_CHANGE:
            where = "higher up" if change > 0 else "lower down"
            reasons.append(f"taken from {where} than {than}")
    if reference.camera_roll_deg is not None and other.camera_roll_deg is not None:
        roll = other.camera_roll_deg - reference.camera_roll_deg
        if abs(roll) > MAX_ROLL_CHANGE_DEG:
            reasons.append(f"camera tilted {abs(roll):.0f} degrees from {than}")
    if other.hip_popped and reference.hip_popped is False:
        reasons.append(f"hip-popped stance, not in {than}")
    elif reference.hip_popped and other.hip_popped is False:
        reasons.append(f"a hip-popped stance in {than}, not in this one")
    for side in ("left", "right"):
        ref_o, o = getattr(reference, f"outline_{side}"), getattr(other, f"outline_{side}")
        # A garment edge that came or went changes the outline; an edge that
        # is only harder to see ('uncertain') lowers the confidence instead.
        if ref_o is not None and o is not None and ref_o != o and "clothing" in (ref_o, o):
            reasons.append(
                f"different clothing at the {side} hip (outline: {ref_o} in {than}, {o} here)"
            )
    return Comparability(not reasons, tuple(reasons))
