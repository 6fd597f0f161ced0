"""The bundled MediaPipe backend, as a library user meets it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"

pytestmark = pytest.mark.model

LIBRARY_USE = textwrap.dedent(f"""
    import sys
    from silhouette import Analyzer, analyze, load_image

    image = load_image({str(SAMPLES / "arsalan_front.jpg")!r})
    with Analyzer() as analyzer:
        analyzer.analyze(image)
        print("python's own stderr still shows", file=sys.stderr)
        analyzer.analyze(image[::2, ::2].copy())  # another size: a new graph run
    analyze({str(SAMPLES / "render_back.jpg")!r})  # a second model in the process
""")


# The graph logs from its own threads after the constructor returns, when a
# network first runs, and when its landmark branch first finds someone: a
# pause before the first photo, a first photo with nobody or an unreadable
# one must not let any of it through.
FIRST_CALLS = textwrap.dedent(f"""
    import sys, time
    import silhouette
    from silhouette import Analyzer, ImageDecodeError

    silhouette.analyze({str(SAMPLES / "render_back.jpg")!r})
    with Analyzer() as analyzer:
        time.sleep(0.5)
        try:
            analyzer.analyze({str(SAMPLES / "CREDITS.md")!r})
        except ImageDecodeError:
            pass
        analyzer.analyze({str(SAMPLES / "empty_room.jpg")!r})
        time.sleep(0.3)
        analyzer.analyze({str(SAMPLES / "arsalan_front.jpg")!r})
        time.sleep(0.3)
    print("done", file=sys.stderr)
""")


def test_no_native_log_line_after_a_pause_a_bad_file_or_a_photo_with_nobody():
    p = subprocess.run(
        [sys.executable, "-c", FIRST_CALLS], capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["done"]


def test_the_library_prints_none_of_mediapipes_native_log_lines():
    # MediaPipe logs "Created TensorFlow Lite XNNPACK delegate",
    # "inference_feedback_manager" and more from C++ to file descriptor 2.
    p = subprocess.run(
        [sys.executable, "-c", LIBRARY_USE], capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["python's own stderr still shows"]


DEFERRED_DRAWING = textwrap.dedent(f"""
    import sys
    import numpy as np
    from PIL import Image
    from silhouette.backends.mediapipe import MediaPipePose

    pose = MediaPipePose()
    est = pose(np.asarray(Image.open({str(SAMPLES / "arsalan_front.jpg")!r}).convert("RGB")))
    print("matplotlib imported:", "matplotlib" in sys.modules)
    print("people seen:", est.people_seen)
    import mediapipe as mp

    style = mp.solutions.drawing_styles.get_default_pose_landmarks_style()
    print("drawing styles work:", len(style) == 33)
    print("drawing utils work:", type(mp.solutions.drawing_utils.DrawingSpec()).__name__)
    print("matplotlib imported:", "matplotlib.pyplot" in sys.modules)
""")


def test_the_pose_model_loads_without_mediapipes_drawing_utilities_which_still_work():
    # `import mediapipe` imports its drawing utilities and, through them,
    # matplotlib.pyplot (about 0.7 s); the backend defers them until used.
    p = subprocess.run(
        [sys.executable, "-c", DEFERRED_DRAWING],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "matplotlib imported: False",
        "people seen: 1",
        "drawing styles work: True",
        "drawing utils work: DrawingSpec",
        "matplotlib imported: True",
    ]


def _threads_of(pose) -> list[int]:
    """XNNPACK thread counts of every network in a running pose graph."""
    from google.protobuf import text_format
    from mediapipe.calculators.tensor import inference_calculator_pb2
    from mediapipe.framework import calculator_pb2

    ext = inference_calculator_pb2.InferenceCalculatorOptions.ext
    config = text_format.Parse(
        pose._pose._graph.text_config, calculator_pb2.CalculatorGraphConfig()
    )
    return [
        n.options.Extensions[ext].delegate.xnnpack.num_threads
        for n in config.node
        if n.options.HasExtension(ext)
    ]


@pytest.fixture(scope="module")
def arsalan():
    from PIL import Image

    return np.asarray(Image.open(SAMPLES / "arsalan_front.jpg").convert("RGB"))


def test_threads_reach_both_networks_and_leave_the_results_bit_for_bit(arsalan):
    from silhouette.backends.mediapipe import MediaPipePose

    one, two = MediaPipePose(threads=1), MediaPipePose(threads=2)
    try:
        a, b = one(arsalan), two(arsalan)
        # the detector and the landmark network, each on the threads asked for
        assert _threads_of(one) == [1, 1]
        assert _threads_of(two) == [2, 2]
    finally:
        one.close()
        two.close()
    np.testing.assert_array_equal(a.landmarks.xy, b.landmarks.xy)
    np.testing.assert_array_equal(a.mask, b.mask)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_threads_must_be_a_positive_int(bad):
    from silhouette import AnalyzerOptions, InvalidInputError
    from silhouette.backends.mediapipe import MediaPipePose

    with pytest.raises(ValueError, match="threads"):
        MediaPipePose(threads=bad)
    with pytest.raises(InvalidInputError, match="threads"):
        AnalyzerOptions(threads=bad)
