"""Two photos of the same person: how each hip's dip changed, and whether that can be trusted.

The two people are aligned by a similarity transform (rotation, uniform scale,
shift) fitted to the joints that do not move with body fat: shoulders, hips and
knees. The transform only places the earlier outline over the later photo for
the eye; the change itself is the difference of the depth ratios, which do not
depend on where the person stood or how large they are in the frame.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError
from ..results import Analysis, Comparison, SideChange
from .anatomy import MIN_VISIBILITY
from .capture import compare_capture
from .landmarks import Landmark
from .scoring import beyond_noise

__all__ = ["ALIGNMENT_LANDMARKS", "compare", "side_change", "similarity_transform"]

#: Joints the alignment is fitted to: bone ends, which body fat does not move.
ALIGNMENT_LANDMARKS = (
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
)


def similarity_transform(
    src: npt.ArrayLike, dst: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> npt.NDArray[np.float64]:
    """The least-squares similarity transform taking ``src`` points onto ``dst``.

    Umeyama's closed form (IEEE PAMI 13(4), 1991), weighted: rotation, one
    scale and a shift, no reflection. Written here rather than taken from
    ``skimage.transform.SimilarityTransform``, which has no weights and would
    double the import time of the command.

    Parameters
    ----------
    src, dst : (N, 2) array_like
        Corresponding points, N >= 2, pixels.
    weights : (N,) array_like, optional
        Non-negative weight of each pair (e.g. the landmarks' visibility).

    Returns
    -------
    (2, 3) ndarray
        ``M`` with ``dst ~ src @ M[:, :2].T + M[:, 2]``.

    Examples
    --------
    >>> src = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> M = similarity_transform(src, 2 * src[:, ::-1] * [1, -1] + [5, 7])
    >>> np.round(M, 6) + 0.0
    array([[ 0.,  2.,  5.],
           [-2.,  0.,  7.]])
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    s, d = src - mu_s, dst - mu_d
    cov = (d * w[:, None]).T @ s
    u, sv, vt = np.linalg.svd(cov)
    flip = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt)) or 1.0])
    rot = u @ flip @ vt
    var_s = float(w @ (s**2).sum(axis=1))
    scale = float(np.trace(np.diag(sv) @ flip)) / var_s
    return np.column_stack([scale * rot, mu_d - scale * rot @ mu_s])


def compare(before: Analysis, after: Analysis) -> Comparison:
    """How each hip's dip changed from ``before`` to ``after``, and whether they compare.

    Parameters
    ----------
    before, after : Analysis
        Two analyses of the same person, the earlier first.

    Raises
    ------
    InvalidInputError
        ``before`` or ``after`` is not an :class:`Analysis` (a photo's path,
        say: analyse it first).

    Returns
    -------
    Comparison
        Per side the two depths and their change (ratio of hip width, and cm
        when both photos have a scale), whether the change is larger than
        the measurement's noise, the capture verdict with its reasons, and the
        transform from ``before``'s pixels to ``after``'s (None when fewer than
        three of the joints are seen in both, or the views differ).

    Examples
    --------
    >>> nobody = Analysis(10, 10, person_found=False)
    >>> compare(nobody, nobody).reasons
    ('no person in the earlier photo', 'no person in the later photo')
    """
    for a, name in ((before, "before"), (after, "after")):
        if not isinstance(a, Analysis):
            raise InvalidInputError(
                f"{name} must be an Analysis (silhouette.analyze(photo) or "
                f"Analyzer.analyze(photo)), got {type(a).__name__}"
            )
    reasons: list[str] = []
    for a, when in ((before, "earlier"), (after, "later")):
        if not a.person_found:
            reasons.append(f"no person in the {when} photo")
        elif a.view not in ("front", "back"):
            reasons.append(f"the {when} photo is not a front or back view")
    if not reasons and before.view != after.view:
        reasons.append(f"a {after.view} view compared with a {before.view} view")
    if not reasons and before.capture is not None and after.capture is not None:
        reasons += compare_capture(before.capture, after.capture, than="the earlier photo").reasons
    return Comparison(
        left=_side_change("left", before, after),
        right=_side_change("right", before, after),
        comparable=not reasons,
        reasons=tuple(reasons),
        transform=_alignment(before, after),
    )


def _side_change(side: str, before: Analysis, after: Analysis) -> SideChange:
    b, a = before.sides[side], after.sides[side]
    return side_change(side, b.dip_depth_ratio, a.dip_depth_ratio, b.dip_depth_cm, a.dip_depth_cm)


def side_change(
    side: str,
    before_ratio: float | None,
    after_ratio: float | None,
    before_cm: float | None = None,
    after_cm: float | None = None,
) -> SideChange:
    """One side's change between two depths (ratios of hip width; cm when both have them).

    Examples
    --------
    >>> c = side_change("left", 0.020, 0.031)
    >>> round(c.change_ratio, 4), c.beyond_noise
    (0.011, True)
    """
    change = cm = None
    if before_ratio is not None and after_ratio is not None:
        change = after_ratio - before_ratio
    if before_cm is not None and after_cm is not None:
        cm = after_cm - before_cm
    return SideChange(
        side,
        before_ratio=before_ratio,
        after_ratio=after_ratio,
        change_ratio=change,
        before_cm=before_cm,
        after_cm=after_cm,
        change_cm=cm,
        beyond_noise=None if change is None else beyond_noise(change),
    )


def _alignment(before: Analysis, after: Analysis) -> npt.NDArray[np.float64] | None:
    if before.landmarks is None or after.landmarks is None:
        return None
    if before.view != after.view:
        # Front against back: each side is on the other side of the photo,
        # a mirror no rotation and scale can follow.
        return None
    idx = list(ALIGNMENT_LANDMARKS)
    vis = np.minimum(before.landmarks[idx, 2], after.landmarks[idx, 2])
    seen = vis >= MIN_VISIBILITY
    if seen.sum() < 3:
        return None
    src, dst = before.landmarks[idx, :2][seen], after.landmarks[idx, :2][seen]
    if np.ptp(src, axis=0).max() < 1.0:
        return None
    return similarity_transform(src, dst, vis[seen])
