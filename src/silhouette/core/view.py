"""Which way the body faces the camera, from the landmarks' left-right vector.

The vector from the right to the left shoulder (and hip) turns with the body:
its angle in the horizontal plane of MediaPipe's metric 3-D ("world")
landmarks is the body's yaw. 0 degrees is a front view, 180 a back view, +90
shows the person's left flank (camera on their left), -90 their right flank.
On real photos the 3-D landmarks give a steadier yaw than the image
landmarks' relative depth, which overstates turns.
"""

from __future__ import annotations

import numpy as np

from ..results import View
from .anatomy import BodyFrame
from .landmarks import Landmark, Landmarks

__all__ = ["FRONT_MAX_DEG", "SIDE_RANGE_DEG", "body_yaw_deg", "classify_view"]

#: Within this yaw of facing the camera (or facing away) the flanks are the
#: body's outline: a front or back view.
FRONT_MAX_DEG = 30.0
#: Yaw range (absolute) of a side view; between the two lies a three-quarter
#: view, whose outline belongs to neither and is reported as "unknown".
SIDE_RANGE_DEG = (60.0, 120.0)


def body_yaw_deg(landmarks: Landmarks, frame: BodyFrame) -> float | None:
    """Yaw of the body, degrees in (-180, 180]; 0 faces the camera.

    Shoulders and hips are summed so that a twisted torso counts half each.
    ``frame`` supplies the image direction to the right of the body axis, so
    camera roll does not enter. None without 3-D landmarks.
    """
    if landmarks.world is None:
        return None
    L = Landmark
    right = np.array([-frame.up[1], frame.up[0]])
    dx = dz = 0.0
    for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        d = landmarks.world[a] - landmarks.world[b]
        dx += float(d[:2] @ right)
        dz += float(d[2])
    # Facing the camera, the person's left is on the image right (dx > 0)
    # and both flanks are equally near (dz = 0).
    return float(np.degrees(np.arctan2(-dz, dx)))


def classify_view(yaw_deg: float | None) -> View:
    """Front, back, side or unknown from the body yaw (unknown for None).

    Examples
    --------
    >>> classify_view(10.0), classify_view(-170.0), classify_view(85.0), classify_view(45.0)
    ('front', 'back', 'side', 'unknown')
    """
    if yaw_deg is None:
        return "unknown"
    a = abs(yaw_deg)
    if a <= FRONT_MAX_DEG:
        return "front"
    if a >= 180.0 - FRONT_MAX_DEG:
        return "back"
    if SIDE_RANGE_DEG[0] <= a <= SIDE_RANGE_DEG[1]:
        return "side"
    return "unknown"
