"""The bundled MediaPipe backends: an RGB image in, landmarks and a soft mask out.

MediaPipe is imported here and nowhere else. A backend is any object with the
:class:`~silhouette.PoseBackend` shape, so a MediaPipe Tasks model (or a fake,
in tests) can replace this one without touching the geometry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..core.landmarks import N_LANDMARKS, Landmarks, PoseEstimate
from ..errors import ModelNotFoundError
from ..files import native_stderr_silenced

__all__ = ["MODEL_FILES", "MediaPipePeople", "MediaPipePose"]

#: Model files the bundled backends need, relative to the mediapipe package.
MODEL_FILES = (
    "modules/pose_detection/pose_detection.tflite",
    "modules/pose_landmark/pose_landmark_full.tflite",
    "modules/selfie_segmentation/selfie_segmentation.tflite",
)


def _solutions():
    """``mp.solutions``, after checking the models are installed."""
    try:
        import mediapipe as mp
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelNotFoundError(
            "mediapipe is not installed; install silhouette with its dependencies"
        ) from exc
    solutions = getattr(mp, "solutions", None)
    if solutions is None:
        raise ModelNotFoundError(
            f"mediapipe {getattr(mp, '__version__', '?')} has no mp.solutions; "
            "silhouette needs mediapipe==0.10.21, whose wheel ships the pose models"
        )
    # MediaPipe downloads a missing model file; refuse instead.
    root = Path(mp.__file__).parent
    for rel in MODEL_FILES:
        if not (root / rel).is_file():
            raise ModelNotFoundError(
                f"{rel} is missing from the installed mediapipe package; reinstall "
                "mediapipe==0.10.21 (silhouette never downloads models)"
            )
    return solutions


class _Quiet:
    """Silences MediaPipe's native start-up log lines.

    MediaPipe and TensorFlow Lite write them from C++ straight to file
    descriptor 2 (``Created TensorFlow Lite XNNPACK delegate``,
    ``inference_feedback_manager``...) while a graph starts, from its own
    threads and after the constructor has returned, and on its first run;
    no setting turns them off. So a backend is made and run once on a tiny
    blank image (the graph has started when it answers), and its first real
    run is made, with descriptor 2 pointed at the null device
    (:func:`silhouette.files.native_stderr_silenced`); later runs print
    nothing and are left alone.
    """

    _first = True

    @staticmethod
    def _started(graph):
        """``graph`` once it has answered a first, blank image."""
        graph.process(np.full((64, 64, 3), 128, np.uint8))
        return graph

    def _quietly(self, run, *args):
        if not self._first:
            return run(*args)
        with native_stderr_silenced():
            out = run(*args)
        self._first = False
        return out


class MediaPipePeople(_Quiet):
    """MediaPipe selfie segmentation (general model) over the whole image.

    The pose model segments only the person it found, inside its crop; this
    model sees everyone, so other people in the photo can be noticed.
    """

    def __init__(self) -> None:
        solutions = _solutions()
        with native_stderr_silenced():
            self._seg = self._started(
                solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
            )

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        mask = self._quietly(self._seg.process, rgb).segmentation_mask
        return np.asarray(mask, dtype=np.float32)

    def close(self) -> None:
        self._seg.close()


class MediaPipePose(_Quiet):
    """MediaPipe Pose (BlazePose GHUM, "full" model) with segmentation.

    Uses the models shipped inside the ``mediapipe==0.10.21`` wheel:
    ``pose_detection.tflite`` and ``pose_landmark_full.tflite``. Nothing is
    downloaded; the "lite" and "heavy" models (complexity 0 and 2) are not in
    the wheel and are therefore never requested.

    Parameters
    ----------
    min_detection_confidence : float, optional
        Person detector threshold, in [0, 1].

    Notes
    -----
    One instance is not thread-safe: use one per thread or process. Its
    native start-up log lines are silenced (see ``_Quiet``).
    """

    def __init__(self, *, min_detection_confidence: float = 0.5) -> None:
        solutions = _solutions()
        with native_stderr_silenced():
            self._pose = self._started(
                solutions.pose.Pose(
                    static_image_mode=True,
                    model_complexity=1,
                    enable_segmentation=True,
                    min_detection_confidence=min_detection_confidence,
                )
            )

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> PoseEstimate | None:
        h, w = rgb.shape[:2]
        result = self._quietly(self._pose.process, rgb)
        if result.pose_landmarks is None:
            return None
        raw = np.array(
            [(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark],
            dtype=np.float64,
        )
        if raw.shape != (N_LANDMARKS, 3):  # pragma: no cover - fixed by the model
            raise RuntimeError(f"MediaPipe returned {raw.shape[0]} landmarks")
        # MediaPipe normalises by the image size with pixel edges at 0 and 1;
        # we use pixel centres at integer coordinates.
        xy = raw[:, :2] * (w, h) - 0.5
        if result.segmentation_mask is None:
            mask = np.zeros((h, w), dtype=np.float32)
        else:
            mask = np.asarray(result.segmentation_mask, dtype=np.float32)
        world = None
        if result.pose_world_landmarks is not None:
            world = np.array(
                [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float64
            )
        return PoseEstimate(Landmarks(xy, raw[:, 2], world), mask)

    def close(self) -> None:
        self._pose.close()
