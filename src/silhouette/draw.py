"""Draw an analysis onto a copy of the photo."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import cv2
import numpy as np
import numpy.typing as npt

from .core.scoring import beyond_noise
from .errors import InvalidInputError
from .results import Analysis, Comparison, HipSide, SideChange

__all__ = [
    "OVERLAY_MAX_SIDE",
    "annotate",
    "annotate_comparison",
    "change_verdict",
    "format_change",
    "format_percent",
    "hips_box",
    "missing_from",
]

#: Overlay files are drawn on the photo reduced to at most this long side:
#: plenty to see the outline, without a 100-megapixel PNG.
OVERLAY_MAX_SIDE = 4096

# RGB colours: the two sides differ in hue and in lightness, for colour-blind readers.
_SIDE_COLOUR = {"left": (255, 140, 0), "right": (0, 190, 255)}
_BAND_COLOUR = {"crest": (255, 255, 255), "trochanter": (200, 200, 200)}
_DEEPEST = (255, 255, 0)
_WARN_COLOUR = (255, 110, 110)
# The stance cues: the pelvis line and the standing leg.
_PELVIS = (255, 0, 255)
_LEVEL = (235, 235, 235)
_STANDING = (120, 255, 120)
_WHITE = (255, 255, 255)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def format_percent(ratio: float) -> str:
    """A depth ratio as a percentage with one decimal, rounded once.

    The value is the one published in the JSON and CSV (rounded to four
    decimals, as :meth:`Analysis.to_dict` does), rounded half up to 0.1 %:
    the overlay, the command line and the report then show the same figure
    for the same photo, and the figure a spreadsheet shows from results.csv.

    Examples
    --------
    >>> format_percent(0.04346), format_percent(0.04344)  # published as 0.0435 and 0.0434
    ('4.4%', '4.3%')
    """
    published = Decimal(repr(round(float(ratio), 4)))
    return f"{(published * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def format_change(value: float) -> str:
    """A change with its sign and one decimal: points of hip width, or cm.

    >>> format_change(0.94), format_change(-1.25), format_change(-0.04)  # never "-0.0"
    ('+0.9', '-1.2', '+0.0')
    """
    return f"{round(value, 1) + 0.0:+.1f}"


def change_verdict(change_ratio: float) -> str:
    """How a change of the depth ratio reads: deeper, shallower, or no clear change.

    A change within the measurement's noise (:func:`silhouette.core.scoring.beyond_noise`)
    is no clear change.

    >>> change_verdict(0.011), change_verdict(-0.011), change_verdict(0.003)
    ('deeper', 'shallower', 'no clear change')
    """
    if not beyond_noise(change_ratio):
        return "no clear change"
    return "deeper" if change_ratio > 0 else "shallower"


def missing_from(change: SideChange) -> str:
    """The photo a side's change has no depth in: "either photo", "the earlier
    photo" or "the later photo"."""
    if change.before_ratio is None and change.after_ratio is None:
        return "either photo"
    return "the earlier photo" if change.before_ratio is None else "the later photo"


def annotate(
    image: npt.NDArray[np.uint8], analysis: Analysis, *, labels: bool = True
) -> npt.NDArray[np.uint8]:
    """Draw outlines, bands, bulges, dips and warnings on a copy of ``image``.

    What is drawn: each side's traced outline (orange: the person's left,
    blue: the person's right), open circles on the upper (iliac crest) and
    lower (greater trochanter) bulges with the line between them, a yellow
    dot on the deepest point and a yellow line from it to that line (the
    depth), and grey brackets beside the hips spanning the crest band (upper)
    and the trochanter band (lower) in which the bulges are searched. The
    stance cues used: the pelvic tilt as a magenta line across the hips
    beside a dashed level line, and, when hip-popped, the standing leg in
    green from hip joint to ankle.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
        The RGB photo the analysis was made on (as returned by
        :func:`silhouette.load_image`), at its original size or scaled by any
        factor (a thumbnail): coordinates are scaled to fit.
    analysis : Analysis
    labels : bool, optional
        Write the depths beside the hips (outside the body and the drawing),
        a legend of the symbols, and the view, stance and warnings as
        sentences at the top. Thumbnails read better with only the geometry.

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
    sx, sy = w / analysis.width, h / analysis.height
    # A scaled copy: the same shape, up to rounding each side to whole pixels.
    if abs(w - analysis.width * sy) > 1.0 + 0.01 * w and abs(h - analysis.height * sx) > (
        1.0 + 0.01 * h
    ):
        raise InvalidInputError(
            f"image is {w}x{h} but the analysis was made on "
            f"{analysis.width}x{analysis.height} (a different shape)"
        )
    out = np.ascontiguousarray(image.copy())
    unit = max(1.0, max(h, w) / 800.0)  # line and text scale
    thick = max(1, round(1.5 * unit))
    bands = {k: _to(v, sx, sy) for k, v in analysis.bands.items()}
    sides = [_scaled_side(s, sx, sy) for s in (analysis.left, analysis.right)]

    for name, lines in bands.items():
        _brackets(out, lines, _BAND_COLOUR[name], max(1, thick // 2), unit)
    for side in sides:
        _draw_side(out, side, unit, thick)
    stance_drawn = _draw_stance(out, analysis, sx, sy, unit, thick)
    if not labels:
        return out

    # Where text must not go: everything drawn so far, and the body between
    # the two outlines.
    busy = cv2.dilate((out != image).any(axis=2).astype(np.uint8), np.ones((5, 5), np.uint8))
    body = _body_polygon(sides)
    if body is not None:
        cv2.fillPoly(busy, [body], 1)
    legend_top = h
    if analysis.person_found and any(s.outline.size for s in sides):
        legend_top = _legend(out, busy, unit, bool(bands), stance_drawn)
    _summary_panels(out, busy, _summary(analysis), unit, legend_top)
    xs = np.concatenate([s.outline[:, 0] for s in sides])
    xs = xs[np.isfinite(xs)]
    centre_x = float(np.mean(xs)) if xs.size else w / 2.0
    for side in sides:
        _label_side(out, busy, side, unit, centre_x)
    return out


def hips_box(analysis: Analysis, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` of the hips and their drawing, in an image of ``shape``.

    The box holds both outlines, the bulges and the bands, with a margin, in
    the pixels of an image of ``shape`` (the photo at any scale); it is
    squared up a little so that a close-up is not a sliver. None when
    nothing was traced.

    Examples
    --------
    >>> from silhouette import Analysis
    >>> hips_box(Analysis(30, 40, person_found=False), (40, 30, 3)) is None
    True
    """
    h, w = shape[:2]
    sx, sy = w / analysis.width, h / analysis.height
    pts = [_to(s.outline, sx, sy) for s in (analysis.left, analysis.right)]
    pts += [_to(np.asarray(b).reshape(-1, 2), sx, sy) for b in analysis.bands.values()]
    xy = np.concatenate([p.reshape(-1, 2) for p in pts] or [np.empty((0, 2))])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return None
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    side = max(x1 - x0, y1 - y0) * 1.15
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = max(side, 0.7 * (y1 - y0)) / 2, side / 2
    box = (
        int(max(0, np.floor(cx - half_w))),
        int(max(0, np.floor(cy - half_h))),
        int(min(w, np.ceil(cx + half_w))),
        int(min(h, np.ceil(cy + half_h))),
    )
    return box if box[2] - box[0] >= 2 and box[3] - box[1] >= 2 else None


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------


def _draw_side(out: np.ndarray, side: HipSide, unit: float, thick: int) -> None:
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
        _line(out, foot, d, _DEEPEST, thick)
        _circle(out, d, 3 * unit, _DEEPEST, -1)


def _draw_stance(out, a: Analysis, sx: float, sy: float, unit: float, thick: int):
    """The stance cues used: the pelvis line against level, and the standing leg.

    The pelvis line is the combined tilt across the hips through the mid-hip
    point; the dashed line beside it is level in the body frame (the same
    line turned back by the tilt), so the angle between them is the tilt. The
    standing leg, hip joint to ankle, is drawn when the stance is hip-popped.
    Returns which of the two were drawn, for the legend.
    """
    st = a.stance
    drawn = [False, False]
    if st.pelvis_line is not None and st.pelvic_tilt_deg is not None:
        right, left = (np.asarray(_to(p, sx, sy), dtype=float) for p in st.pelvis_line)
        mid = (right + left) / 2.0
        half = left - mid
        # Level: the person's left end turned back down by the tilt (up for a
        # negative tilt); of the two turns, the one that moves it that way.
        t = np.radians(abs(st.pelvic_tilt_deg))
        turns = [
            np.array([[np.cos(s * t), -np.sin(s * t)], [np.sin(s * t), np.cos(s * t)]])
            for s in (1, -1)
        ]
        ends = [r @ half for r in turns]
        lower = (
            max(ends, key=lambda e: e[1])
            if st.pelvic_tilt_deg > 0
            else min(ends, key=lambda e: e[1])
        )
        _dashed(
            out,
            np.array([mid - 1.15 * lower, mid + 1.15 * lower]),
            _LEVEL,
            max(1, thick // 2),
            5 * unit,
        )
        _line(out, right, left, _PELVIS, thick)
        _circle(out, mid, 2.5 * unit, _PELVIS, -1)
        drawn[0] = True
    if st.hip_popped and st.standing_leg is not None:
        hip, ankle = (np.asarray(_to(p, sx, sy), dtype=float) for p in st.standing_leg)
        _line(out, hip, ankle, _STANDING, thick)
        _circle(out, ankle, 4 * unit, _STANDING, -1)
        drawn[1] = True
    return tuple(drawn)


def _to(xy, sx: float, sy: float):
    """Pixel coordinates in an image scaled by ``(sx, sy)`` (centres at integers)."""
    if xy is None:
        return None
    xy = np.asarray(xy, dtype=float)
    return (xy + 0.5) * np.array([sx, sy]) - 0.5


def _scaled_side(side: HipSide, sx: float, sy: float) -> HipSide:
    if sx == sy == 1.0:
        return side
    pt = lambda p: None if p is None else tuple(_to(p, sx, sy))  # noqa: E731
    return replace(
        side,
        outline=_to(side.outline, sx, sy),
        crest=pt(side.crest),
        trochanter=pt(side.trochanter),
        deepest=pt(side.deepest),
    )


def _pieces(outline: np.ndarray) -> list[np.ndarray]:
    """Runs of finite rows, each with two points or more."""
    ok = np.isfinite(outline).all(axis=1)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    return [outline[a:b] for a, b in zip(edges[::2], edges[1::2], strict=False) if b - a >= 2]


def _body_polygon(sides: list[HipSide]) -> np.ndarray | None:
    """The region between the two traced outlines (the hips), as a polygon."""
    parts = [s.outline[np.isfinite(s.outline).all(axis=1)] for s in sides]
    if any(len(p) < 2 for p in parts):
        return None
    a, b = parts
    return np.round(np.concatenate([a, b[::-1]])).astype(np.int32).reshape(-1, 1, 2)


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


# --------------------------------------------------------------------------
# Text: the depths beside the hips, a legend, and the summary at the top
# --------------------------------------------------------------------------


def _summary(a: Analysis) -> list[tuple[str, tuple[int, int, int]]]:
    if not a.person_found:
        return [(a.warnings[-1].message if a.warnings else "No person was found.", _WARN_COLOUR)]
    lines = [(f"{a.view} view. Left and right are the person's own sides.", _WHITE)]
    st = a.stance
    if not st.hip_popped and st.pelvic_tilt_deg is not None:
        tilt = round(st.pelvic_tilt_deg, 1) + 0.0  # never "-0.0"
        lines.append((f"Stance straight (pelvic tilt {tilt:+.1f} degrees).", _WHITE))
    # Warnings as their sentences; the same sentence for both sides once.
    seen = set()
    for wn in a.warnings:
        if wn.message not in seen:
            seen.add(wn.message)
            lines.append((wn.message, _WARN_COLOUR))
    return [(line[:1].upper() + line[1:], colour) for line, colour in lines]


def _summary_panels(
    out: np.ndarray, busy: np.ndarray, lines, unit: float, bottom_limit: int
) -> None:
    """Sentences on dark bands above and, if need be, below the drawing.

    Whole sentences fill the space above the hips first and go on below
    them (down to ``bottom_limit``, where the legend starts); the font
    shrinks until they fit, so the text never covers the outline. What does
    not fit even then is left to the JSON result, and a last line says so.
    """
    h, w = out.shape[:2]
    rows = np.flatnonzero(busy.any(axis=1))
    gap = round(8 * unit)
    top_end = (rows.min() - gap) if rows.size else bottom_limit
    bottom_start = (rows.max() + gap) if rows.size else bottom_limit
    pad = round(5 * unit)
    scales = (0.5 * unit, 0.42 * unit, 0.36 * unit, 0.3 * unit)
    for scale in scales:
        (_, th), base = cv2.getTextSize("Ag", _FONT, scale, _thickness(scale))
        step = th + base + round(2 * unit)
        air = round(4 * unit)  # between sentences
        blocks = [(wrap(text, w - 2 * pad, scale), colour) for text, colour in lines]
        top, rest = _fill(blocks, step, air, top_end - 2 * pad)
        bottom, rest = _fill(rest, step, air, bottom_limit - bottom_start - 2 * pad)
        if not rest or scale == scales[-1]:
            break
    if rest:
        bottom.append((["(more warnings in the JSON result)"], _WHITE))
    for blocks, y0 in ((top, 0), (bottom, None)):
        if not blocks:
            continue
        height = sum(len(parts) * step + air for parts, _ in blocks) - air + 2 * pad
        if y0 is None:
            y0 = max(bottom_start, min(bottom_limit, h) - height)
        _shade(out, 0, y0, w, y0 + height)
        busy[y0 : y0 + height] = 1
        y = y0 + pad - air
        for parts, colour in blocks:
            y += air
            for part in parts:
                y += step
                _text(out, part, (pad, y - base), scale, colour)


def _fill(blocks, step: int, air: int, room: int):
    """Whole blocks (sentences) that fit in ``room`` pixels, in order, and the rest."""
    used, taken = -air, []
    for k, (parts, colour) in enumerate(blocks):
        if used + air + len(parts) * step > room:
            return taken, blocks[k:]
        taken.append((parts, colour))
        used += air + len(parts) * step
    return taken, []


def _label_side(out, busy, side: HipSide, unit: float, centre_x: float) -> None:
    finite = side.outline[np.isfinite(side.outline).all(axis=1)]
    anchor = side.deepest or side.trochanter or side.crest
    if anchor is None and len(finite):
        anchor = tuple(finite[len(finite) // 2])
    if anchor is None:
        return
    name = side.side.upper()
    if side.measured:
        pct = format_percent(side.dip_depth_ratio)
        sizes = [f"{side.dip_depth_px:.1f} px"]
        if side.dip_depth_cm is not None:
            sizes.append(f"{side.dip_depth_cm:.1f} cm")
        # The same words, from wide and short to narrow and tall.
        variants = [
            [f"{name} {pct}", ", ".join(sizes)],
            [f"{name} {pct}", *sizes],
            [name, pct, *sizes],
        ]
    else:
        variants = [[f"{name} not measured"], [name, "not measured"], [name, "not", "measured"]]
    outward = 1 if anchor[0] >= centre_x else -1
    _place(out, busy, variants, anchor, outward, 0.5 * unit, _SIDE_COLOUR[side.side], unit)


def _legend(out, busy, unit: float, bands: bool, stance: tuple[bool, bool] = (False, False)) -> int:
    """What the symbols mean, at the foot of the picture; returns its top row.

    Bottom left when nothing is drawn there, else bottom right, else the
    least crowded bottom corner; nothing when the picture is too small.
    """
    entries = [
        ("circle", "bulges: hip bone (upper), thigh bone (lower)"),
        ("dot", "deepest point of the dip"),
    ]
    if bands:
        entries.append(("bracket", "bands searched: crest (upper), trochanter (lower)"))
    entries.append(("lines", "outline: person's left (orange), right (blue)"))
    if stance[0]:
        entries.append(("pelvis", "pelvic tilt (magenta) against level (dashed)"))
    if stance[1]:
        entries.append(("leg", "standing leg: weight on it"))
    h, w = out.shape[:2]
    for scale in (0.36 * unit, 0.3 * unit, 0.26 * unit):
        widest = max(cv2.getTextSize(t, _FONT, scale, _thickness(scale))[0][0] for _, t in entries)
        if widest + round(30 * unit) <= w - 8:
            break
    (_, th), base = cv2.getTextSize("Ag", _FONT, scale, _thickness(scale))
    step = th + base + round(4 * unit)
    icon = round(16 * unit)
    pad = round(6 * unit)
    width = (
        icon
        + pad
        + max(cv2.getTextSize(t, _FONT, scale, _thickness(scale))[0][0] for _, t in entries)
    )
    box_w, box_h = width + 2 * pad, len(entries) * step + 2 * pad
    if box_w > w - 4 or box_h > h // 4:
        return h  # too small a picture for a legend
    corners = [(4, h - box_h - 4), (w - box_w - 4, h - box_h - 4)]
    x0, y0 = min(corners, key=lambda c: busy[c[1] : c[1] + box_h, c[0] : c[0] + box_w].sum())
    if busy[y0 : y0 + box_h, x0 : x0 + box_w].any():
        return h  # the drawing reaches the foot of the picture: no room
    _shade(out, x0, y0, x0 + box_w, y0 + box_h)
    busy[y0 : y0 + box_h, x0 : x0 + box_w] = 1
    thick = max(1, round(1.5 * unit))
    for k, (kind, text) in enumerate(entries):
        cy = y0 + pad + k * step + step // 2
        cx = x0 + pad + icon // 2
        if kind == "circle":
            _circle(out, (cx, cy), 4 * unit, _SIDE_COLOUR["left"], thick)
        elif kind == "dot":
            _circle(out, (cx, cy), 3 * unit, _DEEPEST, -1)
        elif kind == "bracket":
            half = step * 0.4
            _brackets(
                out,
                [
                    [(cx - 2 * unit, cy - half), (cx + 8 * unit, cy - half)],
                    [(cx - 2 * unit, cy + half), (cx + 8 * unit, cy + half)],
                ],
                _BAND_COLOUR["crest"],
                max(1, thick // 2),
                unit * 0.6,
            )
        elif kind == "pelvis":
            _dashed(out, np.array([[cx - 8 * unit, cy], [cx + 8 * unit, cy]]), _LEVEL, 1, 2 * unit)
            _line(
                out, (cx - 8 * unit, cy + 3 * unit), (cx + 8 * unit, cy - 3 * unit), _PELVIS, thick
            )
        elif kind == "leg":
            _line(out, (cx, cy - 5 * unit), (cx, cy + 5 * unit), _STANDING, thick)
            _circle(out, (cx, cy + 5 * unit), 2 * unit, _STANDING, -1)
        else:
            _line(
                out,
                (cx - 6 * unit, cy - 3 * unit),
                (cx - 1 * unit, cy + 3 * unit),
                _SIDE_COLOUR["left"],
                thick,
            )
            _line(
                out,
                (cx + 1 * unit, cy - 3 * unit),
                (cx + 6 * unit, cy + 3 * unit),
                _SIDE_COLOUR["right"],
                thick,
            )
        _text(out, text, (x0 + pad + icon + pad, cy + th // 2), scale, _WHITE)
    return y0


def _place(out, busy, variants, anchor, outward: int, scale: float, colour, unit) -> None:
    """Write a label beside ``anchor``, outwards, where nothing is drawn.

    ``variants`` are the label's lines, from wide to narrow. Near the anchor
    in a narrower or smaller label is preferred to far from it: each height
    (the anchor's, then a line up, a line down, ...) is tried with every
    variant in three font sizes before the next height.
    """
    h, w = out.shape[:2]
    margin = round(6 * unit)
    ax, ay = float(anchor[0]), float(anchor[1])
    fonts = []
    for lines in variants:
        for s in (scale, 0.8 * scale, 0.65 * scale):
            sizes = [cv2.getTextSize(t, _FONT, s, _thickness(s)) for t in lines]
            tw = max(size[0][0] for size in sizes)
            step = max(size[0][1] + size[1] for size in sizes) + round(3 * unit)
            fonts.append((lines, s, sizes, tw, step))
    for k in (0, -1, 1, -2, 2, -3, 3, -4, 4, -6, 6, -8, 8, -10, 10):
        for lines, s, sizes, tw, step in fonts:
            th = step * len(lines)
            y0 = round(ay - th / 2 + k * step)
            y1 = y0 + th
            if y0 < 0 or y1 > h:
                continue
            cols = np.flatnonzero(busy[y0:y1].any(axis=0))
            if outward > 0:
                beyond = cols[cols >= ax - 1]
                x0 = int(beyond.max() + margin) if beyond.size else round(ax + margin)
                x1 = x0 + tw
            else:
                beyond = cols[cols <= ax + 1]
                x1 = int(beyond.min() - margin) if beyond.size else round(ax - margin)
                x0 = x1 - tw
            if x0 < 2 or x1 > w - 2:
                continue
            if busy[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2].any():
                continue
            for j, t in enumerate(lines):
                _text(out, t, (x0, y0 + (j + 1) * step - sizes[j][1]), s, colour)
            busy[y0:y1, x0:x1] = 1
            return
    # Nowhere free: the narrowest label beside the anchor, on a dark band.
    lines, s, sizes, tw, step = fonts[-1]
    x0 = int(min(max(ax + (margin if outward > 0 else -margin - tw), 2), w - tw - 2))
    y0 = int(min(max(ay - step * len(lines) / 2, 2), h - step * len(lines) - 2))
    _shade(out, x0 - 2, y0, x0 + tw + 2, y0 + step * len(lines))
    for j, t in enumerate(lines):
        _text(out, t, (x0, y0 + (j + 1) * step - sizes[j][1]), s, colour)


def wrap(text: str, width: float, scale: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` pixels at ``scale``.

    The lines are balanced: as many as a greedy fill needs, each as short as
    that number allows, so that no word is left on a line of its own.

    Examples
    --------
    >>> wrap("a b c d", 10_000, 0.5)
    ['a b c d']
    """
    thick = _thickness(scale)
    words = text.split()
    sizes = [cv2.getTextSize(word, _FONT, scale, thick)[0][0] for word in words]
    a = cv2.getTextSize("a", _FONT, scale, thick)[0][0]
    space = cv2.getTextSize("a b", _FONT, scale, thick)[0][0] - 2 * a

    def greedy(limit: float) -> list[list[str]]:
        lines: list[list[str]] = []
        used = 0.0
        for word, size in zip(words, sizes, strict=True):
            if lines and used + space + size <= limit:
                lines[-1].append(word)
                used += space + size
            else:
                lines.append([word])
                used = size
        return lines

    best = greedy(width)
    lo, hi = max(sizes, default=0), width
    while hi - lo > 1:  # the narrowest width that needs no more lines
        mid = (lo + hi) / 2
        if len(greedy(mid)) <= len(best):
            hi = mid
        else:
            lo = mid
    return [" ".join(line) for line in greedy(hi)]


def _thickness(scale: float) -> int:
    return max(1, round(2 * scale))


def _shade(out, x0, y0, x1, y1, alpha: float = 0.55) -> None:
    """Darken a rectangle so that text on it reads on any photo."""
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(out.shape[1], int(x1)), min(out.shape[0], int(y1))
    if x1 > x0 and y1 > y0:
        region = out[y0:y1, x0:x1]
        region[:] = (region * (1 - alpha)).astype(np.uint8)


def _text(out, text, org, scale, colour) -> None:
    thick = _thickness(scale)
    org_i = (int(org[0]), int(org[1]))
    cv2.putText(out, text, org_i, _FONT, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(out, text, org_i, _FONT, scale, colour, thick, cv2.LINE_AA)


# --------------------------------------------------------------------------
# Two photos: the earlier outline over the later photo
# --------------------------------------------------------------------------

_GHOST = (255, 255, 255)


def annotate_comparison(
    image: npt.NDArray[np.uint8],
    before: Analysis,
    after: Analysis,
    comparison: Comparison,
    *,
    hips_only: bool = False,
) -> npt.NDArray[np.uint8]:
    """Draw both photos' hip outlines over a copy of the later photo.

    The later photo's outlines are drawn as :func:`annotate` draws them
    (orange: the person's left, blue: the right); the earlier photo's are
    carried over by ``comparison.transform`` (fitted to shoulders, hips and
    knees) and drawn as a dashed white ghost line. Beside each hip: the two
    depths and the change; at the top: whether the photos compare, and why not.

    Parameters
    ----------
    image : (H, W, 3) ndarray of uint8
        The later photo, at its original size or scaled by any factor.
    before, after : Analysis
    comparison : Comparison
        ``silhouette.compare(before, after)``.
    hips_only : bool, optional
        Return only the region around the hips (from the waist to mid-thigh,
        with room for the text), where the change is to be seen.

    Returns
    -------
    annotated : (H, W, 3) ndarray of uint8
        A new image; ``image`` is not changed.
    """
    out = annotate(image, after, labels=False)
    h, w = out.shape[:2]
    sx, sy = w / after.width, h / after.height
    x0, y0, x1, y1 = 0, 0, w, h
    box = hips_box(after, out.shape) if hips_only else None
    if box is not None:
        # The hips' box and as much again around it, more above for the sentences.
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        half = 0.8 * max(box[2] - box[0], box[3] - box[1])
        x0, x1 = max(0, round(cx - half)), min(w, round(cx + half))
        y0, y1 = max(0, round(cy - 1.2 * half)), min(h, round(cy + 0.9 * half))
    unit = max(1.0, max(y1 - y0, x1 - x0) / 800.0)
    thick = max(1, round(1.5 * unit))
    m = comparison.transform
    if m is not None:
        for side in (before.left, before.right):
            if not side.outline.size:
                continue
            carried = side.outline @ m[:, :2].T + m[:, 2]
            for piece in _pieces(_to(carried, sx, sy)):
                _dashed(out, piece, _GHOST, thick, 6 * unit)
    drawn = (out != image).any(axis=2)[y0:y1, x0:x1]
    out, shift = np.ascontiguousarray(out[y0:y1, x0:x1]), np.array([x0, y0], dtype=float)
    busy = cv2.dilate(drawn.astype(np.uint8), np.ones((5, 5), np.uint8))
    sides = [_scaled_side(s, sx, sy) for s in (after.left, after.right)]
    sides = [replace(s, outline=s.outline - shift) for s in sides]
    body = _body_polygon(sides)
    if body is not None:
        cv2.fillPoly(busy, [body], 1)
    why_not = None
    if m is None:
        why_not = (
            "the photos show different views"
            if before.view != after.view
            else "too few joints seen in both"
        )
    summary = _comparison_summary(comparison, why_not)
    for side in sides:
        if (side.deepest or side.trochanter or side.crest) is None:
            # No point to write beside: said with the sentences instead.
            line = " ".join(_change_lines(comparison.sides[side.side]))
            summary.append((line + ".", _SIDE_COLOUR[side.side]))
    _summary_panels(out, busy, summary, unit, y1 - y0)
    xs = np.concatenate([s.outline[:, 0] for s in sides])
    xs = xs[np.isfinite(xs)]
    centre_x = float(np.mean(xs)) if xs.size else (x1 - x0) / 2.0
    for side in sides:
        anchor = side.deepest or side.trochanter or side.crest
        if anchor is None:
            continue
        anchor = np.asarray(anchor) - shift
        change = comparison.sides[side.side]
        outward = 1 if anchor[0] >= centre_x else -1
        lines = _change_lines(change)
        variants = [lines, [w_ for line in lines for w_ in line.split(": ")]]
        _place(out, busy, variants, anchor, outward, 0.5 * unit, _SIDE_COLOUR[side.side], unit)
    return out


def _change_lines(change: SideChange) -> list[str]:
    name = change.side.upper()
    if change.change_ratio is None:
        return [f"{name}: not measured in {missing_from(change)}"]
    before, after = format_percent(change.before_ratio), format_percent(change.after_ratio)
    verdict = "" if change.beyond_noise else " (within noise)"
    lines = [
        f"{name}: {before} -> {after}",
        f"{format_change(100 * change.change_ratio)} points{verdict}",
    ]
    if change.change_cm is not None:
        lines.append(f"{format_change(change.change_cm)} cm")
    return lines


def _comparison_summary(
    c: Comparison, why_not: str | None
) -> list[tuple[str, tuple[int, int, int]]]:
    lines = [
        (
            "Later photo; the earlier outline is the dashed white line"
            + ("" if why_not is None else f" (not drawn: {why_not})")
            + ". Left and right are the person's own sides.",
            _WHITE,
        )
    ]
    if c.comparable:
        lines.append(("The two photos were taken alike: the change is the body's.", _WHITE))
    else:
        why = "; ".join(c.reasons)
        lines.append(
            (
                f"Not comparable ({why}): the change may be the photo's, not the body's.",
                _WARN_COLOUR,
            )
        )
    return lines


def _dashed(out, pts: np.ndarray, colour, thick: int, dash: float) -> None:
    """A dashed polyline: dashes and gaps of ``dash`` pixels along its length."""
    seg = np.diff(pts, axis=0)
    s = np.r_[0.0, np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))]
    if s[-1] <= 0:
        return
    ticks = np.arange(0.0, s[-1] + dash, dash)
    at = np.column_stack([np.interp(ticks, s, pts[:, 0]), np.interp(ticks, s, pts[:, 1])])
    for a, b in zip(at[0::2], at[1::2], strict=False):
        _line(out, a, b, colour, thick)
