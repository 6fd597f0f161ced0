"""Synthetic bodies whose outline is known exactly, and a fake pose model.

Shared by the tests and the benchmarks (``from support.bodies import ...``
with ``tests/`` on the path).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from silhouette import Analysis, Landmark, Landmarks, PoseEstimate
from silhouette.core.anatomy import body_frame
from silhouette.core.measure import measure_person

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


# --------------------------------------------------------------------------
# Shared scenes and the edits tests make to them.
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def scene(body: Body = Body(), size: tuple[int, int] = (900, 600)) -> tuple[np.ndarray, Landmarks]:
    """:func:`make_body`, cached and read-only: many tests share a few bodies.

    Read-only so that a test that edits a scene in place fails loudly instead
    of changing the scene of the tests after it; edit a copy.
    """
    mask, lm = make_body(body, size=size)
    for a in (mask, lm.xy, lm.visibility, lm.world):
        a.flags.writeable = False
    return mask, lm


def measure(
    mask: np.ndarray, lm: Landmarks, *, scale: float = 1.0, rgb: np.ndarray | None = None, **kw
) -> Analysis:
    """``measure_person`` on a scene, reported for a photo ``scale`` times its size."""
    h, w = mask.shape
    rgb = image_for(mask) if rgb is None else rgb
    size = (round(w * scale), round(h * scale))
    return measure_person(rgb, PoseEstimate(lm, mask), original_size=size, **kw)


def moved(lm: Landmarks, shape: tuple[int, int], **where: tuple[float, float]) -> Landmarks:
    """Landmarks with some moved, each to ``(lat, v)`` in torso lengths.

    ``lat`` is towards the person's left, ``v`` the height above the hip
    joints, in the body frame of ``lm`` (``LEFT_KNEE=(0.18, -0.3)``).
    """
    frame = body_frame(lm, shape)
    xy = lm.xy.copy()
    for name, (lat, v) in where.items():
        xy[Landmark[name]] = frame.to_image(lat * frame.torso_px, v * frame.torso_px)
    return replace(lm, xy=xy)


def turned(lm: Landmarks, yaw_deg: float) -> Landmarks:
    """The 3-D landmarks turned about the vertical axis by ``yaw_deg``.

    Positive yaw brings the person's left flank towards the camera.
    """
    a = np.radians(yaw_deg)
    world = lm.world.copy()
    x, z = world[:, 0].copy(), world[:, 2].copy()
    # Positive yaw brings the person's left flank (+x) towards the camera (-z).
    world[:, 0] = x * np.cos(a)
    world[:, 2] = -x * np.sin(a) + z * np.cos(a)
    return Landmarks(lm.xy, lm.visibility, world)


def with_visibility(lm: Landmarks, **vis: float) -> Landmarks:
    """Landmarks with some visibilities changed (``LEFT_HIP=0.6``)."""
    v = lm.visibility.copy()
    for name, value in vis.items():
        v[Landmark[name]] = value
    return replace(lm, visibility=v)


def crop_columns(mask: np.ndarray, lm: Landmarks, x0: int, x1: int) -> tuple[np.ndarray, Landmarks]:
    """The scene's columns ``x0:x1``: the photo's edge moves, the person does not."""
    xy = lm.xy - np.array([x0, 0.0])
    return np.ascontiguousarray(mask[:, x0:x1]), replace(lm, xy=xy)


def with_forearm(
    mask: np.ndarray, lm: Landmarks, side: str, lateral_px: float, *, torso_px: float = 300.0
) -> tuple[np.ndarray, Landmarks]:
    """A forearm and hand hanging ``lateral_px`` from the body axis, 36 px thick.

    The arm runs from 0.45 T above the hip joints to 0.35 T below, over both
    search bands; its landmarks are moved onto it.
    """
    mask = mask.copy()
    T = torso_px
    frame = body_frame(lm, mask.shape)
    sign = 1 if side == "left" else -1
    top, bottom = (
        frame.to_image(sign * lateral_px, 0.45 * T),
        frame.to_image(sign * lateral_px, -0.35 * T),
    )
    cv2.line(mask, tuple(np.round(top).astype(int)), tuple(np.round(bottom).astype(int)), 1.0, 36)
    xy = lm.xy.copy()
    names = ("ELBOW", "WRIST", "INDEX", "PINKY", "THUMB")
    prefix = "LEFT_" if side == "left" else "RIGHT_"
    for name, v in zip(names, (0.45, 0.0, -0.3, -0.3, -0.3), strict=True):
        xy[Landmark[prefix + name]] = frame.to_image(sign * lateral_px, v * T)
    return mask, replace(lm, xy=xy)


def with_fingertip(
    mask: np.ndarray,
    lm: Landmarks,
    side: str,
    v_range: tuple[float, float],
    *,
    body: Body = Body(),
    gap_px: float = 7.0,
    width_px: float = 17.0,
) -> tuple[np.ndarray, Landmarks]:
    """A fingertip held a hair's breadth outside one hip, over a short span.

    A block of person ``width_px`` wide starts ``gap_px`` outside ``body``'s
    outline over heights ``v_range`` (torso lengths); the hand's landmarks
    are moved next to it, 0.62-0.75 T out, so that no arm capsule reaches
    the hip. Only the narrow gap marks those levels as the arm's: a short
    span, well under a fifth of a search band.
    """
    mask = mask.copy()
    h, w = mask.shape
    frame = body_frame(lm, mask.shape)
    T = frame.torso_px
    sign = 1 if side == "left" else -1
    yy, xx = np.mgrid[0:h, 0:w]
    lat, v = np.moveaxis(frame.to_frame(np.stack([xx, yy], axis=-1)), -1, 0)
    u0 = half_width(v, body, side) + gap_px
    block = (v >= v_range[0] * T) & (v <= v_range[1] * T)
    block &= (sign * lat >= u0) & (sign * lat <= u0 + width_px)
    mask[block] = 1.0
    mid = sum(v_range) / 2
    side_name = side.upper()
    where = {f"{side_name}_WRIST": (sign * 0.75, mid)}
    where |= {f"{side_name}_{tip}": (sign * 0.62, mid) for tip in ("INDEX", "PINKY", "THUMB")}
    return mask, moved(lm, mask.shape, **where)


def popped_stance(lm: Landmarks, shape: tuple[int, int], tilt_deg: float) -> Landmarks:
    """The landmarks of a hip-popped stance, tilted by ``tilt_deg`` (left hip up if > 0).

    The two hip joints (0.2 T either side of the axis) turn about the mid-hip
    point by the tilt, and the knee of the relaxed leg (under the lowered
    hip) drops as far as that hip (in front views of the stance renders it
    drops 0.9 times as far). The feet, shoulders and the rest stay. Pair
    with ``Body(tilt_left_up_px=...)`` for the outline.
    """
    dv = 0.2 * np.tan(np.radians(tilt_deg))  # each hip's rise, torso lengths
    knee = "RIGHT_KNEE" if tilt_deg > 0 else "LEFT_KNEE"
    knee_lat = -0.18 if tilt_deg > 0 else 0.18
    return moved(
        lm,
        shape,
        LEFT_HIP=(0.2, dv),
        RIGHT_HIP=(-0.2, -dv),
        **{knee: (knee_lat, -0.9 - abs(dv))},
    )
