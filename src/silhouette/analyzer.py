"""The reusable entry point: load the model once, analyse many photos."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .core.dip import DIP_THRESHOLD_RATIO
from .core.landmarks import PeopleBackend, PoseBackend
from .core.measure import MeasureOptions, measure_person
from .core.people import largest_person
from .core.posture import TILT_THRESHOLD_DEG
from .errors import InvalidInputError
from .files import model_threads
from .io import DecodedImage, ImageSource, fit_within, read_image
from .results import Analysis

__all__ = ["Analyzer", "AnalyzerOptions", "analyze"]

#: Long side of the copy in which other people are looked for, pixels.
_PEOPLE_SIDE = 256


@dataclass(frozen=True)
class AnalyzerOptions:
    """Settings of an :class:`Analyzer`.

    Attributes
    ----------
    max_side : int
        Photos are analysed with their long side reduced to at most this many
        pixels (results are still in original pixels). Larger is slower but
        resolves shallower dips; the pose model itself works at 256 pixels.
    min_detection_confidence : float
        Person detector threshold, in [0, 1].
    refine_edges : bool
        Fit the person mask's edge to the photo's edges (guided filter).
    dip_threshold_ratio : float
        Depth, as a fraction of hip width, from which a dip counts as present.
    tilt_threshold_deg : float
        Pelvic tilt, degrees, from which a stance counts as hip-popped.
    check_people : bool
        Notice other people and measure the largest person. The pose model's
        own person detector says how many people it saw, at no cost; only
        when it saw several is the pose model asked again (once per person).
        See ``people_backend`` of :class:`Analyzer` for a thorough check.
    threads : int or None
        CPU threads the pose model runs on. None: two when this process may
        use two cores or more (the call about a tenth faster than on one, on
        a 2-core machine; docs/performance.md), else one. The results are the
        same bit for bit. :func:`silhouette.run_batch` and ``silhouette
        serve`` give each of their worker processes its share of the cores.
    """

    max_side: int = 1600
    min_detection_confidence: float = 0.5
    refine_edges: bool = True
    dip_threshold_ratio: float = DIP_THRESHOLD_RATIO
    tilt_threshold_deg: float = TILT_THRESHOLD_DEG
    check_people: bool = True
    threads: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_side, int) or self.max_side < 64:
            raise InvalidInputError(f"max_side must be an int >= 64, got {self.max_side!r}")
        if not 0.0 <= self.min_detection_confidence <= 1.0:
            raise InvalidInputError(
                f"min_detection_confidence must be in [0, 1], got {self.min_detection_confidence}"
            )
        if not 0.0 < self.dip_threshold_ratio < 0.5:
            raise InvalidInputError(
                f"dip_threshold_ratio must be in (0, 0.5), got {self.dip_threshold_ratio}"
            )
        if self.threads is not None and (
            not isinstance(self.threads, int) or isinstance(self.threads, bool) or self.threads < 1
        ):
            raise InvalidInputError(f"threads must be an int >= 1, got {self.threads!r}")
        if not 0.0 < self.tilt_threshold_deg < 45.0:
            raise InvalidInputError(
                f"tilt_threshold_deg must be in (0, 45), got {self.tilt_threshold_deg}"
            )


class Analyzer:
    """Measures hip dips; holds the pose model so it loads only once.

    Parameters
    ----------
    options : AnalyzerOptions, optional
    pose_backend : PoseBackend, optional
        Replaces the bundled MediaPipe model (e.g. a fake in tests). The
        analyzer then does not own it and :meth:`close` leaves it open.
    people_backend : PeopleBackend, optional
        A whole-image person segmentation run on every photo, so that people
        the pose model's detector scores too low to count (small, turned
        away, half hidden) are noticed too. Without one, other people are
        noticed only by the pose backend's detector (see
        ``PoseEstimate.people_seen``; a backend that does not report it looks
        for nobody else). The bundled one is
        ``silhouette.backends.mediapipe.MediaPipePeople`` (a second model,
        about 10 ms a photo; docs/performance.md compares the two). The
        analyzer does not own it: :meth:`close` leaves it open.

    Notes
    -----
    One analyzer may be shared by several threads, but it analyses one photo
    at a time: the models are not thread-safe, so :meth:`analyze` holds a lock
    and the other threads wait. For photos in parallel, use one analyzer per
    process (as :func:`silhouette.run_batch` does).

    Examples
    --------
    >>> from silhouette import Analyzer
    >>> with Analyzer() as analyzer:                     # doctest: +SKIP
    ...     for path in ["a.jpg", "b.jpg"]:
    ...         print(analyzer.analyze(path).left.dip_depth_ratio)
    """

    def __init__(
        self,
        options: AnalyzerOptions | None = None,
        *,
        pose_backend: PoseBackend | None = None,
        people_backend: PeopleBackend | None = None,
    ) -> None:
        self.options = options or AnalyzerOptions()
        self._owns_backend = pose_backend is None
        if pose_backend is None:
            from .backends.mediapipe import MediaPipePose

            pose_backend = MediaPipePose(
                min_detection_confidence=self.options.min_detection_confidence,
                threads=self.options.threads or model_threads(),
            )
        self._pose: PoseBackend | None = pose_backend
        self._people: PeopleBackend | None = people_backend
        # The models are not thread-safe (two threads in one MediaPipe graph
        # crash the process): one analysis at a time.
        self._lock = threading.Lock()
        self._measure = MeasureOptions(
            refine_edges=self.options.refine_edges,
            dip_threshold_ratio=self.options.dip_threshold_ratio,
            tilt_threshold_deg=self.options.tilt_threshold_deg,
        )

    def analyze(self, image: ImageSource, *, height_cm: float | None = None) -> Analysis:
        """Measure the hips of the most prominent person in a photo.

        Parameters
        ----------
        image : path, bytes, PIL image or (H, W[, C]) ndarray
            See :func:`silhouette.load_image`. Arrays are RGB. (Also a
            ``DecodedImage`` from ``silhouette.io.read_image``, which keeps the
            original size of a photo decoded at reduced size.)
        height_cm : float, optional
            The person's standing height, centimetres, to report depths in cm.

        Returns
        -------
        Analysis
            ``person_found`` is False, with a warning, when there is nobody.

        Raises
        ------
        ImageDecodeError
            The file cannot be read as an image.
        InvalidInputError
            Bad argument (array shape or dtype, height out of range).
        """
        if self._pose is None:
            raise RuntimeError("this Analyzer is closed")
        if height_cm is not None:
            height_cm = _height(height_cm)
        decoded = (
            image
            if isinstance(image, DecodedImage)
            else read_image(image, max_side=self.options.max_side)
        )
        with self._lock:
            return self._analyze(decoded, height_cm)

    def _analyze(self, decoded: DecodedImage, height_cm: float | None) -> Analysis:
        if self._pose is None:
            raise RuntimeError("this Analyzer is closed")
        rgb = fit_within(decoded.rgb, self.options.max_side)
        estimate = self._pose(rgb)
        people = 1
        if estimate is not None and self.options.check_people:
            seen = estimate.people_seen or 1
            if self._people is not None:
                # The segmentation model works at 256 pixels anyway; giving it
                # a small copy saves resizing the image and its mask at full size.
                small = fit_within(rgb, _PEOPLE_SIDE)
                estimate, people = largest_person(rgb, estimate, self._people(small), self._pose)
            elif seen > 1:
                estimate, people = largest_person(rgb, estimate, None, self._pose)
            # People the detector saw count even if the pose model, asked
            # again, does not place landmarks on them.
            people = max(people, seen)
        return measure_person(
            rgb,
            estimate,
            people=people,
            original_size=decoded.original_size,
            height_cm=height_cm,
            options=self._measure,
        )

    def close(self) -> None:
        """Release the model. Further calls to :meth:`analyze` fail."""
        with self._lock:  # never under a running analysis
            if self._pose is not None and self._owns_backend:
                self._pose.close()
            self._pose = self._people = None

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _height(height_cm: object) -> float:
    """``height_cm`` as a float in the range of human heights, or raise."""
    try:
        value = float(height_cm)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInputError(f"height_cm must be a number, got {height_cm!r}") from None
    if isinstance(height_cm, bool) or not 50.0 <= value <= 272.0:
        raise InvalidInputError(f"height_cm must be between 50 and 272, got {height_cm!r}")
    return value


def analyze(
    image: ImageSource,
    *,
    height_cm: float | None = None,
    options: AnalyzerOptions | None = None,
) -> Analysis:
    """Analyse one photo with a throwaway :class:`Analyzer`.

    Loads the pose model on every call (about 0.1 s); to analyse several
    photos, use one :class:`Analyzer` instead.
    """
    with Analyzer(options) as analyzer:
        return analyzer.analyze(image, height_cm=height_cm)
