"""Frozen result types and their stable JSON form.

Points are ``(x, y)`` floats in original-image pixels with pixel centres at
integer coordinates. ``left`` and ``right`` are always the person's own
(anatomical) sides: in a front view the person's left is on the image's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError

__all__ = [
    "SCHEMA_VERSION",
    "STANCE_CUES",
    "Analysis",
    "CaptureSignature",
    "Comparison",
    "HipSide",
    "Notice",
    "OutlineSource",
    "Point",
    "Side",
    "SideChange",
    "Stance",
    "StanceCue",
    "View",
    "flat_row",
]

SCHEMA_VERSION = "1"

Point = tuple[float, float]
#: The person's anatomical side.
Side = Literal["left", "right"]
#: Which way the body faces the camera.
View = Literal["front", "back", "side", "unknown"]
#: What a measured outline is.
OutlineSource = Literal["body", "clothing", "uncertain"]
_SIDES = get_args(Side)
_SOURCES = get_args(OutlineSource)
_VIEWS = get_args(View)


def _check_number(
    owner: object, name: str, *, lo: float | None = None, hi: float | None = None
) -> None:
    """Raise unless attribute ``name`` is None or a finite number in [lo, hi]."""
    value = getattr(owner, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InvalidInputError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InvalidInputError(f"{name} must be finite, got {value}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidInputError(f"{name} must be in [{lo}, {hi}], got {value}")


def _check_point(owner: object, name: str) -> None:
    p = getattr(owner, name)
    if p is None:
        return
    if len(p) != 2 or not all(math.isfinite(float(c)) for c in p):
        raise InvalidInputError(f"{name} must be a finite (x, y) point, got {p!r}")


def _check_side(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if value is not None and value not in _SIDES:
        raise InvalidInputError(f"{name} must be 'left', 'right' or None, got {value!r}")


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def _pt(p: Point | None) -> list[float] | None:
    return None if p is None else [round(float(p[0]), 2), round(float(p[1]), 2)]


@dataclass(frozen=True)
class Notice:
    """A warning attached to a result.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"arm_touching_left"``; see ``docs/schema.md``.
    message : str
        One plain-language sentence for people.
    """

    code: str
    message: str

    def __post_init__(self) -> None:
        if not (isinstance(self.code, str) and self.code.isidentifier()):
            raise InvalidInputError(f"code must be an identifier, got {self.code!r}")
        if not (isinstance(self.message, str) and self.message.strip()):
            raise InvalidInputError("message must be a non-empty sentence")

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, eq=False)
class HipSide:
    """The hip dip on one side of the body.

    Every measurement is None when the side could not be measured; ``reason``
    then says why (the same text is among the analysis warnings).

    Attributes
    ----------
    side : {'left', 'right'}
        The person's anatomical side.
    dip_depth_px : float or None
        Inward distance of the outline from the line joining the upper bulge
        (iliac crest) and lower bulge (greater trochanter), original pixels.
        0 when the outline has no upper bulge.
    dip_depth_ratio : float or None
        ``dip_depth_px`` divided by the hip width, dimensionless.
    dip_depth_cm : float or None
        Depth in centimetres, when the person's height was given and the
        whole body is in frame.
    dip_present : bool or None
        Whether the dip exceeds the detection threshold; None when that cannot
        be told: the depth is within its own uncertainty of the threshold, or
        the outline is not the body's (see ``outline_source``).
    confidence : float or None
        Probability, in [0, 1], that ``dip_depth_ratio`` is within 0.5 points
        of hip width of the true body outline's (calibrated on renders with
        exact masks, garments and degraded photos; docs/accuracy.md).
    crest, trochanter, deepest : (x, y) or None
        Upper bulge, lower bulge and deepest point of the dip, pixels.
    love_handle_px : float or None
        Outward bulge of the flank above the hip bone, pixels (never a dip).
    love_handle_ratio : float or None
        ``love_handle_px`` divided by the hip width.
    outline : (K, 2) ndarray of float
        The traced edge, ``[x, y]`` pixels, top to bottom (not in the JSON).
        Rows of NaN mark levels with no edge or hidden by an arm.
    reason : str or None
        Why the side was not measured.
    outline_source : {'body', 'clothing', 'uncertain'} or None
        What the measured outline is, as far as the photo shows (JSON key
        ``outline``): the body's, a garment's (a hem, belt or skirt shapes
        it), or uncertain (the edge barely stands out from the background).
        None when the side was not measured.
    """

    side: Side
    dip_depth_px: float | None = None
    dip_depth_ratio: float | None = None
    dip_depth_cm: float | None = None
    dip_present: bool | None = None
    confidence: float | None = None
    crest: Point | None = None
    trochanter: Point | None = None
    deepest: Point | None = None
    love_handle_px: float | None = None
    love_handle_ratio: float | None = None
    outline: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 2)))
    reason: str | None = None
    outline_source: OutlineSource | None = None

    def __post_init__(self) -> None:
        if self.outline_source not in (None, *_SOURCES):
            raise InvalidInputError(
                f"outline_source must be one of {_SOURCES} or None, got {self.outline_source!r}"
            )
        if self.side not in _SIDES:
            raise InvalidInputError(f"side must be 'left' or 'right', got {self.side!r}")
        for name in (
            "dip_depth_px",
            "dip_depth_ratio",
            "dip_depth_cm",
            "love_handle_px",
            "love_handle_ratio",
        ):
            _check_number(self, name, lo=0.0)
        _check_number(self, "confidence", lo=0.0, hi=1.0)
        for name in ("crest", "trochanter", "deepest"):
            _check_point(self, name)
        if self.dip_present is not None and not isinstance(self.dip_present, (bool, np.bool_)):
            raise InvalidInputError(f"dip_present must be a bool or None, got {self.dip_present!r}")
        if self.dip_depth_px is None and any(
            getattr(self, n) is not None
            for n in ("dip_depth_ratio", "dip_depth_cm", "dip_present", "confidence", "deepest")
        ):
            raise InvalidInputError("a side without a depth can have no other measurement")
        if self.deepest is not None and self.crest is None:
            raise InvalidInputError("a dip's deepest point needs its upper bulge (crest)")
        try:
            outline = np.asarray(self.outline, dtype=np.float64).reshape(-1, 2)
        except ValueError as exc:
            raise InvalidInputError(f"outline must be (K, 2) points: {exc}") from None
        # A row is a point or, where no edge was traced, NaN: never infinite,
        # never half a point.
        if (
            np.isinf(outline).any()
            or (np.isnan(outline).any(axis=1) & ~np.isnan(outline).all(axis=1)).any()
        ):
            raise InvalidInputError("outline rows must be finite points or all NaN")
        object.__setattr__(self, "outline", outline)

    @property
    def measured(self) -> bool:
        """True when the side has a depth."""
        return self.dip_depth_px is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dip_depth_px": _r(self.dip_depth_px, 2),
            "dip_depth_ratio": _r(self.dip_depth_ratio, 4),
            "dip_depth_cm": _r(self.dip_depth_cm, 2),
            "dip_present": self.dip_present,
            "confidence": _r(self.confidence, 3),
            "crest": _pt(self.crest),
            "trochanter": _pt(self.trochanter),
            "deepest": _pt(self.deepest),
            "love_handle_px": _r(self.love_handle_px, 2),
            "love_handle_ratio": _r(self.love_handle_ratio, 4),
            "reason": self.reason,
            "outline": self.outline_source,
        }


#: The stance cues, in the order they are reported (docs/posture.md).
STANCE_CUES = ("outline", "waistband", "knees", "hip_landmarks", "legs")


@dataclass(frozen=True)
class StanceCue:
    """One cue to the pelvic tilt, as the stance check read it.

    Attributes
    ----------
    name : {'outline', 'waistband', 'knees', 'hip_landmarks', 'legs'}
        ``outline``: the heights of the two hips' widest parts;
        ``waistband``: a waistband or belt across the pelvis;
        ``knees``: the knee heights (the free leg's knee bends and drops);
        ``hip_landmarks``: the pose model's hip-joint heights;
        ``legs``: the pelvis shifted sideways over the standing foot.
    tilt_deg : float
        This cue's estimate of the pelvic tilt, degrees, positive when the
        person's left hip is higher.
    sd_deg : float
        Its uncertainty (one standard deviation), degrees.
    used : bool
        False when the cue was left out of the combined tilt: physically
        implausible, or contradicted by the others (``note`` says which).
    note : str or None
        Why the cue was left out.
    """

    name: str
    tilt_deg: float
    sd_deg: float
    used: bool = True
    note: str | None = None

    def __post_init__(self) -> None:
        if self.name not in STANCE_CUES:
            raise InvalidInputError(f"name must be one of {STANCE_CUES}, got {self.name!r}")
        _check_number(self, "tilt_deg", lo=-90.0, hi=90.0)
        _check_number(self, "sd_deg", lo=0.0)
        if self.tilt_deg is None or self.sd_deg is None:
            raise InvalidInputError("a cue needs its tilt and its uncertainty")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tilt_deg": _r(self.tilt_deg, 2),
            "sd_deg": _r(self.sd_deg, 2),
            "used": bool(self.used),
            "note": self.note,
        }


@dataclass(frozen=True)
class Stance:
    """Posture check: is the pelvis tilted with the weight on one leg?

    Attributes
    ----------
    hip_popped : bool or None
        True for a hip-popped stance; None when it cannot be told: no cue
        is visible, the cues contradict each other, or they imply a tilt
        no standing pelvis makes (a warning says which).
    pelvic_tilt_deg : float or None
        Pelvic tilt in the picture plane, degrees, corrected for camera roll;
        positive when the person's left hip is higher. The cues' combined
        estimate.
    weight_side : {'left', 'right'} or None
        The standing leg (the higher hip), when hip-popped.
    exaggerated_side : {'left', 'right'} or None
        The side whose dip the pose likely deepens (the weight-bearing hip,
        pushed out); the other side's dip is likely flattened.
    camera_roll_deg : float or None
        Clockwise tilt of the body axis in the image, degrees.
    tilt_sd_deg : float or None
        Uncertainty of ``pelvic_tilt_deg`` (one standard deviation), degrees.
    confidence : float or None
        Probability, in [0.5, 1], that ``hip_popped`` is right, from the
        combined tilt and its uncertainty; None when ``hip_popped`` is None.
    cues : tuple of StanceCue
        Every cue the photo offered, used or not.
    pelvis_line : ((x, y), (x, y)) or None
        For drawing: the pelvic tilt as a line across the hips, through the
        mid-hip point, original pixels (not in the JSON).
    standing_leg : ((x, y), (x, y)) or None
        For drawing: hip joint and ankle of the weight-bearing leg, when
        hip-popped, original pixels (not in the JSON).
    """

    hip_popped: bool | None = None
    pelvic_tilt_deg: float | None = None
    weight_side: Side | None = None
    exaggerated_side: Side | None = None
    camera_roll_deg: float | None = None
    tilt_sd_deg: float | None = None
    confidence: float | None = None
    cues: tuple[StanceCue, ...] = ()
    pelvis_line: tuple[Point, Point] | None = None
    standing_leg: tuple[Point, Point] | None = None

    def __post_init__(self) -> None:
        _check_number(self, "pelvic_tilt_deg", lo=-90.0, hi=90.0)
        _check_number(self, "camera_roll_deg", lo=-180.0, hi=180.0)
        _check_number(self, "tilt_sd_deg", lo=0.0)
        _check_number(self, "confidence", lo=0.0, hi=1.0)
        _check_side(self, "weight_side")
        _check_side(self, "exaggerated_side")
        if self.hip_popped is not None and not isinstance(self.hip_popped, (bool, np.bool_)):
            raise InvalidInputError(f"hip_popped must be a bool or None, got {self.hip_popped!r}")
        if self.weight_side is not None and not self.hip_popped:
            raise InvalidInputError("weight_side is only given for a hip-popped stance")
        if self.confidence is not None and self.hip_popped is None:
            raise InvalidInputError("confidence is only given with a hip_popped call")
        if not all(isinstance(c, StanceCue) for c in self.cues):
            raise InvalidInputError("cues must be StanceCue objects")
        object.__setattr__(self, "cues", tuple(self.cues))
        for name in ("pelvis_line", "standing_leg"):
            line = getattr(self, name)
            if line is None:
                continue
            if len(line) != 2:
                raise InvalidInputError(f"{name} must be two (x, y) points, got {line!r}")
            for p in line:
                if len(p) != 2 or not all(math.isfinite(float(c)) for c in p):
                    raise InvalidInputError(
                        f"{name} must be two finite (x, y) points, got {line!r}"
                    )
            pts = tuple((float(p[0]), float(p[1])) for p in line)
            object.__setattr__(self, name, pts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hip_popped": self.hip_popped,
            "pelvic_tilt_deg": _r(self.pelvic_tilt_deg, 2),
            "weight_side": self.weight_side,
            "exaggerated_side": self.exaggerated_side,
            "camera_roll_deg": _r(self.camera_roll_deg, 2),
            "tilt_sd_deg": _r(self.tilt_sd_deg, 2),
            "confidence": _r(self.confidence, 3),
            "cues": [c.to_dict() for c in self.cues],
        }


@dataclass(frozen=True)
class CaptureSignature:
    """How one photo was taken, as far as the photo itself shows.

    Two photos whose signatures differ too much do not compare: the pose, the
    camera and the clothes change the outline as much as the body does
    (:func:`silhouette.compare_capture`).

    Attributes
    ----------
    body_yaw_deg : float or None
        The body's turn from the camera, degrees (as :attr:`Analysis.body_yaw_deg`).
    camera_roll_deg : float or None
        The camera's roll, degrees.
    perspective : float or None
        Apparent shoulder-to-hip length over hip-to-ankle length along the body
        axis (no unit); grows as the camera rises. None when the ankles are not
        seen.
    body_fill : float or None
        Torso length over the photo's height: how much of the frame the body
        fills (the camera's distance and zoom; the depth ratio does not depend
        on it).
    hip_popped : bool or None
        The stance, as the posture check read it.
    outline_left, outline_right : {'body', 'clothing', 'uncertain'} or None
        What each hip's outline is; None where it was not measured.

    Examples
    --------
    >>> CaptureSignature(3.0, 0.5, 0.62, 0.21, False, "body", "body").to_dict()["perspective"]
    0.62
    """

    body_yaw_deg: float | None = None
    camera_roll_deg: float | None = None
    perspective: float | None = None
    body_fill: float | None = None
    hip_popped: bool | None = None
    outline_left: OutlineSource | None = None
    outline_right: OutlineSource | None = None

    def __post_init__(self) -> None:
        _check_number(self, "body_yaw_deg", lo=-180.0, hi=180.0)
        _check_number(self, "camera_roll_deg", lo=-180.0, hi=180.0)
        _check_number(self, "perspective", lo=0.0)
        _check_number(self, "body_fill", lo=0.0)
        if self.hip_popped is not None and not isinstance(self.hip_popped, (bool, np.bool_)):
            raise InvalidInputError(
                f"hip_popped must be True, False or None, got {self.hip_popped!r}"
            )
        for name in ("outline_left", "outline_right"):
            value = getattr(self, name)
            if value is not None and value not in _SOURCES:
                raise InvalidInputError(f"{name} must be one of {_SOURCES} or None, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``capture`` in docs/schema.md)."""
        return {
            "body_yaw_deg": _r(self.body_yaw_deg, 1),
            "camera_roll_deg": _r(self.camera_roll_deg, 1),
            "perspective": _r(self.perspective, 4),
            "body_fill": _r(self.body_fill, 4),
            "hip_popped": None if self.hip_popped is None else bool(self.hip_popped),
            "outline_left": self.outline_left,
            "outline_right": self.outline_right,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CaptureSignature:
        """The signature back from its JSON form (unknown keys are ignored).

        Raises
        ------
        InvalidInputError
            A value is out of range or of the wrong kind.
        """
        if not isinstance(d, dict):
            raise InvalidInputError("a capture signature is a JSON object")
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything measured on one photo.

    Attributes
    ----------
    width, height : int
        Size of the upright original image, pixels.
    person_found : bool
        False when no person was detected; every measurement is then None.
    view : {'front', 'back', 'side', 'unknown'} or None
        Which way the body faces; dips are measured on front and back views.
    body_yaw_deg : float or None
        Body rotation about the vertical, degrees; 0 faces the camera,
        +90 shows the person's left flank.
    left, right : HipSide
        The person's anatomical left and right hips.
    stance : Stance
    symmetry : float or None
        1 when both dips are equally deep, 0 when only one side has one;
        ``1 - |a - b| / (a + b)`` on the depth ratios, 1 when both are below
        the detection threshold.
    waist_to_hip_ratio : float or None
        Narrowest waist width over widest hip width in the picture, 2-D.
    pelvic_height_index : float or None
        Crest-to-trochanter height span over torso length, mean of the sides
        with both bulges.
    hip_width_px : float or None
        Widest body width between crest and upper-thigh levels, pixels.
    torso_px : float or None
        Mid-hip to mid-shoulder length along the body axis, pixels.
    px_per_cm : float or None
        Image scale from the given height; None without it.
    warnings : tuple of Notice
    capture : CaptureSignature or None
        How the photo was taken (body turn, camera roll and height, clothing at
        the hips), to tell whether two photos compare; None without a person.
    landmarks : (33, 3) ndarray or None
        ``[x, y, visibility]`` of each pose landmark in original pixels (not
        in the JSON).
    bands : dict of str to (2, 2, 2) ndarray
        For drawing: ``'crest'`` and ``'trochanter'`` each map to the top and
        bottom lines of that search band across the hips, as two ``[x, y]``
        end points each, original pixels (not in the JSON).
    """

    width: int
    height: int
    person_found: bool
    view: View | None = None
    body_yaw_deg: float | None = None
    left: HipSide = field(default_factory=lambda: HipSide("left"))
    right: HipSide = field(default_factory=lambda: HipSide("right"))
    stance: Stance = field(default_factory=Stance)
    symmetry: float | None = None
    waist_to_hip_ratio: float | None = None
    pelvic_height_index: float | None = None
    hip_width_px: float | None = None
    torso_px: float | None = None
    px_per_cm: float | None = None
    warnings: tuple[Notice, ...] = ()
    capture: CaptureSignature | None = None
    landmarks: npt.NDArray[np.float64] | None = None
    bands: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise InvalidInputError(f"{name} must be a positive int, got {value!r}")
        if not isinstance(self.left, HipSide) or not isinstance(self.right, HipSide):
            raise InvalidInputError("left and right must be HipSide objects")
        if self.left.side != "left" or self.right.side != "right":
            raise InvalidInputError("left and right must be HipSide('left') and HipSide('right')")
        if self.view is not None and self.view not in _VIEWS:
            raise InvalidInputError(f"unknown view {self.view!r}")
        _check_number(self, "body_yaw_deg", lo=-180.0, hi=180.0)
        _check_number(self, "symmetry", lo=0.0, hi=1.0)
        for name in ("waist_to_hip_ratio", "pelvic_height_index"):
            _check_number(self, name, lo=0.0)
        for name in ("hip_width_px", "torso_px", "px_per_cm"):
            _check_number(self, name, lo=0.0)
        if not self.person_found and (
            self.left.measured or self.right.measured or self.view is not None
        ):
            raise InvalidInputError("an analysis without a person can have no measurement")
        if self.landmarks is not None:
            lm = np.asarray(self.landmarks, dtype=np.float64)
            if lm.shape != (33, 3) or not np.all(np.isfinite(lm)):
                raise InvalidInputError(
                    f"landmarks must be a finite (33, 3) array, got shape {lm.shape}"
                )
            object.__setattr__(self, "landmarks", lm)
        bands = {}
        for name, lines in dict(self.bands).items():
            arr = np.asarray(lines, dtype=np.float64)
            if arr.shape != (2, 2, 2) or not np.all(np.isfinite(arr)):
                raise InvalidInputError(
                    f"band {name!r} must be two finite lines, (2, 2, 2), got {arr.shape}"
                )
            bands[name] = arr
        object.__setattr__(self, "bands", bands)
        if not all(isinstance(w, Notice) for w in self.warnings):
            raise InvalidInputError("warnings must be Notice objects")
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if self.capture is not None and not isinstance(self.capture, CaptureSignature):
            raise InvalidInputError("capture must be a CaptureSignature")
        if self.capture is not None and not self.person_found:
            raise InvalidInputError("an analysis without a person has no capture signature")

    def rescaled(self, width: int, height: int) -> Analysis:
        """The same analysis in the pixels of a ``width`` x ``height`` image.

        The measurement chain works at a reduced size; this is the one place
        where its pixels become the original photo's. Points move with pixel
        centres kept at integer coordinates; lengths scale; ``px_per_cm``
        scales with them, so ``dip_depth_px / dip_depth_cm`` stays equal to it.

        Examples
        --------
        >>> a = Analysis(100, 50, person_found=True, view="front", px_per_cm=2.0)
        >>> a.rescaled(400, 200).px_per_cm
        8.0
        """
        k = (width / self.width + height / self.height) / 2.0

        def pt(p: Point | None) -> Point | None:
            return None if p is None else ((p[0] + 0.5) * k - 0.5, (p[1] + 0.5) * k - 0.5)

        def ln(x: float | None) -> float | None:
            return None if x is None else x * k

        def side(s: HipSide) -> HipSide:
            return replace(
                s,
                dip_depth_px=ln(s.dip_depth_px),
                love_handle_px=ln(s.love_handle_px),
                crest=pt(s.crest),
                trochanter=pt(s.trochanter),
                deepest=pt(s.deepest),
                outline=(s.outline + 0.5) * k - 0.5,
            )

        def line(pts: tuple[Point, Point] | None) -> tuple[Point, Point] | None:
            return None if pts is None else (pt(pts[0]), pt(pts[1]))

        stance = replace(
            self.stance,
            pelvis_line=line(self.stance.pelvis_line),
            standing_leg=line(self.stance.standing_leg),
        )
        landmarks = None
        if self.landmarks is not None:
            landmarks = self.landmarks.copy()
            landmarks[:, :2] = (landmarks[:, :2] + 0.5) * k - 0.5
        return replace(
            self,
            width=width,
            height=height,
            left=side(self.left),
            right=side(self.right),
            stance=stance,
            hip_width_px=ln(self.hip_width_px),
            torso_px=ln(self.torso_px),
            px_per_cm=ln(self.px_per_cm),
            landmarks=landmarks,
            bands={name: (line + 0.5) * k - 0.5 for name, line in self.bands.items()},
        )

    @property
    def sides(self) -> dict[str, HipSide]:
        """``{'left': ..., 'right': ...}``."""
        return {"left": self.left, "right": self.right}

    def warning_codes(self) -> list[str]:
        """Codes of the warnings, in order."""
        return [w.code for w in self.warnings]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (schema version 1); see ``docs/schema.md``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "image": {"width": self.width, "height": self.height},
            "person_found": self.person_found,
            "view": self.view,
            "body_yaw_deg": _r(self.body_yaw_deg, 1),
            "sides": {"left": self.left.to_dict(), "right": self.right.to_dict()},
            "stance": self.stance.to_dict(),
            "symmetry": _r(self.symmetry, 3),
            "waist_to_hip_ratio": _r(self.waist_to_hip_ratio, 3),
            "pelvic_height_index": _r(self.pelvic_height_index, 3),
            "hip_width_px": _r(self.hip_width_px, 2),
            "torso_px": _r(self.torso_px, 2),
            "px_per_cm": _r(self.px_per_cm, 4),
            "warnings": [w.to_dict() for w in self.warnings],
            "capture": None if self.capture is None else self.capture.to_dict(),
        }

    def to_row(self) -> dict[str, Any]:
        """A flat dict with stable keys, for CSV (``left_dip_depth_px``, ...)."""
        return flat_row(self.to_dict())


def flat_row(d: dict[str, Any]) -> dict[str, Any]:
    """Flatten the JSON form of an analysis (``Analysis.to_dict()``) into one row.

    Keys are stable: points become ``<side>_<name>_x`` and ``_y``, stance keys
    get a ``stance_`` prefix, the capture signature's a ``capture_`` prefix, and the
    warnings are their codes joined by ``;``.
    """
    row: dict[str, Any] = {
        "person_found": d["person_found"],
        "view": d["view"],
        "width": d["image"]["width"],
        "height": d["image"]["height"],
    }
    for side in ("left", "right"):
        for key, value in d["sides"][side].items():
            if key in ("crest", "trochanter", "deepest"):
                row[f"{side}_{key}_x"], row[f"{side}_{key}_y"] = value or (None, None)
            else:
                row[f"{side}_{key}"] = value
    for key, value in d["stance"].items():
        if key == "cues":
            # One cell: the names of the cues the stance was read from.
            value = ";".join(c["name"] for c in value if c["used"]) or None
        row[f"stance_{key}"] = value
    for key in (
        "symmetry",
        "waist_to_hip_ratio",
        "pelvic_height_index",
        "hip_width_px",
        "torso_px",
        "px_per_cm",
        "body_yaw_deg",
    ):
        row[key] = d[key]
    row["warnings"] = ";".join(w["code"] for w in d["warnings"])
    # Records of older versions have no signature: the same columns, empty.
    capture = d.get("capture") or {}
    for key in CaptureSignature.__dataclass_fields__:
        row[f"capture_{key}"] = capture.get(key)
    return row


@dataclass(frozen=True)
class SideChange:
    """How one hip's dip changed between two photos.

    Attributes
    ----------
    side : {'left', 'right'}
        The person's anatomical side.
    before_ratio, after_ratio : float or None
        The depth in each photo, fraction of hip width; None where unmeasured.
    change_ratio : float or None
        ``after_ratio - before_ratio``: positive is deeper.
    before_cm, after_cm, change_cm : float or None
        The same in centimetres, when both photos were given a height.
    beyond_noise : bool or None
        Whether the change is at least the smallest change two photos of an
        unchanged body do not reach 95 % of the time (0.7 points of hip width;
        docs/accuracy.md); None when a side is unmeasured.
    """

    side: Side
    before_ratio: float | None = None
    after_ratio: float | None = None
    change_ratio: float | None = None
    before_cm: float | None = None
    after_cm: float | None = None
    change_cm: float | None = None
    beyond_noise: bool | None = None

    def __post_init__(self) -> None:
        _check_side(self, "side")
        if self.side is None:
            raise InvalidInputError("side must be 'left' or 'right'")
        for name in ("before_ratio", "after_ratio", "before_cm", "after_cm"):
            _check_number(self, name, lo=0.0)
        for name in ("change_ratio", "change_cm"):
            _check_number(self, name)
        if (self.change_ratio is None) != (self.beyond_noise is None):
            raise InvalidInputError("a change, and only a change, is judged against the noise")

    def to_dict(self) -> dict[str, Any]:
        return {
            "before_ratio": _r(self.before_ratio, 4),
            "after_ratio": _r(self.after_ratio, 4),
            "change_ratio": _r(self.change_ratio, 4),
            "before_cm": _r(self.before_cm, 2),
            "after_cm": _r(self.after_cm, 2),
            "change_cm": _r(self.change_cm, 2),
            "beyond_noise": self.beyond_noise,
        }


@dataclass(frozen=True, eq=False)
class Comparison:
    """Two photos of the same person compared (:func:`silhouette.compare`).

    Attributes
    ----------
    left, right : SideChange
        The person's anatomical left and right hips.
    comparable : bool
        Whether the photos were taken alike enough for the change to be the
        body's: same view, body turn, camera height and roll, stance and
        clothing at the hips (docs/accuracy.md has the limits).
    reasons : tuple of str
        Why not, in plain words ("body turned about 12 degrees further to show
        its left flank than in the reference").
    transform : (2, 3) ndarray or None
        Similarity transform from the earlier photo's pixels to the later's,
        fitted to shoulders, hips and knees: ``xy_after = M[:, :2] @ xy + M[:, 2]``.
        None when fewer than three of those joints are seen in both.
    """

    left: SideChange
    right: SideChange
    comparable: bool
    reasons: tuple[str, ...] = ()
    transform: npt.NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if (self.left.side, self.right.side) != ("left", "right"):
            raise InvalidInputError("left and right must be SideChange('left') and ('right')")
        object.__setattr__(self, "reasons", tuple(self.reasons))
        if self.comparable == bool(self.reasons):
            raise InvalidInputError("photos that do not compare, and only those, have reasons")
        if self.transform is not None:
            m = np.asarray(self.transform, dtype=np.float64)
            if m.shape != (2, 3) or not np.all(np.isfinite(m)):
                raise InvalidInputError(f"transform must be a finite (2, 3) array, got {m.shape}")
            object.__setattr__(self, "transform", m)

    @property
    def sides(self) -> dict[str, SideChange]:
        """``{'left': ..., 'right': ...}``."""
        return {"left": self.left, "right": self.right}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``silhouette compare --json`` (docs/schema.md)."""
        return {
            "comparable": self.comparable,
            "reasons": list(self.reasons),
            "sides": {"left": self.left.to_dict(), "right": self.right.to_dict()},
            "transform": None
            if self.transform is None
            else [[round(float(v), 6) for v in row] for row in self.transform],
        }
