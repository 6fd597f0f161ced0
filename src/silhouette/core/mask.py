"""The person's soft mask: keep the detected person, sharpen its edge.

The segmentation model runs on a 256-pixel crop and is upsampled, so its edge
is soft and may wander a pixel or two from the real outline. A guided filter
(He et al., 2013) re-fits the soft mask to the photo's own edges, which
matters when a hip dip is only a few pixels deep.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .anatomy import BANDS, BodyFrame
from .landmarks import Landmark, Landmarks

__all__ = ["PersonMask", "refine_around_hips", "refine_edges", "select_person"]

#: Another region at least this fraction of the person's area is reported.
_OTHER_REGION_FRACTION = 0.2


@dataclass(frozen=True, eq=False)
class PersonMask:
    """Soft mask of one person.

    Attributes
    ----------
    soft : (H, W) ndarray of float32
        Mask in [0, 1] in which other regions are cut to 0; 0.5 is the edge.
    other_regions : int
        Other mask regions at least a fifth of the person's size, such as a
        second person the segmentation also picked up.
    """

    soft: npt.NDArray[np.float32]
    other_regions: int


_TORSO = (
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
)


def select_person(mask: npt.NDArray[np.float32], landmarks: Landmarks) -> PersonMask | None:
    """Keep the mask region that holds the person's torso.

    Parameters
    ----------
    mask : (H, W) ndarray of float32
        Soft mask in [0, 1].
    landmarks : Landmarks
        The same person's landmarks, pixels.

    Returns
    -------
    PersonMask or None
        None when no region contains the torso: the detector's person is not
        confirmed by the segmentation.
    """
    # Regions are found at half resolution: a quarter of the work, and a
    # region too thin to survive it is too small to matter.
    half = np.ascontiguousarray(mask[::2, ::2] >= 0.5).view(np.uint8)
    # Labelled within the box around every mask pixel (half the work when the
    # person fills half the width); the box starts on even pixels so that the
    # labelling scans its 2x2 blocks, and numbers the regions, as over the
    # whole image.
    bx, by, bw, bh = cv2.boundingRect(half)
    if bw == 0 or bh == 0:
        return None
    x0, y0 = bx & ~1, by & ~1
    n, boxed, stats, _ = cv2.connectedComponentsWithStats(
        half[y0 : by + bh, x0 : bx + bw], connectivity=8
    )
    if n <= 1:
        return None
    hh, hw = half.shape
    torso = np.vstack(
        [
            landmarks.xy[list(_TORSO)],
            landmarks.mid(_TORSO[0], _TORSO[3])[None],
            landmarks.mid(_TORSO[1], _TORSO[2])[None],
        ]
    )
    # Torso landmarks sit inside the body; the centre lines of the torso's
    # diagonals do too, even when a shoulder is at the silhouette's edge.
    cols = np.clip(np.round(torso[:, 0] / 2).astype(int), 0, hw - 1)
    rows = np.clip(np.round(torso[:, 1] / 2).astype(int), 0, hh - 1)
    rows, cols = rows - y0, cols - x0
    inside = (rows >= 0) & (rows < boxed.shape[0]) & (cols >= 0) & (cols < boxed.shape[1])
    hits = boxed[rows[inside], cols[inside]]
    hits = hits[hits > 0]
    if hits.size == 0:
        return None
    person = int(np.bincount(hits).argmax())
    areas = stats[:, cv2.CC_STAT_AREA] * 4
    area = int(areas[person])
    soft = mask.astype(np.float32, copy=True)
    if n > 2:
        # Other regions lose their cores; their soft fringes (below 0.5)
        # stay, as does the person's own, where the crossing is interpolated.
        other = np.zeros(half.shape, dtype=np.uint8)
        other[y0 : by + bh, x0 : bx + bw] = (boxed != person) & (boxed != 0)
        full = cv2.resize(other, (mask.shape[1], mask.shape[0]), interpolation=cv2.INTER_NEAREST)
        soft[full.astype(bool) & (mask >= 0.5)] = 0.0
    others = int(np.sum(areas[1:] >= _OTHER_REGION_FRACTION * area)) - 1
    return PersonMask(soft, max(others, 0))


def refine_edges(
    soft: npt.NDArray[np.float32],
    rgb: npt.NDArray[np.uint8],
    *,
    radius_px: int = 4,
    eps: float = 1e-3,
) -> npt.NDArray[np.float32]:
    """Fit a soft mask's edge to the photo's edges with a guided filter.

    Parameters
    ----------
    soft : (H, W) ndarray of float32
        Soft mask in [0, 1].
    rgb : (H, W, 3) ndarray of uint8
        The photo, same size.
    radius_px : int, optional
        Filter window radius, pixels. Larger follows edges further from the
        model's guess but blurs thin gaps (between an arm and the waist).
    eps : float, optional
        Regularisation on a [0, 1] colour scale; smaller follows weaker
        photo edges.

    Returns
    -------
    refined : (H, W) ndarray of float32
        Soft mask in [0, 1].
    """
    guide = rgb.astype(np.float32) / 255.0
    out = cv2.ximgproc.guidedFilter(guide, soft.astype(np.float32), radius_px, eps)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def refine_around_hips(
    mask: npt.NDArray[np.float32], rgb: npt.NDArray[np.uint8], frame: BodyFrame
) -> npt.NDArray[np.float32]:
    """Guided-filter the mask (in place) in a strip beside each hip only.

    Each strip runs from inside the body (0.2 T from the axis) to beyond the
    widest hips (0.8 T), over the analysis window's heights: the filter costs
    in proportion to the area it covers. Returns ``mask``.
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
