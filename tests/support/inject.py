"""Warp a hip dip of known depth into a photo of a person.

The warp is a smooth horizontal displacement field (along the body's lateral
axis) that pushes one side's outline inwards by ``depth_px * w(v)``, where
``w`` is a raised cosine over heights between crest and trochanter level. It is
flat over +-0.1 T around the measured edge and fades to zero 0.15 T further in
and out, so body and background move together and the photo stays natural;
its slope stays below 1, so nothing folds. The push is exact at the edge, so
the outline gains a notch of exactly that shape.
"""

from __future__ import annotations

import cv2
import numpy as np

from silhouette import Analysis, Landmarks
from silhouette.core.anatomy import BodyFrame, body_frame
from silhouette.core.dip import fill_gaps

#: Heights of the injected notch, fractions of torso length above the hip
#: joints: its upper rim well inside the crest band, its lower rim inside the
#: trochanter band, so that they are the dip's two bulges.
NOTCH = (-0.12, 0.18)
_FLAT, _TAPER = 0.10, 0.15


def raised_cosine(x: np.ndarray) -> np.ndarray:
    """1 at 0, falling smoothly to 0 at |x| = 1."""
    return np.where(np.abs(x) < 1, 0.5 * (1 + np.cos(np.pi * np.clip(x, -1, 1))), 0.0)


def frame_of(analysis: Analysis) -> tuple[Landmarks, BodyFrame]:
    """The landmarks and body frame an analysis was measured in."""
    lm = Landmarks(analysis.landmarks[:, :2], analysis.landmarks[:, 2])
    return lm, body_frame(lm, (analysis.height, analysis.width))


def side_profile_of(analysis: Analysis, side: str) -> tuple[BodyFrame, np.ndarray, np.ndarray]:
    """(frame, v, u) of one side's traced outline, gaps filled."""
    _, frame = frame_of(analysis)
    edge = analysis.sides[side].outline
    rows = np.isfinite(edge).all(axis=1)
    first, last = np.flatnonzero(rows)[[0, -1]]
    edge, rows = edge[first : last + 1], rows[first : last + 1]
    lat, v = frame.to_frame(np.where(rows[:, None], edge, 0.0)).T
    u = np.where(rows, np.abs(lat), np.nan)
    # Heights of inner rows without an edge come from their neighbours.
    k = np.arange(v.size)
    v = np.interp(k, k[rows], v[rows])
    return frame, v, fill_gaps(u)


def inject_dip(rgb: np.ndarray, analysis: Analysis, side: str, depth_px: float) -> np.ndarray:
    """The photo with one side's outline pushed in by a notch of ``depth_px``.

    ``analysis`` must be the analysis of ``rgb`` with that side measured (its
    outline places the push).
    """
    h, w = rgb.shape[:2]
    if analysis.width != w or analysis.height != h:
        raise ValueError("analysis was made on another image size")
    _, frame = frame_of(analysis)
    T = frame.torso_px
    edge = analysis.sides[side].outline
    edge = edge[np.isfinite(edge).all(axis=1)]
    lat_e, v_e = frame.to_frame(edge).T
    order = np.argsort(v_e)
    sign = 1.0 if side == "left" else -1.0

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.stack([xx - frame.origin[0], yy - frame.origin[1]], axis=-1)
    lat = d @ frame.lateral.astype(np.float32) * sign  # outward distance, this side
    v = d @ frame.up.astype(np.float32)
    u0 = np.interp(v, v_e[order], (lat_e * sign)[order])  # edge at each height
    lo, hi = NOTCH[0] * T, NOTCH[1] * T
    along = raised_cosine((v - (lo + hi) / 2) / ((hi - lo) / 2))
    off = np.abs(lat - u0) - _FLAT * T
    across = np.where(off <= 0, 1.0, raised_cosine(off / (_TAPER * T)))
    push = depth_px * along * across * (lat > 0)  # this side of the body only
    # Sample further out: the edge appears depth_px further in.
    out = frame.lateral.astype(np.float32) * sign
    map_x = (xx + push * out[0]).astype(np.float32)
    map_y = (yy + push * out[1]).astype(np.float32)
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
