"""Several people in one photo: notice them, and measure the largest.

The pose model returns one person, not necessarily the largest. When its
person detector saw several people, or a whole-image person segmentation shows
much more "person" than the one found, that person is blanked out and the pose
model asked again, until nobody new is found; the person with the longest
torso (the largest in the picture) is kept.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from .landmarks import Landmark, PoseEstimate

__all__ = ["MAX_PEOPLE", "largest_person", "plausible_person", "torso_length"]

#: At most this many people are looked for.
MAX_PEOPLE = 4
#: Person pixels outside the found person, as a share of that person's own,
#: from which the photo has other people in it (a bag or a chair stays below).
_OTHERS_SHARE = 0.3


def torso_length(estimate: PoseEstimate) -> float:
    """Mid-hip to mid-shoulder distance, pixels: how large the person appears."""
    lm = estimate.landmarks
    L = Landmark
    d = lm.mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - lm.mid(L.LEFT_HIP, L.RIGHT_HIP)
    return float(np.hypot(*d))


def _grown(mask: np.ndarray, px: int) -> np.ndarray:
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask.astype(np.uint8), k).astype(bool)


def largest_person(
    rgb: npt.NDArray[np.uint8],
    first: PoseEstimate,
    people: npt.NDArray[np.float32] | None,
    pose: Callable[[npt.NDArray[np.uint8]], PoseEstimate | None],
) -> tuple[PoseEstimate, int]:
    """The largest person, and how many people were found (1 when alone).

    Parameters
    ----------
    rgb : (H, W, 3) ndarray of uint8
    first : PoseEstimate
        What the pose model found on the whole image.
    people : (h, w) ndarray of float32 or None
        Soft mask of every person in the image, at any size with the image's
        shape (a small one is enough: it only has to show other people). The
        pose model is asked again only when it holds much more person than
        ``first``. None: others are known to be there (the pose model's own
        detector saw them), so it is asked again straight away.
    pose : callable
        The pose model, called again on images with people blanked out.
    """
    h, w = rgb.shape[:2]
    if people is not None:
        ph, pw = people.shape
        own = cv2.resize(
            (first.mask >= 0.5).astype(np.uint8), (pw, ph), interpolation=cv2.INTER_AREA
        )
        others = (people >= 0.5) & ~_grown(own > 0, max(1, round(0.01 * max(ph, pw))))
        if others.sum() < _OTHERS_SHARE * max(1, int(own.sum())):
            return first, 1
    margin = max(2, round(0.01 * max(h, w)))
    found = [first]
    taken = _grown(first.mask >= 0.5, margin)
    # Blank with the image's own blurred colours: a flat grey patch could
    # itself look like a body to the detector.
    blur = cv2.blur(rgb, (max(3, w // 8) | 1, max(3, h // 8) | 1))
    canvas = rgb.copy()
    while len(found) < MAX_PEOPLE:
        canvas[taken] = blur[taken]
        nxt = pose(canvas)
        if nxt is None:
            break
        hips = nxt.landmarks.mid(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
        x, y = np.clip(np.round(hips).astype(int), 0, [w - 1, h - 1])
        if taken[y, x]:  # the detector found a blanked person again
            break
        found.append(nxt)
        taken |= _grown(nxt.mask >= 0.5, margin)
    # Only people the pose model confirms count: the segmentation alone also
    # takes some objects (an engine bay, a coat on a chair) for a person.
    return max(found, key=torso_length), len(found)


#: Bounds of a plausible human, measured in torso lengths (mid-hip to
#: mid-shoulder): the person region's area (a standing adult, cut at the
#: thighs or not, covers 1.5-3 T^2 on the shared photos) ...
_AREA_T2 = (0.5, 8.0)
#: ... the shoulder and hip-landmark widths (at most 0.8 and 0.5 T, facing
#: the camera) ...
_MAX_SHOULDERS_T, _MAX_HIPS_T = 1.6, 1.2
#: ... and the share of the torso (between shoulders and hips) the mask covers.
_MIN_TORSO_COVER = 0.5


def plausible_person(estimate: PoseEstimate, soft: npt.NDArray[np.float32]) -> bool:
    """Whether landmarks and mask form a plausible human at all.

    A pose model can "find" a person in a patterned wall or a coat on a
    chair; such a skeleton is too wide for its torso, its torso is not
    covered by the mask, or the region is far too small or large for it.
    The bounds are generous: they only catch what no person looks like.

    Parameters
    ----------
    estimate : PoseEstimate
    soft : (H, W) ndarray of float32
        The person's own mask region (see :func:`silhouette.core.mask.select_person`).
    """
    lm = estimate.landmarks
    L = Landmark
    T = torso_length(estimate)
    if T < 4.0:
        return False
    shoulders = float(np.hypot(*(lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]))) / T
    hips = float(np.hypot(*(lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]))) / T
    if shoulders > _MAX_SHOULDERS_T or hips > _MAX_HIPS_T:
        return False
    area = float(np.count_nonzero(soft >= 0.5)) / T**2
    if not _AREA_T2[0] <= area <= _AREA_T2[1]:
        return False
    # Points spread over the quadrilateral of shoulders and hips.
    a, b = np.meshgrid(np.linspace(0.1, 0.9, 5), np.linspace(0.1, 0.9, 5))
    top = lm[L.LEFT_SHOULDER] * (1 - a[..., None]) + lm[L.RIGHT_SHOULDER] * a[..., None]
    bottom = lm[L.LEFT_HIP] * (1 - a[..., None]) + lm[L.RIGHT_HIP] * a[..., None]
    pts = np.round(top * (1 - b[..., None]) + bottom * b[..., None]).reshape(-1, 2).astype(int)
    h, w = soft.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    if not inside.any():
        return False
    covered = soft[pts[inside, 1], pts[inside, 0]] >= 0.5
    return bool(covered.mean() >= _MIN_TORSO_COVER)
