"""From a pose estimate to an :class:`~silhouette.Analysis`: the measurement chain.

landmarks -> person mask -> body frame and view -> hip outlines -> dips,
posture, widths and scale -> result. Everything is measured in the pixels of
the image the estimate was made on and converted to the original photo's
pixels once, at the end. No model and no file is touched here;
:class:`~silhouette.Analyzer` supplies the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError
from ..results import Analysis, HipSide, Notice, Stance
from .anatomy import band_lines, body_frame, is_standing, pixels_per_cm
from .capture import capture_signature
from .clothing import OutlineEvidence, hips_lab, judge_outline
from .dip import DIP_THRESHOLD_RATIO
from .hips import trace_hip, widths
from .landmarks import PoseEstimate
from .mask import refine_around_hips, select_person
from .notices import notice
from .people import plausible_person
from .posture import TILT_THRESHOLD_DEG, estimate_posture
from .scoring import borderline_notice, score_side, view_quality
from .view import body_yaw_deg, classify_view

__all__ = ["MeasureOptions", "measure_person"]


@dataclass(frozen=True)
class MeasureOptions:
    """Tuning of the measurement chain (see :class:`~silhouette.AnalyzerOptions`)."""

    refine_edges: bool = True
    dip_threshold_ratio: float = DIP_THRESHOLD_RATIO
    tilt_threshold_deg: float = TILT_THRESHOLD_DEG


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
        In the original image's pixels.

    Raises
    ------
    InvalidInputError
        The estimate's mask is not the image's size.
    """
    analysis = _measure(rgb, estimate, height_cm, people, options)
    # Angles and ratios only: the same in the working and the original pixels.
    analysis = replace(analysis, capture=capture_signature(analysis))
    return analysis.rescaled(*original_size)


def _measure(rgb, estimate, height_cm, people, options) -> Analysis:
    """The whole chain in the working image's pixels."""
    h, w = rgb.shape[:2]
    if estimate is None:
        return _unmeasured(Analysis(w, h, False), [notice("no_person")])
    if estimate.mask.shape != (h, w):
        raise InvalidInputError(
            f"the pose mask is {estimate.mask.shape[1]}x{estimate.mask.shape[0]} but the image "
            f"is {w}x{h}"
        )
    lm = estimate.landmarks
    landmarks = np.column_stack([lm.xy, lm.visibility])
    person = select_person(estimate.mask, lm)
    if person is None or not plausible_person(estimate, person.soft):
        found = Analysis(w, h, False, landmarks=landmarks)
        return _unmeasured(found, [notice("no_person_shape")])
    notices: list[Notice] = []
    if people > 1:
        notices.append(notice("several_people", count=people))
    elif person.other_regions:
        notices.append(notice("other_regions"))
    frame = body_frame(lm, (h, w))
    if frame is None:
        found = Analysis(w, h, True, landmarks=landmarks)
        return _unmeasured(found, [*notices, notice("hips_not_visible")])

    yaw = body_yaw_deg(lm, frame)
    view = classify_view(yaw)
    T = frame.torso_px
    seen = Analysis(
        w,
        h,
        True,
        view=view,
        body_yaw_deg=yaw,
        torso_px=T,
        landmarks=landmarks,
        stance=Stance(camera_roll_deg=frame.roll_deg),
    )
    if view == "side":
        return _unmeasured(seen, [*notices, notice("side_view")])
    if view == "unknown":
        facing = (
            "Which way the body faces cannot be told (the pose model gave no 3-D landmarks)"
            if yaw is None
            else f"The body is turned about {abs(yaw):.0f} degrees from the camera"
        )
        return _unmeasured(seen, [*notices, notice("view_unknown", facing=facing)])
    if not is_standing(frame, lm, (h, w)):
        return _unmeasured(seen, [*notices, notice("not_standing")])

    mask = person.soft
    if options.refine_edges:
        mask = refine_around_hips(mask, rgb, frame)
    traces = {side: trace_hip(mask, frame, lm, side) for side in ("left", "right")}
    notices += [t.notice for t in traces.values() if t.notice is not None]
    hip_width, waist_width = widths(traces["left"], traces["right"], T)
    px_per_cm = None
    if height_cm is not None:
        px_per_cm = pixels_per_cm(mask, frame, lm, height_cm, (h, w))
        if px_per_cm is None:
            notices.append(notice("no_scale"))

    posture = estimate_posture(
        frame, lm, mask, rgb, view=view, threshold_deg=options.tilt_threshold_deg
    )
    stance = Stance(
        hip_popped=posture.hip_popped,
        pelvic_tilt_deg=posture.pelvic_tilt_deg,
        weight_side=posture.weight_side,
        exaggerated_side=posture.weight_side,
        camera_roll_deg=frame.roll_deg,
        tilt_sd_deg=posture.tilt_sd_deg,
        confidence=posture.confidence,
        cues=posture.cues,
        pelvis_line=posture.pelvis_line,
        standing_leg=posture.standing_leg,
    )
    if posture.hip_popped and posture.weight_side is not None:
        tilt = abs(posture.pelvic_tilt_deg)
        notices.append(notice("hip_popped", tilt=tilt, weight=posture.weight_side))
    # Every null says why (docs/schema.md).
    if posture.problem is not None:
        notices.append(notice("stance_unknown", why=posture.problem))
    if waist_width is None and hip_width is not None:
        if not any(n.code.startswith("arm_touching") for n in notices):
            notices.append(notice("waist_hidden"))

    evidence = _outline_evidence(rgb, frame, traces, hip_width)
    quality = view_quality(yaw)
    left, right = (
        score_side(
            side,
            trace,
            lm,
            hip_width=hip_width,
            px_per_cm=px_per_cm,
            quality=quality,
            threshold_ratio=options.dip_threshold_ratio,
            evidence=evidence.get(side),
        )
        for side, trace in traces.items()
    )
    for s in (left, right):
        ev = evidence.get(s.side)
        if ev is not None and ev.source == "clothing":
            notices.append(notice("clothing", s.side, why="; ".join(ev.reasons)))
        elif ev is not None and ev.source == "uncertain":
            notices.append(notice("low_contrast", s.side))
        elif hip_width is not None:
            why = borderline_notice(s, hip_width, options.dip_threshold_ratio)
            notices += [why] if why is not None else []
    spans = [
        (t.profile.v[t.geometry.upper] - t.profile.v[t.geometry.lower]) / T
        for t in traces.values()
        if t.geometry is not None and t.geometry.upper is not None
    ]
    return Analysis(
        w,
        h,
        True,
        view=view,
        body_yaw_deg=yaw,
        left=left,
        right=right,
        stance=stance,
        symmetry=_symmetry(left, right, options.dip_threshold_ratio),
        waist_to_hip_ratio=None
        if waist_width is None or hip_width is None
        else waist_width / hip_width,
        pelvic_height_index=float(np.mean(spans)) if spans else None,
        hip_width_px=hip_width,
        torso_px=T,
        px_per_cm=px_per_cm,
        warnings=tuple(notices),
        landmarks=landmarks,
        bands=band_lines(frame, hip_width or T),
    )


def _outline_evidence(rgb, frame, traces, hip_width) -> dict[str, OutlineEvidence]:
    """What the photo says each measured side's outline is (body, clothing, uncertain)."""
    measured = {s: t for s, t in traces.items() if t.geometry is not None}
    if not measured or hip_width is None:
        return {}
    lab, lab_frame = hips_lab(rgb, frame, [t.profile for t in measured.values()])

    def deepest(t) -> float | None:
        # Only a dip that could count (half the threshold and more) can have
        # been made by a belt or waistband.
        g = t.geometry
        worth = g.deepest is not None and g.depth_px >= 0.5 * DIP_THRESHOLD_RATIO * hip_width
        return t.profile.v[g.deepest] if worth else None

    return {
        side: judge_outline(
            lab, lab_frame, t.profile, t.profile.valid & ~t.arm, hip_width, deepest(t)
        )
        for side, t in measured.items()
    }


def _symmetry(left: HipSide, right: HipSide, floor: float) -> float | None:
    """1 for equal dips (or none on either side), 0 for a dip on one side only."""
    a, b = left.dip_depth_ratio, right.dip_depth_ratio
    if a is None or b is None:
        return None
    return 1.0 if max(a, b) < floor else 1.0 - abs(a - b) / (a + b)


def _unmeasured(found: Analysis, notices: list[Notice]) -> Analysis:
    """``found`` with no side measured; each side repeats the last notice's reason."""
    why = notices[-1].message
    return Analysis(
        found.width,
        found.height,
        found.person_found,
        view=found.view,
        body_yaw_deg=found.body_yaw_deg,
        left=HipSide("left", reason=why),
        right=HipSide("right", reason=why),
        stance=found.stance,
        torso_px=found.torso_px,
        landmarks=found.landmarks,
        warnings=tuple(notices),
    )
