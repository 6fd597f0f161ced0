"""Hip-popped stance: the pelvis tilted sideways with the weight on one leg.

The pelvis is read from every cue the photo offers, as a physiotherapist
reads it, each only where it can be seen (docs/posture.md):

- ``outline``: the two hips' widest parts (greater trochanter and outer
  thigh). The hip over the standing leg rises, and its widest part with it;
  the whole hip outline of one side, matched against the other's, is a
  second reading of the same height difference.
- ``waistband``: a waistband or belt is a straight edge across the pelvis and
  tilts with it. Only a clear, long edge counts.
- ``knees``: the relaxed leg bends its knee, which drops with its hip.
- ``hip_landmarks``: the pose model's hip-joint centres. On renders they
  follow the pelvis only a little (a sixth of the true height difference),
  so they carry little weight.
- ``legs``: the pelvis shifts sideways over the standing foot, so the legs
  lean from the feet towards the standing side. How far they lean depends on
  how wide the feet stand, not on how far the pelvis tilts, so this cue is
  reported but not averaged into the tilt (:data:`SIDE_ONLY`).

Every cue is a line whose angle in the body frame (see
:mod:`silhouette.core.anatomy`: heights along the mid-ankle to mid-shoulder
axis, so a rolled camera does not read as a tilt) is converted into a pelvic
tilt with a gain and an uncertainty (:data:`CALIBRATION`, fitted on rendered
bodies with a known tilt by ``benchmarks/fit_stance.py``, widened by how
much each line varies between straight real people, :data:`REAL_JITTER_DEG`).
The cues are averaged, each weighted by the inverse of its variance; a cue
that implies a tilt no standing pelvis makes (clothing, a lunge) or that
contradicts the others is left out, and the stance is undetermined when no
cue that can decide is left or the rest still disagree. The stance is
hip-popped when a tilt from the threshold up explains the combined reading
better than a straight stance does (:func:`popped_probability`): a loose
reading needs a larger tilt to count.

All geometry is in the working image's pixels, ``[x, y]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ..results import Point, Side, StanceCue
from .anatomy import MIN_VISIBILITY, BodyFrame
from .landmarks import Landmark, Landmarks
from .outline import arm_overlap, side_profile

__all__ = [
    "CALIBRATION",
    "FIXED_GAIN",
    "MAX_PLAUSIBLE_TILT_DEG",
    "REAL_JITTER_DEG",
    "SIDE_ONLY",
    "TILT_THRESHOLD_DEG",
    "CueModel",
    "PostureEstimate",
    "combine_cues",
    "decide",
    "estimate_posture",
    "hip_landmark_angle",
    "knee_angle",
    "leg_shift_angle",
    "outline_angles",
    "popped_probability",
    "waistband_angle",
]

#: Pelvic tilt from which the stance is hip-popped, degrees: beyond the 2-3
#: degrees a relaxed straight stance shows. The call is made when the cues
#: make a tilt this large more likely than not (:func:`popped_probability`).
TILT_THRESHOLD_DEG = 3.0
#: A standing pelvis tilts at most about 12 degrees even in a deep
#: contrapposto; a cue implying more (beyond its own uncertainty) is reading
#: clothing or another pose (a raised leg, a lunge), not the pelvis.
MAX_PLAUSIBLE_TILT_DEG = 12.0
#: A cue further than this many standard deviations from the others is left
#: out; when the rest still spread that much, the stance is undetermined.
_DISAGREE_Z = 4.0
#: The cues that can decide the stance; the others only refine it (the hip
#: landmarks and the legs alone are too loose to call).
_DECISIVE = frozenset({"outline", "waistband", "knees"})
#: Cues reported with their reading but left out of the combined tilt. The
#: legs' lean says which foot the pelvis stands over, not how far it tilts:
#: the lean follows the width of the stance and the sideways shift of the
#: pelvis, neither of which is set by the tilt. On the stance renders it is
#: 0.03 of the tilt where the legs stand upright and 0.18 where they are
#: swung (by an amount drawn apart from the tilt); averaged in at gain 1 it
#: pulled every tilt towards level (tuning split, benchmarks/fit_stance.py:
#: agreement 58 % with it, 64 % without; median tilt error 3.9 -> 3.1 deg;
#: no real photo's call changes).
SIDE_ONLY = frozenset({"legs"})
_SIDE_ONLY_NOTE = "says which foot the pelvis stands over, not how far it tilts"


@dataclass(frozen=True)
class CueModel:
    """How one cue's line angle relates to the pelvic tilt.

    Attributes
    ----------
    gain : float
        Pelvic tilt per degree of the cue's line angle (the cue's line tilts
        ``1 / gain`` times as much as the pelvis).
    sd_deg : float
        Uncertainty of the tilt the cue gives, one standard deviation, degrees.
    """

    gain: float
    sd_deg: float


#: Cues whose gain is not fitted but set by what they are. The hip-joint
#: centres' line is the pelvis's own line, and the legs lean as far as the
#: pelvis shifts over the standing foot: gain 1. On the renders both move far
#: less than a real pelvis (MediaPipe's hip landmarks a sixth of the true
#: height difference, the legs a twelfth), and the render-fitted gains of 6
#: and 12 turned the small asymmetries of straight real people into tilts of
#: 10-30 degrees; on the two real hip-popped photos both lines tilt about as
#: much as the pelvis. Their uncertainty is still fitted, at this gain.
FIXED_GAIN: dict[str, float] = {"hip_landmarks": 1.0, "legs": 1.0}
#: Per cue and view, fitted by ``benchmarks/fit_stance.py`` on the tuning
#: split of the stance renders (``benchmarks/render_stance.py``, bodies with
#: ``body_id % 3 != 2``: 400 front and back views; MediaPipe's landmarks and
#: masks): the gain by regressing each cue's angle on the true tilt (the cue
#: measures the tilt with noise, not the other way round), the uncertainty as
#: the robust SD (1.4826 x MAD) of the tilt it then gives. The views differ
#: for physical reasons: the relaxed knee bends forwards, towards the camera
#: in a front view (it looks lower) and away from it in a back view (it looks
#: higher, undoing most of its drop); a waistband is tied to the pelvis more
#: firmly over the sacrum than over the belly. Re-fit when a cue changes. (The
#: renders' hip-popped poses are subtler than real ones: docs/accuracy.md.)
CALIBRATION: dict[str, dict[str, CueModel]] = {
    "outline": {"front": CueModel(1.371, 3.35), "back": CueModel(1.77, 5.13)},
    "waistband": {"front": CueModel(3.349, 4.37), "back": CueModel(1.44, 2.13)},
    "knees": {"front": CueModel(2.305, 3.84), "back": CueModel(8.646, 15.46)},
    "hip_landmarks": {"front": CueModel(1.0, 7.1), "back": CueModel(1.0, 5.86)},
    "legs": {"front": CueModel(1.0, 7.65), "back": CueModel(1.0, 6.44)},
}
#: How much each cue's line tilts in a straight stance in real photos, one
#: standard deviation, degrees of the line's own angle. Rendered bodies are
#: symmetric and their clothes are painted on; real people stand a little
#: unevenly, and trousers, hems and the pose model's guesses move the lines.
#: Set in round numbers a little under the spread of each cue's angle over
#: the shared real photos labelled straight (../shared/photos/SOURCES.tsv,
#: 6-9 photos per cue: widest parts 7, knees 3.7, hip joints 2.5, legs 1.2,
#: with loose clothing and one walking pose among them; only 2 show a
#: waistband, so its value is a guess), and added to the uncertainty of
#: every reading.
REAL_JITTER_DEG: dict[str, float] = {
    "outline": 5.0,
    "waistband": 2.0,
    "knees": 2.5,
    "hip_landmarks": 2.0,
    "legs": 1.0,
}
#: A straight stance still tilts the pelvis a little (SD, degrees); see
#: :func:`popped_probability`.
_STRAIGHT_SD_DEG = 2.0

# Outline: heights above the hip joints, fractions of torso length.
#: Levels traced on each side.
_OUTLINE_SPAN = (0.3, -0.7)
#: Where each hip's widest part is looked for: the trochanter and the outer
#: thigh below it (the widest part of the hips lies 0-0.6 T below the joints).
_WIDEST = (-0.6, 0.0)
#: The widest region: within this of the widest level's reach (about 1.5 cm).
_WIDEST_TOLERANCE = 0.03
#: The window matched between the two sides, and the largest shift tried.
_MATCH = (-0.6, 0.1)
_MATCH_MAX_SHIFT = 0.10
#: Share of the levels that must be traced, arm-free, on both sides.
_MIN_COVERAGE = 0.7

# Waistband: the search region and what counts as a clear edge.
_BAND_LEVELS = (-0.25, 0.35)
_BAND_REACH = 0.28
_BAND_MAX_DEG = 15.0
#: Mean colour step along the line (per pixel, halved central difference)
#: and its ratio to the median over the angles tried. The step is measured
#: in OpenCV's 8-bit L*a*b* (L* scaled to 0-255, a* and b* as they are), not
#: in CIELAB: a step in lightness counts 2.55 times its L* difference, so 5
#: is a lightness step of 2 L* or a colour step of 5. The calibration was
#: fitted this way; the clothing check (``core/clothing.py``) uses CIELAB.
_BAND_MIN_STEP = 5.0
_BAND_MIN_PROMINENCE = 1.8


@dataclass(frozen=True)
class PostureEstimate:
    """The stance as the cues read it; see :class:`silhouette.Stance`.

    Attributes
    ----------
    pelvic_tilt_deg, tilt_sd_deg : float or None
        Combined tilt (positive: the person's left hip higher) and its
        uncertainty, degrees; None when undetermined.
    hip_popped : bool or None
    weight_side : {'left', 'right'} or None
        The higher hip's side, when hip-popped.
    confidence : float or None
        Probability that ``hip_popped`` is right, from the tilt and its
        uncertainty.
    cues : tuple of StanceCue
        Every cue seen, used or not.
    problem : str or None
        Why the stance is undetermined, as a clause for the warning.
    pelvis_line : ((x, y), (x, y)) or None
        The combined tilt drawn across the hips at hip-joint height.
    standing_leg : ((x, y), (x, y)) or None
        Hip and ankle landmark of the weight-bearing leg, when hip-popped.
    """

    pelvic_tilt_deg: float | None
    tilt_sd_deg: float | None
    hip_popped: bool | None
    weight_side: Side | None
    confidence: float | None
    cues: tuple[StanceCue, ...]
    problem: str | None = None
    pelvis_line: tuple[Point, Point] | None = None
    standing_leg: tuple[Point, Point] | None = None


# --------------------------------------------------------------------------
# The cues. Each returns a line angle in the body frame, degrees, positive
# when the line rises towards the person's left, or None when not seen.
# --------------------------------------------------------------------------


def _line_angle(frame: BodyFrame, left_xy: npt.ArrayLike, right_xy: npt.ArrayLike) -> float:
    """Angle of the line from a right-side to a left-side point, degrees."""
    dl, dv = frame.to_frame(left_xy) - frame.to_frame(right_xy)
    return math.degrees(math.atan2(dv, abs(dl)))


def _seen(lm: Landmarks, shape: tuple[int, int], margin: float, *which: Landmark) -> bool:
    h, w = shape
    for k in which:
        x, y = lm.xy[k]
        inside = margin <= x <= w - 1 - margin and margin <= y <= h - 1 - margin
        if lm.visibility[k] < MIN_VISIBILITY or not inside:
            return False
    return True


def knee_angle(frame: BodyFrame, lm: Landmarks, shape: tuple[int, int]) -> float | None:
    """Angle of the line joining the knees, or None unless both are seen.

    A knee the model places against the photo's edge (within 0.1 torso
    lengths) is usually cut off and guessed there, not seen.
    """
    L = Landmark
    if not _seen(lm, shape, 0.1 * frame.torso_px, L.LEFT_KNEE, L.RIGHT_KNEE):
        return None
    return _line_angle(frame, lm[L.LEFT_KNEE], lm[L.RIGHT_KNEE])


def hip_landmark_angle(frame: BodyFrame, lm: Landmarks) -> float:
    """Angle of the line joining the pose model's hip-joint centres."""
    return _line_angle(frame, lm[Landmark.LEFT_HIP], lm[Landmark.RIGHT_HIP])


def leg_shift_angle(frame: BodyFrame, lm: Landmarks, shape: tuple[int, int]) -> float | None:
    """Sideways lean of the legs, from between the ankles up to the mid-hip point.

    Positive when the pelvis stands to the person's left of the feet (over
    the left foot, the weight on the left leg). None unless both ankles are
    seen.
    """
    L = Landmark
    if not _seen(lm, shape, 0.0, L.LEFT_ANKLE, L.RIGHT_ANKLE):
        return None
    lat, v = frame.to_frame(lm.mid(L.LEFT_HIP, L.RIGHT_HIP)) - frame.to_frame(
        lm.mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)
    )
    return math.degrees(math.atan2(lat, v))


def _widest_level(v: np.ndarray, u: np.ndarray, tolerance: float) -> float:
    """Height of the centre of the widest region of a profile (see dip.bulge_level)."""
    w = np.clip(u - (np.max(u) - tolerance), 0.0, None)
    return float(np.sum(v * w) / np.sum(w))


def _match_shift(
    v: np.ndarray, left: np.ndarray, right: np.ndarray, max_shift: float
) -> float | None:
    """Height shift of the left profile against the right one, pixels.

    The shift ``s`` that best matches ``left(h)`` with ``right(h - s)`` after
    removing their mean sideways offset (least squares, 0.5-pixel steps,
    refined by a parabola). None when the best match lies at the search's
    end (no clear match).
    """
    shifts = np.arange(-max_shift, max_shift + 1e-9, 0.5)
    order = np.argsort(v)
    vr, ur = v[order], right[order]
    # Every shift at once: rows are shifts, columns the left profile's levels.
    q = v[None, :] - shifts[:, None]
    r = np.interp(q, vr, ur)
    good = np.isfinite(left)[None, :] & (q >= vr[0]) & (q <= vr[-1]) & np.isfinite(r)
    n = good.sum(axis=1)
    d = np.where(good, left[None, :] - r, 0.0)
    mean = d.sum(axis=1) / np.maximum(n, 1)
    dev = np.where(good, d - mean[:, None], 0.0)
    costs = np.where(n >= 0.5 * v.size, (dev**2).sum(axis=1) / np.maximum(n, 1), np.inf)
    k = int(np.argmin(costs))
    if not np.isfinite(costs[k]) or k in (0, shifts.size - 1):
        return None
    a, b, c = costs[k - 1], costs[k], costs[k + 1]
    if not (np.isfinite(a) and np.isfinite(c)):
        return None
    den = a - 2.0 * b + c
    return float(shifts[k] + (0.25 * (a - c) / den if den > 0 else 0.0))


def outline_angles(
    mask: npt.NDArray[np.floating], frame: BodyFrame, lm: Landmarks
) -> tuple[float | None, float | None, tuple[float, float] | None]:
    """The hip outline's two readings of the pelvic tilt.

    Each side's outer edge is traced from 0.3 torso lengths above the hip
    joints to 0.7 below, leaving out levels an arm or hand may be (as for the
    dip) or that the photo's edge cuts.

    Returns
    -------
    widest : float or None
        Angle of the line joining the two hips' widest parts (0-0.6 T below
        the hip joints), degrees.
    matched : float or None
        The height shift that best matches the two sides' outlines over the
        hips, across the hip width, as an angle, degrees.
    reach : (float, float) or None
        How far each side's widest part reaches from the body axis
        (left, right), pixels; None when the outline cannot be read.
    """
    T = frame.torso_px
    prof = {}
    for side in ("left", "right"):
        p = side_profile(
            mask, frame, lm, side, v_top=_OUTLINE_SPAN[0] * T, v_bottom=_OUTLINE_SPAN[1] * T
        )
        hidden = arm_overlap(p, frame, lm) | p.clipped
        prof[side] = (p.v, np.where(hidden, np.nan, p.u))
    v = prof["left"][0]
    ul, ur = prof["left"][1], prof["right"][1]
    band = (v >= _WIDEST[0] * T) & (v <= _WIDEST[1] * T)
    seen = np.isfinite(ul) & np.isfinite(ur)
    if seen[band].mean() < _MIN_COVERAGE:
        return None, None, None
    levels, reach = [], []
    for u in (ul, ur):
        ok = band & np.isfinite(u)
        levels.append(_widest_level(v[ok], u[ok], _WIDEST_TOLERANCE * T))
        reach.append(float(np.max(u[ok])))
    width = reach[0] + reach[1]
    widest = math.degrees(math.atan2(levels[0] - levels[1], width))
    window = (v >= _MATCH[0] * T) & (v <= _MATCH[1] * T)
    shift = _match_shift(v[window], ul[window], ur[window], _MATCH_MAX_SHIFT * T)
    matched = None if shift is None else math.degrees(math.atan2(shift, width))
    return widest, matched, (reach[0], reach[1])


def waistband_angle(
    rgb: npt.NDArray[np.uint8], mask: npt.NDArray[np.floating], frame: BodyFrame
) -> float | None:
    """Angle of a clear straight colour edge across the pelvis, or None.

    The photo is resampled in the body frame over the middle of the hips
    (0.28 torso lengths either side of the axis, from 0.25 T below to 0.35 T
    above the hip joints; the person's pixels only), and the step in colour
    (CIELAB) along the body axis is summed along straight lines at every
    angle within 15 degrees of level. The line with the largest mean step is
    the edge; it counts when that step is clear (a waistband, a belt, the top
    of a pair of trousers) and stands out from the other angles' (not an
    even texture).
    """
    T = frame.torso_px
    lat = np.arange(-_BAND_REACH * T, _BAND_REACH * T + 1e-9, 1.0)
    v = np.arange(_BAND_LEVELS[1] * T, _BAND_LEVELS[0] * T - 1e-9, -1.0)
    if lat.size < 8 or v.size < 8:
        return None
    pts = frame.to_image(lat[None, :], v[:, None])
    mx, my = pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32)
    # Only the sampled patch is converted to L*a*b*: its bounding box, with a
    # margin for the bilinear neighbours. Subtracting a whole number from a
    # float32 coordinate is exact, so the samples are the same as the whole
    # photo's, border replication included (a box that reaches past the photo
    # is cut at its edge, where the photo's own edge pixels are repeated).
    h, w = mask.shape[:2]
    x0 = int(np.clip(math.floor(float(mx.min())) - 2, 0, w - 1))
    x1 = int(np.clip(math.ceil(float(mx.max())) + 3, x0 + 1, w))
    y0 = int(np.clip(math.floor(float(my.min())) - 2, 0, h - 1))
    y1 = int(np.clip(math.ceil(float(my.max())) + 3, y0 + 1, h))
    mx -= np.float32(x0)
    my -= np.float32(y0)
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    patch = cv2.remap(lab, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    body = cv2.remap(mask[y0:y1, x0:x1].astype(np.float32), mx, my, cv2.INTER_LINEAR) > 0.5
    body = cv2.erode(body.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    patch = cv2.GaussianBlur(patch, (0, 0), 1.0)
    step = np.zeros(body.shape, np.float32)
    step[1:-1] = np.linalg.norm(patch[2:] - patch[:-2], axis=-1) / 2.0
    step[~body] = 0.0
    # Every angle at once. The line through row i at the axis passes row
    # i + shift[a, c] in column c: it rises by lat * tan(angle) (rows go
    # down). Rows off the patch are padded with zeros (no step, no body);
    # each column's windows of the patch's height are views, so picking one
    # per angle and column copies only the samples summed.
    angles = np.arange(-_BAND_MAX_DEG, _BAND_MAX_DEG + 1e-9, 0.5)
    shift = np.round(-lat[None, :] * np.tan(np.radians(angles))[:, None]).astype(np.intp)
    pad = int(np.abs(shift).max())
    cols = np.zeros((2, lat.size, v.size + 2 * pad), np.float32)
    cols[0, :, pad : pad + v.size] = step.T
    cols[1, :, pad : pad + v.size] = body.T
    windows = np.lib.stride_tricks.sliding_window_view(cols, v.size, axis=2)
    total, n = windows[:, np.arange(lat.size)[None, :], shift + pad].sum(axis=2)  # (A, V)
    mean = total / np.maximum(n, 1)
    mean[n < 0.6 * lat.size] = 0.0
    peaks = mean.max(axis=1)
    k = int(np.argmax(peaks))
    best, best_angle = float(peaks[k]), float(angles[k])
    typical = float(np.median(peaks))
    if best < _BAND_MIN_STEP or best < _BAND_MIN_PROMINENCE * typical:
        return None
    # The angle was measured with lateral towards the person's left.
    return best_angle


# --------------------------------------------------------------------------
# Combining them.
# --------------------------------------------------------------------------


def _cue(name: str, angle: float, view: str) -> StanceCue:
    model = CALIBRATION[name][view]
    sd = math.hypot(model.sd_deg, model.gain * REAL_JITTER_DEG[name])
    return StanceCue(name, float(np.clip(model.gain * angle, -90.0, 90.0)), sd)


def _phrase(cue: StanceCue) -> str:
    what = {
        "outline": "the hip outline",
        "waistband": "the waistband",
        "knees": "the knees",
        "hip_landmarks": "the hip joints",
        "legs": "the legs",
    }[cue.name]
    say = "says" if cue.name in ("outline", "waistband") else "say"
    t = cue.tilt_deg
    if abs(t) < 1.0:
        return f"{what} {say} level"
    return f"{what} {say} the {'left' if t > 0 else 'right'} hip is {abs(t):.0f} degrees higher"


def combine_cues(
    cues: list[StanceCue],
) -> tuple[tuple[StanceCue, ...], float | None, float | None, str | None]:
    """Weigh the cues into one tilt.

    The cues in :data:`SIDE_ONLY` are kept, with their reading, but left out.
    A cue that implies a tilt beyond :data:`MAX_PLAUSIBLE_TILT_DEG` by more
    than its own uncertainty is refused; then the cue furthest from the
    inverse-variance mean of the others, if more than four standard
    deviations away (of the difference), is left out. When the remaining cues
    still spread that much, the stance is undetermined.

    Returns
    -------
    cues : tuple of StanceCue
        The same cues, ``used`` and ``note`` filled in.
    tilt_deg, sd_deg : float or None
        The combined tilt and its uncertainty; None when undetermined.
    problem : str or None
        Why undetermined, as a clause.
    """
    out = list(cues)
    for i, c in enumerate(out):
        if c.name in SIDE_ONLY:
            out[i] = StanceCue(c.name, c.tilt_deg, c.sd_deg, False, _SIDE_ONLY_NOTE)
        elif abs(c.tilt_deg) - c.sd_deg > MAX_PLAUSIBLE_TILT_DEG:
            note = (
                f"implies a tilt of {abs(c.tilt_deg):.0f} degrees, which no standing pelvis makes"
            )
            out[i] = StanceCue(c.name, c.tilt_deg, c.sd_deg, False, note)
    live = [i for i, c in enumerate(out) if c.used]
    if len(live) >= 3:
        z = {}
        for i in live:
            others = [out[j] for j in live if j != i]
            w = np.array([1.0 / o.sd_deg**2 for o in others])
            m = float(np.sum(w * [o.tilt_deg for o in others]) / w.sum())
            z[i] = abs(out[i].tilt_deg - m) / math.sqrt(out[i].sd_deg ** 2 + 1.0 / w.sum())
        worst = max(z, key=z.__getitem__)
        if z[worst] > _DISAGREE_Z:
            c = out[worst]
            out[worst] = StanceCue(c.name, c.tilt_deg, c.sd_deg, False, "contradicts the others")
            live.remove(worst)
    if not any(out[i].name in _DECISIVE for i in live):
        refused = [c for c in out if not c.used and c.name not in SIDE_ONLY]
        why = "; ".join(f"{_phrase(c)} ({c.note})" for c in refused)
        if not why:
            why = (
                "the two hips' outlines cannot be compared (an arm, a bag or the photo's edge "
                "hides one) and the knees are not seen; the hip joints alone barely follow "
                "the pelvis"
            )
        return tuple(out), None, None, why
    w = np.array([1.0 / out[i].sd_deg ** 2 for i in live])
    t = np.array([out[i].tilt_deg for i in live])
    tilt = float(np.sum(w * t) / w.sum())
    sd = 1.0 / math.sqrt(float(w.sum()))
    if len(live) >= 2:
        z = np.abs(t - tilt) / np.sqrt(np.maximum(1.0 / w - 1.0 / w.sum(), 1e-9))
        if z.max() > _DISAGREE_Z:
            said = ", ".join(_phrase(out[i]) for i in live)
            return tuple(out), None, None, f"the cues disagree: {said}"
    if abs(tilt) - sd > MAX_PLAUSIBLE_TILT_DEG:
        return (
            tuple(out),
            None,
            None,
            (
                f"the cues imply a tilt of {abs(tilt):.0f} degrees, which no standing pelvis makes "
                "(clothing, or another pose)"
            ),
        )
    return tuple(out), tilt, sd, None


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def popped_probability(
    tilt_deg: float, sd_deg: float, *, threshold_deg: float = TILT_THRESHOLD_DEG
) -> float:
    """Probability that the pelvis tilts by ``threshold_deg`` or more, given a reading.

    The reading ``tilt_deg`` +- ``sd_deg`` (normal) is of a pelvis that,
    beforehand, is as likely to stand straight (tilting by a normal amount of
    SD 2 degrees) as to tilt by any amount up to
    :data:`MAX_PLAUSIBLE_TILT_DEG` either way. The probability is the share
    of the posterior beyond the threshold. So a loose reading needs a larger
    tilt to count: 6 +- 1 degrees is hip-popped, 6 +- 5 is not.

    Examples
    --------
    >>> round(popped_probability(6.0, 1.0), 2), round(popped_probability(6.0, 5.0), 2)
    (1.0, 0.42)
    >>> popped_probability(0.0, 2.0) < 0.1
    True
    """
    r, sd, a = tilt_deg, sd_deg, _STRAIGHT_SD_DEG
    hi = max(MAX_PLAUSIBLE_TILT_DEG, threshold_deg + 1.0)

    def beyond(mean: float, sd: float, lo: float, top: float) -> float:
        """Mass of N(mean, sd) with lo <= |t| <= top."""
        return sum(
            _normal_cdf((top - s * mean) / sd) - _normal_cdf((lo - s * mean) / sd)
            for s in (1.0, -1.0)
        )

    # Straight: t ~ N(0, a); the reading's likelihood and t's posterior.
    s2 = a * a + sd * sd
    straight = math.exp(-0.5 * r * r / s2) / math.sqrt(2.0 * math.pi * s2)
    post_sd = a * sd / math.sqrt(s2)
    straight_beyond = straight * beyond(r * a * a / s2, post_sd, threshold_deg, math.inf)
    # Any tilt: t ~ U(-hi, hi).
    spread = (_normal_cdf((hi - r) / sd) - _normal_cdf((-hi - r) / sd)) / (2.0 * hi)
    spread_beyond = beyond(r, sd, threshold_deg, hi) / (2.0 * hi)
    total = straight + spread
    return (straight_beyond + spread_beyond) / total if total > 0 else 0.5


def decide(
    tilt_deg: float, sd_deg: float, *, threshold_deg: float = TILT_THRESHOLD_DEG
) -> tuple[bool, float]:
    """Hip-popped or not from the combined tilt: ``(hip_popped, confidence)``.

    Hip-popped when :func:`popped_probability` is at least one half;
    ``confidence`` is the probability of the call.
    """
    p = popped_probability(tilt_deg, sd_deg, threshold_deg=threshold_deg)
    return (True, p) if p >= 0.5 else (False, 1.0 - p)


def estimate_posture(
    frame: BodyFrame,
    landmarks: Landmarks,
    mask: npt.NDArray[np.floating],
    rgb: npt.NDArray[np.uint8],
    *,
    view: str,
    threshold_deg: float = TILT_THRESHOLD_DEG,
) -> PostureEstimate:
    """Read the pelvic tilt from every cue the photo offers.

    Parameters
    ----------
    frame : BodyFrame
    landmarks : Landmarks
    mask : (H, W) ndarray of float
        The person's soft mask (edge at 0.5), refined around the hips.
    rgb : (H, W, 3) ndarray of uint8
        The photo, for the waistband.
    view : {'front', 'back'}
        Which way the body faces; the cues' calibration depends on it.
    threshold_deg : float, optional
        Tilt from which the stance is hip-popped, degrees.

    Returns
    -------
    PostureEstimate
        Undetermined (``hip_popped`` None, ``problem`` saying why) when no
        cue is seen, or the cues contradict each other or imply a tilt no
        standing pelvis makes.
    """
    shape = mask.shape[:2]
    widest, matched, reach = outline_angles(mask, frame, landmarks)
    outline = widest if matched is None or widest is None else (widest + matched) / 2.0
    readings = [
        ("outline", outline),
        ("waistband", waistband_angle(rgb, mask, frame)),
        ("knees", knee_angle(frame, landmarks, shape)),
        ("hip_landmarks", hip_landmark_angle(frame, landmarks)),
        ("legs", leg_shift_angle(frame, landmarks, shape)),
    ]
    if view not in ("front", "back"):
        raise ValueError(f"view must be 'front' or 'back', got {view!r}")
    cues = [_cue(name, angle, view) for name, angle in readings if angle is not None]
    cues_out, tilt, sd, problem = combine_cues(cues)
    if tilt is None or sd is None:
        return PostureEstimate(None, None, None, None, None, cues_out, problem)
    popped, confidence = decide(tilt, sd, threshold_deg=threshold_deg)
    weight: Side | None = ("left" if tilt > 0 else "right") if popped else None
    T = frame.torso_px
    lat = np.array([-(reach[1] if reach else 0.4 * T), reach[0] if reach else 0.4 * T])
    ends = frame.to_image(lat, lat * math.tan(math.radians(tilt)))
    line = ((float(ends[0, 0]), float(ends[0, 1])), (float(ends[1, 0]), float(ends[1, 1])))
    leg = None
    if weight is not None:
        L = Landmark
        hip, ankle = (
            (L.LEFT_HIP, L.LEFT_ANKLE) if weight == "left" else (L.RIGHT_HIP, L.RIGHT_ANKLE)
        )
        a, b = landmarks[hip], landmarks[ankle]
        leg = ((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))
    return PostureEstimate(
        tilt, sd, bool(popped), weight, float(confidence), cues_out, None, line, leg
    )
