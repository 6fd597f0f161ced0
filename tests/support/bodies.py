"""Synthetic bodies whose outline is known exactly, and a fake pose model.

Shared by the tests and the benchmarks (``from support.bodies import ...``
with ``tests/`` on the path).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from silhouette import Landmark, Landmarks, PoseEstimate

# --------------------------------------------------------------------------
# A synthetic body whose outline is known exactly.
#
# Heights v and lateral distances u are in units of the torso length T (hip
# joints to shoulders). Each side of the outline is:
#   waist (v = 0.40, u = 0.30) -> convex arc out to the crest bulge
#   (v = 0.20, u = 0.42) -> straight vertical line to the trochanter bulge
#   (v = -0.15) -> convex narrowing of the thigh below.
# A notch of depth ``dip`` (raised cosine) sits on the straight part, so the
# line joining the two bulges is that straight segment and the true dip
# depth is exactly ``dip`` pixels.
# --------------------------------------------------------------------------

CREST_V, TROCH_V, HIP_U = 0.20, -0.15, 0.42


@dataclass(frozen=True)
class Body:
    """Parameters of a synthetic front-view body (pixels unless noted)."""

    torso_px: float = 300.0
    dip_left_px: float = 0.0
    dip_right_px: float = 0.0
    dip_centre: float = 0.025  # height of the notch centre, fraction of T
    dip_half_width: float = 0.15  # half-width of the notch, fraction of T
    love_handle_px: float = 0.0  # outward bump centred at v = 0.36 T
    convex_px: float = 0.0  # outward bow of the crest-trochanter line
    thigh_bulge_px: float = 0.0  # rounded outer-thigh bulge centred at v = -0.25 T
    tilt_left_up_px: float = 0.0  # raise the left hip's outline (pelvic tilt)


def half_width(v: np.ndarray, body: Body, side: str) -> np.ndarray:
    """Outward edge distance u(v) of one side, pixels; v in pixels."""
    T = body.torso_px
    shift = body.tilt_left_up_px if side == "left" else 0.0
    t = (np.asarray(v, dtype=float) - shift) / T
    u = np.empty_like(t)
    above = t > 0.40
    arc = (t <= 0.40) & (t > CREST_V)
    line = (t <= CREST_V) & (t >= TROCH_V)
    below = t < TROCH_V
    u[above] = np.where(t[above] > 1.05, 0.10, 0.30 + 0.1 * (t[above] - 0.40))  # neck
    u[arc] = HIP_U - 0.12 * ((t[arc] - CREST_V) / 0.20) ** 2
    u[line] = HIP_U
    u[below] = HIP_U - 0.5 * (t[below] - TROCH_V) ** 2
    u = u * T
    dip = body.dip_left_px if side == "left" else body.dip_right_px
    s = (t - body.dip_centre) / body.dip_half_width
    notch = np.where(np.abs(s) < 1, 0.5 * (1 + np.cos(np.pi * s)), 0.0)
    u -= dip * notch
    if body.convex_px:
        span = (t - (CREST_V + TROCH_V) / 2) / ((CREST_V - TROCH_V) / 2)
        u += np.where(line, body.convex_px * (1 - span**2), 0.0)
    if body.thigh_bulge_px:
        s3 = (t + 0.25) / 0.15
        u += body.thigh_bulge_px * np.where(np.abs(s3) < 1, 0.5 * (1 + np.cos(np.pi * s3)), 0.0)
    if body.love_handle_px:
        s2 = (t - 0.36) / 0.05
        u += body.love_handle_px * np.where(np.abs(s2) < 1, 0.5 * (1 + np.cos(np.pi * s2)), 0.0)
    return u


def make_body(
    body: Body = Body(), *, size: tuple[int, int] = (900, 600)
) -> tuple[np.ndarray, Landmarks]:
    """Rasterise a front-view body: soft mask (H, W) and matching landmarks.

    The mask's 0.5 crossing lies exactly on the analytic outline, inside a
    four-pixel linear ramp (MediaPipe's own edges ramp over 3-6 pixels):
    bilinear sampling near the crossing then never meets the ramp's clipped
    ends, so a correct tracer recovers the outline to float precision.
    """
    h, w = size
    T = body.torso_px
    cx, hip_y = w / 2.0, 0.45 * h
    ys = np.arange(h, dtype=float)
    v = hip_y - ys  # height above the hip joints
    inside = (v <= 1.2 * T) & (v >= -0.8 * T)
    uL = half_width(v, body, "left")
    uR = half_width(v, body, "right")
    xs = np.arange(w, dtype=float)[None, :]
    # Front view: the person's left is on the image right.
    dl = cx + uL[:, None] - xs
    dr = xs - (cx - uR[:, None])
    mask = np.clip(0.5 + np.minimum(dl, dr) / 4, 0.0, 1.0)
    mask[~inside] = 0.0
    # The head, for the height scale.
    head_c, head_r = hip_y - 1.3 * T, 0.22 * T
    yy, xx = np.mgrid[0:h, 0:w]
    mask = np.maximum(mask, np.clip(0.5 + (head_r - np.hypot(xx - cx, yy - head_c)) / 4, 0, 1))
    return mask.astype(np.float32), front_landmarks(cx, hip_y, T)


def front_landmarks(cx: float, hip_y: float, T: float) -> Landmarks:
    """Landmarks of a straight front-view stance with arms held well away."""
    L = Landmark
    xy = np.zeros((33, 2))
    world = np.zeros((33, 3))

    def put(k: Landmark, lat: float, v: float) -> None:
        # lat: towards the person's left (image right in a front view).
        xy[k] = (cx + lat * T, hip_y - v * T)
        world[k] = (lat * 0.5, -v * 0.5, 0.0)

    for sign, side in ((1, "LEFT"), (-1, "RIGHT")):
        put(L[f"{side}_SHOULDER"], sign * 0.35, 1.0)
        put(L[f"{side}_HIP"], sign * 0.20, 0.0)
        put(L[f"{side}_KNEE"], sign * 0.18, -0.9)
        put(L[f"{side}_ANKLE"], sign * 0.16, -1.75)
        put(L[f"{side}_HEEL"], sign * 0.16, -1.82)
        put(L[f"{side}_FOOT_INDEX"], sign * 0.18, -1.85)
        put(L[f"{side}_ELBOW"], sign * 0.95, 0.60)
        put(L[f"{side}_WRIST"], sign * 1.30, 0.30)
        for tip in ("INDEX", "PINKY", "THUMB"):
            put(L[f"{side}_{tip}"], sign * 1.40, 0.20)
        put(L[f"{side}_EAR"], sign * 0.10, 1.35)
        put(L[f"{side}_EYE"], sign * 0.05, 1.38)
        put(L[f"{side}_EYE_INNER"], sign * 0.03, 1.38)
        put(L[f"{side}_EYE_OUTER"], sign * 0.07, 1.38)
    put(L.MOUTH_LEFT, 0.03, 1.22)
    put(L.MOUTH_RIGHT, -0.03, 1.22)
    put(L.NOSE, 0.0, 1.30)
    return Landmarks(xy, np.ones(33), world)


def mirror(mask: np.ndarray, lm: Landmarks) -> tuple[np.ndarray, Landmarks]:
    """Flip a scene left-right; the person's sides swap names."""
    w = mask.shape[1]
    xy = lm.xy.copy()
    xy[:, 0] = (w - 1) - xy[:, 0]
    world = lm.world.copy()
    world[:, 0] *= -1
    perm = np.arange(33)
    for k in Landmark:
        if k.name.startswith("LEFT_"):
            other = Landmark[k.name.replace("LEFT_", "RIGHT_")]
            perm[k], perm[other] = other, k
    return mask[:, ::-1].copy(), Landmarks(xy[perm], lm.visibility[perm], world[perm])


def rotate(mask: np.ndarray, lm: Landmarks, deg: float) -> tuple[np.ndarray, Landmarks]:
    """Roll the camera: turn the scene clockwise by ``deg`` about its centre."""
    import cv2

    h, w = mask.shape
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -deg, 1.0)
    out = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR)
    xy = np.c_[lm.xy, np.ones(33)] @ m.T
    return out, replace(lm, xy=xy)


class FakePose:
    """A pose backend that returns a fixed estimate (or nobody)."""

    def __init__(self, estimate: PoseEstimate | None) -> None:
        self.estimate = estimate
        self.calls = 0

    def __call__(self, rgb: np.ndarray) -> PoseEstimate | None:
        self.calls += 1
        if self.estimate is not None:
            assert rgb.shape[:2] == self.estimate.mask.shape, "fake estimate made for another size"
        return self.estimate

    def close(self) -> None:
        pass


def image_for(mask: np.ndarray) -> np.ndarray:
    """A plain photo of a masked body: grey person on a dark background."""
    return np.repeat((40 + 160 * mask)[:, :, None], 3, axis=2).round().astype(np.uint8)


def angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)
