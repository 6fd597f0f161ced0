"""The bundled MediaPipe backends: an RGB image in, landmarks and a soft mask out.

MediaPipe is imported here and nowhere else. A backend is any object with the
:class:`~silhouette.PoseBackend` shape, so a MediaPipe Tasks model (or a fake,
in tests) can replace this one without touching the geometry.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    "modules/pose_landmark/pose_landmark_cpu.binarypb",
    "modules/selfie_segmentation/selfie_segmentation.tflite",
    "modules/selfie_segmentation/selfie_segmentation_cpu.binarypb",
)
#: The graphs, as MediaPipe's ``Pose`` and ``SelfieSegmentation`` solutions
#: name them (relative to the directory holding the mediapipe package).
_POSE_GRAPH = "mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb"
_PEOPLE_GRAPH = "mediapipe/modules/selfie_segmentation/selfie_segmentation_cpu.binarypb"
#: Modules ``import mediapipe`` loads that no graph uses: its drawing
#: utilities, which import matplotlib.pyplot (about 0.7 s, most of the import).
_UNUSED_BY_THE_GRAPHS = (
    "mediapipe.python.solutions.drawing_utils",
    "mediapipe.python.solutions.drawing_styles",
)


class _DeferredFinder(importlib.abc.MetaPathFinder):
    """Loads the named modules lazily (:class:`importlib.util.LazyLoader`)."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = importlib.util.LazyLoader(spec.loader)
            return spec
        return None


@contextmanager
def _deferred(names: tuple[str, ...]) -> Iterator[None]:
    """Modules first imported in this block run only when first used.

    ``import mediapipe`` imports its drawing utilities, and they import
    ``matplotlib.pyplot``; no graph ever uses either. Imported under this
    block, such a module is created but its code runs on the first attribute
    access, by whoever makes it: ``mp.solutions.drawing_utils`` works as
    before, and imports matplotlib then. MediaPipe itself is not changed, and
    a module already imported stays as it is.
    """
    finder = _DeferredFinder(frozenset(n for n in names if n not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _solution_base(threads: int | None = None):
    """MediaPipe's ``SolutionBase``, after checking that the models are installed.

    With ``threads``, a subclass whose graph runs each TensorFlow Lite model
    on that many threads (XNNPACK's ``num_threads``; MediaPipe's default on
    desktop is one, whatever the machine has).
    """
    try:
        with _deferred(_UNUSED_BY_THE_GRAPHS):
            import mediapipe as mp
            from mediapipe.calculators.tensor import inference_calculator_pb2
            from mediapipe.python.solution_base import SolutionBase
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelNotFoundError(
            "mediapipe is not installed, or is not the version silhouette needs "
            "(mediapipe==0.10.21, whose wheel ships the pose models); install silhouette "
            "with its dependencies"
        ) from exc
    # MediaPipe's solutions download a missing model file; refuse instead.
    root = Path(mp.__file__).parent
    for rel in MODEL_FILES:
        if not (root / rel).is_file():
            raise ModelNotFoundError(
                f"{rel} is missing from the installed mediapipe package "
                f"({getattr(mp, '__version__', '?')}); reinstall mediapipe==0.10.21 "
                "(silhouette never downloads models)"
            )
    if threads is None:
        return SolutionBase
    inference = inference_calculator_pb2.InferenceCalculatorOptions.ext

    class Threaded(SolutionBase):
        # The graph's subgraphs are expanded only when it is validated, so
        # this is the one place that sees their inference nodes; their
        # ``delegate`` is a nested message, which ``calculator_params``
        # cannot set. (SolutionBase calls this only with calculator_params,
        # which the pose graph always passes.)
        def _modify_calculator_options(self, config, calculator_params):
            super()._modify_calculator_options(config, calculator_params)
            for node in config.node:
                if node.options.HasExtension(inference):
                    node.options.Extensions[inference].delegate.xnnpack.num_threads = threads

    return Threaded


class _Quiet:
    """Silences MediaPipe's native start-up log lines.

    MediaPipe and TensorFlow Lite write them from C++ straight to file
    descriptor 2 (``Created TensorFlow Lite XNNPACK delegate``,
    ``inference_feedback_manager``...) while a graph starts, from its own
    threads and after the constructor has returned, and on its first run;
    no setting turns them off. So a backend is made and run once on a tiny
    blank image (the graph has started when it answers), and its first real
    run is made, with descriptor 2 pointed at the null device
    (:func:`silhouette.files.native_stderr_silenced`), and for the pose graph
    every run up to the first that finds a person (its landmark branch logs
    on its own first run); later runs print nothing and are left alone.
    """

    _first = True

    @staticmethod
    def _started(graph):
        """``graph`` once it has answered a first, blank image."""
        graph.process(np.full((64, 64, 3), 128, np.uint8))
        return graph

    def _quietly(self, run, *args, settled=lambda out: True):
        """``run(*args)``, silenced until a run has ``settled`` the graph.

        A graph logs again when a branch runs for the first time (the pose
        graph's landmark branch, only once a person is found).
        """
        if not self._first:
            return run(*args)
        with native_stderr_silenced():
            out = run(*args)
        self._first = not settled(out)
        return out


class MediaPipePeople(_Quiet):
    """MediaPipe selfie segmentation (general model) over the whole image.

    The pose model segments only the person it found, inside its crop; this
    model sees everyone, so other people in the photo can be noticed even
    when the pose model's detector scores them too low to count (see
    :class:`~silhouette.Analyzer`'s ``people_backend``). Same graph and
    settings as MediaPipe's ``SelfieSegmentation(model_selection=0)``.
    """

    def __init__(self) -> None:
        solution_base = _solution_base()
        with native_stderr_silenced():
            self._seg = self._started(
                solution_base(
                    binary_graph_path=_PEOPLE_GRAPH,
                    side_inputs={"model_selection": 0},
                    outputs=["segmentation_mask"],
                )
            )

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        mask = self._quietly(self._seg.process, {"image": rgb}).segmentation_mask
        return np.asarray(mask, dtype=np.float32)

    def close(self) -> None:
        self._seg.close()


class MediaPipePose(_Quiet):
    """MediaPipe Pose (BlazePose GHUM, "full" model) with segmentation.

    Uses the models shipped inside the ``mediapipe==0.10.21`` wheel:
    ``pose_detection.tflite`` and ``pose_landmark_full.tflite``. Nothing is
    downloaded; the "lite" and "heavy" models (complexity 0 and 2) are not in
    the wheel and are therefore never requested.

    The graph and its settings are those of MediaPipe's
    ``Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)``;
    besides the landmarks and the mask it reports how many people the
    graph's person detector found (``PoseEstimate.people_seen``), which
    ``Pose`` does not pass on. The landmarks are those of the first of them.

    Parameters
    ----------
    min_detection_confidence : float, optional
        Person detector threshold, in [0, 1].
    threads : int, optional
        Threads each of the two networks runs on (default 1, as MediaPipe's
        ``Pose``). Two take about a tenth off the call on a 2-core machine
        (docs/performance.md); the results are bit for bit the same.

    Notes
    -----
    One instance is not thread-safe: use one per thread or process. Its
    native start-up log lines are silenced (see ``_Quiet``).
    """

    def __init__(self, *, min_detection_confidence: float = 0.5, threads: int = 1) -> None:
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"threads must be an int >= 1, got {threads!r}")
        solution_base = _solution_base(threads)
        with native_stderr_silenced():
            self._pose = self._started(
                solution_base(
                    binary_graph_path=_POSE_GRAPH,
                    side_inputs={
                        "model_complexity": 1,
                        "smooth_landmarks": False,
                        "enable_segmentation": True,
                        "smooth_segmentation": False,
                        "use_prev_landmarks": False,  # every photo is detected afresh
                    },
                    calculator_params={
                        "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                            min_detection_confidence
                        ),
                        "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation"
                        "__ThresholdingCalculator.threshold": 0.5,
                    },
                    outputs=[
                        "pose_landmarks",
                        "pose_world_landmarks",
                        "segmentation_mask",
                        # Every person the detector found (score above the
                        # threshold, after non-maximum suppression); the graph
                        # follows the first.
                        "pose_detections",
                    ],
                )
            )

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> PoseEstimate | None:
        h, w = rgb.shape[:2]
        result = self._quietly(
            self._pose.process, {"image": rgb}, settled=lambda r: r.pose_landmarks is not None
        )
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
        # The landmarks come from a detection, so there is at least one.
        seen = max(1, len(result.pose_detections or ()))
        return PoseEstimate(Landmarks(xy, raw[:, 2], world), mask, people_seen=seen)

    def close(self) -> None:
        self._pose.close()
