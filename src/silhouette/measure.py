"""From a pose estimate to an :class:`~silhouette.Analysis`: the measurement chain.

landmarks -> person mask -> body frame and view -> side profiles -> dips,
posture, widths and scale -> results in original-image pixels. No model and
no file is touched here; :class:`~silhouette.Analyzer` supplies the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._types import Analysis, HipSide, Notice, Point, Stance
from .anatomy import BANDS, MIN_VISIBILITY, BodyFrame, body_frame
from .curvature import DipGeometry, fill_gaps, measure_dip
from .landmarks import Landmark, Landmarks
from .mask import refine_edges, select_person
from .outline import SideProfile, arm_overlap, side_profile
from .pose import PoseEstimate
from .posture import TILT_THRESHOLD_DEG, estimate_posture
from .view import FRONT_MAX_DEG, body_yaw_deg, classify_view

__all__ = ["DIP_THRESHOLD_RATIO", "MeasureOptions", "measure_person"]

#: A dip counts as present from this depth, as a fraction of hip width
#: (about 4 mm on a 35 cm wide hip): below it, mask noise and clothing folds
#: are as large as the dip.
DIP_THRESHOLD_RATIO = 0.012
#: ... and never below this many pixels at the working resolution.
MIN_DIP_PX = 1.0
#: Share of a band's levels that must have an edge for a side to be measured.
_MIN_COVERAGE = 0.8
#: Scale at which the upper bulge must bulge, fraction of torso length
#: (about 2.5 cm): finer than a dip, coarser than mask noise ...
_BULGE_SCALE = 0.05
#: ... and by how much (about 0.5 mm; a pixel's fifth at typical sizes).
_MIN_BULGE = 0.001
#: Shortest vertical thigh (hip to knee, fraction of torso) of a standing leg.
_MIN_THIGH = 0.55
#: Margin around the decisive part of the outline kept clear of arms,
#: fraction of torso length (about 1 cm).
_ARM_MARGIN = 0.02


@dataclass(frozen=True)
class MeasureOptions:
    """Tuning of the measurement chain (see :class:`~silhouette.AnalyzerOptions`)."""

    refine_edges: bool = True
    dip_threshold_ratio: float = DIP_THRESHOLD_RATIO
    tilt_threshold_deg: float = TILT_THRESHOLD_DEG


@dataclass(frozen=True)
class _Side:
    """One side's working-resolution measurements before scaling."""

    profile: SideProfile
    arm: npt.NDArray[np.bool_]
    geometry: DipGeometry | None
    reason: tuple[str, str] | None  # (warning code, message)


def measure_person(
    rgb: npt.NDArray[np.uint8],
    estimate: PoseEstimate | None,
    *,
    original_size: tuple[int, int],
    height_cm: float | None = None,
    people: int = 1,
    options: MeasureOptions = MeasureOptions(),
) -> Analysis:
    """Measure the hips of the person in a pose estimate.

    Parameters
    ----------
    rgb : (H, W, 3) ndarray of uint8
        The image the estimate was made on (possibly downscaled).
    estimate : PoseEstimate or None
        Landmarks and mask in ``rgb``'s pixels; None when no person was found.
    original_size : (int, int)
        ``(width, height)`` of the original image; results are scaled to it.
    height_cm : float, optional
        The person's standing height, for depths in centimetres.
    people : int, optional
        How many people the photo holds (the estimate is the largest).
    options : MeasureOptions, optional

    Returns
    -------
    Analysis
    """
    width, height = original_size
    if estimate is None:
        return _without_sides(
            width, height, False, Notice("no_person", "No person was found in the photo.")
        )
    h, w = rgb.shape[:2]
    scale = ((width / w) + (height / h)) / 2.0
    lm = estimate.landmarks
    landmarks_out = np.column_stack([(lm.xy + 0.5) * scale - 0.5, lm.visibility])

    person = select_person(estimate.mask, lm)
    if person is None:
        return _without_sides(
            width,
            height,
            False,
            Notice(
                "no_person",
                "No person was found in the photo: the pose model's "
                "detection is not backed by a person-shaped region.",
            ),
            landmarks=landmarks_out,
        )
    notices: list[Notice] = []
    if people > 1:
        notices.append(
            Notice(
                "several_people",
                (
                    f"{people} or more people are in the photo; the largest was measured. Progress "
                    "photos compare best with one person in the picture."
                ),
            )
        )
    elif person.other_regions:
        notices.append(
            Notice(
                "several_people",
                (
                    "Other people or large objects were also segmented; only the most prominent "
                    "person was measured."
                ),
            )
        )
    frame = body_frame(lm, (h, w))
    if frame is None:
        notices.append(
            Notice(
                "hips_not_visible",
                "The shoulders and hips are not all in the "
                "photo, so the hip outline cannot be measured.",
            )
        )
        return _without_sides(width, height, True, *notices, landmarks=landmarks_out)

    yaw = body_yaw_deg(lm, frame)
    view = classify_view(yaw)
    T = frame.torso_px
    common = dict(
        width=width,
        height=height,
        person_found=True,
        view=view,
        body_yaw_deg=yaw,
        torso_px=T * scale,
        landmarks=landmarks_out,
    )
    roll = Stance(camera_roll_deg=frame.roll_deg)
    if view in ("side", "unknown"):
        if view == "side":
            msg = (
                "Side view: a hip dip shows on the body's outline only from the front or "
                "back, so no dip was measured."
            )
        else:
            turned = "" if yaw is None else f" about {abs(yaw):.0f} degrees"
            msg = (
                f"The body is turned{turned} from the camera; dips are measured on front "
                "or back views only."
            )
        notices.append(Notice("side_view" if view == "side" else "view_unknown", msg))
        return Analysis(
            **common,
            left=HipSide("left", reason=msg),
            right=HipSide("right", reason=msg),
            stance=roll,
            warnings=tuple(notices),
        )

    if not _standing(frame, lm, (h, w)):
        msg = (
            "The person does not seem to be standing (sitting, crouching or lunging): hip "
            "dips are measured on a standing person, so none was measured."
        )
        notices.append(Notice("not_standing", msg))
        return Analysis(
            **common,
            left=HipSide("left", reason=msg),
            right=HipSide("right", reason=msg),
            stance=roll,
            warnings=tuple(notices),
        )

    mask = person.soft
    if options.refine_edges:
        mask = _refine_around_hips(mask, rgb, frame)

    v_top, v_bottom = BANDS.window_top * T, BANDS.window_bottom * T
    sides = {
        s: _measure_side(mask, frame, lm, s, v_top, v_bottom, (h, w)) for s in ("left", "right")
    }
    for s in sides.values():
        if s.reason is not None:
            notices.append(Notice(*s.reason))

    hip_width, waist_width = _widths(sides["left"], sides["right"], T)
    px_per_cm, scale_notice = _scale(mask, frame, lm, height_cm, (h, w))
    if scale_notice:
        notices.append(scale_notice)

    posture = estimate_posture(
        frame,
        lm,
        _arm_free(sides["left"], T),
        _arm_free(sides["right"], T),
        band=(BANDS.trochanter[0] * T, BANDS.trochanter[1] * T),
        threshold_deg=options.tilt_threshold_deg,
    )
    stance = roll
    if posture is not None:
        weight = posture.raised_side
        stance = Stance(
            hip_popped=posture.hip_popped,
            pelvic_tilt_deg=posture.pelvic_tilt_deg,
            weight_side=weight,
            exaggerated_side=weight,
            camera_roll_deg=frame.roll_deg,
        )
        if posture.hip_popped and weight is not None:
            other = "right" if weight == "left" else "left"
            notices.append(
                Notice(
                    "hip_popped",
                    (
                        "Hip-popped stance: the pelvis is tilted "
                        f"{abs(posture.pelvic_tilt_deg):.0f} "
                        f"degrees with the weight on the {weight} leg. The pose likely deepens the "
                        f"{weight} dip and flattens the {other} one; compare photos taken standing "
                        "straight with the weight on both feet."
                    ),
                )
            )

    quality = _view_quality(yaw or 0.0)
    results = {}
    for name, s in sides.items():
        results[name] = _side_result(
            name,
            s,
            lm,
            hip_width,
            px_per_cm,
            scale,
            quality,
            options,
        )

    ratios = [r.dip_depth_ratio for r in results.values()]
    symmetry = None
    if all(x is not None for x in ratios):
        a, b = ratios
        floor = options.dip_threshold_ratio
        symmetry = 1.0 if max(a, b) < floor else 1.0 - abs(a - b) / (a + b)
    spans = [
        (s.profile.v[s.geometry.upper] - s.profile.v[s.geometry.lower]) / T
        for s in sides.values()
        if s.geometry is not None and s.geometry.upper is not None
    ]
    return Analysis(
        **common,
        left=results["left"],
        right=results["right"],
        stance=stance,
        symmetry=symmetry,
        waist_to_hip_ratio=None
        if waist_width is None or hip_width is None
        else waist_width / hip_width,
        pelvic_height_index=float(np.mean(spans)) if spans else None,
        hip_width_px=None if hip_width is None else hip_width * scale,
        px_per_cm=None if px_per_cm is None else px_per_cm / scale,
        warnings=tuple(notices),
        bands=_band_lines(frame, hip_width or frame.torso_px, scale),
    )


def _band_lines(frame: BodyFrame, hip_width: float, scale: float) -> dict[str, np.ndarray]:
    """Band edges as lines across the hips, original pixels, for drawing."""
    T = frame.torso_px
    lines = {}
    # The crest band is drawn a little further out: the two bands overlap.
    for name, (lo, hi), reach in (
        ("crest", BANDS.crest, 0.68 * hip_width),
        ("trochanter", BANDS.trochanter, 0.60 * hip_width),
    ):
        lat = np.array([[-reach, reach], [-reach, reach]])
        v = np.array([[hi, hi], [lo, lo]]) * T
        lines[name] = (frame.to_image(lat, v) + 0.5) * scale - 0.5
    return lines


def dip_of_profile(v: np.ndarray, u: np.ndarray, torso_px: float) -> DipGeometry:
    """The dip of one side's profile, with the bands and scales of the analysis.

    Parameters
    ----------
    v, u : (K,) ndarray of float
        Heights above the hip joints (decreasing) and outward edge distances,
        pixels, without gaps, over the analysis window.
    torso_px : float
        Torso length, pixels: the unit of every band and scale.
    """
    T = torso_px
    return measure_dip(
        v,
        u,
        crest=(BANDS.crest[0] * T, BANDS.crest[1] * T),
        trochanter=(BANDS.trochanter[0] * T, BANDS.trochanter[1] * T),
        love_handle=(BANDS.love_handle[0] * T, BANDS.love_handle[1] * T),
        smooth_px=max(1.0, 0.01 * T),
        bulge_scale_px=_BULGE_SCALE * T,
        min_bulge_px=_MIN_BULGE * T,
    )


def _standing(frame: BodyFrame, lm: Landmarks, shape: tuple[int, int]) -> bool:
    """False when a seen knee is far too high for a standing leg.

    Standing, each knee is about 0.9 torso lengths below the hip joints (the
    bent knee of a hip-popped stance still 0.8); sitting, crouching or a lunge
    brings a knee up towards hip level. Knees out of the photo are no evidence.
    """
    h, w = shape
    # A knee the model puts against the photo's edge is usually cut off and
    # guessed there, not seen.
    edge = 0.1 * frame.torso_px
    for knee in (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE):
        x, y = lm[knee]
        inside = edge <= x < w - edge and edge <= y < h - edge
        if lm.visibility[knee] < MIN_VISIBILITY or not inside:
            continue
        if -frame.to_frame(lm[knee])[1] < _MIN_THIGH * frame.torso_px:
            return False
    return True


def _without_sides(width: int, height: int, found: bool, *notices: Notice, **kw) -> Analysis:
    """A result with no measurement; each side repeats why."""
    why = notices[-1].message
    return Analysis(
        width,
        height,
        found,
        left=HipSide("left", reason=why),
        right=HipSide("right", reason=why),
        warnings=notices,
        **kw,
    )


def _refine_around_hips(mask: np.ndarray, rgb: np.ndarray, frame: BodyFrame) -> np.ndarray:
    """Guided-filter the mask (in place) in a strip beside each hip only.

    Each strip runs from inside the body (0.2 T from the axis) to beyond the
    widest hips (0.8 T), over the window's heights: the filter costs in
    proportion to the area it covers.
    """
    T = frame.torso_px
    h, w = mask.shape
    # The model's mask is upsampled from about 256 pixels over the person; a
    # window of 3% of the torso spans one to two of its pixels.
    radius = max(1, round(0.03 * T))
    # The whole window: a seam between refined and raw edges inside it would
    # put a step of about a pixel into the outline.
    v = np.array([BANDS.window_top + 0.03, BANDS.window_bottom - 0.03]) * T
    for sign in (1.0, -1.0):
        lat = sign * np.array([0.2, 0.8]) * T
        corners = frame.to_image(lat[:, None], v[None, :]).reshape(-1, 2)
        x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int) - radius, 0, [w - 1, h - 1])
        x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + radius + 1, 1, [w, h])
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        mask[y0:y1, x0:x1] = refine_edges(
            mask[y0:y1, x0:x1], rgb[y0:y1, x0:x1], radius_px=radius, eps=0.01
        )
    return mask


def _measure_side(mask, frame, lm, side, v_top, v_bottom, shape) -> _Side:
    T = frame.torso_px
    profile = side_profile(mask, frame, lm, side, v_top=v_top, v_bottom=v_bottom)
    arm = arm_overlap(profile, frame, lm)
    v = profile.v
    span = (v <= BANDS.crest[1] * T) & (v >= BANDS.window_bottom * T)
    if profile.clipped[span].any():
        return _Side(
            profile,
            arm,
            None,
            (
                f"outline_clipped_{side}",
                (
                    f"The photo's edge cuts through the person's {side} hip, so that side was not "
                    "measured."
                ),
            ),
        )
    arm_reason = (
        f"arm_touching_{side}",
        (
            f"The person's {side} arm or hand touches the hip outline, so that side was not "
            "measured; hold the arms a little away from the body."
        ),
    )
    bands = [
        (BANDS.crest[0] * T, BANDS.crest[1] * T),
        (BANDS.trochanter[0] * T, BANDS.trochanter[1] * T),
    ]
    usable = profile.valid & ~arm
    for lo, hi in bands:
        sel = (v >= lo) & (v <= hi)
        if usable[sel].mean() < _MIN_COVERAGE:
            if profile.valid[sel].mean() >= _MIN_COVERAGE:
                return _Side(profile, arm, None, arm_reason)
            return _Side(
                profile,
                arm,
                None,
                (
                    f"outline_incomplete_{side}",
                    (
                        f"The outline of the person's {side} hip could not be traced (the person "
                        "mask has a gap there), so that side was not measured."
                    ),
                ),
            )
    # The arm's levels are left out and bridged; the arm is never measured.
    u = fill_gaps(np.where(usable, profile.u, np.nan))
    geometry = dip_of_profile(v, u, T)
    # A bridged arm between the two bulges (or, without a dip, between the
    # middle of the crest band and the lower bulge) could hide or fake a dip.
    top = v[geometry.upper] if geometry.upper is not None else sum(bands[0]) / 2
    margin = _ARM_MARGIN * T
    decisive = (v <= top + margin) & (v >= v[geometry.lower] - margin)
    if (arm & decisive).any():
        return _Side(profile, arm, None, arm_reason)
    return _Side(profile, arm, geometry, None)


def _arm_free(s: _Side, T: float):
    """Arm-free edge levels of the window, or None if the trochanter band is
    not mostly free (as for measuring a dip)."""
    v, u = s.profile.v, s.profile.u
    sel = np.isfinite(u) & ~s.arm & ~s.profile.clipped
    band = (v >= BANDS.trochanter[0] * T) & (v <= BANDS.trochanter[1] * T)
    if (sel & band).sum() < _MIN_COVERAGE * band.sum():
        return None
    return v[sel], u[sel]


def _widths(left: _Side, right: _Side, T: float) -> tuple[float | None, float | None]:
    """Widest hip and narrowest waist width, pixels, from both sides' edges."""
    v = left.profile.v
    both = left.profile.u + right.profile.u
    free = np.isfinite(both) & ~left.arm & ~right.arm
    hip = (v <= BANDS.crest[1] * T) & (v >= BANDS.trochanter[0] * T) & free
    in_waist = (v >= BANDS.waist[0] * T) & (v <= BANDS.waist[1] * T)
    waist = in_waist & free
    hip_w = float(both[hip].max()) if hip.sum() >= 3 else None
    # An arm over half the waist band hides where the waist is narrowest.
    waist_w = float(both[waist].min()) if waist.sum() >= 0.5 * in_waist.sum() > 0 else None
    if hip_w is None:
        # One side unusable: the hip width is twice the other side's reach.
        reach = [
            np.nanmax(s.profile.u[s.profile.valid & ~s.arm])
            for s in (left, right)
            if (s.profile.valid & ~s.arm).any()
        ]
        hip_w = 2.0 * max(reach) if reach else None
    return hip_w, waist_w


def _scale(mask, frame, lm, height_cm, shape) -> tuple[float | None, Notice | None]:
    """Pixels per centimetre from the person's height, or a notice why not."""
    if height_cm is None:
        return None, None
    L = Landmark
    h, w = shape
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    seen = [
        k
        for k in feet
        if lm.visibility[k] >= MIN_VISIBILITY
        and 0 <= lm.xy[k][0] <= w - 1
        and 0 <= lm.xy[k][1] <= h - 1
    ]
    top = _head_top(mask, frame, lm)
    if len(seen) < 2 or top is None:
        return None, Notice(
            "no_scale",
            "A height was given, but the head or feet are not in "
            "the photo, so depths cannot be given in centimetres.",
        )
    bottom = min(frame.to_frame(lm[k])[1] for k in seen)
    return (top - bottom) / height_cm, None


def _head_top(mask, frame, lm) -> float | None:
    """Height of the top of the head along the body axis, pixels, or None."""
    T = frame.torso_px
    start = frame.to_frame(lm[Landmark.NOSE])
    v = start[1] + np.arange(0.0, 0.8 * T, 0.5)
    pts = frame.to_image(np.full_like(v, start[0]), v)
    h, w = mask.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] >= 0) & (pts[:, 1] <= h - 1)
    cols = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
    rows = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
    vals = np.where(inside, mask[rows, cols], np.nan)
    out = np.nonzero(~(vals >= 0.5))[0]
    if out.size == 0 or out[0] == 0 or not inside[out[0]]:
        return None
    return float(v[out[0]])


def _view_quality(yaw: float) -> float:
    """1 for a square-on view, falling to 0.5 at the front/back view limit."""
    off = min(abs(yaw), 180.0 - abs(yaw))
    return float(1.0 - 0.5 * min(off / FRONT_MAX_DEG, 1.0))


def _side_result(name, s: _Side, lm, hip_width, px_per_cm, scale, quality, options) -> HipSide:
    # Levels hidden by an arm become NaN rows: the drawing breaks there.
    outline = np.where((s.profile.valid & ~s.arm)[:, None], s.profile.xy, np.nan)
    outline = (outline + 0.5) * scale - 0.5
    if s.geometry is None or hip_width is None:
        return HipSide(name, outline=outline, reason=None if s.reason is None else s.reason[1])
    g = s.geometry

    def point(i: int | None) -> Point | None:
        if i is None:
            return None
        x, y = (s.profile.xy[i] + 0.5) * scale - 0.5
        return (float(x), float(y))

    ratio = g.depth_px / hip_width
    threshold = max(options.dip_threshold_ratio, MIN_DIP_PX / hip_width)
    present = ratio >= threshold
    # Certainty grows with the distance from the threshold, on the scale of
    # the threshold itself; a turned body or unsure landmarks lower it.
    p = 1.0 / (1.0 + np.exp(-(ratio - threshold) / (0.25 * threshold)))
    hip, knee = (
        (Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
        if name == "left"
        else (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE)
    )
    seen = float(min(lm.visibility[hip], lm.visibility[knee]))
    closed = 1.0 if g.lower_closed else 0.8
    confidence = float(np.clip(max(p, 1 - p) * quality * seen * closed, 0.0, 1.0))
    return HipSide(
        name,
        dip_depth_px=g.depth_px * scale,
        dip_depth_ratio=ratio,
        dip_depth_cm=None if px_per_cm is None else g.depth_px / px_per_cm,
        dip_present=bool(present),
        confidence=confidence,
        crest=point(g.upper),
        trochanter=point(g.lower),
        deepest=point(g.deepest),
        love_handle_px=g.love_handle_px * scale,
        love_handle_ratio=g.love_handle_px / hip_width,
        outline=outline,
    )
