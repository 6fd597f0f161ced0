"""Draw an analysis onto a copy of the photo."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import numpy.typing as npt

from .errors import InvalidInputError
from .results import Analysis, HipSide

__all__ = ["OVERLAY_MAX_SIDE", "annotate"]

#: Overlay files are drawn on the photo reduced to at most this long side:
#: plenty to see the outline, without a 100-megapixel PNG.
OVERLAY_MAX_SIDE = 4096

# RGB colours: the two sides differ in hue and in lightness, for colour-blind readers.
_SIDE_COLOUR = {"left": (255, 140, 0), "right": (0, 190, 255)}
_BAND_COLOUR = {"crest": (255, 255, 255), "trochanter": (200, 200, 200)}
_WARN_COLOUR = (255, 70, 70)


def annotate(
    image: npt.NDArray[np.uint8], analysis: Analysis, *, labels: bool = True
) -> npt.NDArray[np.uint8]:
    """Draw outlines, bands, bulges, dips and warnings on a copy of ``image``.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
        The RGB photo the analysis was made on (as returned by
        :func:`silhouette.load_image`), at its original size or scaled by any
        factor (a thumbnail): coordinates are scaled to fit.
    analysis : Analysis
    labels : bool, optional
        Write the depths and the summary (view, stance, warnings) on the
        image. Thumbnails read better with only the geometry.

    Returns
    -------
    annotated : (H, W, 3) ndarray of uint8
        A new image; ``image`` is not changed.

    Examples
    --------
    >>> from silhouette import Analysis
    >>> img = np.zeros((40, 30, 3), np.uint8)
    >>> out = annotate(img, Analysis(30, 40, person_found=False))
    >>> out.shape, out is img
    ((40, 30, 3), False)
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InvalidInputError(
            f"image must be (H, W, 3) uint8, got shape {image.shape} dtype {image.dtype}"
        )
    h, w = image.shape[:2]
    scale = w / analysis.width
    if abs(h / analysis.height - scale) > 0.01 * scale + 1.0 / analysis.height:
        raise InvalidInputError(
            f"image is {w}x{h} but the analysis was made on "
            f"{analysis.width}x{analysis.height} (a different shape)"
        )
    out = np.ascontiguousarray(image.copy())
    unit = max(1.0, max(h, w) / 800.0)  # line and text scale
    thick = max(1, round(1.5 * unit))
    bands = {k: _to(v, scale) for k, v in analysis.bands.items()}
    sides = [_scaled_side(s, scale) for s in (analysis.left, analysis.right)]

    for name, lines in bands.items():
        _brackets(out, lines, _BAND_COLOUR[name], max(1, thick // 2), unit)

    xs = np.concatenate([s.outline[:, 0] for s in sides])
    xs = xs[np.isfinite(xs)]
    centre_x = float(np.mean(xs)) if xs.size else w / 2.0
    # Depth labels go outside the brackets.
    ends = np.concatenate([v.reshape(-1, 2) for v in bands.values()] or [np.empty((0, 2))])
    for side in sides:
        _draw_side(out, side, unit, thick, centre_x, ends, labels)
    if not labels:
        return out

    y = 8 * unit
    for text, colour in _summary(analysis):
        for line in _wrap(text, w - 16 * unit, 0.55 * unit):
            y += 18 * unit
            _text(out, line, (8 * unit, y), 0.55 * unit, colour)
    return out


def _draw_side(
    out: np.ndarray,
    side: HipSide,
    unit: float,
    thick: int,
    centre_x: float,
    ends: np.ndarray,
    labels: bool,
) -> None:
    colour = _SIDE_COLOUR[side.side]
    for piece in _pieces(side.outline):
        pts = np.round(piece * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [pts], False, colour, thick, cv2.LINE_AA, shift=4)
    if side.crest is not None and side.trochanter is not None:
        _line(out, side.crest, side.trochanter, colour, max(1, thick // 2))
    for p in (side.crest, side.trochanter):
        if p is not None:
            _circle(out, p, 4 * unit, colour, thick)
    if side.deepest is not None and side.crest is not None and side.trochanter is not None:
        a, b, d = (np.asarray(p, dtype=float) for p in (side.crest, side.trochanter, side.deepest))
        ab = b - a
        foot = a + ab * float(np.dot(d - a, ab) / max(np.dot(ab, ab), 1e-9))
        _line(out, foot, d, (255, 255, 0), thick)
        _circle(out, d, 3 * unit, (255, 255, 0), -1)
    if not labels:
        return
    anchor = side.deepest or side.trochanter
    finite = side.outline[np.isfinite(side.outline).all(axis=1)]
    if anchor is None and len(finite):
        anchor = tuple(finite[len(finite) // 2])
    if anchor is None:
        return
    if side.measured:
        text = f"{side.side.upper()} {100 * side.dip_depth_ratio:.1f}% ({side.dip_depth_px:.1f}px"
        text += f", {side.dip_depth_cm:.1f}cm)" if side.dip_depth_cm is not None else ")"
    else:
        text = f"{side.side.upper()} not measured"
    # Labels go outside the body and its brackets, away from the centre line.
    outward = 1.0 if anchor[0] >= centre_x else -1.0
    x = anchor[0]
    beyond = ends[(ends[:, 0] - centre_x) * outward > 0, 0] if len(ends) else ends[:, 0]
    if beyond.size:
        x = beyond.max() if outward > 0 else beyond.min()
    _text(
        out,
        text,
        (x + outward * 8 * unit, anchor[1] + 5 * unit),
        0.5 * unit,
        colour,
        align="left" if outward > 0 else "right",
    )


def _to(xy, scale: float):
    """Pixel coordinates in an image scaled by ``scale`` (centres at integers)."""
    if xy is None:
        return None
    return (np.asarray(xy, dtype=float) + 0.5) * scale - 0.5


def _scaled_side(side: HipSide, scale: float) -> HipSide:
    if scale == 1.0:
        return side
    pt = lambda p: None if p is None else tuple(_to(p, scale))  # noqa: E731
    return replace(
        side,
        outline=_to(side.outline, scale),
        crest=pt(side.crest),
        trochanter=pt(side.trochanter),
        deepest=pt(side.deepest),
    )


def _pieces(outline: np.ndarray) -> list[np.ndarray]:
    """Runs of finite rows, each with two points or more."""
    ok = np.isfinite(outline).all(axis=1)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    return [outline[a:b] for a, b in zip(edges[::2], edges[1::2], strict=False) if b - a >= 2]


def _summary(a: Analysis) -> list[tuple[str, tuple[int, int, int]]]:
    white = (255, 255, 255)
    if not a.person_found:
        return [("No person found", _WARN_COLOUR)]
    lines = [(f"view: {a.view}   (left/right = the person's own sides)", white)]
    if a.bands:
        lines.append(("brackets: crest band (outer), trochanter band (inner)", white))
    st = a.stance
    if st.hip_popped:
        lines.append(
            (
                f"HIP-POPPED: pelvis tilted {abs(st.pelvic_tilt_deg):.0f} deg, weight on "
                f"{st.weight_side} leg - {st.exaggerated_side} dip likely exaggerated",
                _WARN_COLOUR,
            )
        )
    elif st.pelvic_tilt_deg is not None:
        lines.append((f"stance: straight (pelvic tilt {st.pelvic_tilt_deg:+.1f} deg)", white))
    for wn in a.warnings:
        if wn.code not in ("hip_popped",):
            lines.append((wn.code.replace("_", " "), _WARN_COLOUR))
    return lines


def _xy(p) -> tuple[int, int]:
    return round(float(p[0]) * 16), round(float(p[1]) * 16)


def _line(out, a, b, colour, thick) -> None:
    cv2.line(out, _xy(a), _xy(b), colour, thick, cv2.LINE_AA, shift=4)


def _circle(out, c, r, colour, thick) -> None:
    cv2.circle(out, _xy(c), round(r * 16), colour, thick, cv2.LINE_AA, shift=4)


def _brackets(out, lines, colour, thick, unit) -> None:
    """A bracket beside each hip spanning one band, ticks pointing inwards."""
    (top_a, top_b), (bottom_a, bottom_b) = np.asarray(lines, dtype=float)
    for top, bottom, other in ((top_a, bottom_a, top_b), (top_b, bottom_b, top_a)):
        inward = (other - top) / max(np.hypot(*(other - top)), 1e-9) * 6 * unit
        _line(out, top, bottom, colour, thick)
        _line(out, top, top + inward, colour, thick)
        _line(out, bottom, bottom + inward, colour, thick)


def _wrap(text: str, width: float, scale: float) -> list[str]:
    """Split text into lines no wider than ``width`` pixels."""
    font, thick = cv2.FONT_HERSHEY_SIMPLEX, max(1, round(2 * scale))
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(trial, font, scale, thick)[0][0] <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def _text(out, text, org, scale, colour, *, align="left") -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    thick = max(1, round(2 * scale))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
    x, y = float(org[0]), float(org[1])
    if align == "right":
        x -= tw
    x = min(max(x, 2), out.shape[1] - tw - 2)
    y = min(max(y, th + 2), out.shape[0] - 4)
    org_i = (int(x), int(y))
    cv2.putText(out, text, org_i, font, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(out, text, org_i, font, scale, colour, thick, cv2.LINE_AA)
